"""Runtime settings read from the environment and `.env`."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SLACK_API_DEFAULT = "https://slack.com/api/"
GOTO_AUTH_DEFAULT = "https://authentication.logmeininc.com"
GOTO_API_DEFAULT = "https://api.getgo.com"
PLACEHOLDERS = {"", "changeme", "change-me", "changethis", "xxx", "secret", "todo", "placeholder"}


# Slack ids: users U…/W…, workspaces T… (E… for an Enterprise Grid organisation).
USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
QUALIFIED_ADMIN = re.compile(r"[TE][A-Z0-9]{2,}:[UW][A-Z0-9]{2,}")


class SettingsError(Exception):
    """Raised when viltbot cannot start with the settings it was given."""


class MissingSettings(SettingsError):
    """Raised when required settings are missing outside the sandbox."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        super().__init__(
            "viltbot cannot start: set "
            + ", ".join(names)
            + " (or run `viltbot serve --sandbox` to try it without Slack or GoTo)"
        )


class InvalidAdmins(SettingsError):
    """Raised when VILTBOT_ADMINS holds entries viltbot cannot use in its mode."""

    def __init__(self, entries: list[str], *, multi_workspace: bool) -> None:
        self.entries = entries
        if multi_workspace:
            expected = (
                "viltbot serves several workspaces here, so each entry names the workspace "
                "and the user: T0123ABCD:U0456EFGH"
            )
        else:
            expected = "each entry is a Slack user id (U0456EFGH) or T0123ABCD:U0456EFGH"
        super().__init__(
            "viltbot cannot start: VILTBOT_ADMINS has entries it cannot use ("
            + ", ".join(entries)
            + f"); {expected}"
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
    # Where the GoTo link pages send people back to Slack ({team}: the workspace id); an empty
    # app URL shows only the web link.
    slack_app_url: str = Field(default="slack://open?team={team}", alias="SLACK_APP_URL")
    slack_web_url: str = Field(default="https://app.slack.com/client/{team}", alias="SLACK_WEB_URL")
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
    # How often queued GoTo registrations are looked at (each waits its own back-off).
    registration_retry_seconds: float = Field(
        default=30.0, gt=0, alias="VILTBOT_REGISTRATION_RETRY_SECONDS"
    )
    # When set, GET /metrics answers only requests with `Authorization: Bearer <token>`.
    metrics_token: SecretStr | None = Field(default=None, alias="VILTBOT_METRICS_TOKEN")
    # How long a process holds a notice it is posting, and a session it is syncing, before
    # another process may take it over (the holder died); jobs finish well within both.
    notice_lease_seconds: float = Field(default=300.0, gt=0, alias="VILTBOT_NOTICE_LEASE_SECONDS")
    sync_lease_seconds: float = Field(default=600.0, gt=0, alias="VILTBOT_SYNC_LEASE_SECONDS")
    # How often the attendance sync job looks for sessions whose next run is due.
    sync_poll_seconds: float = Field(default=60.0, gt=0, alias="VILTBOT_SYNC_POLL_SECONDS")
    # How often tokens about to expire are refreshed, and connection warnings looked for.
    refresh_poll_seconds: float = Field(default=300.0, gt=0, alias="VILTBOT_REFRESH_POLL_SECONDS")
    warning_poll_seconds: float = Field(default=600.0, gt=0, alias="VILTBOT_WARNING_POLL_SECONDS")
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
    def admin_entries(self) -> list[str]:
        """VILTBOT_ADMINS as written: `U…` or workspace-qualified `T…:U…` entries."""
        return [part.strip() for part in self.admins.replace(";", ",").split(",") if part.strip()]

    @property
    def admin_ids(self) -> frozenset[str]:
        """The first-admin entries that count: `T…:U…`, and bare `U…` in single-workspace mode.

        A bare user id would make that user an admin of every workspace that installs the
        app, so in multi-workspace mode it counts nowhere (and `require_complete` refuses it).
        """
        return frozenset(e for e in self.admin_entries if e not in self.unusable_admins())

    def unusable_admins(self) -> list[str]:
        """VILTBOT_ADMINS entries that are malformed or unqualified where they must be."""
        usable = (QUALIFIED_ADMIN,) if self.multi_workspace else (QUALIFIED_ADMIN, USER_ID)
        return [e for e in self.admin_entries if not any(p.fullmatch(e) for p in usable)]

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
        unusable = self.unusable_admins()
        if unusable:
            raise InvalidAdmins(unusable, multi_workspace=self.multi_workspace)

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
