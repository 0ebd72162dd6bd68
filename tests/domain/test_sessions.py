"""Sessions: scheduling one checked against GoTo (rules 3, 4 and 6), listing and showing them."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from domain.errors import (
    EventProblem,
    EventRejected,
    FieldErrors,
    InvalidInput,
    NotAllowed,
    NotFound,
)
from domain.models import (
    Enrollment,
    EnrollmentStatus,
    LearningElement,
    Location,
    LocationKind,
    LocationTeam,
    Notice,
    Session,
    SessionStatus,
    Team,
    TrackingRule,
)
from domain.ports import EventFacts
from domain.services import elements, sessions
from domain.session_rules import SessionForm
from tests.domain.conftest import BOSS, NOW, OTHER_WS, WS, World
from tests.domain.fakes import FakeGoToEvents

ADA = "U0ADA00001"  # admin of Alpha
BEN = "U0BEN00001"  # admin of Beta
IVY = "U0IVY00001"  # instructor in Alpha
LEO = "U0LEO00001"  # learner in Alpha
LIA = "U0LIA00001"  # learner in Beta
NED = "U0NED00001"  # in no team
START = NOW + timedelta(days=3)
END = START + timedelta(hours=2)
WEBINAR_KEY = "1234567890"
TRAINING_KEY = "9876543210"


class Catalog:
    """Team Alpha with a learning element, a classroom and a linked GoToWebinar location."""

    def __init__(self, world: World, goto: FakeGoToEvents) -> None:
        self.world = world
        self.goto = goto
        self.alpha: Team
        self.element: LearningElement
        self.classroom: Location
        self.webinar: Location

    async def build(self) -> Catalog:
        world = self.world
        self.alpha = await world.make_team("Alpha", admins=[ADA], instructors=[IVY], learners=[LEO])
        self.element = await self.make_element(ADA, "Negotiation")
        self.classroom = await world.make_location(
            ADA,
            self.alpha,
            "Room 1",
            kind="classroom",
            consumer_key="",
            consumer_secret="",
            max_learners="30",
            description="Ground floor #onsite",
        )
        webinar = await world.make_location(ADA, self.alpha, "Webinar Room")
        self.webinar = await world.link(webinar, by=ADA, organizer_key="ORG-W")
        self.goto.add("ORG-W", WEBINAR_KEY, starts_at=START, ends_at=END)
        return self

    async def make_element(self, admin: str, title: str, workspace: str = WS) -> LearningElement:
        actor = await self.world.actor(admin, workspace)
        async with self.world.uow() as uow:
            element = await elements.create_element(uow, actor, title)
            await uow.commit()
        return element

    def form(self, location: Location | None = None, **changes: Any) -> SessionForm:
        """A valid form for the webinar location (or the one given), changed as given."""
        where = location or self.webinar
        form = SessionForm(
            element_id=self.element.id,
            location_id=where.id,
            instructor_id=IVY,
            starts_at=START,
            ends_at=END,
            timezone="Europe/Berlin",
            goto_event=WEBINAR_KEY if where.kind.is_goto else "",
        )
        for key, value in changes.items():
            assert hasattr(form, key), key
            setattr(form, key, value)
        return form

    async def create(
        self, form: SessionForm, *, by: str = ADA, now: Any = NOW
    ) -> sessions.CreatedSession:
        actor = await self.world.actor(by)
        return await sessions.create_session(self.world.uow, actor, form, goto=self.goto, now=now)

    async def refused(self, form: SessionForm, *, by: str = ADA, now: Any = NOW) -> dict[str, str]:
        """The field errors the form gets; nothing is saved."""
        actor = await self.world.actor(by)
        with pytest.raises(FieldErrors) as caught:
            await sessions.create_session(self.world.uow, actor, form, goto=self.goto, now=now)
        assert await self.world.rows(Session) == []
        return caught.value.errors

    async def refused_again(self, form: SessionForm, *, by: str = ADA) -> dict[str, str]:
        """The field errors the form gets when sessions exist already; nothing changes."""
        actor = await self.world.actor(by)
        before = await self.world.snapshot()
        with pytest.raises(FieldErrors) as caught:
            await sessions.create_session(self.world.uow, actor, form, goto=self.goto, now=NOW)
        assert await self.world.snapshot() == before
        return caught.value.errors

    async def listed(self, user_id: str, query: str = "", now: Any = NOW) -> list[str]:
        actor = await self.world.actor(user_id)
        async with self.world.uow() as uow:
            views = await sessions.list_sessions(uow, actor, query, now=now)
        return [f"{v.element_title} @ {v.location_name}" for v in views]


@pytest.fixture
def goto() -> FakeGoToEvents:
    return FakeGoToEvents()


@pytest.fixture
async def cat(world: World, goto: FakeGoToEvents) -> Catalog:
    return await Catalog(world, goto).build()


# --- create -----------------------------------------------------------------------------------


async def test_a_classroom_session_is_saved_without_asking_goto(cat: Catalog) -> None:
    created = await cat.create(cat.form(cat.classroom, max_learners="25"))
    (row,) = await cat.world.rows(Session)
    assert row.id == created.session.id
    assert (row.element_id, row.location_id, row.instructor_id) == (
        cat.element.id,
        cat.classroom.id,
        IVY,
    )
    assert (row.starts_at, row.ends_at, row.timezone, row.max_learners) == (
        START,
        END,
        "Europe/Berlin",
        25,
    )
    assert (row.goto_product, row.goto_event_key, row.tracking, row.status) == (
        None,
        None,
        TrackingRule.ATTENDED,
        SessionStatus.SCHEDULED,
    )
    assert (row.created_by, row.cancelled_at) == (ADA, None)
    assert created.notes == []
    assert cat.goto.checked == []


async def test_a_webinar_session_is_checked_against_goto_then_saved(cat: Catalog) -> None:
    created = await cat.create(cat.form(tracking="all_polls_answered"))
    assert cat.goto.checked == [(cat.webinar.id, WEBINAR_KEY)]
    (row,) = await cat.world.rows(Session)
    assert (row.goto_product, row.goto_event_key, row.tracking) == (
        LocationKind.GOTOWEBINAR,
        WEBINAR_KEY,
        TrackingRule.ALL_POLLS_ANSWERED,
    )
    assert (row.starts_at, row.ends_at) == (START, END)
    assert created.notes == []


async def test_a_training_session_uses_a_training_key(cat: Catalog) -> None:
    training = await cat.world.make_location(ADA, cat.alpha, "Training Room", kind="gototraining")
    training = await cat.world.link(training, by=ADA, organizer_key="ORG-T")
    cat.goto.add("ORG-T", TRAINING_KEY, product=LocationKind.GOTOTRAINING)
    await cat.create(cat.form(training, goto_event=TRAINING_KEY))
    (row,) = await cat.world.rows(Session)
    assert (row.goto_product, row.goto_event_key) == (LocationKind.GOTOTRAINING, TRAINING_KEY)


async def test_times_left_blank_come_from_goto(cat: Catalog) -> None:
    created = await cat.create(cat.form(starts_at=None, ends_at=None))
    (row,) = await cat.world.rows(Session)
    assert (row.starts_at, row.ends_at) == (START, END)
    assert created.notes == ["Times left blank were taken from GoTo's webinar."]


async def test_times_that_differ_from_gotos_are_kept_and_the_admin_is_told(cat: Catalog) -> None:
    later = START + timedelta(hours=1)
    created = await cat.create(cat.form(starts_at=later, ends_at=END + timedelta(hours=1)))
    (row,) = await cat.world.rows(Session)
    assert (row.starts_at, row.ends_at) == (later, END + timedelta(hours=1))
    # GoTo's 12:00-14:00 UTC is 13:00-15:00 in Berlin.
    assert created.notes == [
        "These times differ from GoTo's webinar (2026-11-30 13:00 to 15:00 Europe/Berlin); "
        "the session keeps yours. Change the webinar on GoTo if its registrants should see "
        "them too."
    ]


async def test_gotos_registration_limit_is_mentioned_when_the_session_allows_more(
    cat: Catalog,
) -> None:
    cat.goto.add("ORG-W", "555", starts_at=START, ends_at=END, registration_limit=100)
    created = await cat.create(cat.form(goto_event="555"))
    assert created.notes == ["GoTo takes at most 100 registrations for this event."]
    capped = await cat.create(cat.form(goto_event="555", max_learners="100"))
    assert capped.notes == []


async def test_only_admins_of_the_active_team_schedule(cat: Catalog) -> None:
    for user_id in (IVY, LEO):
        actor = await cat.world.actor(user_id)
        with pytest.raises(NotAllowed) as refused:
            await sessions.create_session(cat.world.uow, actor, cat.form(), goto=cat.goto, now=NOW)
        assert refused.value.message == "Only admins of team *Alpha* can do that."
    assert await cat.world.rows(Session) == []
    assert cat.goto.checked == []


async def test_the_element_must_belong_to_the_active_team(cat: Catalog) -> None:
    await cat.world.make_team("Beta", admins=[BEN])
    beta_element = await cat.make_element(BEN, "Coaching")
    expected = {"element": "Choose a learning element of your active team."}
    assert await cat.refused(cat.form(element_id=beta_element.id)) == expected
    assert await cat.refused(cat.form(element_id=None)) == expected
    assert await cat.refused(cat.form(element_id=999_999)) == expected


async def test_the_location_must_be_available_to_the_active_team_rule_6(cat: Catalog) -> None:
    beta = await cat.world.make_team("Beta", admins=[BEN, ADA])
    betas_own = await cat.world.make_location(
        BEN, beta, "Beta Room", kind="classroom", consumer_key="", consumer_secret=""
    )
    shared = await cat.world.make_location(
        BEN,
        beta,
        "Shared Room",
        kind="classroom",
        consumer_key="",
        consumer_secret="",
        available_to=[beta, cat.alpha],
    )
    await cat.world.set_active(ADA, cat.alpha)
    assert await cat.refused(cat.form(betas_own)) == {
        "location": "*Beta Room* is not available to your active team; choose one of its locations."
    }
    # A location another team owns but makes available to Alpha is fine.
    await cat.create(cat.form(shared))
    (row,) = await cat.world.rows(Session)
    assert row.location_id == shared.id


async def test_the_modal_offers_the_active_locations_the_active_team_may_use(
    cat: Catalog, world: World
) -> None:
    beta = await world.make_team("Beta", admins=[BEN])
    await world.make_location(
        BEN, beta, "Beta Room", kind="classroom", consumer_key="", consumer_secret=""
    )
    await world.make_location(
        BEN,
        beta,
        "Annex",
        kind="classroom",
        consumer_key="",
        consumer_secret="",
        available_to=[beta, cat.alpha],
    )
    await world.make_location(
        ADA,
        cat.alpha,
        "Closed Room",
        kind="classroom",
        consumer_key="",
        consumer_secret="",
        active=False,
    )

    async def offered(user_id: str) -> list[str]:
        actor = await world.actor(user_id)
        async with world.uow() as uow:
            return [loc.name for loc in await sessions.schedulable_locations(uow, actor)]

    assert await offered(ADA) == ["Annex", "Room 1", "Webinar Room"]
    assert await offered(BEN) == ["Annex", "Beta Room"]
    with pytest.raises(NotAllowed):
        await offered(LEO)


async def test_an_inactive_location_takes_no_sessions(cat: Catalog) -> None:
    async with cat.world.uow() as uow:
        room = await uow.session.get(Location, cat.classroom.id)
        assert room is not None
        room.active = False
        await uow.commit()
    assert await cat.refused(cat.form(cat.classroom)) == {
        "location": "*Room 1* is inactive; choose an active location."
    }


async def test_elements_and_locations_of_another_workspace_are_unknown(
    cat: Catalog, world: World
) -> None:
    await world.make_team("Alpha", admins=[ADA], workspace=OTHER_WS)
    elsewhere = await cat.make_element(ADA, "Elsewhere", workspace=OTHER_WS)
    errors = await cat.refused(cat.form(element_id=elsewhere.id))
    assert errors == {"element": "Choose a learning element of your active team."}
    other_alpha = (await world.rows(Team))[-1]
    room = await world.make_location(
        ADA,
        other_alpha,
        "Far Room",
        kind="classroom",
        consumer_key="",
        consumer_secret="",
        workspace=OTHER_WS,
    )
    assert await cat.refused(cat.form(room)) == {"location": "Choose a location."}


async def test_max_learners_is_capped_by_the_locations_limit(cat: Catalog) -> None:
    assert await cat.refused(cat.form(cat.classroom, max_learners="31")) == {
        "max_learners": "Enter a whole number from 1 to 30, or leave it empty."
    }


async def test_every_poll_answered_is_refused_on_goto_training(cat: Catalog) -> None:
    training = await cat.world.make_location(ADA, cat.alpha, "Training Room", kind="gototraining")
    errors = await cat.refused(
        cat.form(training, goto_event=TRAINING_KEY, tracking="all_polls_answered")
    )
    assert errors == {
        "tracking": "Only GoToWebinar sessions can require every poll answered; "
        "*Training Room* is a GoToTraining location."
    }


async def test_field_errors_come_in_the_modals_order(cat: Catalog) -> None:
    errors = await cat.refused(
        cat.form(tracking="x", instructor_id="", timezone="Nowhere/City", goto_event="abc")
    )
    assert list(errors) == ["instructor", "timezone", "goto_event", "tracking"]
    assert cat.goto.checked == []


# --- checked against GoTo (rules 3 and 4) -------------------------------------------------------


async def test_an_unknown_key_is_refused_naming_the_location(cat: Catalog) -> None:
    assert await cat.refused(cat.form(goto_event="111")) == {
        "goto_event": "The GoToWebinar account linked to *Webinar Room* has no webinar with key "
        "`111`; enter the digits of the webinar's URL, not the registration URL."
    }


async def test_a_key_of_another_account_is_unknown(cat: Catalog) -> None:
    cat.goto.add("ORG-SOMEONE-ELSE", "222", starts_at=START, ends_at=END)
    errors = await cat.refused(cat.form(goto_event="222"))
    assert errors["goto_event"].startswith("The GoToWebinar account linked to *Webinar Room*")


async def test_a_training_key_at_a_webinar_location_is_refused(cat: Catalog) -> None:
    expected = {
        "goto_event": "`333` is not a GoToWebinar key, and *Webinar Room* is a GoToWebinar "
        "location: enter a webinar's key, or choose a GoToTraining location for a training."
    }
    # GoTo answers with a training's facts ...
    cat.goto.add("ORG-W", "333", product=LocationKind.GOTOTRAINING)
    assert await cat.refused(cat.form(goto_event="333")) == expected
    # ... or the port says so itself.
    cat.goto.problems["333"] = EventProblem.OTHER_PRODUCT
    assert await cat.refused(cat.form(goto_event="333")) == expected


async def test_a_webinar_key_at_a_training_location_is_refused(cat: Catalog) -> None:
    training = await cat.world.make_location(ADA, cat.alpha, "Training Room", kind="gototraining")
    training = await cat.world.link(training, by=ADA, organizer_key="ORG-T")
    cat.goto.add("ORG-T", "444", product=LocationKind.GOTOWEBINAR)
    assert await cat.refused(cat.form(training, goto_event="444")) == {
        "goto_event": "`444` is not a GoToTraining key, and *Training Room* is a GoToTraining "
        "location: enter a training's key, or choose a GoToWebinar location for a webinar."
    }


async def test_a_cancelled_event_is_refused(cat: Catalog) -> None:
    cat.goto.add("ORG-W", "666", starts_at=START, ends_at=END, cancelled=True)
    expected = {"goto_event": "The webinar `666` was cancelled on GoTo; choose another."}
    assert await cat.refused(cat.form(goto_event="666")) == expected
    cat.goto.problems["777"] = EventProblem.CANCELLED
    assert await cat.refused(cat.form(goto_event="777")) == {
        "goto_event": "The webinar `777` was cancelled on GoTo; choose another."
    }


async def test_a_location_not_linked_yet_is_refused_before_goto_is_asked(cat: Catalog) -> None:
    unlinked = await cat.world.make_location(ADA, cat.alpha, "New <Room>")
    assert await cat.refused(cat.form(unlinked)) == {
        "goto_event": "*New &lt;Room&gt;* is not linked to a GoToWebinar account yet; link it "
        "with `/vilt location link New &lt;Room&gt;`, then save the session."
    }
    assert cat.goto.checked == []


async def test_a_lapsed_connection_asks_to_relink_the_location(cat: Catalog) -> None:
    relink = {
        "goto_event": "The GoTo connection of *Webinar Room* has lapsed; link it again with "
        "`/vilt location link Webinar Room`, then save the session."
    }
    # Expired by the calendar: GoTo is not asked.
    lapsed = NOW + timedelta(days=31)
    assert (
        await cat.refused(
            cat.form(starts_at=lapsed + timedelta(days=1), ends_at=lapsed + timedelta(days=2)),
            now=lapsed,
        )
        == relink
    )
    assert cat.goto.checked == []
    # Revoked on GoTo's side: GoTo says so.
    cat.goto.problems[WEBINAR_KEY] = EventProblem.NEEDS_RELINK
    assert await cat.refused(cat.form()) == relink
    # Marked failed by an earlier refresh.
    async with cat.world.uow() as uow:
        room = await uow.session.get(Location, cat.webinar.id)
        assert room is not None
        room.connection_error = "GoTo refused the refresh token"
        await uow.commit()
    cat.goto.checked.clear()
    assert await cat.refused(cat.form()) == relink
    assert cat.goto.checked == []


async def test_goto_not_answering_saves_nothing(cat: Catalog) -> None:
    cat.goto.problems[WEBINAR_KEY] = EventProblem.UNAVAILABLE
    assert await cat.refused(cat.form()) == {
        "goto_event": "GoTo did not answer; nothing was saved. Try again in a minute."
    }


async def test_times_from_goto_are_checked_like_typed_ones(cat: Catalog) -> None:
    cat.goto.add("ORG-W", "888", starts_at=NOW - timedelta(days=1), ends_at=NOW)
    assert await cat.refused(cat.form(goto_event="888", starts_at=None, ends_at=None)) == {
        "starts_at": "That time has passed; choose when the session will start."
    }
    cat.goto.add("ORG-W", "999")
    assert await cat.refused(cat.form(goto_event="999", starts_at=None)) == {
        "starts_at": "GoTo's webinar has no time; choose one here."
    }
    # A typed start after GoTo's end is caught once the end is filled in.
    assert await cat.refused(cat.form(starts_at=END + timedelta(hours=1), ends_at=None)) == {
        "ends_at": "The session must end after it starts."
    }


# --- list and show (rule 6) ----------------------------------------------------------------------


async def schedule(cat: Catalog, location: Location, start_in_days: int = 3, **changes: Any) -> int:
    start = NOW + timedelta(days=start_in_days)
    created = await cat.create(
        cat.form(location, starts_at=start, ends_at=start + timedelta(hours=1), **changes)
    )
    assert created.session.id is not None
    return created.session.id


async def test_learners_see_upcoming_sessions_at_active_locations_of_their_teams(
    cat: Catalog, world: World
) -> None:
    await schedule(cat, cat.webinar, 5)
    await schedule(cat, cat.classroom, 2)
    beta = await world.make_team("Beta", admins=[BEN], learners=[LIA])
    assert await cat.listed(LEO) == ["Negotiation @ Room 1", "Negotiation @ Webinar Room"]
    assert await cat.listed(LIA) == []
    assert await cat.listed(NED) == []
    # Alpha opens its classroom to Beta: Beta's learners see its sessions.
    async with world.uow() as uow:
        assert cat.classroom.id is not None and beta.id is not None
        uow.session.add(LocationTeam(location_id=cat.classroom.id, team_id=beta.id))
        await uow.commit()
    assert await cat.listed(LIA) == ["Negotiation @ Room 1"]


async def test_an_inactive_location_hides_its_sessions_from_learners_not_from_the_owner(
    cat: Catalog, world: World
) -> None:
    await schedule(cat, cat.classroom)
    async with world.uow() as uow:
        room = await uow.session.get(Location, cat.classroom.id)
        assert room is not None
        room.active = False
        await uow.commit()
    assert await cat.listed(LEO) == []
    assert await cat.listed(IVY) == ["Negotiation @ Room 1"]  # the instructor
    assert await cat.listed(ADA) == ["Negotiation @ Room 1"]  # an admin of the element's team


async def test_past_and_cancelled_sessions_are_not_upcoming(cat: Catalog, world: World) -> None:
    first = await schedule(cat, cat.classroom, 1)
    second = await schedule(cat, cat.classroom, 2)
    async with world.uow() as uow:
        row = await uow.session.get(Session, second)
        assert row is not None
        row.status = SessionStatus.CANCELLED
        await uow.commit()
    assert await cat.listed(LEO) == ["Negotiation @ Room 1"]
    # Once the first has ended it is no longer listed, but can still be shown.
    assert await cat.listed(LEO, now=NOW + timedelta(days=1, hours=1)) == []
    actor = await world.actor(LEO)
    async with world.uow() as uow:
        shown = await sessions.describe(uow, actor, first)
        cancelled = await sessions.describe(uow, actor, second)
    assert (shown.id, cancelled.status) == (first, SessionStatus.CANCELLED)


async def test_sessions_can_be_searched_by_text_or_location_tag(cat: Catalog) -> None:
    other = await cat.make_element(ADA, "Cold Calling")
    await schedule(cat, cat.classroom, 2)
    await schedule(cat, cat.webinar, 3, element_id=other.id)
    assert await cat.listed(LEO, "#onsite") == ["Negotiation @ Room 1"]
    assert await cat.listed(LEO, "#ONSITE #remote") == []
    assert await cat.listed(LEO, "cold") == ["Cold Calling @ Webinar Room"]
    assert await cat.listed(LEO, "WEBINAR") == ["Cold Calling @ Webinar Room"]


async def test_a_session_view_counts_the_learners_who_hold_a_seat(
    cat: Catalog, world: World
) -> None:
    session_id = await schedule(cat, cat.classroom, max_learners="20")
    async with world.uow() as uow:
        for i, status in enumerate(
            [EnrollmentStatus.REGISTERED, EnrollmentStatus.PENDING, EnrollmentStatus.CANCELLED]
        ):
            uow.session.add(
                Enrollment(
                    workspace_id=WS, session_id=session_id, user_id=f"U0LRN{i:05d}", status=status
                )
            )
        await uow.commit()
    actor = await world.actor(LEO)
    async with world.uow() as uow:
        view = await sessions.describe(uow, actor, session_id)
    assert (view.registered, view.max_learners, view.location_max_learners, view.capacity) == (
        2,
        20,
        30,
        20,
    )
    assert (view.element_title, view.team, view.location_name, view.instructor_id) == (
        "Negotiation",
        "Alpha",
        "Room 1",
        IVY,
    )


async def test_a_session_outside_the_callers_reach_is_not_found(cat: Catalog, world: World) -> None:
    session_id = await schedule(cat, cat.classroom)
    await world.make_team("Beta", admins=[BEN], learners=[LIA])
    # The same people in another workspace: its learner, the instructor and a viltbot admin.
    await world.make_team("Alpha", admins=[LEO], instructors=[IVY], workspace=OTHER_WS)
    for user_id, workspace in (
        (LIA, WS),
        (NED, WS),
        (LEO, OTHER_WS),
        (IVY, OTHER_WS),
        (BOSS, OTHER_WS),
    ):
        actor = await world.actor(user_id, workspace)
        async with world.uow() as uow:
            with pytest.raises(NotFound) as missing:
                await sessions.describe(uow, actor, session_id)
        assert missing.value.message == (
            "There is no such session, or it is not open to your teams."
        )


async def test_the_element_list_counts_upcoming_scheduled_sessions(
    cat: Catalog, world: World
) -> None:
    await schedule(cat, cat.classroom, 1)
    await schedule(cat, cat.classroom, 2)
    cancelled = await schedule(cat, cat.webinar, 3)
    async with world.uow() as uow:
        row = await uow.session.get(Session, cancelled)
        assert row is not None
        row.status = SessionStatus.CANCELLED
        await uow.commit()
    await cat.make_element(ADA, "Cold Calling")
    actor = await world.actor(LEO)

    async def counts(now: Any) -> list[tuple[str, int]]:
        async with world.uow() as uow:
            found = await elements.list_elements(uow, actor, now=now)
        return [(s.title, s.upcoming_sessions) for s in found]

    assert await counts(NOW) == [("Cold Calling", 0), ("Negotiation", 2)]
    # The first has ended a day and an hour later.
    assert await counts(NOW + timedelta(days=1, hours=1)) == [
        ("Cold Calling", 0),
        ("Negotiation", 1),
    ]


async def test_the_active_teams_list_is_for_its_admins_and_keeps_inactive_locations(
    cat: Catalog, world: World
) -> None:
    await world.make_team("Beta", admins=[BEN], learners=[LIA])
    for day in (2, 3, 4):
        await schedule(cat, cat.classroom, day)
    async with world.uow() as uow:
        room = await uow.session.get(Location, cat.classroom.id)
        assert room is not None
        room.active = False
        await uow.commit()

    async def team_list(user_id: str) -> tuple[list[int], int]:
        actor = await world.actor(user_id)
        async with world.uow() as uow:
            page = await sessions.team_sessions(uow, actor, now=NOW, limit=2)
        return [v.id for v in page.views], page.total

    shown, total = await team_list(ADA)
    assert (len(shown), total) == (2, 3)
    assert await team_list(BEN) == ([], 0)  # Beta's sessions only
    for not_admin in (IVY, LEO):
        with pytest.raises(NotAllowed):
            await team_list(not_admin)
    actor = await world.actor(LEO)
    async with world.uow() as uow:
        page = await sessions.page_sessions(uow, actor, now=NOW, limit=2)
    assert (page.views, page.total) == ([], 0)  # the room is off for learners


# --- no transaction open while GoTo is asked ------------------------------------------------


async def test_gotos_check_is_awaited_with_no_transaction_open(cat: Catalog) -> None:
    """While GoTo checks the key, another unit of work changes the element and commits."""
    asked, answer = asyncio.Event(), asyncio.Event()
    check = cat.goto.check_event

    async def slow_check(location: Location, key: str) -> EventFacts:
        asked.set()
        await answer.wait()
        return await check(location, key)

    cat.goto.check_event = slow_check  # type: ignore[method-assign]
    creating = asyncio.create_task(cat.create(cat.form()))
    await asyncio.wait_for(asked.wait(), 5)
    async with asyncio.timeout(2):
        async with cat.world.uow() as uow:
            element = await uow.session.get(LearningElement, cat.element.id)
            assert element is not None
            element.title = "Negotiation II"
            await uow.commit()
    answer.set()
    created = await creating
    assert created.session.location_id == cat.webinar.id


async def test_a_location_deactivated_while_goto_answers_takes_no_session(cat: Catalog) -> None:
    check = cat.goto.check_event

    async def check_then_deactivate(location: Location, key: str) -> EventFacts:
        facts = await check(location, key)
        async with cat.world.uow() as uow:
            room = await uow.session.get(Location, location.id)
            assert room is not None
            room.active = False
            await uow.commit()
        return facts

    cat.goto.check_event = check_then_deactivate  # type: ignore[method-assign]
    assert (await cat.refused(cat.form()))["location"].endswith(
        "is inactive; choose an active location."
    )


async def test_a_goto_check_that_takes_too_long_is_a_field_error(cat: Catalog) -> None:
    async def never(location: Location, key: str) -> EventFacts:
        await asyncio.sleep(10)
        raise AssertionError("not reached")

    cat.goto.check_event = never  # type: ignore[method-assign]
    actor = await cat.world.actor(ADA)
    with pytest.raises(FieldErrors) as caught:
        await sessions.create_session(
            cat.world.uow, actor, cat.form(), goto=cat.goto, goto_timeout=0.05, now=NOW
        )
    assert caught.value.errors == {
        "goto_event": "GoTo did not answer in time, so nothing was saved. Submit again in a minute."
    }
    assert await cat.world.rows(Session) == []


# --- creating the GoTo event ------------------------------------------------------------------


async def test_creating_the_event_on_goto_saves_its_key(cat: Catalog) -> None:
    actor = await cat.world.actor(ADA)
    created = await sessions.create_session(
        cat.world.uow, actor, cat.form(goto_event=""), goto=cat.goto, create_event=True, now=NOW
    )
    (event,) = cat.goto.created
    assert (event.subject, event.starts_at, event.ends_at, event.timezone) == (
        "Negotiation",
        START,
        END,
        "Europe/Berlin",
    )
    (row,) = await cat.world.rows(Session)
    assert (row.goto_event_key, row.goto_product) == (event.key, LocationKind.GOTOWEBINAR)
    assert created.notes == [
        f"GoTo created the webinar `{event.key}` (Negotiation) for this session."
    ]


async def test_creating_the_event_needs_both_times_and_no_key(cat: Catalog) -> None:
    actor = await cat.world.actor(ADA)
    with pytest.raises(FieldErrors) as caught:
        await sessions.create_session(
            cat.world.uow,
            actor,
            cat.form(starts_at=None),
            goto=cat.goto,
            create_event=True,
            now=NOW,
        )
    assert caught.value.errors == {
        "starts_at": "Choose when the session starts.",
        "goto_event": "Choose an existing webinar or create a new one, not both: clear this "
        "field, or untick creating a webinar.",
    }
    assert cat.goto.created == [] and await cat.world.rows(Session) == []


@pytest.mark.parametrize(
    ("problem", "says"),
    [
        (EventProblem.OUTCOME_UNKNOWN, "GoTo may or may not have created it"),
        (EventProblem.NOT_CREATED, "GoTo refused to create the webinar: GoTo said no."),
        (EventProblem.UNAVAILABLE, "GoTo did not answer, so no webinar was created"),
    ],
)
async def test_a_failed_creation_saves_nothing_and_says_whether_it_may_exist(
    cat: Catalog, problem: EventProblem, says: str
) -> None:
    cat.goto.create_problems.append(problem)
    actor = await cat.world.actor(ADA)
    with pytest.raises(EventRejected) as caught:
        await sessions.create_session(
            cat.world.uow,
            actor,
            cat.form(goto_event=""),
            goto=cat.goto,
            create_event=True,
            now=NOW,
        )
    assert says in caught.value.message
    assert await cat.world.rows(Session) == []


# --- edit -------------------------------------------------------------------------------------


async def edit(
    cat: Catalog, session_id: int | None, form: SessionForm, *, by: str = ADA
) -> sessions.EditedSession:
    assert session_id is not None
    actor = await cat.world.actor(by)
    return await sessions.edit_session(
        cat.world.uow, actor, session_id, form, goto=cat.goto, now=NOW
    )


async def enroll(cat: Catalog, session_id: int | None, *users: str) -> None:
    assert session_id is not None
    async with cat.world.uow() as uow:
        for user in users:
            uow.session.add(
                Enrollment(
                    workspace_id=WS,
                    session_id=session_id,
                    user_id=user,
                    status=EnrollmentStatus.REGISTERED,
                )
            )
        await uow.commit()


async def test_editing_keeps_the_key_without_asking_goto_and_names_the_old_instructor(
    cat: Catalog, world: World
) -> None:
    created = await cat.create(cat.form())
    await world.make_team("Gamma", admins=[NED])
    cat.goto.checked.clear()
    edited = await edit(
        cat, created.session.id, cat.form(instructor_id=LEO, max_learners="12", timezone="UTC")
    )
    assert cat.goto.checked == []
    assert (edited.previous_instructor_id, edited.instructor_changed) == (IVY, True)
    row = await world.reload(Session, created.session.id)
    assert (row.instructor_id, row.max_learners, row.timezone) == (LEO, 12, "UTC")


async def test_scheduling_and_changing_the_instructor_tell_each_teacher_once(
    cat: Catalog, world: World
) -> None:
    created = await cat.create(cat.form())

    async def told() -> list[tuple[str, str]]:
        notices = await world.rows(Notice)
        return sorted((n.channel, n.kind) for n in notices if n.kind.startswith("session_"))

    assert await told() == [(IVY, "session_assigned")]
    await edit(cat, created.session.id, cat.form(instructor_id=LEO))
    # Saving again without a change of instructor tells nobody anything new.
    await edit(cat, created.session.id, cat.form(instructor_id=LEO, max_learners="9"))
    assert await told() == [
        (IVY, "session_assigned"),
        (IVY, "session_unassigned"),
        (LEO, "session_assigned"),
    ]


async def test_editing_the_key_asks_goto_again(cat: Catalog) -> None:
    created = await cat.create(cat.form())
    cat.goto.add("ORG-W", "4444444444", starts_at=START, ends_at=END)
    await edit(cat, created.session.id, cat.form(goto_event="4444444444"))
    assert cat.goto.checked[-1] == (cat.webinar.id, "4444444444")
    assert (await cat.world.reload(Session, created.session.id)).goto_event_key == "4444444444"
    errors = await _edit_refused(cat, created.session.id, cat.form(goto_event="5"))
    assert "has no webinar with key `5`" in errors["goto_event"]


async def _edit_refused(
    cat: Catalog, session_id: int | None, form: SessionForm, *, by: str = ADA
) -> dict[str, str]:
    before = await cat.world.snapshot()
    with pytest.raises(FieldErrors) as caught:
        await edit(cat, session_id, form, by=by)
    assert await cat.world.snapshot() == before
    return caught.value.errors


async def test_a_session_with_registrations_keeps_its_location_and_event(cat: Catalog) -> None:
    created = await cat.create(cat.form())
    cat.goto.add("ORG-W", "4444444444", starts_at=START, ends_at=END)
    await enroll(cat, created.session.id, LEO)
    assert await _edit_refused(cat, created.session.id, cat.form(cat.classroom)) == {
        "location": "1 learner is registered at this session's location, so it stays there; "
        "cancel it and schedule a new session instead."
    }
    assert await _edit_refused(cat, created.session.id, cat.form(goto_event="4444444444")) == {
        "goto_event": "1 learner is registered on GoTo for this session's event, so it keeps "
        "it; cancel it and schedule a new session instead."
    }
    # Other changes are fine.
    await edit(cat, created.session.id, cat.form(instructor_id=LEO))


async def test_max_learners_leaves_room_for_everyone_registered(cat: Catalog) -> None:
    created = await cat.create(cat.form())
    await enroll(cat, created.session.id, LEO, NED)
    assert await _edit_refused(cat, created.session.id, cat.form(max_learners="1")) == {
        "max_learners": "2 learners are registered already, so the session needs room for at "
        "least 2; enter 2 or more, or leave it empty."
    }
    await edit(cat, created.session.id, cat.form(max_learners="2"))
    assert (await cat.world.reload(Session, created.session.id)).max_learners == 2


async def test_only_admins_of_the_elements_team_edit_or_cancel(cat: Catalog, world: World) -> None:
    created = await cat.create(cat.form())
    await world.make_team("Beta", admins=[BEN])
    for user in (BEN, IVY, LEO):
        actor = await world.actor(user)
        with pytest.raises(NotAllowed) as refused:
            await sessions.edit_session(
                world.uow, actor, created.session.id or 0, cat.form(), goto=cat.goto
            )
        assert refused.value.message == (
            "Only admins of team *Alpha*, which owns *Negotiation*, can change its sessions."
        )
        async with world.uow() as uow:
            with pytest.raises(NotAllowed):
                await sessions.cancel_session(uow, actor, created.session.id or 0)
    actor = await world.actor(ADA, OTHER_WS)
    async with world.uow() as uow:
        with pytest.raises(NotFound):
            await sessions.cancel_session(uow, actor, created.session.id or 0)


async def test_an_admin_whose_active_team_is_another_still_edits_their_teams_session(
    cat: Catalog, world: World
) -> None:
    created = await cat.create(cat.form())
    other = await world.make_team("Beta", admins=[ADA, BEN])
    await world.set_active(ADA, other)
    edited = await edit(cat, created.session.id, cat.form(max_learners="7"))
    assert edited.session.max_learners == 7


# --- cancel -----------------------------------------------------------------------------------


async def test_cancelling_tells_each_registered_learner_once(cat: Catalog, world: World) -> None:
    created = await cat.create(cat.form())
    session_id = created.session.id
    await enroll(cat, session_id, LEO, LIA)
    earlier = {n.id for n in await world.rows(Notice)}
    async with world.uow() as uow:
        uow.session.add(
            Enrollment(
                workspace_id=WS,
                session_id=session_id or 0,
                user_id=NED,
                status=EnrollmentStatus.CANCELLED,
            )
        )
        await uow.commit()
    actor = await world.actor(ADA)
    async with world.uow() as uow:
        cancelled = await sessions.cancel_session(uow, actor, session_id or 0, now=NOW)
        await uow.commit()
    assert sorted(cancelled.learners) == [LEO, LIA]
    row = await world.reload(Session, session_id)
    assert (row.status, row.cancelled_at) == (SessionStatus.CANCELLED, NOW)
    statuses = {e.user_id: e.status for e in await world.rows(Enrollment)}
    assert set(statuses.values()) == {EnrollmentStatus.CANCELLED}
    new = [n for n in await world.rows(Notice) if n.id not in earlier]
    notices = [n for n in new if n.kind == "registration_cancelled"]
    assert sorted(n.channel for n in notices) == [LEO, LIA]
    # The instructor is told too, in an alert of their own.
    [alert] = [n for n in new if n.kind == "session_cancelled"]
    assert alert.channel == created.session.instructor_id
    assert "cancelled" in alert.text
    assert notices[0].text.startswith(f":no_entry: Session `#{session_id}` of *Negotiation* (")
    assert f"was cancelled by <@{ADA}>" in notices[0].text
    # Cancelling again changes nothing and tells no one again.
    async with world.uow() as uow:
        with pytest.raises(InvalidInput) as again:
            await sessions.cancel_session(uow, actor, session_id or 0, now=NOW)
    assert "is already cancelled" in again.value.message
    assert len(await world.rows(Notice)) == len(earlier) + 3
    # A cancelled session is not edited either.
    with pytest.raises(InvalidInput):
        await edit(cat, session_id, cat.form())


async def test_a_new_learning_element_is_added_with_the_session(cat: Catalog) -> None:
    created = await cat.create(cat.form(element_id=None, new_element="  Closing   Deals "))
    titles = {e.id: e.title for e in await cat.world.rows(LearningElement)}
    assert titles[created.session.element_id] == "Closing Deals"
    errors = await cat.refused_again(cat.form(element_id=None, new_element="closing deals"))
    assert errors == {
        "new_element": "Your team already has a learning element called *closing deals*; "
        "choose it above instead."
    }


async def test_a_new_element_is_not_added_when_the_session_is_refused(cat: Catalog) -> None:
    errors = await cat.refused(cat.form(element_id=None, new_element="Closing", goto_event="1"))
    assert "goto_event" in errors
    assert [e.title for e in await cat.world.rows(LearningElement)] == ["Negotiation"]


async def test_a_lapsed_connection_does_not_stop_changes_that_need_no_goto(cat: Catalog) -> None:
    created = await cat.create(cat.form())
    async with cat.world.uow() as uow:
        room = await uow.session.get(Location, cat.webinar.id)
        assert room is not None
        room.connection_expires_at = NOW - timedelta(days=1)
        await uow.commit()
    cat.goto.checked.clear()
    edited = await edit(cat, created.session.id, cat.form(instructor_id=LEO))
    assert edited.session.instructor_id == LEO and cat.goto.checked == []
    errors = await _edit_refused(cat, created.session.id, cat.form(goto_event="4444444444"))
    assert (
        "has lapsed; link it again with `/vilt location link Webinar Room`"
        in (errors["goto_event"])
    )


async def test_the_event_picker_lists_only_goto_locations_an_admin_may_use(
    cat: Catalog, world: World
) -> None:
    await world.make_team("Beta", admins=[BEN])

    async def picked(user: str, location: Location) -> int | None:
        actor = await world.actor(user)
        async with world.uow() as uow:
            found = await sessions.picker_location(uow, actor, location.id or 0)
        return found.id if found is not None else None

    assert await picked(ADA, cat.webinar) == cat.webinar.id
    assert await picked(ADA, cat.classroom) is None  # no GoTo events there
    assert await picked(BEN, cat.webinar) is None  # not available to Beta
    assert await picked(LEO, cat.webinar) is None  # not an admin


async def test_an_event_created_for_a_session_that_then_cannot_be_saved_is_named(
    cat: Catalog,
) -> None:
    create = cat.goto.create_event

    async def create_then_deactivate(location: Location, **kwargs: Any) -> EventFacts:
        facts = await create(location, **kwargs)
        async with cat.world.uow() as uow:
            room = await uow.session.get(Location, location.id)
            assert room is not None
            room.active = False
            await uow.commit()
        return facts

    cat.goto.create_event = create_then_deactivate  # type: ignore[method-assign]
    actor = await cat.world.actor(ADA)
    with pytest.raises(InvalidInput) as caught:
        await sessions.create_session(
            cat.world.uow,
            actor,
            cat.form(goto_event=""),
            goto=cat.goto,
            create_event=True,
            now=NOW,
        )
    (event,) = cat.goto.created
    assert caught.value.message == (
        f"GoTo created the webinar `{event.key}`, but the session was not saved: *Webinar Room* "
        "is inactive; choose an active location. Schedule it with that key rather than creating "
        "another webinar."
    )
    assert await cat.world.rows(Session) == []
