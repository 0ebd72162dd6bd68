"""Runtime settings read from the environment and `.env`."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SLACK_API_DEFAULT = "https://slack.com/api/"
GOTO_AUTH_DEFAULT = "https://authentication.logmeininc.com"
GOTO_API_DEFAULT = "https://api.getgo.com"
PLACEHOLDERS = {"", "changeme", "change-me", "changethis", "xxx", "secret", "todo", "placeholder"}


class MissingSettings(Exception):
    """Raised when required settings are missing outside the sandbox."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__(
            "viltbot cannot start: set "
            + ", ".join(names)
            + " (or run `viltbot serve --sandbox` to try it without Slack or GoTo)"
        )


class Settings(BaseSettings):
    """Every knob of viltbot; every Slack and GoTo URL is overridable."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    database_url: str = Field(default="sqlite:///viltbot.db", alias="DATABASE_URL")
    slack_bot_token: SecretStr | None = Field(default=None, alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(default=None, alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(default=None, alias="SLACK_APP_TOKEN")
    slack_client_id: str | None = Field(default=None, alias="SLACK_CLIENT_ID")
    slack_client_secret: SecretStr | None = Field(default=None, alias="SLACK_CLIENT_SECRET")
    slack_api_url: str = Field(default=SLACK_API_DEFAULT, alias="SLACK_API_URL")
    slack_oauth_authorize_url: str = Field(
        default="https://slack.com/oauth/v2/authorize", alias="SLACK_OAUTH_AUTHORIZE_URL"
    )
    goto_auth_url: str = Field(default=GOTO_AUTH_DEFAULT, alias="GOTO_AUTH_URL")
    goto_api_url: str = Field(default=GOTO_API_DEFAULT, alias="GOTO_API_URL")
    goto_rate_limit: float = Field(default=10.0, alias="GOTO_RATE_LIMIT")
    public_url: str = Field(default="http://127.0.0.1:3000", alias="PUBLIC_URL")
    secret_key: SecretStr | None = Field(default=None, alias="VILTBOT_SECRET_KEY")
    admins: str = Field(default="", alias="VILTBOT_ADMINS")
    port: int = Field(default=3000, alias="PORT")
    sandbox: bool = Field(default=False, alias="VILTBOT_SANDBOX")
    scheduler_enabled: bool = Field(default=True, alias="VILTBOT_SCHEDULER")
    notice_max_attempts: int = Field(default=8, alias="VILTBOT_NOTICE_MAX_ATTEMPTS")
    notice_poll_seconds: float = Field(default=5.0, alias="VILTBOT_NOTICE_POLL_SECONDS")
    # Slack's payloads stay well under 1 MiB; larger request bodies are refused with 413.
    max_request_bytes: int = Field(default=1024 * 1024, ge=1024, alias="VILTBOT_MAX_REQUEST_BYTES")

    @field_validator("slack_api_url")
    @classmethod
    def _slack_api_url_ends_with_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    @field_validator("public_url", "goto_auth_url", "goto_api_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @property
    def admin_ids(self) -> frozenset[str]:
        """Slack user ids of the first admins."""
        return frozenset(
            part.strip() for part in self.admins.replace(";", ",").split(",") if part.strip()
        )

    @property
    def multi_workspace(self) -> bool:
        """True when the app installs into several workspaces with Slack OAuth."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def socket_mode(self) -> bool:
        """True when Slack is reached through Socket Mode."""
        return self.slack_app_token is not None and not _is_placeholder(self.slack_app_token)

    def missing(self) -> list[str]:
        """Names of required settings that are unset or still placeholders."""
        if self.sandbox:
            return []
        wanted: dict[str, SecretStr | str | None] = {"VILTBOT_SECRET_KEY": self.secret_key}
        if not self.socket_mode:
            # Socket Mode traffic is not signed; then /slack/events is not served at all.
            wanted = {"SLACK_SIGNING_SECRET": self.slack_signing_secret, **wanted}
        if self.multi_workspace:
            wanted["SLACK_CLIENT_SECRET"] = self.slack_client_secret
        else:
            wanted["SLACK_BOT_TOKEN"] = self.slack_bot_token
        return [name for name, value in wanted.items() if _is_placeholder(value)]

    def require_complete(self) -> None:
        """Refuse to run with missing or placeholder secrets outside the sandbox."""
        names = self.missing()
        if names:
            raise MissingSettings(names)

    def sqlite_path(self) -> Path | None:
        """The SQLite file, when the database is SQLite."""
        if self.database_url.startswith("sqlite"):
            tail = self.database_url.split(":///", 1)[-1]
            return Path(tail) if tail and tail != ":memory:" else None
        return None


def _is_placeholder(value: SecretStr | str | None) -> bool:
    if value is None:
        return True
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    return raw.strip().lower() in PLACEHOLDERS
