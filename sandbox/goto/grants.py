"""OAuth in the GoTo sandbox state: codes, grants, access and refresh tokens."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import timedelta

from .records import AccessToken, Account, AuthCode, Consumer, Grant, RefreshToken, TokenPair
from .store import StateCore


class OAuthGrants(StateCore):
    """Connections between accounts and consumer apps, and the tokens they hand out."""

    def issue_code(self, consumer: Consumer, account: Account, redirect_uri: str | None) -> str:
        """Create a one-time authorization code."""
        code = secrets.token_urlsafe(24)
        self.codes[code] = AuthCode(
            client_id=consumer.client_id,
            organizer_key=account.organizer_key,
            redirect_uri=redirect_uri,
            expires=self.clock.now()
            + timedelta(seconds=self.settings.authorization_code_lifetime_seconds),
        )
        return code

    def redeem_code(
        self, consumer: Consumer, code: str, redirect_uri: str | None
    ) -> TokenPair | None:
        """Exchange a code for tokens; None means invalid_grant."""
        entry = self.codes.get(code)
        now = self.clock.now()
        if entry is None or entry.used or entry.client_id != consumer.client_id:
            return None
        # Burn the code even when the rest fails: a code is good for one attempt only.
        entry.used = True
        if now >= entry.expires:
            return None
        if entry.redirect_uri is not None and redirect_uri != entry.redirect_uri:
            return None
        account = self.account_by_organizer(entry.organizer_key)
        if account is None:
            return None
        grant = Grant(len(self.grants) + 1, consumer.client_id, account.organizer_key, now)
        self.grants.append(grant)
        return self._issue(grant, consumer, account, with_refresh=True)

    def refresh(self, consumer: Consumer, token: str) -> TokenPair | None:
        """Use a refresh token; None means invalid_grant."""
        entry = self.refresh_tokens.get(token)
        now = self.clock.now()
        if entry is None or not entry.valid(now) or entry.grant.client_id != consumer.client_id:
            return None
        account = self.account_by_organizer(entry.grant.organizer_key)
        if account is None:
            return None
        rotate = self.settings.rotate_refresh_tokens
        if rotate:
            entry.replaced = True
        return self._issue(entry.grant, consumer, account, with_refresh=rotate)

    def _issue(
        self, grant: Grant, consumer: Consumer, account: Account, *, with_refresh: bool
    ) -> TokenPair:
        now = self.clock.now()
        access = secrets.token_urlsafe(32)
        lifetime = self.settings.access_token_lifetime_seconds
        self.access_tokens[access] = AccessToken(grant, now + timedelta(seconds=lifetime))
        refresh: str | None = None
        if with_refresh:
            refresh = secrets.token_urlsafe(32)
            self.refresh_tokens[refresh] = RefreshToken(
                grant, now + timedelta(seconds=self.settings.refresh_token_lifetime_seconds)
            )
        return TokenPair(access, refresh, lifetime, account, consumer)

    def bearer(self, token: str) -> tuple[AccessToken, Consumer, Account] | None:
        """Resolve a bearer token to its grant's app and account, if still valid."""
        entry = self.access_tokens.get(token)
        if entry is None or not entry.valid(self.clock.now()):
            return None
        consumer = self.consumers.get(entry.grant.client_id)
        account = self.account_by_organizer(entry.grant.organizer_key)
        if consumer is None or account is None:
            return None
        return entry, consumer, account

    def matching_grants(
        self,
        *,
        client_id: str | None = None,
        email: str | None = None,
        refresh_token: str | None = None,
        access_token: str | None = None,
    ) -> list[Grant]:
        """Grants selected by any combination of filters (all given filters must match)."""
        grants = list(self.grants)
        if client_id is not None:
            grants = [g for g in grants if g.client_id == client_id]
        if email is not None:
            account = self.account_by_email(email)
            grants = [g for g in grants if account and g.organizer_key == account.organizer_key]
        if refresh_token is not None:
            entry = self.refresh_tokens.get(refresh_token)
            grants = [g for g in grants if entry and g is entry.grant]
        if access_token is not None:
            a_entry = self.access_tokens.get(access_token)
            grants = [g for g in grants if a_entry and g is a_entry.grant]
        return grants

    def expire_access_tokens(self, grants: Iterable[Grant]) -> int:
        """Make the grants' access tokens answer InvalidToken (as if 60 minutes had passed)."""
        chosen = {id(g) for g in grants}
        count = 0
        for entry in self.access_tokens.values():
            if id(entry.grant) in chosen and not entry.expired_by_control:
                entry.expired_by_control = True
                count += 1
        return count
