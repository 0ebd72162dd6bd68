"""Reading a session's attendance from GoTo's reports (GoToReportReader) against the GoTo sandbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from bot.goto_reports import GoToReportReader
from domain.completion_rules import Attendee, Learner, match_attendee
from domain.errors import AttendanceUnavailable, SyncProblem
from domain.models import Location, LocationKind, Session, Team
from domain.ports import GoToAttendance
from sandbox.goto.records import Registrant
from sandbox.goto.scenario import PollSpec
from tests.e2e.conftest import BOSS, CLAIRE, WS, Stack
from tests.e2e.locations_flow import (
    TRAINING_KEY,
    TRAINING_SECRET,
    admin_with_teams,
    consent,
    create_goto_location,
)
from tests.e2e.test_goto_connection import linked_location

BOB = 1000000002  # the webinar organizer linked_location links
TRUDY = 2000000001  # a GoToTraining organizer
POLLS = ("What is your role?", "How  confident are you NOW?", "Would you recommend it?")


def reader(stack: Stack) -> GoToReportReader:
    return GoToReportReader(stack.runtime.goto)


def ago(stack: Stack, hours: float) -> datetime:
    return (stack.goto_clock.now() - timedelta(hours=hours)).replace(microsecond=0)


def register(stack: Stack, event: Any, emails: Sequence[str]) -> dict[str, str]:
    """Registrations made on GoTo directly; their registrant keys by email."""
    keys: dict[str, str] = {}
    for email in emails:
        key = stack.goto_state.new_key(19)
        first = email.split("@")[0].capitalize()
        event.registrants[key] = Registrant(
            registrant_key=key,
            email=email,
            first_name=first,
            last_name="Learner",
            registration_date=stack.goto_clock.now() - timedelta(days=5),
        )
        keys[email] = str(key)
    return keys


def add_webinar(
    stack: Stack, times: list[tuple[datetime, datetime]], emails: Sequence[str]
) -> tuple[str, dict[str, str]]:
    webinar = stack.goto_state.add_webinar(
        BOB, subject="Product Demo", times=times, time_zone="Europe/Berlin"
    )
    webinar.polls = [PollSpec(question=q, answers=["Yes", "No"]) for q in POLLS]
    return str(webinar.webinar_key), register(stack, webinar, emails)


async def play(
    stack: Stack,
    product: str,
    key: str,
    start: datetime,
    attendees: list[dict[str, Any]],
    *,
    polls: list[str] | None = None,
    minutes: float = 60,
) -> str:
    """Play a whole session through the sandbox's control API; its session key."""
    body: dict[str, Any] = {
        "start": start.isoformat(),
        "attendees": attendees,
        "duration_minutes": minutes,
    }
    if polls is not None:
        body["polls"] = polls
    async with httpx.AsyncClient(timeout=30) as http:
        answer = await http.post(f"{stack.goto_url}/_sandbox/{product}/{key}/sessions", json=body)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["sessionKey"])


async def sandbox(stack: Stack, method: str, path: str, body: Any = None) -> Any:
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.request(method, f"{stack.goto_url}/_sandbox/{path}", json=body)
    assert answer.is_success, answer.text
    return answer.json() if answer.content else None


class Requests:
    """The GoTo API requests the sandbox saw from a point on."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.start = 0

    async def mark(self) -> Requests:
        self.start = len(await self._all())
        return self

    async def _all(self) -> list[dict[str, Any]]:
        log = (await sandbox(self.stack, "GET", "requests"))["requests"]
        return [r for r in log if "/G2W/" in r["path"] or "/G2T/" in r["path"]]

    async def since(self) -> list[str]:
        """Paths requested since the mark, in order."""
        return [r["path"] for r in (await self._all())[self.start :]]


def viltbot_session(
    location: Location, key: str, starts_at: datetime, *, hours: float = 1
) -> Session:
    assert location.id is not None
    return Session(
        workspace_id=WS,
        element_id=1,
        location_id=location.id,
        instructor_id=CLAIRE,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        timezone="Europe/Berlin",
        goto_product=location.kind,
        goto_event_key=key,
        created_by=BOSS,
    )


async def training_location(stack: Stack) -> Location:
    teams = await admin_with_teams(stack)
    link = await create_goto_location(
        stack,
        teams,
        kind="gototraining",
        name="Training Room",
        consumer_key=TRAINING_KEY,
        consumer_secret=TRAINING_SECRET,
    )
    async with httpx.AsyncClient(timeout=10) as http:
        await consent(http, link, account="trudy@example.com")
    found: Location = next(r for r in await stack.rows(Location) if r.name == "Training Room")
    assert found.kind is LocationKind.GOTOTRAINING
    return found


def by_email(attendance: GoToAttendance) -> dict[str, Attendee]:
    return {a.email: a for a in attendance.attendees}


def ending(paths: list[str], tail: str) -> list[str]:
    return [p for p in paths if p.endswith(tail)]


async def test_a_webinar_gives_its_attendees_polls_and_each_ones_answers(stack: Stack) -> None:
    location = await linked_location(stack)
    start = ago(stack, 3)
    emails = ["ann@acme.test", "ben@acme.test", "cara@acme.test", "dora@walk.in"]
    key, registrants = add_webinar(stack, [(start, start + timedelta(hours=1))], emails)
    session_key = await play(
        stack,
        "webinars",
        key,
        start,
        [
            {"email": "ann@acme.test", "minutes": 55, "answer_all_polls": True},
            {"email": "ben@acme.test", "minutes": 30, "poll_answers": {POLLS[1]: "Yes"}},
            {"email": "dora@walk.in", "minutes": 20},  # registered on GoTo, not through viltbot
        ],
    )
    session = viltbot_session(location, key, start)
    log = await Requests(stack).mark()

    attendance = await reader(stack).attendance(location, session, with_polls=True)

    assert attendance.reported and attendance.session_keys == (session_key,)
    people = by_email(attendance)
    assert set(people) == {"ann@acme.test", "ben@acme.test", "dora@walk.in"}  # cara stayed away
    assert people["ann@acme.test"] == Attendee(
        email="ann@acme.test",
        registrant_key=registrants["ann@acme.test"],
        name="Ann Learner",
        seconds=55 * 60,
        session_key=session_key,
    )
    assert people["ben@acme.test"].seconds == 30 * 60
    assert attendance.polls == {
        session_key: ("what is your role?", "how confident are you now?", "would you recommend it?")
    }
    assert attendance.polls_total == 3
    paths = await log.since()
    assert len(paths) == attendance.requests == 3
    assert ending(paths, f"/webinars/{key}/sessions") and ending(
        paths, f"/webinars/{key}/attendees"
    )
    assert ending(paths, f"/sessions/{session_key}/polls")

    learners = [
        Learner(1, registrants["ann@acme.test"], "ann@acme.test"),
        Learner(2, registrants["ben@acme.test"], "ben@acme.test"),
        Learner(3, registrants["cara@acme.test"], "cara@acme.test"),
    ]
    matched = match_attendee(learners, attendance.attendees)
    assert matched.records(3) == () and [w.email for w in matched.walk_ins] == ["dora@walk.in"]

    log = await Requests(stack).mark()
    polls = reader(stack)
    assert await polls.polls_answered(location, session, attendance, matched.records(1)) == 3
    assert await polls.polls_answered(location, session, attendance, matched.records(2)) == 1
    paths = await log.since()
    assert polls.requests == 2
    assert paths == [
        p
        for who in ("ann@acme.test", "ben@acme.test")
        for p in ending(paths, f"/attendees/{registrants[who]}/polls")
    ]
    assert len(paths) == 2


async def test_a_session_without_polls_costs_no_poll_request(stack: Stack) -> None:
    location = await linked_location(stack)
    start = ago(stack, 3)
    key, _ = add_webinar(stack, [(start, start + timedelta(hours=1))], ["ann@acme.test"])
    session_key = await play(
        stack, "webinars", key, start, [{"email": "ann@acme.test", "minutes": 50}], polls=[]
    )
    session = viltbot_session(location, key, start)
    log = await Requests(stack).mark()

    attendance = await reader(stack).attendance(location, session, with_polls=True)
    assert attendance.polls == {session_key: ()} and attendance.polls_total == 0
    answered = await reader(stack).polls_answered(
        location, session, attendance, attendance.attendees
    )
    assert answered == 0
    paths = await log.since()
    assert len(paths) == attendance.requests == 2
    assert not [p for p in paths if p.endswith("/polls")]


async def test_more_attendees_than_a_page_are_read_in_pages_of_200(stack: Stack) -> None:
    location = await linked_location(stack)
    start = ago(stack, 3)
    emails = [f"learner{n:03d}@acme.test" for n in range(450)]
    key, _ = add_webinar(stack, [(start, start + timedelta(hours=1))], emails)
    await play(stack, "webinars", key, start, [{"email": e, "minutes": 45} for e in emails])
    log = await Requests(stack).mark()

    attendance = await reader(stack).attendance(
        location, viltbot_session(location, key, start), with_polls=False
    )

    assert sorted(by_email(attendance)) == emails
    assert {a.seconds for a in attendance.attendees} == {45 * 60}
    paths = await log.since()
    assert len(ending(paths, f"/webinars/{key}/attendees")) == 3
    assert len(paths) == attendance.requests == 4


async def test_a_recurring_webinar_counts_only_the_session_of_the_day(stack: Stack) -> None:
    location = await linked_location(stack)
    days = [ago(stack, 24 * n + 3) for n in (3, 2, 1)]
    emails = ["ann@acme.test", "ben@acme.test", "cara@acme.test"]
    key, _ = add_webinar(stack, [(d, d + timedelta(hours=1)) for d in days], emails)
    played = []
    for day, email in zip(days, emails, strict=True):
        # The middle day's organizer started 70 minutes late: still that day's session.
        late = timedelta(minutes=70) if email == "ben@acme.test" else timedelta(0)
        played.append(
            await play(
                stack,
                "webinars",
                key,
                day + late,
                [{"email": email, "minutes": 40, "answer_all_polls": True}],
                minutes=45,
            )
        )
    log = await Requests(stack).mark()

    attendance = await reader(stack).attendance(
        location, viltbot_session(location, key, days[1]), with_polls=True
    )

    assert attendance.session_keys == (played[1],)
    assert [(a.email, a.session_key) for a in attendance.attendees] == [
        ("ben@acme.test", played[1])
    ]
    assert list(attendance.polls) == [played[1]] and attendance.polls_total == 3
    paths = await log.since()
    # Other days' sessions exist, so only the day's own lists are read, not the webinar-wide one.
    assert not ending(paths, f"/webinars/{key}/attendees")
    assert ending(paths, f"/sessions/{played[1]}/attendees")
    assert len(paths) == attendance.requests == 3


async def test_a_report_not_there_yet_appears_on_a_later_read(stack: Stack) -> None:
    location = await linked_location(stack)
    await sandbox(stack, "POST", "settings", {"report_delay_seconds": 7200})
    start = ago(stack, 1)
    key, _ = add_webinar(stack, [(start, start + timedelta(hours=1))], ["ann@acme.test"])
    played = [{"email": "ann@acme.test", "minutes": 60, "answer_all_polls": True}]
    await play(stack, "webinars", key, start, played)
    session = viltbot_session(location, key, start)

    early = await reader(stack).attendance(location, session, with_polls=True)
    assert not early.reported and early.attendees == () and early.polls == {}
    assert early.requests == 1  # the list of sessions, nothing more

    # Two hours on, GoTo has the report, and the access token has expired meanwhile.
    stack.goto_clock.advance(7201)
    log = await Requests(stack).mark()
    later = await reader(stack).attendance(location, session, with_polls=True)
    assert later.reported and [a.email for a in later.attendees] == ["ann@acme.test"]
    paths = await log.since()
    # The refused request and its resend after the token refresh both count.
    assert len(paths) == later.requests == 4

    # The caller's copy of the location still holds the tokens the refresh replaced: the
    # refreshed ones are used (GoTo refuses the old access token once), no re-link needed.
    log = await Requests(stack).mark()
    answers = reader(stack)
    assert await answers.polls_answered(location, session, later, later.attendees) == 3
    paths = await log.since()
    assert len(paths) == answers.requests == 2 and len(ending(paths, "/polls")) == 2


async def test_goto_failing_in_the_middle_is_unavailable(stack: Stack) -> None:
    location = await linked_location(stack)
    start = ago(stack, 3)
    key, _ = add_webinar(stack, [(start, start + timedelta(hours=1))], ["ann@acme.test"])
    await play(stack, "webinars", key, start, [{"email": "ann@acme.test", "minutes": 60}])
    session = viltbot_session(location, key, start)
    # The list of sessions answers; every try of the attendees list gets a 503.
    fault = {"status": 503, "count": 5, "path_contains": f"/webinars/{key}/attendees"}
    await sandbox(stack, "POST", "faults", fault)
    log = await Requests(stack).mark()

    with pytest.raises(AttendanceUnavailable) as caught:
        await reader(stack).attendance(location, session, with_polls=True)

    assert caught.value.problem is SyncProblem.UNAVAILABLE
    assert "GoTo is not answering right now" in caught.value.message
    paths = await log.since()
    assert len(ending(paths, f"/webinars/{key}/attendees")) == 5 and len(paths) == 6

    await sandbox(stack, "DELETE", "faults")
    attendance = await reader(stack).attendance(location, session, with_polls=True)
    fault = {"status": 503, "count": 5, "path_contains": "/polls"}
    await sandbox(stack, "POST", "faults", fault)
    with pytest.raises(AttendanceUnavailable) as answers:
        await reader(stack).polls_answered(location, session, attendance, attendance.attendees)
    assert answers.value.problem is SyncProblem.UNAVAILABLE


async def test_a_revoked_lapsed_or_missing_connection_needs_relinking(stack: Stack) -> None:
    location = await linked_location(stack)
    start = ago(stack, 3)
    key, _ = add_webinar(stack, [(start, start + timedelta(hours=1))], ["ann@acme.test"])
    session = viltbot_session(location, key, start)
    await sandbox(stack, "POST", "tokens/revoke", {})
    with pytest.raises(AttendanceUnavailable) as revoked:
        await reader(stack).attendance(location, session, with_polls=False)
    assert revoked.value.problem is SyncProblem.NEEDS_RELINK

    teams = {t.name: t.id for t in await stack.rows(Team) if t.id is not None}
    await create_goto_location(stack, teams, name="Unlinked Room")
    unlinked = next(r for r in await stack.rows(Location) if r.name == "Unlinked Room")
    with pytest.raises(AttendanceUnavailable) as missing:
        await reader(stack).attendance(unlinked, session, with_polls=False)
    assert missing.value.problem is SyncProblem.NEEDS_RELINK
    assert "`/vilt location link Unlinked Room`" in missing.value.message


async def test_a_lapsed_connection_needs_relinking_and_a_gone_event_is_refused(
    stack: Stack,
) -> None:
    location = await linked_location(stack)
    start = ago(stack, 3)
    gone = viltbot_session(location, "9876543210", start)
    with pytest.raises(AttendanceUnavailable) as refused:
        await reader(stack).attendance(location, gone, with_polls=False)
    assert refused.value.problem is SyncProblem.REFUSED
    assert "9876543210" in refused.value.message

    stack.goto_clock.advance(31 * 24 * 3600)  # refresh tokens last about 30 days
    with pytest.raises(AttendanceUnavailable) as lapsed:
        await reader(stack).attendance(location, gone, with_polls=False)
    assert lapsed.value.problem is SyncProblem.NEEDS_RELINK


async def test_a_training_attended_in_two_parts_sums_the_minutes(stack: Stack) -> None:
    location = await training_location(stack)
    start = ago(stack, 4)
    training = stack.goto_state.add_training(
        TRUDY, name="Data Handling", times=[(start, start + timedelta(hours=2))], time_zone="UTC"
    )
    register(stack, training, ["Ann@Acme.test", "ben@acme.test"])
    key = str(training.training_key)
    parts = [
        {"joined_after_minutes": 0, "minutes": 30},
        {"joined_after_minutes": 45, "minutes": 50},
    ]
    session_key = await play(
        stack, "trainings", key, start, [{"email": "Ann@Acme.test", "parts": parts}], minutes=120
    )
    session = viltbot_session(location, key, start, hours=2)
    log = await Requests(stack).mark()

    attendance = await reader(stack).attendance(location, session, with_polls=True)

    # Ben is on GoTo's list with 0 minutes and no times in session: absent, not an attendee.
    assert attendance.attendees == (
        Attendee(
            email="Ann@Acme.test",
            registrant_key=None,
            name="Ann Learner",
            seconds=80 * 60,
            session_key=session_key,
        ),
    )
    assert attendance.session_keys == (session_key,) and attendance.polls == {}
    paths = await log.since()
    assert len(paths) == attendance.requests == 2
    assert ending(paths, f"/sessions/{session_key}/attendees")
    answered = await reader(stack).polls_answered(
        location, session, attendance, attendance.attendees
    )
    assert answered == 0 and len(await log.since()) == 2


async def test_a_session_restarted_the_same_day_counts_both_parts_and_their_polls(
    stack: Stack,
) -> None:
    location = await linked_location(stack)
    start = ago(stack, 3)
    key, registrants = add_webinar(stack, [(start, start + timedelta(hours=1))], ["ann@acme.test"])
    # The organizer's connection dropped: GoTo reports two sessions, each with its own polls.
    first = await play(
        stack,
        "webinars",
        key,
        start,
        [{"email": "ann@acme.test", "minutes": 25, "poll_answers": {POLLS[0]: "Yes"}}],
        polls=list(POLLS[:2]),
        minutes=25,
    )
    second = await play(
        stack,
        "webinars",
        key,
        start + timedelta(minutes=30),
        [{"email": "ann@acme.test", "minutes": 30, "answer_all_polls": True}],
        polls=[POLLS[2]],
        minutes=30,
    )
    session = viltbot_session(location, key, start)
    log = await Requests(stack).mark()

    attendance = await reader(stack).attendance(location, session, with_polls=True)

    assert set(attendance.session_keys) == {first, second} and attendance.polls_total == 3
    assert sorted((a.session_key, a.seconds) for a in attendance.attendees) == sorted(
        [(first, 25 * 60), (second, 30 * 60)]
    )
    paths = await log.since()
    # Every reported session counts: one webinar-wide list instead of one list per session.
    assert len(ending(paths, f"/webinars/{key}/attendees")) == 1
    assert not [p for p in paths if p.endswith("/attendees") and "/sessions/" in p]
    assert len(paths) == attendance.requests == 4  # sessions, attendees, two sessions' polls

    answers = reader(stack)
    assert await answers.polls_answered(location, session, attendance, attendance.attendees) == 2
    assert answers.requests == 2
    assert len(ending(await log.since(), f"/attendees/{registrants['ann@acme.test']}/polls")) == 2
