"""App Home: the active team, the reader's sessions, the team's recent results, the team's
locations with their GoTo connection, and what to do next."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from domain import mrkdwn
from domain.actor import Actor
from domain.connection_rules import offers_relink
from domain.services import home, locations
from domain.services.home import HomeSessions, Result
from domain.services.locations import LocationPage
from handlers.context import Request
from handlers.home_sessions import HOME_SESSIONS, session_blocks
from handlers.location_views import relink_actions, sees_connection, status_icon
from handlers.report_views import result_blocks

HOME_LOCATIONS = 15
HOME_RESULTS = 10


def home_view(
    actor: Actor,
    page: LocationPage,
    sessions: HomeSessions | None = None,
    results: list[Result] | None = None,
) -> dict[str, Any]:
    """The Home tab for one user: the active team, their sessions, the team's recent results
    (for its admins), the team's locations."""
    blocks: list[Block] = [HeaderBlock(text="viltbot")]
    team = actor.active_team
    if team is None and not actor.teams:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=actor.join_hint)))
    elif team is None:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text="Choose your active team: "
                    + ", ".join(
                        mrkdwn.code(f"/vilt team use {t.name}")
                        for t in sorted(actor.teams.values(), key=lambda t: t.name_key)[:5]
                    )
                    + "."
                )
            )
        )
    else:
        role = actor.active_role.value if actor.active_role else "member"
        others = sorted((t.name for t in actor.teams.values() if t.id != team.id), key=str.casefold)
        more = (
            " · switch with "
            + ", ".join(mrkdwn.code(f"/vilt team use {name}") for name in others[:3])
            + (f" (and {len(others) - 3} more: `/vilt team list`)" if len(others) > 3 else "")
            if others
            else ""
        )
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=f"Active team: {mrkdwn.bold(team.name)} (you are {role})"
                    f" · reports go to {mrkdwn.channel(team.channel_id)}{more}"
                )
            )
        )
    if sessions is not None:
        blocks += session_blocks(actor, sessions)
    blocks += result_blocks(results)
    if page.views:
        blocks += [DividerBlock(), SectionBlock(text=MarkdownTextObject(text="*Locations*"))]
        for view in page.views:
            line = f"{mrkdwn.bold(view.name)} · {view.kind.label}"
            if not view.active:
                line += " · _inactive_"
            admin = view.kind.is_goto and sees_connection(actor, view)
            if admin:
                line += f"\n{status_icon(view.status)} {mrkdwn.escape(view.status.text)}"
            blocks.append(SectionBlock(text=MarkdownTextObject(text=line)))
            if admin and offers_relink(view.status):
                blocks.append(relink_actions(view.id))
        if page.total > len(page.views):
            blocks.append(
                ContextBlock(
                    elements=[
                        MarkdownTextObject(
                            text=f"…and {page.total - len(page.views)} more: `/vilt location list`"
                        )
                    ]
                )
            )
    blocks += [
        DividerBlock(),
        ContextBlock(
            elements=[MarkdownTextObject(text="Type `/vilt help` for everything you can do.")]
        ),
    ]
    return View(type="home", blocks=blocks).to_dict()


def register(app: AsyncApp) -> None:
    """Publish the Home tab whenever a user opens it."""

    @app.event("app_home_opened")
    async def home_opened(
        event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        if event.get("tab") not in (None, "home"):
            return
        request = Request.of(context)
        now = request.deps.clock()
        async with request.deps.uow() as uow:
            page = await locations.list_locations(
                uow,
                request.actor,
                limit=HOME_LOCATIONS,
                team_id=request.actor.active_team_id,
                now=now,
            )
            sessions = await home.home_sessions(uow, request.actor, now=now, limit=HOME_SESSIONS)
            results = await home.recent_results(uow, request.actor, now=now, limit=HOME_RESULTS)
        await client.views_publish(
            user_id=request.actor.user_id,
            view=home_view(request.actor, page, sessions, results),
        )
