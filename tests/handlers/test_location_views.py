"""Block Kit for locations, built without Slack: the modal in each state, the link message,
the summary shown by list and show, and reading the modal's state back."""

from __future__ import annotations

import json
from typing import Any

import pytest

from domain.models import LocationKind, Role
from domain.rules import ConnectionState, ConnectionStatus, LocationForm
from handlers.location_views import (
    ModalMeta,
    form_from_state,
    form_from_view,
    link_message,
    loading_modal,
    location_modal,
    location_summary,
    problem_modal,
    sees_connection,
    status_icon,
)
from sandbox.slack.blockkit import check_blocks, check_view
from sandbox.slack.view_state import build_state
from tests.handlers.locations_data import (
    LINK_URL,
    NOW,
    OPS,
    RESPONSE_URL,
    SECRET,
    classroom,
    status,
    training,
    webinar,
)
from tests.handlers.snapshots import assert_snapshot
from tests.handlers.support import SALES, SUPPORT, actor, team

ADMIN_TEAMS = [SALES, SUPPORT]
ALL_TEAMS = [OPS, SALES, SUPPORT]


def modal(form: LocationForm, meta: ModalMeta | None = None, **kwargs: Any) -> dict[str, Any]:
    """The location modal for an admin of Sales and Support in a workspace with Ops too."""
    view = location_modal(
        form=form,
        admin_teams=ADMIN_TEAMS,
        all_teams=ALL_TEAMS,
        meta=meta or ModalMeta(response_url=RESPONSE_URL),
        **kwargs,
    )
    assert check_view(view) == []
    return view


def block(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


def block_ids(view: dict[str, Any]) -> list[str]:
    return [b.get("block_id", b["type"]) for b in view["blocks"]]


def typed_webinar(**changes: Any) -> LocationForm:
    """What an admin typed into a new GoToWebinar modal."""
    form = LocationForm(
        name="Webinar Room",
        active=False,
        kind="gotowebinar",
        max_learners="25",
        information_url="https://example.com/webinars",
        owner_team_id=SALES.id,
        team_ids=[1, 2],
        description="Live product demos #onboarding",
        consumer_key="demo-webinar-app",
        consumer_secret=SECRET,
        goto_notifications=True,
    )
    for key, value in changes.items():
        setattr(form, key, value)
    return form


# ---------------------------------------------------------------- modal metadata


def test_the_modal_carries_only_the_location_and_the_response_url() -> None:
    meta = ModalMeta(location_id=7, response_url=RESPONSE_URL, notices=["saved"])
    assert meta.dump() == f'{{"l":7,"r":"{RESPONSE_URL}"}}'
    assert ModalMeta.load(meta.dump()) == ModalMeta(location_id=7, response_url=RESPONSE_URL)
    assert ModalMeta().dump() == '{"l":null,"r":null}'
    assert ModalMeta.load(None) == ModalMeta() == ModalMeta.load("")
    assert ModalMeta.load("{}") == ModalMeta()
    assert ModalMeta().notices == [] and ModalMeta().notices is not ModalMeta().notices


# ---------------------------------------------------------------- loading and problems


def test_the_loading_modal_opens_with_the_title_of_what_is_coming() -> None:
    view = loading_modal("Edit location")
    assert check_view(view) == []
    assert_snapshot("modal-loading", view)
    assert loading_modal()["title"]["text"] == "Location"


def test_a_problem_replaces_the_form_and_can_only_be_closed() -> None:
    view = problem_modal("Edit location", ":warning: Only admins of team *Sales* can do that.")
    assert check_view(view) == []
    assert_snapshot("modal-problem", view)
    long = problem_modal("Edit location", "x" * 3001)
    assert long["blocks"][0]["text"]["text"] == "x" * 3000


# ---------------------------------------------------------------- the location modal


def test_a_new_location_starts_as_an_active_classroom_of_the_active_team() -> None:
    view = modal(LocationForm(owner_team_id=SALES.id, team_ids=[1]))
    assert_snapshot("modal-new-classroom", view)
    assert block_ids(view) == [
        "name",
        "status",
        "kind",
        "max_learners",
        "information_url",
        "owner_team",
        "team_availability",
        "description",
    ]


def test_choosing_gotowebinar_asks_for_key_secret_notifications_and_offers_linking() -> None:
    view = modal(typed_webinar())
    assert_snapshot("modal-new-webinar", view)
    # The secret typed so far is never sent back to Slack, and the link button asks to save.
    assert SECRET not in json.dumps(view)
    assert "initial_value" not in block(view, "consumer_secret")["element"]
    assert block(view, "link")["elements"][0]["confirm"]["text"]["text"] == (
        "Linking requires your location to be saved. If you proceed, your location is saved "
        "using the current settings."
    )


def test_editing_a_linked_webinar_keeps_the_saved_secret_and_shows_the_connection() -> None:
    saved = webinar(active=False, goto_notifications=False)
    view = modal(
        form_from_view(saved),
        ModalMeta(location_id=saved.id, response_url=RESPONSE_URL),
        saved=saved,
    )
    assert_snapshot("modal-edit-webinar-linked", view)
    secret = block(view, "consumer_secret")
    assert secret["optional"] is True
    assert secret["element"]["placeholder"]["text"] == "•••••••• saved: leave blank to keep it"
    assert "confirm" not in block(view, "link")["elements"][0]


def test_after_saving_from_the_modal_the_button_opens_goto_and_notes_are_shown() -> None:
    saved = training()
    meta = ModalMeta(
        location_id=saved.id,
        response_url=RESPONSE_URL,
        notices=[":floppy_disk: *Training Lab* was saved with the current settings. Now click."],
    )
    view = modal(form_from_view(saved), meta, saved=saved, link_url=LINK_URL)
    assert_snapshot("modal-training-link-ready", view)


def test_field_problems_are_listed_above_the_form_by_their_labels() -> None:
    problems = {
        "name": "Give the location a name.",
        "max_learners": "Enter a whole number from 1 to 100,000, or leave it empty.",
        "team_availability": "Choose at least one team that may schedule sessions here.",
    }
    meta = ModalMeta(notices=[":warning: Something else."])
    view = modal(typed_webinar(name="", team_ids=[]), meta, problems=problems)
    assert_snapshot("modal-problems", view)
    assert block_ids(view)[:2] == ["section", "context"]


def test_a_goto_location_whose_secret_is_missing_asks_for_it_without_a_save_prompt() -> None:
    saved = training(has_secret=False)
    view = modal(form_from_view(saved), ModalMeta(location_id=saved.id), saved=saved)
    secret = block(view, "consumer_secret")
    assert secret["optional"] is False
    assert secret["element"]["placeholder"]["text"] == "Paste it here"
    assert "confirm" not in block(view, "link")["elements"][0]
    assert block(view, "link")["elements"][0]["action_id"] == "link_from_modal"


def test_an_unknown_kind_shows_the_classroom_form() -> None:
    view = modal(typed_webinar(kind="zoom"))
    assert block(view, "kind")["element"]["initial_option"]["value"] == "classroom"
    assert "consumer_key" not in block_ids(view) and "link" not in block_ids(view)


def test_teams_the_admin_cannot_choose_are_not_preselected() -> None:
    form = LocationForm(owner_team_id=OPS.id, team_ids=[42])
    view = modal(form)
    assert "initial_option" not in block(view, "owner_team")["element"]
    assert "initial_options" not in block(view, "team_availability")["element"]
    form = LocationForm(owner_team_id=SUPPORT.id, team_ids=[42, 3, 2])
    view = modal(form)
    assert block(view, "owner_team")["element"]["initial_option"]["value"] == "2"
    chosen = block(view, "team_availability")["element"]["initial_options"]
    assert [o["value"] for o in chosen] == ["3", "2"]


def test_long_team_names_are_cut_to_what_an_option_can_hold() -> None:
    long = team(4, "Customer Success " + "x" * 63)
    view = location_modal(
        form=LocationForm(owner_team_id=4, team_ids=[4]),
        admin_teams=[long],
        all_teams=[long],
        meta=ModalMeta(),
    )
    assert check_view(view) == []
    options = block(view, "team_availability")["element"]["options"]
    assert options == [{"text": {"type": "plain_text", "text": long.name[:75]}, "value": "4"}]


def test_each_kind_names_its_own_product() -> None:
    for kind, label in [("gotowebinar", "GoToWebinar"), ("gototraining", "GoToTraining")]:
        view = modal(typed_webinar(kind=kind))
        assert block(view, "consumer_key")["hint"]["text"] == (
            f"The consumer key (client id) of your {label} app on GoTo's developer site."
        )
        assert block(view, "link")["elements"][0]["text"]["text"] == (
            f"Link with your {label} account"
        )


# ---------------------------------------------------------------- reading the modal back


def test_what_the_modal_shows_reads_back_as_the_same_form() -> None:
    for form in [
        typed_webinar(consumer_secret=""),
        typed_webinar(
            kind="gototraining", active=True, goto_notifications=False, consumer_secret=""
        ),
        LocationForm(owner_team_id=SALES.id, team_ids=[1, 3], description="Third floor"),
    ]:
        view = modal(form)
        assert form_from_state(build_state(view["blocks"])["values"]) == form


def test_the_state_slack_sends_is_read_into_a_form() -> None:
    view = modal(typed_webinar())
    state = build_state(
        view["blocks"],
        {
            "name": "  Webinar Room 2 ",
            "status": "active",
            "kind": "gototraining",
            "max_learners": "30",
            "consumer_key": "key",
            "consumer_secret": "typed",
            "goto_notifications": [],
            "owner_team": "2",
            "team_availability": ["3", "1"],
            "description": "",
            "information_url": "",
        },
    )["values"]
    assert form_from_state(state) == LocationForm(
        name="  Webinar Room 2 ",
        active=True,
        kind="gototraining",
        max_learners="30",
        information_url="",
        owner_team_id=2,
        team_ids=[3, 1],
        description="",
        consumer_key="key",
        consumer_secret="typed",
        goto_notifications=False,
    )


def test_a_sparse_or_odd_state_gives_safe_defaults() -> None:
    assert form_from_state({}) == LocationForm()
    odd: dict[str, dict[str, dict[str, Any]]] = {
        "status": {"value": {"type": "static_select", "selected_option": None}},
        "kind": {"kind_selected": {"type": "static_select", "selected_option": None}},
        "owner_team": {"value": {"type": "static_select", "selected_option": {"value": "x1"}}},
        "team_availability": {
            "value": {
                "type": "multi_static_select",
                "selected_options": [{"value": "2"}, {"value": "two"}],
            }
        },
        "goto_notifications": {"value": {"type": "checkboxes", "selected_options": None}},
        "name": {},
    }
    assert form_from_state(odd) == LocationForm(
        active=True, kind="classroom", owner_team_id=None, team_ids=[2], goto_notifications=False
    )


def test_a_saved_location_prefills_the_edit_form_without_its_secret() -> None:
    assert form_from_view(webinar()) == LocationForm(
        name="Webinar Room",
        active=True,
        kind="gotowebinar",
        max_learners="25",
        information_url="https://example.com/webinars",
        owner_team_id=1,
        team_ids=[1, 2],
        description="Live product demos #onboarding #sales",
        consumer_key="demo-webinar-app",
        consumer_secret="",
        goto_notifications=True,
    )
    assert form_from_view(classroom()) == LocationForm(
        name="Oslo Room 3",
        active=True,
        kind="classroom",
        max_learners="",
        information_url="",
        owner_team_id=2,
        team_ids=[2],
        description="",
        consumer_key="",
        consumer_secret="",
        goto_notifications=False,
    )


# ---------------------------------------------------------------- link message


def test_the_link_message_offers_a_button_that_opens_goto() -> None:
    text, blocks = link_message(training(), LINK_URL)
    assert text == (
        "Link *Training Lab* with your GoToTraining account to register learners on GoTo."
    )
    assert check_blocks(blocks) == []
    assert_snapshot("link-message", {"text": text, "blocks": blocks})


def test_the_link_message_after_a_save_starts_with_what_was_saved() -> None:
    note = ":white_check_mark: Location *Webinar Room* created."
    unlinked = webinar(status=status(LocationKind.GOTOWEBINAR))
    text, blocks = link_message(unlinked, LINK_URL, saved_note=note)
    assert text == "Link *Webinar Room* with your GoToWebinar account to register learners on GoTo."
    assert check_blocks(blocks) == []
    assert_snapshot("link-message-after-save", {"text": text, "blocks": blocks})


def test_the_link_message_of_a_connected_location_offers_to_re_link() -> None:
    text, blocks = link_message(webinar(), LINK_URL)
    assert text == (
        "Re-link *Webinar Room* with a GoToWebinar account: the same account renews the "
        "connection, another one replaces it."
    )
    (button,) = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert button["text"]["text"] == "Re-link with your GoToWebinar account"


# ---------------------------------------------------------------- summary (list and show)


def summary_text(blocks: list[dict[str, Any]]) -> str:
    assert check_blocks(blocks) == []
    assert blocks[-1] == {"type": "divider"} and len(blocks) in (2, 3)
    if len(blocks) == 3:
        assert relink_button(blocks) is not None
    return str(blocks[0]["text"]["text"])


def relink_button(blocks: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The Re-link button of a summary, if it has one."""
    for block in blocks:
        for element in block.get("elements", []):
            if element.get("action_id") == "relink_location":
                return dict(element)
    return None


@pytest.mark.parametrize(
    ("name", "offered"),
    [
        ("webinar-connected", False),
        ("webinar-expired", True),
        ("webinar-failed", True),
        ("webinar-last-day", True),
    ],
)
def test_the_relink_button_shows_from_a_week_before_a_lapse(name: str, offered: bool) -> None:
    view = SUMMARIES[name]
    button = relink_button(location_summary(view, with_connection=True))
    assert (button is not None) is offered
    if button is not None:
        assert button["value"] == str(view.id)
    # Only those who see the connection (admins of the owner team) get the button.
    assert relink_button(location_summary(view, with_connection=False)) is None


SUMMARIES = {
    "webinar-connected": webinar(),
    "training-not-linked-notifications-off": training(
        active=False, max_learners=None, information_url=None, description=""
    ),
    "webinar-expired": webinar(status=status(LocationKind.GOTOWEBINAR, email="a@b.c", days=-1)),
    "webinar-failed": webinar(
        status=status(LocationKind.GOTOWEBINAR, error="GoTo refused the refresh token")
    ),
    "webinar-last-day": webinar(status=status(LocationKind.GOTOWEBINAR, days=1.5)),
    "classroom-bare": classroom(),
    "classroom-with-details": classroom(
        max_learners=12,
        information_url="https://example.com/oslo",
        description="Third floor, by the lifts #onsite",
    ),
    "classroom-available-to-no-team": classroom(teams=[], team_ids=[]),
}


@pytest.mark.parametrize("name", list(SUMMARIES))
def test_a_location_is_summarised_in_one_section(name: str) -> None:
    assert_snapshot(
        f"summary-{name}",
        summary_text(location_summary(SUMMARIES[name], with_connection=True)).split("\n"),
    )


def test_a_long_description_is_cut_and_so_is_the_whole_summary() -> None:
    text = summary_text(location_summary(classroom(description="d" * 600), with_connection=True))
    assert text.split("\n")[-1] == "d" * 500
    many = [f"Team {i:02} " + "t" * 70 for i in range(40)]
    text = summary_text(
        location_summary(classroom(teams=many, description="d" * 500), with_connection=True)
    )
    assert len(text) == 3000 and text.endswith("t")


def test_connection_states_have_their_icons() -> None:
    assert {
        state: status_icon(ConnectionStatus(state, "", 20 if state.value == "connected" else None))
        for state in ConnectionState
    } == {
        ConnectionState.CONNECTED: ":large_green_circle:",
        ConnectionState.EXPIRED: ":red_circle:",
        ConnectionState.FAILED: ":red_circle:",
        ConnectionState.NOT_LINKED: ":white_circle:",
        ConnectionState.NOT_APPLICABLE: "",
    }
    # A week or less left: yellow, as the Re-link button shows.
    assert (
        status_icon(ConnectionStatus(ConnectionState.CONNECTED, "", 6)) == ":large_yellow_circle:"
    )
    assert status_icon(ConnectionStatus(ConnectionState.CONNECTED, "", 7)) == ":large_green_circle:"


def test_the_secret_never_appears_in_anything_built_for_slack() -> None:
    saved = webinar()
    built = [
        modal(typed_webinar()),
        modal(typed_webinar(), ModalMeta(location_id=7), saved=saved, link_url=LINK_URL),
        link_message(saved, LINK_URL),
        location_summary(saved, with_connection=True),
        ModalMeta(location_id=7, response_url=RESPONSE_URL).dump(),
    ]
    assert SECRET not in json.dumps(built)
    assert NOW.year == 2026  # the fixed clock the statuses were computed with


def test_field_problems_use_the_labels_the_form_shows() -> None:
    problems = {"information_url": "Enter a web address starting with http:// or https://."}
    view = modal(typed_webinar(information_url="example.com"), problems=problems)
    assert block(view, "information_url")["label"]["text"] == "Information URL"
    assert view["blocks"][0]["text"]["text"] == (
        ":warning: *Fix these before linking:*\n"
        "• Information URL: Enter a web address starting with http:// or https://."
    )


def test_a_problem_on_a_field_without_a_label_is_still_named_readably() -> None:
    problems = {"goto_notifications": "Choose on or off.", "session_room_code": "Too long."}
    view = modal(typed_webinar(), problems=problems)
    assert view["blocks"][0]["text"]["text"] == (
        ":warning: *Fix these before linking:*\n"
        "• GoTo notifications: Choose on or off.\n"
        "• Session room code: Too long."
    )


# Typed into the modal (plain text, which Slack does not escape) and shown back as mrkdwn.
UNSAFE_NAME = "R&D <!channel> Lab"
UNSAFE_DESCRIPTION = "Ask <@U0BOSS0001> & see <https://evil.test|our map>"


def test_text_people_typed_is_escaped_where_slack_reads_mrkdwn() -> None:
    shown = webinar(name=UNSAFE_NAME, description=UNSAFE_DESCRIPTION)
    summary = summary_text(location_summary(shown, with_connection=True))
    text, blocks = link_message(shown, LINK_URL)
    for rendered in (summary, text, json.dumps(blocks)):
        assert "<!channel>" not in rendered and "<https://evil.test" not in rendered
    assert "*R&amp;D &lt;!channel&gt; Lab*" in summary
    assert "Ask &lt;@U0BOSS0001&gt; &amp; see &lt;https://evil.test|our map&gt;" in summary


def test_the_modal_is_valid_for_someone_who_administers_no_team_any_more() -> None:
    view = location_modal(
        form=typed_webinar(), admin_teams=[], all_teams=ALL_TEAMS, meta=ModalMeta(location_id=7)
    )
    assert check_view(view) == []


def test_without_the_connection_a_summary_says_nothing_of_the_goto_account() -> None:
    shown = webinar(status=status(LocationKind.GOTOWEBINAR, email="bob@example.com", days=3))
    text = summary_text(location_summary(shown, with_connection=False))
    assert text.split("\n") == [
        "*Webinar Room* · GoToWebinar · active",
        "Owner: *Sales* · Available to: Sales, Support",
        "GoTo notifications: on (GoTo emails registrants)",
        "Max learners: 25",
        "Information: <https://example.com/webinars|https://example.com/webinars>",
        "Live product demos #onboarding #sales",
    ]


def test_the_connection_is_shown_to_admins_of_the_owner_team_only() -> None:
    shown = webinar()  # owned by Sales
    assert sees_connection(actor(roles=[(SALES, Role.ADMIN)]), shown)
    for who in (
        actor(roles=[(SALES, Role.LEARNER)]),
        actor(roles=[(SALES, Role.INSTRUCTOR)]),
        actor(roles=[(SUPPORT, Role.ADMIN)]),
        actor(workspace_admin=True),
    ):
        assert not sees_connection(who, shown)


def test_a_failed_connection_reason_is_shown_as_text() -> None:
    failed = webinar(status=status(LocationKind.GOTOWEBINAR, error="bad <!channel> & co"))
    text = summary_text(location_summary(failed, with_connection=True))
    assert "Connection: :red_circle: failed: bad &lt;!channel&gt; &amp; co" in text
