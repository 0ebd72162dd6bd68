"""GoTo OAuth pages: start (redirect to consent) and callback (store the connection)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.web.pages import page
from bot.web.slack_updates import LinkAnnouncer
from domain import mrkdwn
from domain.errors import LinkFailed
from domain.services import linking
from domain.types import utcnow
from handlers.ports import Deps

log = logging.getLogger(__name__)

FAILURE_PAGES: dict[str, tuple[int, str]] = {
    "denied": (403, "Linking cancelled"),
    "invalid_client": (400, "GoTo did not accept the app's key or secret"),
    "state_invalid": (400, "This link is not valid"),
    "state_used": (410, "This link was already used"),
    "state_expired": (410, "This link has expired"),
    "code_used": (400, "GoTo rejected this sign-in"),
    "unreachable": (502, "GoTo could not be reached"),
    "account_taken": (409, "This GoTo account is already linked"),
    "account_switch": (409, "Sessions depend on the current GoTo account"),
    "goto_error": (502, "GoTo did not confirm the link"),
    "not_stored": (500, "The link could not be stored"),
    "outcome_unknown": (504, "GoTo did not answer"),
}

NOT_STORED = (
    "viltbot could not finish this link, so nothing was changed. Start a new link from Slack "
    "with `/vilt location link` and the location's name."
)


@dataclass(frozen=True)
class BackToSlack:
    """Where the pages send people back to Slack: URL templates with `{team}`; "" for none."""

    app: str = "slack://open?team={team}"
    web: str = "https://app.slack.com/client/{team}"

    def app_url(self, team: str = "") -> str | None:
        return self.app.format(team=team) or None

    def web_url(self, team: str = "") -> str | None:
        return self.web.format(team=team) or None


def goto_oauth_routes(
    deps: Deps,
    announcer: LinkAnnouncer,
    *,
    back: BackToSlack | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> list[Route]:
    """The two routes of the browser side of linking."""
    back = back or BackToSlack()

    def failure(exc: LinkFailed) -> Response:
        status, title = FAILURE_PAGES.get(exc.reason, (400, "Linking failed"))
        return page(
            title=title,
            message=exc.message,
            ok=False,
            outcome=exc.reason,
            status_code=status,
            app_url=back.app_url(),
            slack_url=back.web_url(),
        )

    async def start(request: Request) -> Response:
        state = request.query_params.get("state", "")
        try:
            async with deps.uow() as uow:
                url = await linking.authorize_redirect(
                    uow,
                    state,
                    linker=deps.goto_linker,
                    redirect_uri=deps.goto_redirect_uri,
                    now=clock(),
                )
        except LinkFailed as exc:
            return failure(exc)
        return RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})

    async def callback(request: Request) -> Response:
        params = request.query_params
        try:
            result = await linking.complete_link(
                deps.uow,
                state=params.get("state", ""),
                code=params.get("code"),
                error=params.get("error"),
                linker=deps.goto_linker,
                sealer=deps.sealer,
                redirect_uri=deps.goto_redirect_uri,
                now=clock(),
            )
        except LinkFailed as exc:
            log.info("GoTo link failed: %s", exc.reason)
            await announcer.link_failed(exc)
            return failure(exc)
        except Exception:
            log.exception("GoTo link could not be completed")
            return failure(LinkFailed("not_stored", NOT_STORED))
        location = result.location
        await announcer.linked(result)
        return page(
            title="Location has been linked correctly",
            message=(
                f"{mrkdwn.bold(location.name)} is now linked to the GoTo account "
                f"{mrkdwn.escape(location.goto_email or location.goto_organizer_key or '')}. "
                "The connection stays active "
                f"for about 30 days (until {location.connection_expires_at:%Y-%m-%d}). "
                "You can close this page and go back to Slack."
            ),
            ok=True,
            outcome="linked",
            app_url=back.app_url(location.workspace_id),
            slack_url=back.web_url(location.workspace_id),
        )

    return [
        Route("/goto/oauth/start", start, methods=["GET"]),
        Route("/goto/oauth/callback", callback, methods=["GET"]),
    ]
