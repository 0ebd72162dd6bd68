"""Nothing crosses workspaces (rule 11): teams, locations and links of workspace A are neither
visible nor changeable from workspace B, even for the same Slack user id or a viltbot admin."""

from __future__ import annotations

import pytest

from domain.errors import ChannelUnusable, LinkFailed, NotFound
from domain.models import LinkRequest, Location, Membership, Role, Team
from domain.services import linking, locations, teams
from domain.services.identity import ensure_workspace
from tests.domain.conftest import (
    BOSS,
    NOW,
    OTHER_WS,
    WS,
    World,
    form_of,
)
from tests.domain.fakes import WorkspaceDirectories
from tests.support.fakes import FakeDirectory

ADA = "U0ADA00001"  # admin of Alpha in workspace A; the same id exists in workspace B


async def acme_with_room(world: World) -> tuple[Team, Location]:
    alpha = await world.make_team("Alpha", admins=[ADA])
    return alpha, await world.make_location(ADA, alpha, "Webinar Room", description="#python")


async def test_a_user_of_another_workspace_has_none_of_this_ones_teams(world: World) -> None:
    await acme_with_room(world)
    elsewhere = await world.actor(ADA, OTHER_WS)
    assert (elsewhere.teams, elsewhere.roles, elsewhere.active_team_id) == ({}, {}, None)


async def test_teams_of_another_workspace_are_not_listed_found_or_chosen(world: World) -> None:
    await acme_with_room(world)
    await world.make_team("Local", admins=[ADA], workspace=OTHER_WS)
    admin_elsewhere = await world.actor(BOSS, OTHER_WS)
    member_elsewhere = await world.actor(ADA, OTHER_WS)
    async with world.uow() as uow:
        assert [t.name for t in await teams.list_teams(uow, admin_elsewhere)] == ["Local"]
        assert [t.name for t in await teams.list_teams(uow, member_elsewhere)] == ["Local"]
        with pytest.raises(NotFound):
            await teams.find_team(uow, OTHER_WS, "Alpha")
        with pytest.raises(NotFound):
            await teams.use_team(uow, member_elsewhere, "Alpha")


async def test_a_team_name_taken_in_one_workspace_is_free_in_another(world: World) -> None:
    await acme_with_room(world)
    world.directory.channels["C0GLOBEX01"] = "general"
    actor = await world.actor(BOSS, OTHER_WS)
    async with world.uow() as uow:
        await teams.create_team(
            uow, actor, name="Alpha", channel_id="C0GLOBEX01", slack=world.directory
        )
        await uow.commit()
    assert sorted(t.workspace_id for t in await world.rows(Team)) == sorted([WS, OTHER_WS])


async def test_locations_of_another_workspace_are_not_listed_or_found(world: World) -> None:
    await acme_with_room(world)
    await world.make_team("Local", admins=[ADA], workspace=OTHER_WS)
    for user_id in (BOSS, ADA):  # a viltbot admin there, and the same user id
        actor = await world.actor(user_id, OTHER_WS)
        async with world.uow() as uow:
            page = await locations.list_locations(uow, actor, "#python")
            assert (page.views, page.total) == ([], 0)
            assert (await locations.list_locations(uow, actor)).total == 0
            with pytest.raises(NotFound):
                await locations.find_location(uow, actor, "Webinar Room")
            with pytest.raises(NotFound):
                await locations.visible_location(uow, actor, "Webinar Room")


async def test_a_location_of_another_workspace_cannot_be_edited_by_its_id(world: World) -> None:
    alpha, room = await acme_with_room(world)
    local = await world.make_team("Local", admins=[ADA], workspace=OTHER_WS)
    assert room.id is not None and local.id is not None
    actor = await world.actor(ADA, OTHER_WS)
    before = await world.snapshot()
    async with world.uow() as uow:
        with pytest.raises(NotFound) as caught:
            await locations.update_location(
                uow,
                actor,
                room.id,
                form_of(room, [local.id], owner_team_id=local.id, name="Taken"),
                sealer=world.sealer,
            )
    assert caught.value.message == "That location no longer exists."
    assert await world.snapshot() == before
    assert alpha.workspace_id == WS


async def test_a_location_of_another_workspace_cannot_be_linked(world: World) -> None:
    _, room = await acme_with_room(world)
    await world.make_team("Local", admins=[ADA], workspace=OTHER_WS)
    for user_id in (ADA, BOSS):
        with pytest.raises(NotFound) as caught:
            await world.start_link(room, by=user_id, workspace=OTHER_WS)
        assert caught.value.message == "That location no longer exists."
    assert await world.rows(LinkRequest) == []


async def test_a_link_state_bound_to_another_workspace_links_nothing(world: World) -> None:
    _, room = await acme_with_room(world)
    async with world.uow() as uow:
        await ensure_workspace(uow, OTHER_WS)
        uow.session.add(
            LinkRequest(
                state_hash=linking.state_hash("forged-state"),
                workspace_id=OTHER_WS,
                location_id=room.id or 0,
                user_id=ADA,
                expires_at=NOW.replace(year=NOW.year + 1),
            )
        )
        await uow.commit()
    world.linker.add_account("code", organizer_key="ORG-7", email="w@globex.test", now=NOW)
    before = await world.snapshot()
    with pytest.raises(LinkFailed) as caught:
        await world.callback("forged-state", code="code")
    assert (caught.value.reason, caught.value.message) == (
        "state_invalid",
        "The location of this link no longer exists.",
    )
    assert await world.snapshot() == before
    assert world.linker.exchanges == []


async def test_an_account_linked_in_one_workspace_never_names_its_location_to_another(
    world: World,
) -> None:
    _, room = await acme_with_room(world)
    await world.link(room, by=ADA, organizer_key="ORG-7")
    local = await world.make_team("Local", admins=[ADA], workspace=OTHER_WS)
    theirs = await world.make_location(ADA, local, "Their Room", workspace=OTHER_WS)
    linked = await world.link(theirs, by=ADA, organizer_key="ORG-7", workspace=OTHER_WS)
    assert linked.goto_organizer_key == "ORG-7"
    assert (await world.reload(Location, room.id)).goto_organizer_key == "ORG-7"


async def test_channels_and_people_are_looked_up_in_the_actors_own_workspace(
    world: World,
) -> None:
    globex = FakeDirectory()
    globex.channels["C0GLOBEX01"] = "globex-reports"
    globex.add_user("U0GLOBEX01", "gina")
    slack = WorkspaceDirectories({WS: world.directory, OTHER_WS: globex})
    boss_there = await world.actor(BOSS, OTHER_WS)
    async with world.uow() as uow:
        await teams.create_team(
            uow, boss_there, name="Globex", channel_id="C0GLOBEX01", slack=slack
        )
        await uow.commit()
    boss_there = await world.actor(BOSS, OTHER_WS)
    async with world.uow() as uow:
        await teams.add_member(
            uow, boss_there, user_id="U0GLOBEX01", role=Role.LEARNER, slack=slack
        )
        await uow.commit()
    assert {(m.user_id, m.role) for m in await world.rows(Membership)} == {
        (BOSS, Role.ADMIN),
        ("U0GLOBEX01", Role.LEARNER),
    }
    # The same channel is not one this workspace's bot can post to.
    boss_here = await world.actor(BOSS)
    async with world.uow() as uow:
        with pytest.raises(ChannelUnusable):
            await teams.create_team(
                uow, boss_here, name="Acme", channel_id="C0GLOBEX01", slack=slack
            )


async def test_the_active_team_is_chosen_per_workspace(world: World) -> None:
    await world.make_team("Alpha", learners=[ADA])
    beta = await world.make_team("Beta", learners=[ADA])
    await world.make_team("Local", learners=[ADA], workspace=OTHER_WS)
    there = await world.make_team("There", learners=[ADA], workspace=OTHER_WS)
    await world.set_active(ADA, beta)
    await world.set_active(ADA, there, workspace=OTHER_WS)
    assert (await world.actor(ADA)).active_team_id == beta.id
    assert (await world.actor(ADA, OTHER_WS)).active_team_id == there.id


async def test_creating_a_team_in_one_workspace_keeps_the_active_team_in_another(
    world: World,
) -> None:
    await world.make_team("Alpha", admins=[BOSS])
    beta = await world.make_team("Beta", admins=[BOSS])
    await world.set_active(BOSS, beta)
    world.directory.channels["C0GLOBEX01"] = "globex-reports"
    boss_there = await world.actor(BOSS, OTHER_WS)
    async with world.uow() as uow:
        made = await teams.create_team(
            uow, boss_there, name="Globex", channel_id="C0GLOBEX01", slack=world.directory
        )
        await uow.commit()
    assert (await world.actor(BOSS)).active_team_id == beta.id
    assert (await world.actor(BOSS, OTHER_WS)).active_team_id == made.id
