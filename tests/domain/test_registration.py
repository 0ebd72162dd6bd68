"""Registration: seats claimed before GoTo is asked, GoTo's answers stored, queued ones retried."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest

from domain.errors import InvalidInput, NotAllowed, NotFound, RegistrationProblem
from domain.models import (
    Enrollment,
    EnrollmentStatus,
    Location,
    Notice,
    Session,
    SessionStatus,
    Team,
)
from domain.ports import SlackUser
from domain.services import elements, registration, sessions
from domain.services.connections import mark_connection_failed
from domain.services.registration import Outcome, Registration
from domain.session_rules import SessionForm
from tests.domain.conftest import NOW, World
from tests.domain.fakes import FakeGoToEvents, FakeRegistrar

ADA = "U0ADA00001"  # admin of Alpha
ABE = "U0ABE00001"  # admin of Alpha too
IVY = "U0IVY00001"  # instructor in Alpha
LEO = "U0LEO00001"  # learner in Alpha
LUC = "U0LUC00001"  # learner in Alpha
LIA = "U0LIA00001"  # learner in Beta only
START = NOW + timedelta(days=3)
END = START + timedelta(hours=2)
WEBINAR_KEY = "1234567890"
LEARNERS = [f"U0LRN{n:05d}" for n in range(6)]


def slack_user(user_id: str, *, email: str | None = "", name: str = "") -> SlackUser:
    """A Slack user with a profile email (`email=None`: none set)."""
    shown = name or f"Person {user_id[-3:]}"
    address = f"{user_id.lower()}@acme.test" if email == "" else email
    first, _, last = shown.partition(" ")
    return SlackUser(user_id, user_id.lower(), shown, False, False, address, first, last)


class Desk:
    """Team Alpha's webinar session (and a classroom one), GoTo's registrants in a fake."""

    def __init__(self, world: World, goto: FakeRegistrar) -> None:
        self.world = world
        self.goto = goto
        self.events = FakeGoToEvents()
        self.session_id = 0
        self.webinar: Location

    async def build(self, **webinar: Any) -> Desk:
        world = self.world
        alpha = await world.make_team(
            "Alpha",
            admins=[ADA, ABE],
            instructors=[IVY],
            learners=[LEO, LUC, *LEARNERS],
        )
        await world.make_team("Beta", learners=[LIA])
        actor = await world.actor(ADA)
        async with world.uow() as uow:
            self.element = await elements.create_element(uow, actor, "Negotiation")
            await uow.commit()
        location = await world.make_location(ADA, alpha, "Webinar Room", **webinar)
        self.webinar = await world.link(location, by=ADA, organizer_key="ORG-W")
        self.events.add("ORG-W", WEBINAR_KEY, starts_at=START, ends_at=END)
        self.session_id = await self.schedule(self.webinar)
        return self

    async def schedule(self, location: Location, **changes: object) -> int:
        form = SessionForm(
            element_id=self.element.id,
            location_id=location.id,
            instructor_id=IVY,
            starts_at=START,
            ends_at=END,
            timezone="Europe/Berlin",
            goto_event=WEBINAR_KEY if location.kind.is_goto else "",
        )
        for key, value in changes.items():
            setattr(form, key, value)
        actor = await self.world.actor(ADA)
        created = await sessions.create_session(
            self.world.uow, actor, form, goto=self.events, now=NOW
        )
        assert created.session.id is not None
        return created.session.id

    async def register(
        self,
        user_id: str = LEO,
        *,
        session_id: int | None = None,
        now: datetime = NOW,
        user: SlackUser | None = None,
    ) -> Registration:
        actor = await self.world.actor(user_id)
        return await registration.register_self(
            self.world.uow,
            actor,
            session_id or self.session_id,
            user or slack_user(user_id),
            goto=self.goto,
            now=now,
        )

    async def unregister(self, user_id: str = LEO, *, now: datetime = NOW) -> str:
        actor = await self.world.actor(user_id)
        return await registration.unregister(
            self.world.uow, actor, self.session_id, goto=self.goto, now=now
        )

    async def retry(self, now: datetime) -> list[Registration]:
        return await registration.retry_pending(self.world.uow, goto=self.goto, now=now)

    async def enrollments(self) -> list[Enrollment]:
        return await self.world.rows(Enrollment)

    async def notices(self) -> list[Notice]:
        """The notices registering left (not the linking announcement)."""
        return [n for n in await self.world.rows(Notice) if n.kind.startswith("registration")]


@pytest.fixture
def goto() -> FakeRegistrar:
    return FakeRegistrar()


@pytest.fixture
async def desk(world: World, goto: FakeRegistrar) -> Desk:
    return await Desk(world, goto).build()


# --- a learner registers ------------------------------------------------------------------------


async def test_a_learner_is_registered_on_goto_with_name_and_email_from_slack(
    desk: Desk, goto: FakeRegistrar
) -> None:
    user = slack_user(LEO, name="Leo Lund", email="leo@acme.test")
    done = await desk.register(user=user)
    (enrollment,) = await desk.enrollments()
    registrant = goto.registrants[WEBINAR_KEY]["leo@acme.test"]
    assert (enrollment.status, enrollment.goto_registrant_key, enrollment.join_url) == (
        EnrollmentStatus.REGISTERED,
        registrant.key,
        registrant.join_url,
    )
    assert (enrollment.name, enrollment.email, enrollment.user_id) == (
        "Leo Lund",
        "leo@acme.test",
        LEO,
    )
    assert done.outcome is Outcome.REGISTERED
    # GoTo notifications are on: GoTo emails the link, Slack confirms, nothing is DMed.
    assert done.message == (
        f":white_check_mark: You are registered for *Negotiation* (session `#{desk.session_id}`). "
        "GoTo emails the join link to leo@acme.test."
    )
    assert await desk.notices() == []


async def test_with_goto_notifications_off_the_bot_dms_the_join_link(
    world: World, goto: FakeRegistrar
) -> None:
    desk = await Desk(world, goto).build(goto_notifications=False)
    done = await desk.register()
    (notice,) = await desk.notices()
    link = goto.registrants[WEBINAR_KEY][f"{LEO.lower()}@acme.test"].join_url
    assert notice.channel == LEO and f"<{link}|join link>" in notice.text
    assert "I sent you the join link in a direct message" in done.message


async def test_registering_twice_is_harmless_and_gives_the_link_again(
    desk: Desk, goto: FakeRegistrar
) -> None:
    await desk.register()
    again = await desk.register()
    (enrollment,) = await desk.enrollments()
    assert again.outcome is Outcome.ALREADY
    assert again.message == (
        f"You are already registered for *Negotiation* (session `#{desk.session_id}`). "
        f"Join it here: <{enrollment.join_url}|join link>"
    )
    assert [c[0] for c in goto.calls] == ["register"]


async def test_someone_goto_already_had_is_stored_with_goto_registration(
    desk: Desk, goto: FakeRegistrar
) -> None:
    await goto.register(
        desk.webinar,
        desk.webinar.kind,
        WEBINAR_KEY,
        first_name="Leo",
        last_name="Lund",
        email=f"{LEO.lower()}@acme.test",
    )
    earlier = goto.registrants[WEBINAR_KEY][f"{LEO.lower()}@acme.test"]
    done = await desk.register()
    (enrollment,) = await desk.enrollments()
    assert done.outcome is Outcome.ALREADY and "Join it here" in done.message
    assert (enrollment.goto_registrant_key, enrollment.join_url) == (
        earlier.key,
        earlier.join_url,
    )
    assert enrollment.status is EnrollmentStatus.REGISTERED


async def test_no_email_in_slack_is_told_and_nothing_is_stored(
    desk: Desk, goto: FakeRegistrar
) -> None:
    with pytest.raises(InvalidInput) as caught:
        await desk.register(user=slack_user(LEO, email=None))
    assert caught.value.message == registration.NO_EMAIL
    assert await desk.enrollments() == [] and goto.calls == []


async def test_a_session_the_learner_may_not_see_is_not_found(
    desk: Desk, goto: FakeRegistrar
) -> None:
    with pytest.raises(NotFound):
        await desk.register(LIA)
    assert await desk.enrollments() == [] and goto.calls == []


async def test_a_started_or_cancelled_session_takes_no_registrations(
    desk: Desk, world: World, goto: FakeRegistrar
) -> None:
    with pytest.raises(InvalidInput) as started:
        await desk.register(now=START + timedelta(minutes=1))
    assert "has already started" in started.value.message
    with pytest.raises(InvalidInput) as over:
        await desk.register(now=END)
    assert "is over" in over.value.message
    async with world.uow() as uow:
        session = await uow.session.get(Session, desk.session_id)
        assert session is not None
        session.status = SessionStatus.CANCELLED
        await uow.commit()
    with pytest.raises(InvalidInput) as cancelled:
        await desk.register()
    assert "was cancelled" in cancelled.value.message
    assert await desk.enrollments() == [] and goto.calls == []


async def test_a_classroom_session_registers_without_goto(
    desk: Desk, world: World, goto: FakeRegistrar
) -> None:
    alpha = desk.webinar.owner_team_id
    team = await world.reload(Team, alpha)
    room = await world.make_location(
        ADA, team, "Room 1", kind="classroom", consumer_key="", consumer_secret=""
    )
    session_id = await desk.schedule(room)
    done = await desk.register(session_id=session_id)
    assert done.message == (
        f":white_check_mark: You are registered for *Negotiation* (session `#{session_id}`) "
        "at *Room 1*."
    )
    (enrollment,) = await desk.enrollments()
    assert enrollment.status is EnrollmentStatus.REGISTERED and enrollment.join_url is None
    assert goto.calls == []


# --- full ---------------------------------------------------------------------------------------


async def test_full_by_the_sessions_own_limit_stores_nothing_and_asks_no_goto(
    desk: Desk, goto: FakeRegistrar
) -> None:
    session_id = await desk.schedule(desk.webinar, max_learners="1")
    await desk.register(LEO, session_id=session_id)
    full = await desk.register(LUC, session_id=session_id)
    assert full.outcome is Outcome.FULL
    assert full.message == (
        f"*Negotiation* (session `#{session_id}`) is full (1 place); you are not registered."
    )
    assert [e.user_id for e in await desk.enrollments()] == [LEO]
    assert len(goto.calls) == 1


async def test_full_by_the_locations_limit(world: World, goto: FakeRegistrar) -> None:
    desk = await Desk(world, goto).build(max_learners="2")
    await desk.register(LEO)
    await desk.register(LUC)
    full = await desk.register(LEARNERS[0])
    assert full.outcome is Outcome.FULL and "(2 places)" in full.message


async def test_full_on_goto_gives_the_seat_back(desk: Desk, goto: FakeRegistrar) -> None:
    goto.limits[WEBINAR_KEY] = 0
    full = await desk.register()
    assert full.outcome is Outcome.FULL
    assert full.message == (
        f"*Negotiation* (session `#{desk.session_id}`) is full on GoTo; you are not registered."
    )
    assert await desk.enrollments() == []


async def test_concurrent_registrations_never_overfill_a_session(
    desk: Desk, goto: FakeRegistrar
) -> None:
    session_id = await desk.schedule(desk.webinar, max_learners="2")
    results = await asyncio.gather(
        *(desk.register(user, session_id=session_id) for user in LEARNERS)
    )
    outcomes = sorted(r.outcome.value for r in results)
    assert outcomes == ["full"] * 4 + ["registered"] * 2
    assert len(await desk.enrollments()) == 2


# --- required fields ----------------------------------------------------------------------------


async def test_required_fields_tell_the_learner_and_alert_the_admins_once(
    desk: Desk, goto: FakeRegistrar
) -> None:
    goto.required[WEBINAR_KEY] = ("Employee ID", "organization")
    refused = await desk.register(LEO)
    again = await desk.register(LUC)
    assert refused.outcome is again.outcome is Outcome.NEEDS_FIELDS
    assert refused.message == (
        f"I could not register you for *Negotiation* (session `#{desk.session_id}`): its GoTo "
        "registration form requires more than your name and email (Employee ID, organization). "
        "The session's admins have been told; you are not registered."
    )
    assert await desk.enrollments() == []
    notices = await desk.notices()
    assert sorted(n.channel for n in notices) == [ABE, ADA]
    assert all("*Employee ID*, *organization*" in n.text for n in notices)
    assert all(n.kind == "registration_fields" for n in notices)


# --- GoTo down: queued, retried, confirmed once ------------------------------------------------


async def test_goto_down_queues_the_registration_and_the_job_completes_it_once(
    desk: Desk, goto: FakeRegistrar
) -> None:
    goto.down = True
    queued = await desk.register()
    assert queued.outcome is Outcome.QUEUED
    assert queued.message == (
        ":hourglass_flowing_sand: Your registration for *Negotiation* (session "
        f"`#{desk.session_id}`) is queued: GoTo is not answering right now. I will try again "
        "and tell you here when you are registered."
    )
    (pending,) = await desk.enrollments()
    assert pending.status is EnrollmentStatus.PENDING and pending.goto_registrant_key is None
    # A repeat while queued does not ask GoTo again.
    assert (await desk.register()).outcome is Outcome.ALREADY
    assert len(goto.calls) == 1
    # Not due yet, then due but GoTo still down: still queued.
    assert await desk.retry(NOW + timedelta(seconds=10)) == []
    assert [r.outcome for r in await desk.retry(NOW + timedelta(seconds=30))] == [Outcome.QUEUED]
    goto.down = False
    # The back-off grows: 30 s after the last attempt is due again.
    assert await desk.retry(NOW + timedelta(seconds=45)) == []
    done = await desk.retry(NOW + timedelta(seconds=60))
    assert [r.outcome for r in done] == [Outcome.REGISTERED]
    (enrollment,) = await desk.enrollments()
    assert enrollment.status is EnrollmentStatus.REGISTERED and enrollment.goto_registrant_key
    (notice,) = await desk.notices()
    assert notice.channel == LEO and notice.kind == "registration_done"
    assert "You are registered for *Negotiation*" in notice.text
    assert await desk.retry(NOW + timedelta(hours=1)) == []
    assert len(await desk.notices()) == 1
    assert len(goto.registrants[WEBINAR_KEY]) == 1


async def test_two_job_runs_at_once_ask_goto_once(desk: Desk, goto: FakeRegistrar) -> None:
    goto.down = True
    await desk.register()
    goto.down = False
    later = NOW + timedelta(minutes=1)
    first, second = await asyncio.gather(desk.retry(later), desk.retry(later))
    assert sorted(len(r) for r in (first, second)) == [0, 1]
    assert [c[0] for c in goto.calls] == ["register", "register"]


async def test_a_queued_registration_still_pending_at_the_start_is_dropped_and_told(
    desk: Desk, goto: FakeRegistrar
) -> None:
    goto.down = True
    await desk.register()
    assert await desk.retry(START) == []
    assert await desk.enrollments() == []
    (notice,) = await desk.notices()
    assert notice.channel == LEO and "could not register you" in notice.text


async def test_a_registration_dropped_while_the_connection_is_down_names_the_connection(
    desk: Desk, goto: FakeRegistrar, world: World
) -> None:
    goto.refuse[WEBINAR_KEY] = RegistrationProblem.NEEDS_RELINK
    await desk.register()
    assert desk.webinar.id is not None
    async with world.uow() as uow:
        await mark_connection_failed(uow, desk.webinar.id, problem="revoked", now=NOW)
        await uow.commit()
    assert await desk.retry(START) == []
    assert await desk.enrollments() == []
    (notice,) = [n for n in await desk.notices() if n.kind == "registration_dropped"]
    assert notice.channel == LEO
    assert (
        "before it started: the GoTo connection of *Webinar Room* lapsed or failed, and was not "
        "re-linked in time." in notice.text
    )


async def test_a_refusal_after_queueing_is_told_to_the_learner(
    desk: Desk, goto: FakeRegistrar
) -> None:
    goto.down = True
    await desk.register()
    goto.down = False
    goto.refuse[WEBINAR_KEY] = RegistrationProblem.FULL
    (result,) = await desk.retry(NOW + timedelta(minutes=1))
    assert result.outcome is Outcome.FULL
    assert await desk.enrollments() == []
    (notice,) = await desk.notices()
    assert notice.kind == "registration_failed" and "is full on GoTo" in notice.text


# --- unregister ---------------------------------------------------------------------------------


async def test_unregistering_deletes_the_goto_registrant_and_frees_the_seat(
    desk: Desk, goto: FakeRegistrar
) -> None:
    session_id = await desk.schedule(desk.webinar, max_learners="1")
    desk.session_id = session_id
    await desk.register(LEO)
    assert (await desk.register(LUC)).outcome is Outcome.FULL
    said = await desk.unregister(LEO)
    assert said == (
        f"You are no longer registered for *Negotiation* (session `#{session_id}`); your seat "
        "is free for someone else."
    )
    assert goto.registrants[WEBINAR_KEY] == {}
    (cancelled,) = await desk.enrollments()
    assert cancelled.status is EnrollmentStatus.CANCELLED and cancelled.goto_registrant_key is None
    assert (await desk.register(LUC)).outcome is Outcome.REGISTERED
    # Registering again after cancelling reuses the row.
    assert (await desk.register(LEO)).outcome is Outcome.FULL


async def test_unregistering_when_not_registered_or_started_changes_nothing(
    desk: Desk, goto: FakeRegistrar
) -> None:
    with pytest.raises(InvalidInput) as not_registered:
        await desk.unregister()
    assert not_registered.value.message == (
        f"You are not registered for *Negotiation* (session `#{desk.session_id}`)."
    )
    await desk.register()
    with pytest.raises(InvalidInput) as started:
        await desk.unregister(now=START)
    assert "has already started" in started.value.message
    goto.down = True
    with pytest.raises(InvalidInput) as down:
        await desk.unregister()
    assert "so you are still registered" in down.value.message
    (enrollment,) = await desk.enrollments()
    assert enrollment.status is EnrollmentStatus.REGISTERED
    assert len(goto.registrants[WEBINAR_KEY]) == 1


async def test_a_registrant_goto_no_longer_has_is_unregistered_all_the_same(
    desk: Desk, goto: FakeRegistrar
) -> None:
    await desk.register()
    goto.registrants[WEBINAR_KEY].clear()
    assert "no longer registered" in await desk.unregister()


# --- admins register others ---------------------------------------------------------------------


async def test_only_admins_of_the_owner_team_register_others(desk: Desk, world: World) -> None:
    ada, leo = await world.actor(ADA), await world.actor(LEO)
    async with world.uow() as uow:
        title = await registration.managed_session(uow, ada, desk.session_id, now=NOW)
        assert title == "Negotiation"
        with pytest.raises(NotAllowed):
            await registration.managed_session(uow, leo, desk.session_id, now=NOW)
        with pytest.raises(NotFound):
            await registration.managed_session(uow, ada, 999, now=NOW)
        with pytest.raises(InvalidInput) as started:
            await registration.managed_session(uow, ada, desk.session_id, now=START)
        assert "has already started" in started.value.message


async def test_an_admin_registers_anyone_and_gets_a_reason_for_each_refusal(
    desk: Desk, world: World, goto: FakeRegistrar
) -> None:
    admin = await world.actor(ADA)

    async def other(user_id: str, user: SlackUser | None) -> Registration:
        return await registration.register_other(
            world.uow, admin, desk.session_id, user_id, user, goto=goto, now=NOW
        )

    # Lia is in another team: an admin may still register her.
    assert (await other(LIA, slack_user(LIA))).outcome is Outcome.REGISTERED
    assert (await other(LIA, slack_user(LIA))).outcome is Outcome.ALREADY
    bot = SlackUser("U0BOT00001", "robot", "Robot", True, False, "r@acme.test")
    assert (await other("U0BOT00001", bot)).reason == "a bot"
    assert (await other("U0NOBODY01", None)).reason == "not a member of this Slack workspace"
    no_email = await other(LEO, slack_user(LEO, email=None))
    assert no_email.message == f"<@{LEO}>: no email address in Slack"
    late = await registration.register_other(
        world.uow, admin, desk.session_id, LUC, slack_user(LUC), goto=goto, now=START
    )
    assert late.outcome is Outcome.FAILED and "has already started" in late.reason
    assert [e.user_id for e in await desk.enrollments()] == [LIA]


async def test_the_instructor_is_not_registered_as_a_learner_of_their_own_session(
    desk: Desk, world: World, goto: FakeRegistrar
) -> None:
    mine = await desk.register(IVY)
    assert (mine.outcome, mine.message) == (
        Outcome.FAILED,
        f"You teach *Negotiation* (session `#{desk.session_id}`); you cannot register as a "
        "learner in a session you teach.",
    )
    admin = await world.actor(ADA)
    line = await registration.register_other(
        world.uow, admin, desk.session_id, IVY, slack_user(IVY), goto=goto, now=NOW
    )
    assert (line.outcome, line.reason) == (Outcome.FAILED, "teaches this session")
    assert await desk.enrollments() == []
    assert goto.calls == []


async def test_names_split_from_the_slack_profile() -> None:
    plain = registration.person_of(
        SlackUser("U1", "jo", "Jo Anne Smith", False, False, " jo@acme.test ")
    )
    assert plain is not None
    assert (plain.first_name, plain.last_name, plain.email) == ("Jo", "Anne Smith", "jo@acme.test")
    only = registration.person_of(SlackUser("U1", "jo", "", False, False, "jo@acme.test"))
    assert only is not None and (only.first_name, only.last_name) == ("jo", "-")
    assert registration.person_of(SlackUser("U1", "jo", "Jo", False, False, None)) is None


async def test_unregistering_while_goto_is_asked_again_leaves_no_goto_registrant(
    desk: Desk, world: World, goto: FakeRegistrar
) -> None:
    goto.down = True
    await desk.register()
    goto.down = False
    learner = await world.actor(LEO)
    registering = goto.register

    async def slow_register(*args: Any, **kwargs: Any) -> Any:
        # Leo unregisters while GoTo takes the queued registration.
        said = await registration.unregister(
            world.uow, learner, desk.session_id, goto=goto, now=NOW
        )
        assert "no longer registered" in said
        return await registering(*args, **kwargs)

    goto.register = slow_register  # type: ignore[method-assign]
    (result,) = await desk.retry(NOW + timedelta(minutes=1))
    assert result.outcome is Outcome.FAILED
    assert goto.registrants[WEBINAR_KEY] == {}
    (enrollment,) = await desk.enrollments()
    assert enrollment.status is EnrollmentStatus.CANCELLED


async def test_an_outage_queues_the_rest_of_a_batch_without_asking_goto_for_each(
    desk: Desk, world: World, goto: FakeRegistrar
) -> None:
    admin = await world.actor(ADA)
    breaker = registration.OutageBreaker(goto)
    goto.down = True
    results = [
        await registration.register_other(
            world.uow, admin, desk.session_id, user, slack_user(user), goto=breaker, now=NOW
        )
        for user in LEARNERS[:4]
    ]
    assert [r.outcome for r in results] == [Outcome.QUEUED] * 4
    assert len(goto.calls) == 1
    assert [e.status for e in await desk.enrollments()] == [EnrollmentStatus.PENDING] * 4
    # The job, too, stops asking once GoTo failed; GoTo back, the next run registers all.
    assert [r.outcome for r in await desk.retry(NOW + timedelta(minutes=1))] == [Outcome.QUEUED] * 4
    assert len(goto.calls) == 2
    goto.down = False
    done = await desk.retry(NOW + timedelta(minutes=2))
    assert [r.outcome for r in done] == [Outcome.REGISTERED] * 4
    assert len(goto.registrants[WEBINAR_KEY]) == 4


async def test_the_instructor_is_told_once_when_registrations_fill_the_session(
    desk: Desk, world: World
) -> None:
    session_id = await desk.schedule(desk.webinar, max_learners="2")
    await desk.register(LEO, session_id=session_id)
    assert [n for n in await world.rows(Notice) if n.kind == "session_full"] == []
    await desk.register(LUC, session_id=session_id)
    await desk.register(LEARNERS[0], session_id=session_id)  # full: changes nothing
    (full,) = [n for n in await world.rows(Notice) if n.kind == "session_full"]
    assert full.channel == IVY and "2 registered of 2" in full.text


async def test_the_instructor_is_told_once_when_gotos_registration_limit_fills_the_session(
    desk: Desk, goto: FakeRegistrar, world: World
) -> None:
    goto.limits[WEBINAR_KEY] = 1
    await desk.register(LEO)
    assert [n for n in await world.rows(Notice) if n.kind == "session_full"] == []
    assert (await desk.register(LUC)).outcome is Outcome.FULL
    assert (await desk.register(LEARNERS[0])).outcome is Outcome.FULL  # the same people: no news
    (full,) = [n for n in await world.rows(Notice) if n.kind == "session_full"]
    assert full.channel == IVY
    assert full.text.startswith(
        "*Negotiation* at *Webinar Room* is full: GoTo's registration limit for the event is "
        "reached (1 registered through Slack) (session #"
    )


async def test_people_an_admin_registers_are_told_by_dm_who_did_it_and_when(
    world: World, goto: FakeRegistrar
) -> None:
    desk = await Desk(world, goto).build(goto_notifications=False)
    admin = await world.actor(ADA)

    async def other(user_id: str, session_id: int) -> Registration:
        return await registration.register_other(
            world.uow, admin, session_id, user_id, slack_user(user_id), goto=goto, now=NOW
        )

    when = f"<!date^{int(START.timestamp())}^{{date_long_pretty}} {{time}}|"
    assert (await other(LEO, desk.session_id)).outcome is Outcome.REGISTERED
    assert (await other(LEO, desk.session_id)).outcome is Outcome.ALREADY  # told once
    (told,) = await desk.notices()
    link = goto.registrants[WEBINAR_KEY][f"{LEO.lower()}@acme.test"].join_url
    assert told.channel == LEO
    assert told.text.startswith(
        f":white_check_mark: <@{ADA}> registered you for *Negotiation* (session "
        f"`#{desk.session_id}`), {when}"
    )
    assert told.text.endswith(f". Join it here: <{link}|join link>")
    # A classroom session has no join link; the DM says where.
    team = await world.reload(Team, desk.webinar.owner_team_id)
    room = await world.make_location(
        ADA, team, "Room 1", kind="classroom", consumer_key="", consumer_secret=""
    )
    in_room = await desk.schedule(room)
    await other(LUC, in_room)
    (luc,) = [n for n in await desk.notices() if n.channel == LUC]
    assert luc.text.startswith(f":white_check_mark: <@{ADA}> registered you for *Negotiation*")
    assert luc.text.endswith(" at *Room 1*.")


async def test_with_goto_notifications_on_the_dm_says_goto_emails_the_link(
    desk: Desk, world: World, goto: FakeRegistrar
) -> None:
    admin = await world.actor(ADA)
    await registration.register_other(
        world.uow, admin, desk.session_id, LEO, slack_user(LEO), goto=goto, now=NOW
    )
    (told,) = await desk.notices()
    assert told.text.endswith(". GoTo emails the join link to u0leo00001@acme.test.")
