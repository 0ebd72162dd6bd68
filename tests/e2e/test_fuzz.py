"""Fuzz: random slash-command texts and modal values, signed, over HTTP, as several people.

Whatever is typed, the bot acks (never 500), answers every command, and logs no traceback.
`VILTBOT_FUZZ_EXAMPLES` sets the examples per test (default 250: some 750 signed requests, well
under a minute); docs/testing.md says how to run a longer one.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import ANN, BEN, BOSS, CLAIRE, GHOST, TRAINING, WS, Stack
from tests.e2e.locations_flow import admin_with_teams, choose_kind, open_modal
from tests.support.log_capture import captured_log

pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr")
EXAMPLES = int(os.environ.get("VILTBOT_FUZZ_EXAMPLES", "250"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    # One bot serves every example: state piles up, as it does in a real workspace.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# BOSS: first admin and admin of both teams; ANN: team admin; CLAIRE: instructor; BEN: learner;
# GHOST: a member of the workspace the bot has never seen.
PEOPLE = [BOSS, ANN, CLAIRE, BEN, GHOST]
SUBCOMMANDS = [
    "",
    "help",
    "team new",
    "team list",
    "team use",
    "team add",
    "team remove",
    "location new",
    "location edit",
    "location list",
    "location show",
    "location link",
    "unknown",
]
TRICKY = [
    '"',
    "'",
    "“",
    "”",
    '"Webinar Room"',
    "Sales",
    "<!channel>",
    "<!here|here>",
    f"<@{BEN}>",
    f"<@{ANN}|ann>",
    "<@U0NOBODY01>",
    f"<#{TRAINING}|training>",
    "<#G0SECRET01>",
    "<#C0NOWHERE1|nowhere>",
    "<http://evil.example|re-auth>",
    "#leadership",
    "*bold*",
    "`code`",
    "admin",
    "learner",
    "instructor",
    "\n",
    "\x00",
    "\x1b[2J",
    "\u202e",
    "\u200b",
    "²",
    "9" * 60,
    "&lt;",
    " ",
]
piece = st.one_of(st.text(max_size=30), st.sampled_from(TRICKY))
command_texts = st.one_of(
    st.tuples(st.sampled_from(SUBCOMMANDS), st.lists(piece, max_size=6)).map(
        lambda parts: " ".join([parts[0], *parts[1]])
    ),
    st.text(max_size=120),
    # Very long: a piece repeated, up to 40,000 characters (past Slack's message limit if echoed).
    st.tuples(piece, st.integers(200, 20_000)).map(lambda p: ((p[0] or "x") * p[1])[:40_000]),
)


@dataclass
class Fuzzed:
    """The bot under fuzz and a reader of its log since the last look."""

    stack: Stack
    new_log_lines: Callable[[], list[str]]


@pytest.fixture
async def fuzzed(stack: Stack) -> AsyncIterator[Fuzzed]:
    """Two teams, one person in each role, and the bot's real log set-up at INFO."""
    await admin_with_teams(stack)
    await stack.command("team use Sales")
    for person, role in ((ANN, "admin"), (CLAIRE, "instructor"), (BEN, "learner")):
        await stack.command(f"team add <@{person}> {role}")
    with captured_log("INFO") as buffer:
        seen = 0

        def new_log_lines() -> list[str]:
            nonlocal seen
            text = buffer.getvalue()
            lines, seen = text[seen:].splitlines(), len(text)
            return lines

        yield Fuzzed(stack, new_log_lines)


def _answers(stack: Stack) -> int:
    """Replies the bot has sent: ephemeral or channel messages, or modals opened."""
    kinds = {"response_url", "views.open", "chat.postEphemeral", "chat.postMessage"}
    return sum(1 for call in stack.standin.calls if call.method in kinds)


async def _answered(stack: Stack, before: int) -> bool:
    """Whether a reply arrives within 5 s (after Slack's 3 s ack, the bot has 30 min; 5 s is plenty)."""
    try:
        async with asyncio.timeout(5):
            while _answers(stack) <= before:  # noqa: ASYNC110 (the stand-in records calls in a list)
                await asyncio.sleep(0.005)
    except TimeoutError:
        return False
    return True


def _no_traceback(fuzzed: Fuzzed, what: str) -> None:
    """No traceback or error in the log, and nothing sent that Slack would refuse."""
    lines = fuzzed.new_log_lines()
    failures = [line for line in lines if "Traceback" in line or " ERROR " in line]
    assert failures == [], f"{what}:\n" + "\n".join(lines)
    violations = list(fuzzed.stack.standin.violations)
    fuzzed.stack.standin.violations.clear()
    assert violations == [], f"{what}: {violations}"


@FUZZ
@given(text=command_texts, person=st.sampled_from(PEOPLE))
async def test_any_command_text_is_answered_without_an_error(
    fuzzed: Fuzzed, text: str, person: str
) -> None:
    stack = fuzzed.stack
    before = _answers(stack)
    response = await stack.slack.slash(text, user_id=person, team_id=WS)
    assert response.status_code == 200, (text, response.status_code, response.text[:200])
    assert response.content or await _answered(stack, before), f"no answer to {text!r}"
    _no_traceback(fuzzed, f"/vilt {text!r} as {person}")
    replies = [c.args.get("text", "") for c in stack.standin.calls[before:]]
    assert not [r for r in replies if "something went wrong" in str(r)], (text, replies)


field_text = st.one_of(
    st.text(max_size=80),
    st.sampled_from(TRICKY),
    st.tuples(st.sampled_from([*TRICKY, "a"]), st.integers(100, 6000)).map(
        lambda p: (p[0] * p[1])[:6000]
    ),
)
numbers = st.one_of(
    st.text(max_size=40),
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from(
        ["0", "-1", "1e3", "٣", "²", "25 ", " 25", "1_000", "9" * 4000, "9" * 4301, "\x00"]
    ),
)
urls = st.one_of(
    field_text,
    st.sampled_from(
        ["https://ok.example/a><!channel>", "javascript:alert(1)", "http://", "ftp://x"]
    ),
    field_text.map(lambda t: "https://example.com/" + t),
)


def _options(view: dict[str, Any], block_id: str) -> list[str]:
    """The values a person can pick in a select or checkbox block of the modal."""
    for block in view["blocks"]:
        if block.get("block_id") == block_id:
            return [o["value"] for o in (block.get("element") or {}).get("options", [])]
    return []


async def _submit_fuzzed(
    fuzzed: Fuzzed, view: dict[str, Any], values: dict[str, Any], person: str
) -> None:
    stack = fuzzed.stack
    response = await stack.slack.view_submission(
        view, values, user_id=person, team_id=WS, check_required=False
    )
    shown = json.dumps(values, ensure_ascii=True)[:2000]
    assert response.status_code == 200, (shown, response.status_code, response.text[:200])
    if response.content:
        ack = response.json()
        assert ack.get("response_action") in {"errors", "update", "clear", "push"}, (shown, ack)
    _no_traceback(fuzzed, f"location modal {shown} as {person}")


@dataclass
class LocationModal:
    """An open location modal of one kind, and what its selects offer."""

    fuzzed: Fuzzed
    kind: str
    view: dict[str, Any]
    teams: list[str]
    statuses: list[str]


@pytest.fixture(params=["gotowebinar", "classroom"])
async def location_modal(fuzzed: Fuzzed, request: pytest.FixtureRequest) -> LocationModal:
    kind = str(request.param)
    view = await choose_kind(fuzzed.stack, await open_modal(fuzzed.stack), kind)
    teams, statuses = _options(view, "owner_team"), _options(view, "status")
    assert teams and statuses, view
    fuzzed.new_log_lines()
    return LocationModal(fuzzed, kind, view, teams, statuses)


@FUZZ
@given(
    name=field_text,
    key=field_text,
    secret=field_text,
    max_learners=numbers,
    url=urls,
    description=field_text,
    notify=st.booleans(),
    person=st.sampled_from([BOSS, ANN]),
    data=st.data(),
)
async def test_any_location_form_is_answered_without_an_error(
    location_modal: LocationModal,
    name: str,
    key: str,
    secret: str,
    max_learners: str,
    url: str,
    description: str,
    notify: bool,
    person: str,
    data: st.DataObject,
) -> None:
    modal = location_modal
    values: dict[str, Any] = {
        "name": name,
        "status": data.draw(st.sampled_from(modal.statuses), label="status"),
        "kind": modal.kind,
        "max_learners": max_learners,
        "information_url": url,
        "description": description,
        "owner_team": data.draw(st.sampled_from(modal.teams), label="owner_team"),
        "team_availability": data.draw(
            st.lists(st.sampled_from(modal.teams), unique=True), label="team_availability"
        ),
    }
    if modal.kind != "classroom":
        values |= {
            "consumer_key": key,
            "consumer_secret": secret,
            "goto_notifications": ["on"] if notify else [],
        }
    await _submit_fuzzed(modal.fuzzed, modal.view, values, person)
