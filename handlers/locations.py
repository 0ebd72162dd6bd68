"""`/vilt location …` and the location modal: create, edit, list, show, link."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock
from slack_sdk.web.async_client import AsyncWebClient

from domain import mrkdwn
from domain.actor import Actor
from domain.errors import DomainError, FieldErrors, InvalidInput, NotAllowed, StoreUnavailable
from domain.rules import ConnectionState, LocationForm
from domain.services import linking, locations
from domain.services.connections import RELINK_ACTION
from domain.services.locations import LocationView
from handlers import modals
from handlers.commands import CommandRouter, Invocation, Subcommand, run_safely
from handlers.context import Request
from handlers.location_views import (
    CALLBACK_ID,
    KIND_ACTION,
    LINK_IN_MODAL_ACTION,
    OPEN_CONSENT_ACTION,
    PROBLEM_CALLBACK_ID,
    ModalMeta,
    form_from_state,
    form_from_view,
    link_message,
    location_modal,
    location_summary,
    sees_connection,
)
from handlers.parsing import name_argument, search_text
from handlers.permissions import members, team_admins
from handlers.ports import Deps
from handlers.response_urls import tell_privately, trusted_response_url

log = logging.getLogger(__name__)

EDIT_USAGE = "/vilt location edit <name>"
SHOW_USAGE = "/vilt location show <name>"
LINK_USAGE = "/vilt location link <name> [replace]"
# After the name: the admin confirms that another GoTo account may replace the current one.
REPLACE_WORD = "replace"
LIST_USAGE = "/vilt location list [#tag|text]"
NEW_TITLE = "New location"
EDIT_TITLE = "Edit location"
# A section and a divider each: 20 locations and a header stay under Slack's 50 blocks.
LIST_PAGE = 20


async def location_new(inv: Invocation) -> None:
    """Open the create modal: open first, then fill."""
    actor = inv.actor
    team = actor.require_admin_of_active()
    opened = await modals.open_loading(inv.client, inv.body["trigger_id"], NEW_TITLE, CALLBACK_ID)

    async def form() -> dict[str, Any]:
        async with inv.request.deps.uow() as uow:
            all_teams = await locations.workspace_teams(uow, actor.workspace_id)
        return location_modal(
            form=LocationForm(owner_team_id=team.id, team_ids=[team.id] if team.id else []),
            admin_teams=_admin_teams(actor),
            all_teams=all_teams,
            meta=ModalMeta(response_url=inv.body.get("response_url")),
        )

    await modals.fill(
        inv.client,
        opened,
        title=NEW_TITLE,
        problem_callback_id=PROBLEM_CALLBACK_ID,
        request_id=inv.request.request_id,
        form=form(),
    )


async def location_edit(inv: Invocation) -> None:
    """Open the edit modal, then fill it prefilled (the secret shows only as saved).

    The modal opens before the database is asked anything, as for `new`: a trigger_id lives
    3 seconds. A location that is not found, or that the caller may not edit, is said so in it.
    """
    if not inv.raw_args:
        raise InvalidInput(f"Usage: `{EDIT_USAGE}`")
    actor = inv.actor
    opened = await modals.open_loading(inv.client, inv.body["trigger_id"], EDIT_TITLE, CALLBACK_ID)

    async def form() -> dict[str, Any]:
        async with inv.request.deps.uow() as uow:
            location = await locations.find_location(uow, actor, name_argument(inv.raw_args))
            assert location.id is not None
            await locations.editable_location(uow, actor, location.id)
            view = await locations.describe(uow, location)
            all_teams = await locations.workspace_teams(uow, actor.workspace_id)
        return location_modal(
            form=form_from_view(view),
            admin_teams=_admin_teams(actor),
            all_teams=all_teams,
            meta=ModalMeta(location_id=view.id, response_url=inv.body.get("response_url")),
            saved=view,
        )

    await modals.fill(
        inv.client,
        opened,
        title=EDIT_TITLE,
        problem_callback_id=PROBLEM_CALLBACK_ID,
        request_id=inv.request.request_id,
        form=form(),
    )


async def location_list(inv: Invocation) -> None:
    """Locations the caller's teams own or may use, optionally filtered."""
    query = search_text(inv.raw_args)
    async with inv.request.deps.uow() as uow:
        page = await locations.list_locations(
            uow, inv.actor, query, limit=LIST_PAGE, now=inv.request.deps.clock()
        )
    if not page.views:
        suffix = f" matching {mrkdwn.code(query)}" if query else ""
        await inv.reply(f"No locations{suffix}.")
        return
    blocks: list[dict[str, Any]] = []
    for view in page.views:
        blocks += location_summary(view, with_connection=sees_connection(inv.actor, view))
    more = (
        f"\n…and {page.total - len(page.views)} more; narrow the list with a #tag or text."
        if page.total > len(page.views)
        else ""
    )
    header = f"{page.total} location{'s' if page.total != 1 else ''}"
    heading = {"type": "section", "text": {"type": "mrkdwn", "text": f"*{header}*{more}"}}
    await inv.reply(header + more, blocks=[heading, *blocks])


async def location_show(inv: Invocation) -> None:
    """One location with its connection status."""
    if not inv.raw_args:
        raise InvalidInput(f"Usage: `{SHOW_USAGE}`")
    async with inv.request.deps.uow() as uow:
        view = await locations.visible_location(
            uow, inv.actor, name_argument(inv.raw_args), now=inv.request.deps.clock()
        )
    admin = sees_connection(inv.actor, view)
    about = view.status.text if admin or not view.kind.is_goto else view.kind.label
    await inv.reply(
        f"{mrkdwn.escape(view.name)}: {mrkdwn.escape(about)}",
        blocks=location_summary(view, with_connection=admin),
    )


async def location_link(inv: Invocation) -> None:
    """Send the admin the button that opens GoTo's consent page."""
    if not inv.raw_args:
        raise InvalidInput(f"Usage: `{LINK_USAGE}`")
    deps = inv.request.deps
    name, replace = _link_arguments(inv.raw_args)
    async with deps.uow() as uow:
        location = await locations.find_location(uow, inv.actor, name)
        assert location.id is not None
        state = await linking.start_link(
            uow, inv.actor, location.id, now=deps.clock(), replace_account=replace
        )
        await linking.remember_message(uow, state, response_url=inv.body.get("response_url"))
        view = await locations.describe(uow, location, deps.clock())
        await uow.commit()
    text, blocks = link_message(view, deps.link_url(state), replace_account=replace)
    await inv.reply(text, blocks=blocks)


def _link_arguments(raw: str) -> tuple[str, bool]:
    """The location's name, and whether the admin confirmed replacing the GoTo account."""
    words = raw.strip().rsplit(None, 1)
    if len(words) == 2 and words[1].lower() == REPLACE_WORD:
        return name_argument(words[0]), True
    return name_argument(raw), False


async def relink_clicked(
    deps: Deps, client: AsyncWebClient, actor: Actor, body: dict[str, Any]
) -> None:
    """The Re-link button (warnings, Home, `location show`): a fresh single-use link for an
    admin of the owner team, privately; anyone else is told who can re-link."""
    action = (body.get("actions") or [{}])[0]
    response_url = trusted_response_url(body.get("response_url"), deps.slack_api_url)
    raw = str(action.get("value") or "")
    try:
        if not raw.isdigit():
            raise InvalidInput("That button is out of date: use `/vilt location link <name>`.")
        now = deps.clock()
        async with deps.uow() as uow:
            location = await locations.editable_location(uow, actor, int(raw))
            assert location.id is not None
            state = await linking.start_link(uow, actor, location.id, now=now)
            view = await locations.describe(uow, location, now)
            await uow.commit()
    except DomainError as exc:
        await tell_privately(client, actor.user_id, response_url, f":warning: {exc.message}")
        return
    text, blocks = link_message(view, deps.link_url(state))
    where = await tell_privately(client, actor.user_id, response_url, text, blocks)
    await _remember(deps, state, where, view.id)


def _admin_teams(actor: Actor) -> list[Any]:
    return sorted(
        (t for t in actor.teams.values() if t.id is not None and actor.is_admin_of(t.id)),
        key=lambda t: t.name_key,
    )


async def _save(deps: Deps, actor: Actor, meta: ModalMeta, form: LocationForm) -> LocationView:
    async with deps.uow() as uow:
        if meta.location_id is None:
            location = await locations.create_location(uow, actor, form, sealer=deps.sealer)
        else:
            location = await locations.update_location(
                uow, actor, meta.location_id, form, sealer=deps.sealer
            )
        view = await locations.describe(uow, location)
        await uow.commit()
    return view


async def _send_link(
    deps: Deps, client: AsyncWebClient, actor: Actor, view: LocationView, meta: ModalMeta, note: str
) -> tuple[str, str]:
    """Show the admin the link button privately; return the link's state and URL.

    The button goes out as an ephemeral message through the response_url of the command that
    opened the modal (replaced once linked); without one it goes to the admin's DM.
    """
    async with deps.uow() as uow:
        state = await linking.start_link(uow, actor, view.id, now=deps.clock())
        await uow.commit()
    url = deps.link_url(state)
    text, blocks = link_message(view, url, saved_note=note)
    where = await tell_privately(client, actor.user_id, meta.response_url, text, blocks)
    await _remember(deps, state, where, view.id)
    return state, url


async def _remember(deps: Deps, state: str, where: dict[str, str | None], location_id: int) -> None:
    """Remember where the link button went, so that it is replaced once linked."""
    try:
        async with deps.uow() as uow:
            await linking.remember_message(uow, state, **where)
            await uow.commit()
    except StoreUnavailable:
        # The admin has a working button; only replacing it once linked is lost.
        log.warning("link message of location %s not remembered", location_id)


def register(app: AsyncApp, router: CommandRouter) -> None:
    """Add the location subcommands and the modal's listeners."""
    router.add(
        Subcommand(
            "location new",
            "/vilt location new",
            "create a location (classroom or GoTo)",
            location_new,
            team_admins,
        )
    )
    router.add(
        Subcommand(
            "location edit",
            EDIT_USAGE,
            "change a location your team owns",
            location_edit,
            team_admins,
        )
    )
    router.add(
        Subcommand(
            "location list",
            LIST_USAGE,
            "locations your teams can use",
            location_list,
            members,
            admin_summary="the locations of this workspace",
        )
    )
    router.add(
        Subcommand(
            "location show",
            SHOW_USAGE,
            "one location: what it is and which teams may use it",
            location_show,
            members,
            team_admin_summary="one location, with its GoTo connection if your team owns it",
        )
    )
    router.add(
        Subcommand(
            "location link",
            LINK_USAGE,
            "link a location to a GoTo account",
            location_link,
            team_admins,
        )
    )

    @app.action(KIND_ACTION)
    async def kind_changed(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        request, view, meta, form = _modal_input(body, context)
        modal = await _rebuild(request.deps, request.actor, form, meta)
        await client.views_update(view_id=view["id"], hash=view["hash"], view=modal)

    @app.action(LINK_IN_MODAL_ACTION)
    async def link_from_modal(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        request, view, meta, form = _modal_input(body, context)
        try:
            saved = await _save(request.deps, request.actor, meta, form)
        except FieldErrors as exc:
            modal = await _rebuild(request.deps, request.actor, form, meta, problems=exc.errors)
            await client.views_update(view_id=view["id"], hash=view["hash"], view=modal)
            return
        except DomainError as exc:
            meta.notices = [f":warning: {exc.message}"]
            modal = await _rebuild(request.deps, request.actor, form, meta)
            await client.views_update(view_id=view["id"], hash=view["hash"], view=modal)
            return
        was_new = meta.location_id is None
        meta.location_id = saved.id
        note = (
            f":floppy_disk: {mrkdwn.bold(saved.name)} was saved with the current settings."
            if was_new
            else f":floppy_disk: Changes to {mrkdwn.bold(saved.name)} were saved."
        )
        state, url = await _send_link(request.deps, client, request.actor, saved, meta, note)
        meta.notices = [note + " Now click the button below to open GoTo."]
        form.consumer_secret = ""
        modal = await _rebuild(request.deps, request.actor, form, meta, saved=saved, link_url=url)
        shown = await client.views_update(view_id=view["id"], hash=view["hash"], view=modal)
        # Once GoTo confirms the link, this modal is brought up to date (if still open).
        updated = shown.get("view") or {}
        if updated.get("id") and updated.get("hash"):
            async with request.deps.uow() as uow:
                await linking.remember_view(
                    uow, state, view_id=str(updated["id"]), view_hash=str(updated["hash"])
                )
                await uow.commit()

    @app.action(RELINK_ACTION)
    async def relink(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        await ack()
        request = Request.of(context)
        await relink_clicked(request.deps, client, request.actor, body)

    @app.action(OPEN_CONSENT_ACTION)
    async def consent_opened(ack: AsyncAck) -> None:
        # The button is a link; the browser does the work.
        await ack()

    @app.view(CALLBACK_ID)
    async def submitted(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        request, view, meta, form = _modal_input(body, context)
        try:
            saved = await _save(request.deps, request.actor, meta, form)
        except FieldErrors as exc:
            await ack(response_action="errors", errors=_visible_errors(exc.errors, view))
            return
        except DomainError as exc:
            # Slack shows field errors as plain text: the message is read back from mrkdwn.
            await ack(response_action="errors", errors={"name": mrkdwn.unescape(exc.message)[:150]})
            return
        await ack()
        verb = "created" if meta.location_id is None else "saved"

        note = f":white_check_mark: Location {mrkdwn.bold(saved.name)} {verb}."

        async def follow_up() -> None:
            if saved.kind.is_goto and saved.status.state is not ConnectionState.CONNECTED:
                try:
                    await _send_link(request.deps, client, request.actor, saved, meta, note)
                except StoreUnavailable as exc:
                    # The location is saved; only the link could not be prepared.
                    command = mrkdwn.code(f"/vilt location link {saved.name}")
                    await reply(
                        f"{note} I could not prepare its GoTo link: viltbot's database is not "
                        f"answering (ref {exc.ref}). Link it in a minute with {command}."
                    )
            else:
                said = SectionBlock(text=MarkdownTextObject(text=note)).to_dict()
                summary = location_summary(saved, with_connection=True)
                await tell_privately(
                    client, request.actor.user_id, meta.response_url, note, [said, *summary]
                )

        async def reply(text: str) -> None:
            await tell_privately(client, request.actor.user_id, meta.response_url, text)

        await run_safely(reply, request.request_id, follow_up())


def _modal_input(
    body: dict[str, Any], context: AsyncBoltContext
) -> tuple[Request, dict[str, Any], ModalMeta, LocationForm]:
    """Who acts, the open view, its metadata and what the form holds now."""
    view = body["view"]
    request = Request.of(context)
    meta = ModalMeta.load(view.get("private_metadata"))
    meta.response_url = trusted_response_url(meta.response_url, request.deps.slack_api_url)
    return request, view, meta, form_from_state(view["state"]["values"])


def _visible_errors(errors: dict[str, str], view: dict[str, Any]) -> dict[str, str]:
    """Errors for blocks the modal shows; others are folded onto the name field."""
    shown = {b.get("block_id") for b in view.get("blocks", [])}
    visible = {k: v for k, v in errors.items() if k in shown}
    hidden = [v for k, v in errors.items() if k not in shown]
    if hidden:
        visible["name"] = "; ".join([visible.get("name", ""), *hidden]).strip("; ")
    return visible


async def _rebuild(
    deps: Deps,
    actor: Actor,
    form: LocationForm,
    meta: ModalMeta,
    *,
    saved: LocationView | None = None,
    link_url: str | None = None,
    problems: dict[str, str] | None = None,
) -> dict[str, Any]:
    async with deps.uow() as uow:
        all_teams = await locations.workspace_teams(uow, actor.workspace_id)
        if saved is None and meta.location_id is not None:
            try:
                location = await locations.editable_location(uow, actor, meta.location_id)
            except NotAllowed:
                location = None
            if location is not None:
                saved = await locations.describe(uow, location)
    return location_modal(
        form=form,
        admin_teams=_admin_teams(actor),
        all_teams=all_teams,
        meta=meta,
        saved=saved,
        link_url=link_url,
        problems=problems,
    )
