"""`/vilt register`, `/vilt unregister`, the Register button and the "Register people" modal.

The buttons work from any surface: a message answers through its response_url, App Home (which
has none) in a direct message. Registering many people runs after the modal is acked, with its
progress in one message (chat.update) that ends with one line per person.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from domain import mrkdwn
from domain.errors import ChannelUnusable, DomainError, InvalidInput, NotFound
from domain.ports import GoToRegistrar, SlackUser
from domain.services import registration
from domain.services.registration import Outcome, Registration
from handlers import modals
from handlers.commands import CommandRouter, Invocation, Subcommand, run_safely
from handlers.context import Request
from handlers.permissions import members
from handlers.registration_views import (
    PEOPLE_CALLBACK,
    PEOPLE_PROBLEM_CALLBACK,
    PEOPLE_TITLE,
    about,
    chosen,
    people_modal,
    progress_text,
    report,
    session_of,
)
from handlers.session_views import REGISTER_ACTION, REGISTER_PEOPLE_ACTION

log = logging.getLogger(__name__)

REGISTER_USAGE = "/vilt register <number>"
UNREGISTER_USAGE = "/vilt unregister <number>"
# Session numbers are database ids; longer digit strings cannot be one.
_NUMBER = re.compile(r"^#?(\d{1,9})$")
# People registered at once: enough to keep GoTo's rate limit busy, which paces the rest.
BULK_CONCURRENCY = 10
# The progress message is updated at most this often (chat.update allows ~50 a minute).
PROGRESS_SECONDS = 2.0


def session_number(text: str, usage: str) -> int:
    """The session number typed after the command ("12" or "#12")."""
    wanted = text.strip()
    if not wanted:
        raise InvalidInput(f"Usage: `{usage}`; `/vilt sessions` shows the numbers.")
    match = _NUMBER.match(wanted)
    if match is None:
        raise NotFound(
            f"There is no session {mrkdwn.code(wanted)} open to your teams. "
            "`/vilt sessions` lists the ones you can see, with their numbers."
        )
    return int(match.group(1))


async def register_me(request: Request, session_id: int) -> Registration:
    """Register the person asking, with the name and email Slack has for them."""
    deps, actor = request.deps, request.actor
    user = await deps.directory.user(actor.workspace_id, actor.user_id)
    return await registration.register_self(
        deps.uow, actor, session_id, user, goto=deps.goto_registrar, now=deps.clock()
    )


async def register_command(inv: Invocation) -> None:
    """`/vilt register <number>`."""
    session_id = session_number(inv.raw_args, REGISTER_USAGE)
    result = await register_me(inv.request, session_id)
    await inv.reply(result.message)


async def unregister_command(inv: Invocation) -> None:
    """`/vilt unregister <number>`."""
    session_id = session_number(inv.raw_args, UNREGISTER_USAGE)
    deps = inv.request.deps
    said = await registration.unregister(
        deps.uow, inv.actor, session_id, goto=deps.goto_registrar, now=deps.clock()
    )
    await inv.reply(f":white_check_mark: {said}")


def clicked_session(body: dict[str, Any]) -> int:
    """The session a Register or Register people button belongs to (its value)."""
    actions = body.get("actions") or [{}]
    value = str(actions[0].get("value") or "")
    if not value.isdigit() or len(value) > 9:
        raise InvalidInput("This button is out of date; `/vilt sessions` shows the sessions now.")
    return int(value)


def teller(
    body: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient, user_id: str
) -> Callable[[str], Awaitable[None]]:
    """Answer the clicker privately: through the message's response_url, else in a DM."""

    async def tell(text: str) -> None:
        if body.get("response_url"):
            await respond(text=text, response_type="ephemeral", replace_original=False)
        else:
            await client.chat_postMessage(channel=user_id, text=text)

    return tell


async def register_people(
    request: Request,
    client: AsyncWebClient,
    session: registration.ManagedSession,
    people: list[str],
    channel: str | None,
) -> None:
    """Register everyone picked, showing progress in a DM to the admin, then one line each."""
    deps, actor = request.deps, request.actor
    session_id = session.session_id
    posted = await client.chat_postMessage(
        channel=actor.user_id, text=f"Registering people for {about(session)}…"
    )
    where, ts = str(posted["channel"]), str(posted["ts"])
    notes: list[str] = []
    wanted = list(people)
    if channel:
        try:
            wanted += await deps.directory.channel_members(actor.workspace_id, channel)
        except ChannelUnusable as exc:
            notes.append(f"• {mrkdwn.channel(channel)} — not read: {exc.message}")
    wanted = list(dict.fromkeys(wanted))
    await client.chat_update(channel=where, ts=ts, text=progress_text(session, len(wanted), 0))
    users = await deps.directory.users_by_id(actor.workspace_id, wanted)
    goto = registration.OutageBreaker(deps.goto_registrar)
    results: list[Registration | None] = [None] * len(wanted)
    gate = asyncio.Semaphore(BULK_CONCURRENCY)
    shown = time.monotonic()

    async def one(index: int, user_id: str) -> None:
        nonlocal shown
        async with gate:
            results[index] = await _register_one(
                request, goto, session_id, user_id, users.get(user_id)
            )
        if time.monotonic() - shown >= PROGRESS_SECONDS:
            shown = time.monotonic()
            done = sum(1 for r in results if r is not None)
            await client.chat_update(
                channel=where, ts=ts, text=progress_text(session, len(wanted), done)
            )

    await asyncio.gather(*(one(i, u) for i, u in enumerate(wanted)))
    text, blocks = report(session, [r for r in results if r is not None], notes)
    await client.chat_update(channel=where, ts=ts, text=text, blocks=blocks)


async def _register_one(
    request: Request, goto: GoToRegistrar, session_id: int, user_id: str, user: SlackUser | None
) -> Registration:
    """One person of a batch; a failure is their line, never the end of the batch."""
    try:
        return await registration.register_other(
            request.deps.later_uow,
            request.actor,
            session_id,
            user_id,
            user,
            goto=goto,
            now=request.deps.clock(),
        )
    except DomainError as exc:
        reason = exc.message
    except Exception:
        log.exception("request %s: registering %s failed", request.request_id, user_id)
        reason = f"something went wrong on our side (request id `{request.request_id}`)"
    return Registration(Outcome.FAILED, user_id, f"{mrkdwn.user(user_id)}: {reason}", reason)


def register(app: AsyncApp, router: CommandRouter) -> None:
    """Add `/vilt register`, `/vilt unregister` and the registration buttons and modal."""
    router.add(
        Subcommand(
            "register",
            REGISTER_USAGE,
            "register for a session (with your Slack name and email)",
            register_command,
            members,
        )
    )
    router.add(
        Subcommand(
            "unregister",
            UNREGISTER_USAGE,
            "cancel your registration for a session",
            unregister_command,
            members,
        )
    )

    @app.action(REGISTER_ACTION)
    async def register_clicked(
        ack: AsyncAck,
        body: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        request = Request.of(context)
        tell = teller(body, respond, client, request.actor.user_id)

        async def work() -> None:
            result = await register_me(request, clicked_session(body))
            await tell(result.message)

        await run_safely(tell, request.request_id, work())

    @app.action(REGISTER_PEOPLE_ACTION)
    async def register_people_clicked(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        request = Request.of(context)
        opened = await modals.open_loading(
            client, body["trigger_id"], PEOPLE_TITLE, PEOPLE_CALLBACK
        )

        async def form() -> dict[str, Any]:
            session_id = clicked_session(body)
            async with request.deps.uow() as uow:
                title = await registration.managed_session(
                    uow, request.actor, session_id, now=request.deps.clock()
                )
            return people_modal(session_id, title)

        await modals.fill(
            client,
            opened,
            title=PEOPLE_TITLE,
            problem_callback_id=PEOPLE_PROBLEM_CALLBACK,
            request_id=request.request_id,
            form=form(),
        )

    @app.view(PEOPLE_CALLBACK)
    async def people_submitted(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        request = Request.of(context)
        view = body["view"]
        session_id = session_of(view)
        people, channel = chosen(view)
        if not people and not channel:
            await ack(
                response_action="errors",
                errors={"people": "Choose people, a channel whose members to register, or both."},
            )
            return
        try:
            if session_id is None:
                raise NotFound("This form is out of date; open it again from the session.")
            async with request.deps.uow() as uow:
                session = await registration.managed(
                    uow, request.actor, session_id, now=request.deps.clock()
                )
        except DomainError as exc:
            await ack(
                response_action="errors", errors={"people": mrkdwn.unescape(exc.message)[:150]}
            )
            return
        await ack()

        async def tell(text: str) -> None:
            await client.chat_postMessage(channel=request.actor.user_id, text=text)

        await run_safely(
            tell,
            request.request_id,
            register_people(request, client, session, people, channel),
        )
