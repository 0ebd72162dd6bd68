"""Block Kit for locations: the modal that changes as it is filled, and the status lines."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ConfirmObject,
    ContextBlock,
    DividerBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from domain import mrkdwn
from domain.actor import Actor
from domain.connection_rules import offers_relink
from domain.limits import (
    CONSUMER_KEY_MAX,
    CONSUMER_SECRET_MAX,
    DESCRIPTION_MAX,
    INFORMATION_URL_MAX,
    LOCATION_NAME_MAX,
    MAX_LEARNERS_MAX,
    MAX_LEARNERS_MIN,
    MAX_LEARNERS_TEXT_MAX,
)
from domain.models import LocationKind, Team
from domain.rules import ConnectionState, ConnectionStatus, LocationForm
from domain.services.connections import RELINK_ACTION
from domain.services.linking import ttl_text
from domain.services.locations import LocationView
from handlers import modals

CALLBACK_ID = "location_form"
PROBLEM_CALLBACK_ID = "location_problem"
KIND_ACTION = "kind_selected"
LINK_IN_MODAL_ACTION = "link_from_modal"
OPEN_CONSENT_ACTION = "open_goto_consent"
VALUE = "value"  # the action_id of every input; block_ids carry the field names

SAVE_BEFORE_LINK = (
    "Linking requires your location to be saved. If you proceed, your location is saved "
    "using the current settings."
)


NO_ADMIN_TEAM = (
    ":warning: You are not an admin of any team any more, so this location cannot be saved "
    "from here and nothing was saved. Ask an admin of the owner team to make the change, or "
    "to make you an admin again."
)


@dataclass
class ModalMeta:
    """What the modal carries between Slack round trips (no secrets)."""

    location_id: int | None = None
    response_url: str | None = None
    notices: list[str] = field(default_factory=list)

    def dump(self) -> str:
        """Serialise for private_metadata (3,000 characters at most)."""
        data = {"l": self.location_id, "r": self.response_url}
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def load(cls, raw: str | None) -> ModalMeta:
        """Read private_metadata back."""
        if not raw:
            return cls()
        data = json.loads(raw)
        return cls(location_id=data.get("l"), response_url=data.get("r"))


def loading_modal(title: str = "Location") -> dict[str, Any]:
    """Opened at once so the trigger id does not expire while data loads."""
    return modals.loading_modal(title, CALLBACK_ID)


def problem_modal(title: str, message: str) -> dict[str, Any]:
    """Shown instead of the form when there is none to show; it can only be closed."""
    return modals.problem_modal(title, message, PROBLEM_CALLBACK_ID)


def _option(text: str, value: str) -> Option:
    return Option(text=PlainTextObject(text=text[:75]), value=value)


def location_modal(
    *,
    form: LocationForm,
    admin_teams: list[Team],
    all_teams: list[Team],
    meta: ModalMeta,
    saved: LocationView | None = None,
    link_url: str | None = None,
    problems: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The create/edit modal; GoTo kinds add key, secret, notifications and linking.

    Someone who administers no team (any more) has no owner to choose: the modal says so
    instead of offering a form that cannot be saved.
    """
    if not admin_teams:
        title = "Edit location" if meta.location_id is not None else "New location"
        return problem_modal(title, NO_ADMIN_TEAM)
    kind = LocationKind(form.kind) if form.kind in LocationKind._value2member_map_ else None
    problems = problems or {}
    kinds = [_option(k.label, k.value) for k in LocationKind]
    statuses = [
        _option("Active: learners see its sessions", "active"),
        _option("Inactive: hidden from learners", "inactive"),
    ]
    admin_options = [_option(t.name, str(t.id)) for t in admin_teams]
    team_options = [_option(t.name, str(t.id)) for t in all_teams]
    by_value = {o.value: o for o in team_options}
    blocks: list[Block] = []
    if problems:
        blocks.append(
            SectionBlock(
                text=MarkdownTextObject(
                    text=":warning: *Fix these before linking:*\n"
                    + "\n".join(f"• {_label(k)}: {v}" for k, v in problems.items())
                )
            )
        )
    for note in meta.notices:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=note)]))
    blocks += [
        InputBlock(
            block_id="name",
            label=FIELD_LABELS["name"],
            element=PlainTextInputElement(
                action_id=VALUE, initial_value=form.name or None, max_length=LOCATION_NAME_MAX
            ),
        ),
        InputBlock(
            block_id="status",
            label=FIELD_LABELS["status"],
            element=StaticSelectElement(
                action_id=VALUE,
                options=statuses,
                initial_option=statuses[0] if form.active else statuses[1],
            ),
        ),
        InputBlock(
            block_id="kind",
            label=FIELD_LABELS["kind"],
            dispatch_action=True,
            element=StaticSelectElement(
                action_id=KIND_ACTION,
                options=kinds,
                initial_option=next((o for o in kinds if o.value == form.kind), kinds[0]),
            ),
            hint="Choosing a GoTo product asks for its consumer key and secret.",
        ),
    ]
    if kind is not None and kind.is_goto:
        blocks += _goto_blocks(kind, form, saved, link_url)
    blocks += [
        InputBlock(
            block_id="max_learners",
            label=FIELD_LABELS["max_learners"],
            optional=True,
            element=PlainTextInputElement(
                action_id=VALUE,
                initial_value=form.max_learners or None,
                placeholder="e.g. 25",
                max_length=MAX_LEARNERS_TEXT_MAX,
            ),
            hint=f"A whole number from {MAX_LEARNERS_MIN:,} to {MAX_LEARNERS_MAX:,}; "
            "empty means no limit.",
        ),
        InputBlock(
            block_id="information_url",
            label=FIELD_LABELS["information_url"],
            optional=True,
            element=PlainTextInputElement(
                action_id=VALUE,
                initial_value=form.information_url or None,
                placeholder="https://…",
                max_length=INFORMATION_URL_MAX,
            ),
            hint="The location's website or map.",
        ),
        InputBlock(
            block_id="owner_team",
            label=FIELD_LABELS["owner_team"],
            element=StaticSelectElement(
                action_id=VALUE,
                options=admin_options,
                initial_option=next(
                    (o for o in admin_options if o.value == str(form.owner_team_id)), None
                ),
            ),
            hint="Only admins of this team can edit the location.",
        ),
        InputBlock(
            block_id="team_availability",
            label=FIELD_LABELS["team_availability"],
            element=StaticMultiSelectElement(
                action_id=VALUE,
                options=team_options,
                initial_options=[by_value[str(t)] for t in form.team_ids if str(t) in by_value]
                or None,
            ),
            hint="Teams that may schedule sessions here.",
        ),
        InputBlock(
            block_id="description",
            label=FIELD_LABELS["description"],
            optional=True,
            element=PlainTextInputElement(
                action_id=VALUE,
                multiline=True,
                initial_value=form.description or None,
                max_length=DESCRIPTION_MAX,
            ),
            hint="Free text; #tags in it help learners search.",
        ),
    ]
    editing = meta.location_id is not None
    return View(
        type="modal",
        callback_id=CALLBACK_ID,
        title=PlainTextObject(text="Edit location" if editing else "New location"),
        submit=PlainTextObject(text="Save" if editing else "Create"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=meta.dump(),
        blocks=blocks,
    ).to_dict()


def _goto_blocks(
    kind: LocationKind, form: LocationForm, saved: LocationView | None, link_url: str | None
) -> list[Block]:
    has_secret = saved is not None and saved.has_secret
    blocks: list[Block] = [
        InputBlock(
            block_id="consumer_key",
            label=FIELD_LABELS["consumer_key"],
            element=PlainTextInputElement(
                action_id=VALUE,
                initial_value=form.consumer_key or None,
                max_length=CONSUMER_KEY_MAX,
            ),
            hint=f"The consumer key (client id) of your {kind.label} app on GoTo's developer site.",
        ),
        InputBlock(
            block_id="consumer_secret",
            label=FIELD_LABELS["consumer_secret"],
            optional=has_secret,
            # The saved secret is never sent back to Slack.
            element=PlainTextInputElement(
                action_id=VALUE,
                placeholder="•••••••• saved: leave blank to keep it"
                if has_secret
                else "Paste it here",
                max_length=CONSUMER_SECRET_MAX,
            ),
            hint="Stored encrypted; never shown again once saved.",
        ),
        InputBlock(
            block_id="goto_notifications",
            label=FIELD_LABELS["goto_notifications"],
            optional=True,
            element=CheckboxesElement(
                action_id=VALUE,
                options=[
                    _option(
                        "GoTo emails registrants (off: viltbot sends the join link in Slack)", "on"
                    )
                ],
                initial_options=[
                    _option(
                        "GoTo emails registrants (off: viltbot sends the join link in Slack)", "on"
                    )
                ]
                if form.goto_notifications
                else None,
            ),
        ),
    ]
    status = (
        saved.status.text if saved is not None else "not linked (the location is not saved yet)"
    )
    blocks.append(
        ContextBlock(
            elements=[MarkdownTextObject(text=f"*Connection status:* {mrkdwn.escape(status)}")]
        )
    )
    # A location linked before (connected, lapsed or failed) is re-linked, not linked.
    linked_before = saved is not None and saved.status.state in {
        ConnectionState.CONNECTED,
        ConnectionState.EXPIRED,
        ConnectionState.FAILED,
    }
    button_text = (
        f"Re-link with a {kind.label} account"
        if linked_before
        else f"Link with your {kind.label} account"
    )
    if link_url:
        blocks.append(
            ActionsBlock(
                block_id="link",
                elements=[
                    ButtonElement(
                        action_id=OPEN_CONSENT_ACTION,
                        text=button_text,
                        url=link_url,
                        style="primary",
                    )
                ],
            )
        )
    else:
        blocks.append(
            ActionsBlock(
                block_id="link",
                elements=[
                    ButtonElement(
                        action_id=LINK_IN_MODAL_ACTION,
                        text=button_text,
                        confirm=None
                        if saved is not None
                        else ConfirmObject(
                            title="Confirm save location",
                            text=SAVE_BEFORE_LINK,
                            confirm="Yes, save",
                            deny="Cancel",
                        ),
                    )
                ],
            )
        )
    return blocks


def form_from_state(values: dict[str, dict[str, dict[str, Any]]]) -> LocationForm:
    """Read the modal's state values back into a LocationForm."""

    def element(block: str) -> dict[str, Any]:
        actions = values.get(block) or {}
        return next(iter(actions.values()), {})

    def text(block: str) -> str:
        return str(element(block).get("value") or "")

    def selected(block: str) -> str | None:
        option = element(block).get("selected_option")
        return str(option["value"]) if option else None

    def many(block: str) -> list[str]:
        return [str(o["value"]) for o in element(block).get("selected_options") or []]

    owner = selected("owner_team")
    return LocationForm(
        name=text("name"),
        active=selected("status") != "inactive",
        kind=selected("kind") or LocationKind.CLASSROOM.value,
        max_learners=text("max_learners"),
        information_url=text("information_url"),
        owner_team_id=int(owner) if owner and owner.isdigit() else None,
        team_ids=[int(v) for v in many("team_availability") if v.isdigit()],
        description=text("description"),
        consumer_key=text("consumer_key"),
        consumer_secret=text("consumer_secret"),
        goto_notifications="on" in many("goto_notifications")
        if "goto_notifications" in values
        else True,
    )


def form_from_view(view: LocationView) -> LocationForm:
    """Prefill the edit modal from a saved location (the secret stays out)."""
    return LocationForm(
        name=view.name,
        active=view.active,
        kind=view.kind.value,
        max_learners=str(view.max_learners) if view.max_learners else "",
        information_url=view.information_url or "",
        owner_team_id=view.owner_team_id,
        team_ids=view.team_ids,
        description=view.description,
        consumer_key=view.consumer_key or "",
        consumer_secret="",
        goto_notifications=view.goto_notifications,
    )


def link_message(
    location: LocationView,
    link_url: str,
    *,
    saved_note: str | None = None,
    replace_account: bool = False,
) -> tuple[str, list[dict[str, Any]]]:
    """The private message with the button that opens GoTo's consent page."""
    product = location.kind.label
    relink = location.status.state is ConnectionState.CONNECTED
    verb = "Re-link" if relink else "Link"
    text = (
        f"Link {mrkdwn.bold(location.name)} with another {product} account: it replaces "
        f"{mrkdwn.escape(location.linked_email or 'the current one')}, even while sessions "
        "depend on it."
        if replace_account
        else f"Re-link {mrkdwn.bold(location.name)} with a {product} account: the same account "
        "renews the connection, another one replaces it."
        if relink
        else f"Link {mrkdwn.bold(location.name)} with your {product} account "
        "to register learners on GoTo."
    )
    blocks: list[Block] = []
    if saved_note:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=saved_note)))
    blocks += [
        SectionBlock(
            text=MarkdownTextObject(text=f"{text} The link works once and expires in {ttl_text()}.")
        ),
        ActionsBlock(
            block_id="link",
            elements=[
                ButtonElement(
                    action_id=OPEN_CONSENT_ACTION,
                    text=f"{verb} with your {product} account",
                    url=link_url,
                    style="primary",
                )
            ],
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Sign in to GoTo and click *Allow*. An account linked to another "
                    "location cannot be used here."
                )
            ]
        ),
    ]
    return text, [b.to_dict() for b in blocks]


def sees_connection(actor: Actor, view: LocationView) -> bool:
    """Whether the actor is shown a location's GoTo connection (account, status, expiry).

    Only admins of the owner team, who link and renew it, are; learners and instructors are not.
    """
    return actor.is_admin_of(view.owner_team_id)


def location_summary(view: LocationView, *, with_connection: bool) -> list[dict[str, Any]]:
    """Blocks describing one location (for show and list); the connection for admins only."""
    teams = ", ".join(mrkdwn.escape(team) for team in view.teams) or "—"
    lines = [
        f"{mrkdwn.bold(view.name)} · {view.kind.label} · {'active' if view.active else 'inactive'}",
        f"Owner: {mrkdwn.bold(view.owner_team)} · Available to: {teams}",
    ]
    if view.kind.is_goto:
        if with_connection:
            lines.append(
                f"Connection: {status_icon(view.status)} {mrkdwn.escape(view.status.text)}"
            )
        lines.append(
            "GoTo notifications: "
            + (
                "on (GoTo emails registrants)"
                if view.goto_notifications
                else "off (viltbot DMs the join link)"
            )
        )
    if view.max_learners:
        lines.append(f"Max learners: {view.max_learners}")
    if view.information_url:
        lines.append(f"Information: {mrkdwn.link(view.information_url, view.information_url)}")
    if view.description:
        lines.append(mrkdwn.escape(view.description[:500]))
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text="\n".join(lines)[:3000]))]
    if view.kind.is_goto and with_connection and offers_relink(view.status):
        blocks.append(relink_actions(view.id))
    return [b.to_dict() for b in blocks] + [DividerBlock().to_dict()]


def relink_actions(location_id: int) -> ActionsBlock:
    """The Re-link button: a fresh link for whoever clicks, if they may re-link."""
    return ActionsBlock(
        block_id=f"relink_{location_id}",
        elements=[
            ButtonElement(
                action_id=RELINK_ACTION, text="Re-link", value=str(location_id), style="primary"
            )
        ],
    )


FIELD_LABELS = {
    "name": "Name",
    "status": "Status",
    "kind": "Kind",
    "max_learners": "Max learners",
    "information_url": "Information URL",
    "owner_team": "Owner team",
    "team_availability": "Team availability",
    "description": "Description",
    "consumer_key": "Consumer key",
    "consumer_secret": "Consumer secret",
    "goto_notifications": "GoTo notifications",
}
"""The label of each field of the location form, shown on the field and in problem lists."""


_STATE_ICONS = {
    ConnectionState.CONNECTED: ":large_green_circle:",
    ConnectionState.EXPIRED: ":red_circle:",
    ConnectionState.FAILED: ":red_circle:",
    ConnectionState.NOT_LINKED: ":white_circle:",
    ConnectionState.NOT_APPLICABLE: "",
}


def status_icon(status: ConnectionStatus) -> str:
    """An emoji for a connection's status: yellow while it lapses within a week."""
    if status.state is ConnectionState.CONNECTED and offers_relink(status):
        return ":large_yellow_circle:"
    return _STATE_ICONS[status.state]


def _label(field_name: str) -> str:
    return FIELD_LABELS.get(field_name, field_name.replace("_", " ").capitalize())
