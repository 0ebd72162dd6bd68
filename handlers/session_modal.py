"""`/vilt session new|edit|cancel`: the session modal, its GoTo event picker, and cancelling.

The modal opens at once (a trigger_id lives 3 seconds) and is filled after. Submitting checks
every field and the GoTo event before anything is saved, within Slack's 3 seconds: GoTo gets
about two of them, then the admin is asked to submit again. Creating a new GoTo event happens
after the modal closes; the admin is told the outcome privately.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from domain import mrkdwn
from domain.actor import Actor
from domain.errors import DomainError, EventProblem, EventRejected, FieldErrors, InvalidInput
from domain.models import LearningElement, Location, SessionStatus, Team
from domain.services import sessions
from domain.session_rules import FIELDS, SessionForm, event_noun
from handlers import modals
from handlers.commands import CommandRouter, Invocation, Subcommand, run_safely
from handlers.context import Request
from handlers.parsing import search_text
from handlers.permissions import team_admins
from handlers.ports import Deps
from handlers.response_urls import tell_privately, trusted_response_url
from handlers.session_modal_views import (
    CALLBACK_ID,
    CANCEL_ACTION,
    FIELD_LABELS,
    GOTO_EVENT_ACTION,
    LOCATION_ACTION,
    PROBLEM_CALLBACK_ID,
    TIMEZONE_ACTION,
    SessionModalMeta,
    cancel_prompt,
    event_options,
    form_from_state,
    label_of,
    no_event_option,
    notes_context,
    problem_modal,
    session_modal,
    timezone_options,
    title,
)
from handlers.session_views import show_message

log = logging.getLogger(__name__)

NEW_USAGE = "/vilt session new"
EDIT_USAGE = "/vilt session edit <number>"
CANCEL_USAGE = "/vilt session cancel <number>"
# Field errors are plain text: bold marks around a name are dropped; long ones are cut.
_BOLD = re.compile(r"\*([^*\n]+)\*")
ERROR_MAX = 300
# Slack waits 3 seconds for an ack: GoTo gets this much of them (options and submit checks).
GOTO_SECONDS = 2.0


async def session_new(inv: Invocation) -> None:
    """Open the session modal, then fill it with the active team's elements and locations."""
    actor = inv.actor
    actor.require_admin_of_active()
    meta = SessionModalMeta(response_url=inv.body.get("response_url"))

    async def modal() -> dict[str, Any]:
        zone = await _own_zone(inv.request.deps, actor)
        return await _build(inv.request.deps, actor, SessionForm(timezone=zone), False, meta)

    await _show(inv, meta, modal)


async def session_edit(inv: Invocation) -> None:
    """Open the session modal prefilled with a scheduled session (its team's admins)."""
    session_id = _number(inv.raw_args, EDIT_USAGE)
    meta = SessionModalMeta(session_id=session_id, response_url=inv.body.get("response_url"))

    async def modal() -> dict[str, Any]:
        async with inv.request.deps.uow() as uow:
            form = await sessions.edit_form(uow, inv.actor, session_id)
        return await _build(inv.request.deps, inv.actor, form, False, meta, saved_event=True)

    await _show(inv, meta, modal)


async def _show(
    inv: Invocation, meta: SessionModalMeta, modal: Callable[[], Awaitable[dict[str, Any]]]
) -> None:
    """Open the loading modal at once (a trigger_id lives 3 seconds), then fill it."""
    opened = await modals.open_loading(
        inv.client, inv.body["trigger_id"], title(meta), PROBLEM_CALLBACK_ID
    )
    await modals.fill(
        inv.client,
        opened,
        title=title(meta),
        problem_callback_id=PROBLEM_CALLBACK_ID,
        request_id=inv.request.request_id,
        form=modal(),
    )


async def session_cancel(inv: Invocation) -> None:
    """Show the session and a button that cancels it once confirmed."""
    session_id = _number(inv.raw_args, CANCEL_USAGE)
    async with inv.request.deps.uow() as uow:
        session, _ = await sessions.editable_session(uow, inv.actor, session_id)
        view = await sessions.describe(uow, inv.actor, session_id)
    if session.status is not SessionStatus.SCHEDULED:
        raise InvalidInput(f"Session `#{session_id}` is {session.status.value} already.")
    text, blocks = cancel_prompt(session_id, show_message(view)[1])
    await inv.reply(text, blocks=blocks)


def _number(raw: str, usage: str) -> int:
    wanted = search_text(raw).lstrip("#")
    if not (wanted.isascii() and wanted.isdigit() and len(wanted) <= 9):
        raise InvalidInput(
            f"Usage: `{usage}`; `/vilt session list` shows your team's sessions with numbers."
        )
    return int(wanted)


async def _own_zone(deps: Deps, actor: Actor) -> str:
    """The admin's own time zone from Slack, else UTC."""
    try:
        user = await deps.directory.user(actor.workspace_id, actor.user_id)
    except Exception:  # the modal still works; the admin picks the zone
        log.info("time zone of %s not read from Slack", actor.user_id)
        return "UTC"
    return user.tz if user is not None and user.tz else "UTC"


async def _choices(
    deps: Deps, actor: Actor, meta: SessionModalMeta
) -> tuple[Team, list[LearningElement], list[Location]]:
    """The team scheduling (active, or the edited session's), its elements and locations."""
    async with deps.uow() as uow:
        if meta.session_id is None:
            team = actor.require_admin_of_active()
        else:
            _, element = await sessions.editable_session(uow, actor, meta.session_id)
            team = actor.teams[element.owner_team_id]
        assert team.id is not None
        elements = await sessions.element_options(uow, actor, team.id)
        locations = await sessions.schedulable_locations(uow, actor, team.id)
    return team, elements, locations


async def _build(
    deps: Deps,
    actor: Actor,
    form: SessionForm,
    create_event: bool,
    meta: SessionModalMeta,
    *,
    saved_event: bool = False,
) -> dict[str, Any]:
    """The modal for `form`; with `saved_event` the form's GoTo event is the saved session's,
    its option labelled with the session's title and start (GoTo is not asked)."""
    team, elements, locations = await _choices(deps, actor, meta)
    if not locations:
        command = mrkdwn.code("/vilt location new")
        return problem_modal(
            meta,
            f":warning: Team {mrkdwn.bold(team.name)} has no active location to schedule at. "
            f"Create one with {command}, or ask the admins of a location to make it available "
            "to your team.",
        )
    label = None
    if saved_event and form.goto_event:
        subject = next((e.title for e in elements if e.id == form.element_id), "")
        label = label_of(subject, form.starts_at, form.timezone, form.goto_event)
    return session_modal(
        form=form,
        create_event=create_event,
        elements=elements,
        locations=locations,
        meta=meta,
        team_name=team.name,
        event_label=label,
    )


async def _save(
    deps: Deps, actor: Actor, meta: SessionModalMeta, form: SessionForm, create_event: bool
) -> tuple[int, list[str], str | None]:
    """Create or edit; the session's number, the notes, and who taught it before (edits)."""
    within = None if create_event else GOTO_SECONDS
    if meta.session_id is None:
        created = await sessions.create_session(
            deps.uow,
            actor,
            form,
            goto=deps.goto_events,
            create_event=create_event,
            goto_timeout=within,
            now=deps.clock(),
        )
        assert created.session.id is not None
        return created.session.id, created.notes, None
    edited = await sessions.edit_session(
        deps.uow,
        actor,
        meta.session_id,
        form,
        goto=deps.goto_events,
        create_event=create_event,
        goto_timeout=within,
        now=deps.clock(),
    )
    return meta.session_id, edited.notes, edited.previous_instructor_id


async def _announce(
    deps: Deps,
    client: AsyncWebClient,
    actor: Actor,
    meta: SessionModalMeta,
    session_id: int,
    notes: Sequence[str],
) -> None:
    """Tell the admin privately: what was saved (the session's summary) and GoTo's notes."""
    async with deps.uow() as uow:
        view = await sessions.describe(uow, actor, session_id)
    verb = "saved" if meta.session_id is not None else "scheduled"
    said = f":white_check_mark: Session `#{session_id}` {verb}."
    text, blocks = show_message(view)
    heading = {"type": "section", "text": {"type": "mrkdwn", "text": said}}
    await tell_privately(
        client,
        actor.user_id,
        meta.response_url,
        f"{said} {text}",
        [heading, *blocks, *notes_context(notes)],
    )


def _plain(text: str) -> str:
    """A field error as Slack shows it: plain text (no bold or code marks), not too long."""
    plain = _BOLD.sub(r"\1", mrkdwn.unescape(text)).replace("`", "")
    return plain if len(plain) <= ERROR_MAX else plain[: ERROR_MAX - 1] + "…"


def _visible_errors(errors: dict[str, str], view: dict[str, Any]) -> dict[str, str]:
    """Errors for blocks the modal shows; others are folded onto the first field shown."""
    shown = [str(b.get("block_id")) for b in view.get("blocks", []) if b.get("type") == "input"]
    visible = {k: _plain(v) for k, v in errors.items() if k in shown}
    hidden = [f"{FIELD_LABELS.get(k, k)}: {v}" for k, v in errors.items() if k not in shown]
    if hidden and shown:
        first = next((f for f in FIELDS if f in shown), shown[0])
        visible[first] = _plain("; ".join([visible.get(first, ""), *hidden]).strip("; "))
    return visible


def _errors_text(errors: dict[str, str]) -> str:
    """Field errors as a message, for when the modal has closed."""
    return "\n".join(f"• {FIELD_LABELS.get(k, k)}: {v}" for k, v in errors.items())


def register(app: AsyncApp, router: CommandRouter) -> None:
    """Add `/vilt session new|edit|cancel` and the modal's listeners."""
    router.add(
        Subcommand(
            "session new",
            NEW_USAGE,
            "schedule a session: element, location, instructor, times, GoTo event",
            session_new,
            team_admins,
        )
    )
    router.add(
        Subcommand(
            "session edit",
            EDIT_USAGE,
            "change a session of your team",
            session_edit,
            team_admins,
        )
    )
    router.add(
        Subcommand(
            "session cancel",
            CANCEL_USAGE,
            "cancel a session of your team; its registered learners are told",
            session_cancel,
            team_admins,
        )
    )

    @app.action(LOCATION_ACTION)
    async def location_chosen(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        request, view, meta = _modal(body, context)
        form, create_event = form_from_state(view["state"]["values"])
        modal = await _build(request.deps, request.actor, form, create_event, meta)
        await client.views_update(view_id=view["id"], hash=view["hash"], view=modal)

    @app.options(TIMEZONE_ACTION)
    async def timezones(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack(options=[o.to_dict() for o in timezone_options(str(body.get("value") or ""))])

    @app.options(GOTO_EVENT_ACTION)
    async def goto_events(ack: AsyncAck, body: dict[str, Any], context: AsyncBoltContext) -> None:
        request, _, meta = _modal(body, context)
        query = str(body.get("value") or "")[:100]
        try:
            options = await _event_options(request.deps, request.actor, meta, query)
        except Exception:
            log.exception("request %s: GoTo events not listed", request.request_id)
            options = no_event_option(f"Something went wrong (ref {request.request_id})")
        await ack(options=[o.to_dict() for o in options])

    @app.view(CALLBACK_ID)
    async def submitted(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        request, view, meta = _modal(body, context)
        form, create_event = form_from_state(view["state"]["values"])
        deps, actor = request.deps, request.actor

        async def reply(text: str) -> None:
            await tell_privately(client, actor.user_id, meta.response_url, text)

        try:
            if create_event:
                await sessions.check_session_form(
                    deps.uow,
                    actor,
                    form,
                    session_id=meta.session_id,
                    create_event=True,
                    now=deps.clock(),
                )
            else:
                session_id, notes, _ = await _save(deps, actor, meta, form, False)
        except FieldErrors as exc:
            await ack(response_action="errors", errors=_visible_errors(exc.errors, view))
            return
        except DomainError as exc:
            await ack(response_action="errors", errors=_visible_errors({"": exc.message}, view))
            return
        await ack()
        if not create_event:
            await run_safely(
                reply,
                request.request_id,
                _announce(deps, client, actor, meta, session_id, notes),
            )
            return

        async def create_then_announce() -> None:
            try:
                new_id, new_notes, _ = await _save(deps, actor, meta, form, True)
            except FieldErrors as exc:
                await reply(f":warning: The session was not saved:\n{_errors_text(exc.errors)}")
                return
            await _announce(deps, client, actor, meta, new_id, new_notes)

        await run_safely(reply, request.request_id, create_then_announce())

    @app.action(CANCEL_ACTION)
    async def cancel_confirmed(
        ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond, context: AsyncBoltContext
    ) -> None:
        await ack()
        request = Request.of(context)
        action = (body.get("actions") or [{}])[0]
        raw = str(action.get("value") or "")

        async def reply(text: str) -> None:
            await respond(text=text, response_type="ephemeral", replace_original=True)

        async def cancel() -> None:
            session_id = _number(raw, CANCEL_USAGE)
            async with request.deps.uow() as uow:
                cancelled = await sessions.cancel_session(
                    uow, request.actor, session_id, now=request.deps.clock()
                )
                await uow.commit()
            told = len(cancelled.learners)
            learners = (
                f"{told} registered learner{'s' if told != 1 else ''} will be told by DM."
                if told
                else "No one was registered."
            )
            await reply(
                f":no_entry: Session `#{session_id}` of {mrkdwn.bold(cancelled.element_title)} "
                f"is cancelled. {learners}"
            )

        await run_safely(reply, request.request_id, cancel())


def _modal(
    body: dict[str, Any], context: AsyncBoltContext
) -> tuple[Request, dict[str, Any], SessionModalMeta]:
    """Who acts, the open view and its metadata (with a response_url only if it is Slack's)."""
    view = body.get("view") or {}
    request = Request.of(context)
    meta = SessionModalMeta.load(view.get("private_metadata"))
    meta.response_url = trusted_response_url(meta.response_url, request.deps.slack_api_url)
    return request, view, meta


async def _event_options(deps: Deps, actor: Actor, meta: SessionModalMeta, query: str) -> list[Any]:
    """The upcoming events of the chosen location's account matching `query`, within ~2 s."""
    if meta.location_id is None:
        return no_event_option("Choose a GoTo location first")
    async with deps.uow() as uow:
        location = await sessions.picker_location(uow, actor, meta.location_id)
    if location is None:
        return no_event_option("Choose a GoTo location first")
    noun = event_noun(location.kind)
    try:
        events = await asyncio.wait_for(
            deps.goto_events.upcoming_events(location, query), GOTO_SECONDS
        )
    except TimeoutError:
        events, problem = [], f"GoTo is slow to answer; type the {noun}'s key"
    except EventRejected as exc:
        events = []
        problem = (
            f"GoTo connection lapsed: /vilt location link {location.name}"
            if exc.problem is EventProblem.NEEDS_RELINK
            else f"GoTo is not answering; type the {noun}'s key"
        )
    else:
        problem = f"No upcoming {noun} matches; type its key"
    return event_options(events, query, location.kind) or no_event_option(problem)
