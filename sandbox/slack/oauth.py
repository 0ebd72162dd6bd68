"""Slack stand-in OAuth: codes registered for an installation, exchanged by oauth.v2.access."""

from __future__ import annotations

from typing import Any

from sandbox.slack.core import CallContext, StandInCore
from sandbox.slack.records import OAuthCode, SlackError


class OAuthMethods(StandInCore):
    """Installing the app: one-time codes and the oauth.v2.access exchange."""

    def register_oauth_code(
        self,
        code: str,
        team_id: str,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        redirect_uri: str | None = None,
        installer_user_id: str = "U0INSTALLER",
        user_scopes: tuple[str, ...] = (),
    ) -> OAuthCode:
        """Make oauth.v2.access exchange `code` (once) for the installation of `team_id`."""
        if team_id not in self.workspaces:
            raise KeyError(f"add_workspace({team_id!r}, ...) before registering a code for it")
        entry = OAuthCode(
            code=code,
            team_id=team_id,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            installer_user_id=installer_user_id,
            user_scopes=tuple(user_scopes),
        )
        self.oauth_codes[code] = entry
        return entry

    def _oauth_v2_access(self, ctx: CallContext) -> dict[str, Any]:
        args = ctx.args
        client_id = ctx.client_id or args.get("client_id")
        client_secret = ctx.client_secret or args.get("client_secret")
        entry = self.oauth_codes.get(str(args.get("code", "")))
        if entry is None or entry.used:
            raise SlackError("invalid_code")
        if entry.client_id is not None and client_id != entry.client_id:
            raise SlackError("invalid_client_id")
        if entry.client_secret is not None and client_secret != entry.client_secret:
            raise SlackError("bad_client_secret")
        if entry.redirect_uri is not None and args.get("redirect_uri") not in (
            None,
            entry.redirect_uri,
        ):
            raise SlackError("bad_redirect_uri")
        entry.used = True
        ws = self.workspaces[entry.team_id]
        authed_user: dict[str, Any] = {"id": entry.installer_user_id}
        if entry.user_scopes:
            authed_user.update(
                scope=",".join(entry.user_scopes),
                access_token=f"xoxp-{ws.team_id}-{entry.installer_user_id}",
                token_type="user",
            )
        return {
            "app_id": ws.app_id,
            "authed_user": authed_user,
            "scope": ",".join(ws.scopes),
            "token_type": "bot",
            "access_token": ws.bot_token,
            "bot_user_id": ws.bot_user_id,
            "team": {"id": ws.team_id, "name": ws.name},
            "enterprise": {"id": ws.enterprise_id} if ws.enterprise_id else None,
            "is_enterprise_install": False,
        }
