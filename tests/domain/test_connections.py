"""A linked location's refreshed tokens: kept sealed (rule 9), the connection healthy again.

Whether GoTo sent a new refresh token is the GoTo client's business (it hands back the one it
sent when GoTo sends none); the service stores whichever token it is given.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain.errors import NotFound
from domain.models import Location, Notice
from domain.services.connections import mark_connection_failed, store_refreshed_tokens
from tests.domain.conftest import NOW, World

ADA = "U0ADA00001"


async def linked_room(world: World) -> Location:
    alpha = await world.make_team("Alpha", admins=[ADA])
    return await world.link(await world.make_location(ADA, alpha), by=ADA, organizer_key="ORG-7")


async def refresh(
    world: World,
    location: Location,
    *,
    refresh_token: str,
    access_token: str = "access-2",
    connection_expires_at: datetime | None = None,
) -> None:
    assert location.id is not None
    async with world.uow() as uow:
        await store_refreshed_tokens(
            uow,
            location.id,
            sealer=world.sealer,
            access_token=access_token,
            refresh_token=refresh_token,
            access_expires_at=NOW + timedelta(days=1, hours=1),
            connection_expires_at=connection_expires_at,
        )
        await uow.commit()


def opened(world: World, stored: str | None) -> str:
    assert stored is not None
    return world.sealer.decrypt(stored)


async def test_a_new_refresh_token_is_stored_sealed(world: World) -> None:
    room = await linked_room(world)
    await refresh(world, room, refresh_token="refresh-2", access_token="access-2")
    saved = await world.reload(Location, room.id)
    assert saved.refresh_token_enc is not None and saved.access_token_enc is not None
    assert "refresh-2" not in saved.refresh_token_enc
    assert "access-2" not in saved.access_token_enc
    assert opened(world, saved.refresh_token_enc) == "refresh-2"
    assert opened(world, saved.access_token_enc) == "access-2"
    assert saved.access_expires_at == NOW + timedelta(days=1, hours=1)


async def test_the_old_refresh_token_handed_back_stays_the_stored_one(world: World) -> None:
    room = await linked_room(world)
    old = opened(world, room.refresh_token_enc)
    await refresh(world, room, refresh_token=old, access_token="access-2")
    saved = await world.reload(Location, room.id)
    assert opened(world, saved.refresh_token_enc) == old
    assert opened(world, saved.access_token_enc) == "access-2"


async def test_without_a_new_lifetime_the_connection_keeps_its_expiry(world: World) -> None:
    room = await linked_room(world)
    await refresh(world, room, refresh_token="refresh-2", connection_expires_at=None)
    saved = await world.reload(Location, room.id)
    assert saved.connection_expires_at == room.connection_expires_at is not None


async def test_a_new_lifetime_moves_the_connection_expiry(world: World) -> None:
    room = await linked_room(world)
    later = NOW + timedelta(days=31)
    await refresh(world, room, refresh_token="refresh-2", connection_expires_at=later)
    assert (await world.reload(Location, room.id)).connection_expires_at == later


async def test_a_refresh_clears_an_earlier_connection_failure(world: World) -> None:
    room = await linked_room(world)
    async with world.uow() as uow:
        stored = await uow.session.get(Location, room.id)
        assert stored is not None
        stored.connection_error = "GoTo refused the refresh token"
        await uow.commit()
    await refresh(world, room, refresh_token="refresh-2")
    assert (await world.reload(Location, room.id)).connection_error is None


async def test_refreshing_a_deleted_location_says_so(world: World) -> None:
    async with world.uow() as uow:
        with pytest.raises(NotFound) as caught:
            await store_refreshed_tokens(
                uow,
                4242,
                sealer=world.sealer,
                access_token="a",
                refresh_token="r",
                access_expires_at=NOW,
                connection_expires_at=None,
            )
    assert caught.value.message == "That location no longer exists."


async def warnings(world: World) -> list[Notice]:
    return [n for n in await world.rows(Notice) if n.kind == "connection_warning"]


async def test_a_lapsed_connection_refused_by_goto_stays_lapsed_and_warns_no_more(
    world: World,
) -> None:
    room = await linked_room(world)
    assert room.id is not None and room.connection_expires_at is not None
    after = room.connection_expires_at + timedelta(hours=2)
    async with world.uow() as uow:
        await mark_connection_failed(uow, room.id, problem="refresh token expired", now=after)
        await uow.commit()
    saved = await world.reload(Location, room.id)
    assert saved.connection_error is None and saved.connection_failed_at is None
    assert await warnings(world) == []
    # Before the lapse, the same refusal is a failure, and its one warning goes out.
    before = room.connection_expires_at - timedelta(days=10)
    async with world.uow() as uow:
        await mark_connection_failed(uow, room.id, problem="revoked", now=before)
        await uow.commit()
    saved = await world.reload(Location, room.id)
    assert saved.connection_error == "revoked" and saved.connection_failed_at == before
    assert len(await warnings(world)) == 2  # the team's channel and the admin who linked it
