"""GoToLinker adapter: the GoTo OAuth client, its errors mapped to LinkFailed."""

from __future__ import annotations

import httpx

from bot.goto import errors as goto_errors
from bot.goto.oauth import GoToOAuth
from domain.errors import LinkFailed
from domain.ports import LinkedAccount
from domain.rules import CONNECTION_LIFETIME


class OAuthLinker:
    """Links locations through GoTo's authorize and token endpoints."""

    def __init__(self, oauth: GoToOAuth) -> None:
        self._oauth = oauth

    def authorize_url(self, *, consumer_key: str, redirect_uri: str, state: str) -> str:
        """GoTo's consent page for this app."""
        return self._oauth.authorize_url(consumer_key, redirect_uri, state)

    async def exchange_code(
        self, *, consumer_key: str, consumer_secret: str, code: str, redirect_uri: str
    ) -> LinkedAccount:
        """Trade the code for tokens and the account they belong to."""
        try:
            tokens = await self._oauth.exchange_code(
                consumer_key, consumer_secret, code, redirect_uri
            )
        except goto_errors.InvalidClient as exc:
            raise LinkFailed(
                "invalid_client",
                "GoTo did not accept this location's consumer key and secret. Nothing was changed.",
            ) from exc
        except goto_errors.CodeRejected as exc:
            raise LinkFailed(
                "code_used",
                "GoTo says this sign-in was already used or has expired. Nothing was changed.",
            ) from exc
        except (goto_errors.Unavailable, httpx.TransportError) as exc:
            raise LinkFailed(
                "unreachable",
                "GoTo could not be reached, so it did not confirm the link. Nothing was changed.",
            ) from exc
        except goto_errors.TokenOutcomeUnknown as exc:
            # The code may have been spent; only a new sign-in can be trusted.
            raise LinkFailed("outcome_unknown", exc.message) from exc
        except goto_errors.GoToError as exc:
            # Whatever else went wrong (a timeout included), GoTo did not confirm the link.
            raise LinkFailed(
                "goto_error", f"GoTo did not confirm the link ({exc}). Nothing was changed."
            ) from exc
        return LinkedAccount(
            organizer_key=tokens.organizer_key,
            account_key=tokens.account_key,
            email=tokens.email,
            access_token=tokens.access_token.get_secret_value(),
            refresh_token=tokens.refresh_token.get_secret_value(),
            access_expires_at=tokens.access_expires_at,
            connection_expires_at=tokens.connection_expires_at
            or tokens.access_expires_at + CONNECTION_LIFETIME,
        )
