"""The sessions on App Home: whose they are, which ones, how many are left out."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.models import (
    Enrollment,
    EnrollmentStatus,
    LearningElement,
    Location,
    Session,
    SessionStatus,
    Team,
)
from domain.services import elements, home
from domain.services.session_rows import SessionView
from tests.domain.conftest import NOW, OTHER_WS, WS, World

ADA = "U0ADA00001"  # admin of Alpha, learner in Beta
BEA = "U0BEA00001"  # admin of Beta
IVY = "U0IVY00001"  # instructor in Alpha
LEO = "U0LEO00001"  # learner in Alpha


class School:
    """Alpha and Beta, each with an element and a room."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.alpha: Team
        self.beta: Team
        self.elements: dict[int, LearningElement] = {}
        self.rooms: dict[int, Location] = {}

    async def build(self) -> School:
        self.alpha = await self.world.make_team(
            "Alpha", admins=[ADA], instructors=[IVY], learners=[LEO]
        )
        self.beta = await self.world.make_team("Beta", admins=[BEA], learners=[ADA])
        await self.world.set_active(ADA, self.alpha)
        for team, admin in ((self.alpha, ADA), (self.beta, BEA)):
            assert team.id is not None
            await self.world.set_active(admin, team)
            actor = await self.world.actor(admin)
            async with self.world.uow() as uow:
                self.elements[team.id] = await elements.create_element(uow, actor, "Course")
                await uow.commit()
            self.rooms[team.id] = await self.world.make_location(
                admin,
                team,
                f"{team.name} room",
                kind="classroom",
                consumer_key="",
                consumer_secret="",
                max_learners="20",
            )
        await self.world.set_active(ADA, self.alpha)
        return self

    async def session(
        self,
        team: Team,
        *,
        days: float = 2,
        instructor: str = IVY,
        status: SessionStatus = SessionStatus.SCHEDULED,
        enrolled: dict[str, EnrollmentStatus] | None = None,
    ) -> int:
        assert team.id is not None
        element, room = self.elements[team.id], self.rooms[team.id]
        assert element.id is not None and room.id is not None
        starts_at = NOW + timedelta(days=days)
        async with self.world.uow() as uow:
            session = Session(
                workspace_id=WS,
                element_id=element.id,
                location_id=room.id,
                instructor_id=instructor,
                starts_at=starts_at,
                ends_at=starts_at + timedelta(hours=2),
                timezone="UTC",
                status=status,
                created_by=BEA,
            )
            uow.session.add(session)
            await uow.session.flush()
            assert session.id is not None
            for user_id, state in (enrolled or {}).items():
                uow.session.add(
                    Enrollment(
                        workspace_id=WS,
                        session_id=session.id,
                        user_id=user_id,
                        status=state,
                        join_url=f"https://goto.test/{session.id}/{user_id}",
                    )
                )
            await uow.commit()
            return session.id

    async def home_of(self, user_id: str, limit: int = 10) -> home.HomeSessions:
        actor = await self.world.actor(user_id)
        async with self.world.uow() as uow:
            return await home.home_sessions(uow, actor, now=NOW, limit=limit)


@pytest.fixture
async def school(world: World) -> School:
    return await School(world).build()


def ids(views: list[SessionView]) -> list[int]:
    return [view.id for view in views]


def registered(found: home.HomeSessions) -> list[int]:
    return [registration.view.id for registration in found.registrations.items]


async def test_an_admin_sees_the_active_teams_sessions_and_not_other_teams(
    school: School,
) -> None:
    later = await school.session(school.alpha, days=3)
    sooner = await school.session(school.alpha, days=1, instructor=ADA)
    await school.session(school.alpha, days=4, status=SessionStatus.CANCELLED)
    await school.session(school.alpha, days=-1)  # over
    beta = await school.session(school.beta, enrolled={ADA: EnrollmentStatus.REGISTERED})

    found = await school.home_of(ADA)
    assert found.team is not None
    assert ids(found.team.items) == [sooner, later]
    assert ids(found.teaching.items) == [sooner]
    # Her registration in Beta shows, though Beta is not her active team.
    assert registered(found) == [beta]
    assert found.registrations.items[0].join_url == f"https://goto.test/{beta}/{ADA}"

    await school.world.set_active(ADA, school.beta)  # a learner in Beta: no team list
    assert (await school.home_of(ADA)).team is None


async def test_an_instructor_sees_what_they_teach_and_a_learner_what_they_hold(
    school: School,
) -> None:
    taught = await school.session(
        school.alpha,
        enrolled={
            LEO: EnrollmentStatus.PENDING,
            ADA: EnrollmentStatus.REGISTERED,
        },
    )
    left = await school.session(school.alpha, days=3, enrolled={LEO: EnrollmentStatus.CANCELLED})
    ivy = await school.home_of(IVY)
    assert ivy.team is None and ids(ivy.teaching.items) == [taught, left]
    assert ivy.teaching.items[0].registered == 2
    leo = await school.home_of(LEO)
    assert [(r.view.id, r.status) for r in leo.registrations.items] == [
        (taught, EnrollmentStatus.PENDING)
    ]
    assert leo.teaching.total == 0 and leo.team is None


async def test_each_list_is_capped_and_counts_the_rest(school: School) -> None:
    made = [
        await school.session(school.alpha, days=1 + i, enrolled={LEO: EnrollmentStatus.REGISTERED})
        for i in range(5)
    ]
    leo = await school.home_of(LEO, limit=2)
    assert registered(leo) == made[:2]
    assert (leo.registrations.total, leo.registrations.more) == (5, 3)
    ada = await school.home_of(ADA, limit=3)
    assert ada.team is not None and (len(ada.team.items), ada.team.more) == (3, 2)


async def test_another_workspace_sees_none_of_it(school: School) -> None:
    await school.session(school.alpha, instructor=ADA, enrolled={ADA: EnrollmentStatus.REGISTERED})
    elsewhere = await school.world.actor(ADA, OTHER_WS)
    async with school.world.uow() as uow:
        found = await home.home_sessions(uow, elsewhere, now=NOW)
    assert (found.registrations.total, found.teaching.total, found.team) == (0, 0, None)


async def results_of(school: School, user_id: str, limit: int = 10) -> list[home.Result] | None:
    actor = await school.world.actor(user_id)
    async with school.world.uow() as uow:
        return await home.recent_results(uow, actor, now=NOW, limit=limit)


async def test_recent_results_are_the_active_teams_ended_sessions_newest_first(
    school: School,
) -> None:
    older = await school.session(
        school.alpha,
        days=-20,
        enrolled={
            LEO: EnrollmentStatus.COMPLETE,
            ADA: EnrollmentStatus.IN_PROGRESS,
            IVY: EnrollmentStatus.NOT_ATTENDED,
            BEA: EnrollmentStatus.CANCELLED,  # left before it started: not counted
        },
    )
    newer = await school.session(school.alpha, days=-1, enrolled={LEO: EnrollmentStatus.REGISTERED})
    await school.session(school.alpha, days=-3)  # nobody registered: nothing to show
    await school.session(school.alpha, days=-31)  # longer ago than Home looks back
    await school.session(school.alpha, days=-2, status=SessionStatus.CANCELLED)
    await school.session(school.alpha, days=1)  # not over yet
    await school.session(school.beta, days=-1)  # another team's
    async with school.world.uow() as uow:
        session = await uow.session.get(Session, newer)
        assert session is not None
        session.sync_done_at, session.sync_error = NOW, "GoTo answered 503"
        await uow.commit()

    found = await results_of(school, ADA)
    assert found is not None
    assert [r.session_id for r in found] == [newer, older]
    assert found[0].final and found[0].sync_error == "GoTo answered 503"
    assert found[0].total == 1 and found[0].percent_complete == 0
    assert not found[1].final and found[1].total == 3 and found[1].percent_complete == 33
    assert found[1].counts[EnrollmentStatus.IN_PROGRESS] == 1
    assert found[1].counts[EnrollmentStatus.NOT_ATTENDED] == 1
    assert [r.session_id for r in await results_of(school, ADA, limit=1) or []] == [newer]


async def test_recent_results_are_for_admins_of_the_active_team_and_instructors(
    school: School,
) -> None:
    taught = await school.session(school.alpha, days=-1, enrolled={LEO: EnrollmentStatus.COMPLETE})
    # The instructor sees the sessions they taught; a learner sees none.
    assert [r.session_id for r in await results_of(school, IVY) or []] == [taught]
    assert await results_of(school, LEO) is None
    await school.world.set_active(ADA, school.beta)  # a learner in Beta
    assert not await results_of(school, ADA)
