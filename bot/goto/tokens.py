"""OAuth token set of one GoTo connection and the port the caller uses to persist it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, SecretStr

# GoTo does not send the refresh token's lifetime; its docs say "about 30 days".
REFRESH_TOKEN_LIFETIME = timedelta(days=30)


class TokenSet(BaseModel):
    """Access + refresh token of one GoTo connection and who it belongs to."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    access_token: SecretStr
    refresh_token: SecretStr
    access_expires_at: datetime
    connection_expires_at: datetime | None = None
    organizer_key: str
    account_key: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    def access_expired(self, now: datetime, skew: timedelta = timedelta(0)) -> bool:
        """Whether the access token is expired (or will be within `skew`) at `now`."""
        return self.access_expires_at - skew <= now

    def to_storage(self) -> str:
        """Serialise including the secrets, for the caller to encrypt before storing."""
        data: dict[str, Any] = self.model_dump(mode="json")
        data["access_token"] = self.access_token.get_secret_value()
        data["refresh_token"] = self.refresh_token.get_secret_value()
        return json.dumps(data)

    @classmethod
    def from_storage(cls, raw: str) -> TokenSet:
        """Inverse of `to_storage`."""
        return cls.model_validate(json.loads(raw))


class TokenStore(Protocol):
    """Port through which fresh tokens leave the client; the caller encrypts and stores them."""

    async def save(self, location_id: int, tokens: TokenSet) -> None:
        """Persist the new tokens of a location."""
        ...

    async def connection_failed(self, location_id: int, problem: str) -> None:
        """Record that the location's connection needs attention (`problem` is user-safe)."""
        ...

    async def load(self, location_id: int) -> TokenSet | None:
        """The tokens stored now (another process may have rotated them), if any."""
        ...


def utcnow() -> datetime:
    """Current time, timezone-aware UTC (the default clock)."""
    return datetime.now(UTC)
