"""What the columns hold and give back: timestamps in UTC, read back timezone-aware whatever the
server's own zone, naive times refused; kinds, roles and notice states as their enums."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from domain.models import (
    LinkRequest,
    Location,
    LocationKind,
    Membership,
    Notice,
    NoticeStatus,
    Role,
)
from domain.services.connections import store_refreshed_tokens
from domain.services.linking import LINK_STATE_TTL
from domain.services.notices import enqueue_notice
from tests.domain.conftest import NOW, WS, World

ADA = "U0ADA00001"
LEO = "U0LEO00001"
KATHMANDU = timezone(timedelta(hours=5, minutes=45))


@pytest.fixture
def server_in_kathmandu(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local time zone is UTC+05:45 (a POSIX TZ string: no tz database needed)."""
    monkeypatch.setenv("TZ", "<+0545>-05:45")
    time.tzset()
    assert time.localtime(0).tm_gmtoff == 5 * 3600 + 45 * 60
    yield
    monkeypatch.undo()
    time.tzset()


async def scalar(world: World, sql: str) -> object:
    """One value as the database driver returns it, bypassing the column types."""
    async with world.uow() as uow:
        return (await uow.session.execute(text(sql))).scalar_one()


async def test_a_time_given_in_any_zone_is_kept_as_that_instant_in_utc(
    world: World, server_in_kathmandu: None
) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    room = await world.make_location(ADA, alpha)
    await world.start_link(room, by=ADA, now=NOW.astimezone(KATHMANDU))

    (request,) = await world.rows(LinkRequest)
    assert request.expires_at == NOW + LINK_STATE_TTL
    assert request.expires_at.tzinfo is UTC
    assert request.expires_at.hour == 12  # UTC wall time, not the server's 17:55

    stored = await scalar(world, "SELECT expires_at FROM linkrequest")
    if isinstance(stored, str):  # SQLite keeps text: the UTC wall time
        assert stored.startswith("2026-11-27 12:10:00")
    else:  # PostgreSQL keeps the instant
        assert stored == NOW + LINK_STATE_TTL


async def test_a_time_written_in_utc_reads_back_unchanged_on_a_server_in_another_zone(
    world: World, server_in_kathmandu: None
) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    room = await world.link(await world.make_location(ADA, alpha), by=ADA)
    saved = await world.reload(Location, room.id)
    assert saved.linked_at == NOW
    assert saved.connection_expires_at is not None
    assert saved.connection_expires_at.tzinfo is UTC
    assert saved.connection_expires_at.utcoffset() == timedelta(0)


async def test_a_naive_time_is_refused_and_nothing_is_written(world: World) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    room = await world.link(await world.make_location(ADA, alpha), by=ADA)
    assert room.id is not None
    before = await world.snapshot()
    async with world.uow() as uow:
        with pytest.raises(StatementError) as caught:
            await store_refreshed_tokens(
                uow,
                room.id,
                sealer=world.sealer,
                access_token="access-2",
                refresh_token="refresh-2",
                access_expires_at=datetime(2026, 11, 27, 13, 0),  # no zone: ambiguous
                connection_expires_at=None,
            )
    assert isinstance(caught.value.orig, ValueError)
    assert str(caught.value.orig) == "naive datetime given; viltbot stores aware UTC times only"
    assert await world.snapshot() == before


async def test_kinds_roles_and_notice_states_read_back_as_their_enums(world: World) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA], learners=[LEO])
    await world.make_location(ADA, alpha, kind="gototraining")
    async with world.uow() as uow:
        await enqueue_notice(
            uow, workspace_id=WS, kind="test", channel=LEO, text="Hi", dedupe_key="k"
        )
        await uow.commit()

    (location,) = await world.rows(Location)
    assert location.kind is LocationKind.GOTOTRAINING
    assert [m.role for m in await world.rows(Membership)] == [Role.ADMIN, Role.LEARNER]
    assert all(type(m.role) is Role for m in await world.rows(Membership))
    (notice,) = await world.rows(Notice)
    assert notice.status is NoticeStatus.PENDING

    # The columns hold the plain words, so SQL reports read them as they are.
    assert await scalar(world, "SELECT kind FROM location") == "gototraining"
    assert await scalar(world, f"SELECT role FROM membership WHERE user_id = '{LEO}'") == "learner"
    assert await scalar(world, "SELECT status FROM notice") == "pending"


async def test_a_word_outside_an_enum_never_reaches_the_database(world: World) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    before = await world.snapshot()
    async with world.uow() as uow:
        uow.session.add(
            Membership(
                workspace_id=WS,
                team_id=alpha.id or 0,
                user_id=LEO,
                role="owner",  # type: ignore[arg-type]
                added_by=ADA,
            )
        )
        with pytest.raises(StatementError) as caught:
            await uow.session.flush()
    assert isinstance(caught.value.orig, ValueError)
    assert "'owner' is not a valid Role" in str(caught.value.orig)
    assert await world.snapshot() == before
