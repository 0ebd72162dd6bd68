"""Who is asking: the workspace row, viltbot's workspace admins, teams, roles, the active team."""

from __future__ import annotations

import asyncio

import pytest

from domain.actor import Actor
from domain.errors import NotAllowed, NotFound
from domain.models import Role, Workspace
from domain.services.identity import ensure_workspace, resolve_actor
from tests.domain.conftest import BOSS, OTHER_WS, WS, World

ADA = "U0ADA00001"
LEO = "U0LEO00001"
INSTALLER = "U0INSTALL1"


async def test_a_workspace_is_created_on_first_contact_and_only_once(world: World) -> None:
    for _ in range(2):
        async with world.uow() as uow:
            await ensure_workspace(uow, WS, name="Acme", installer_user_id=INSTALLER)
            await uow.commit()
    (workspace,) = await world.rows(Workspace)
    assert (workspace.id, workspace.name, workspace.installer_user_id) == (WS, "Acme", INSTALLER)


async def test_two_first_requests_from_a_new_workspace_at_once_both_get_through(
    world: World,
) -> None:
    """The second looks the workspace up before the first commits, and inserts after it did."""
    first = world.uow()
    async with first:
        await ensure_workspace(first, WS)

        async def second() -> Actor:
            async with world.uow() as uow:
                actor = await resolve_actor(uow, WS, LEO)
                await uow.commit()
                return actor

        racing = asyncio.create_task(second())
        await asyncio.sleep(0.3)  # it has looked the workspace up and waits on the first insert
        await first.commit()
    actor = await racing
    assert (actor.workspace_id, actor.user_id) == (WS, LEO)
    (workspace,) = await world.rows(Workspace)
    assert workspace.id == WS


async def test_a_workspace_first_met_in_a_request_has_no_name_or_installer_yet(
    world: World,
) -> None:
    await world.actor(LEO)
    (workspace,) = await world.rows(Workspace)
    assert (workspace.id, workspace.name, workspace.installer_user_id) == (WS, "", None)


async def test_a_reinstall_by_someone_else_keeps_the_first_installer(world: World) -> None:
    async with world.uow() as uow:
        await ensure_workspace(uow, WS, installer_user_id=INSTALLER)
        await uow.commit()
    async with world.uow() as uow:
        await ensure_workspace(uow, WS)  # an ordinary request names no installer
        await uow.commit()
    assert (await world.reload(Workspace, WS)).installer_user_id == INSTALLER
    async with world.uow() as uow:
        await ensure_workspace(uow, WS, installer_user_id="U0NEWINST1")
        await uow.commit()
    assert (await world.reload(Workspace, WS)).installer_user_id == INSTALLER
    assert (await world.actor("U0NEWINST1")).may_create_teams is False


async def test_an_install_into_a_workspace_first_met_in_a_request_names_its_installer(
    world: World,
) -> None:
    await world.actor(LEO)
    async with world.uow() as uow:
        await ensure_workspace(uow, WS, installer_user_id=INSTALLER)
        await uow.commit()
    assert (await world.reload(Workspace, WS)).installer_user_id == INSTALLER


async def test_the_installer_and_first_admins_are_viltbot_workspace_admins(world: World) -> None:
    async with world.uow() as uow:
        await ensure_workspace(uow, WS, installer_user_id=INSTALLER)
        await uow.commit()
    installer, first_admin, someone = (
        await world.actor(INSTALLER),
        await world.actor(BOSS),
        await world.actor(LEO),
    )
    assert (installer.may_create_teams, first_admin.may_create_teams, someone.may_create_teams) == (
        True,
        True,
        False,
    )
    assert someone.workspace_admins == tuple(sorted([BOSS, INSTALLER]))


async def test_an_installer_of_one_workspace_is_no_admin_of_another(world: World) -> None:
    async with world.uow() as uow:
        await ensure_workspace(uow, WS, installer_user_id=INSTALLER)
        await uow.commit()
    assert (await world.actor(INSTALLER, OTHER_WS)).may_create_teams is False


async def test_a_workspace_qualified_first_admin_is_an_admin_of_that_workspace_only(
    world: World,
) -> None:
    entries = [f"{WS}:{ADA}", f"{OTHER_WS}:{LEO}"]
    async with world.uow() as uow:
        seen = {
            (workspace, user): await resolve_actor(uow, workspace, user, first_admins=entries)
            for workspace in (WS, OTHER_WS)
            for user in (ADA, LEO)
        }
        await uow.commit()
    assert {key for key, actor in seen.items() if actor.may_create_teams} == {
        (WS, ADA),
        (OTHER_WS, LEO),
    }
    assert seen[(WS, LEO)].workspace_admins == (ADA,)
    assert seen[(OTHER_WS, ADA)].workspace_admins == (LEO,)


async def test_an_actor_carries_their_teams_and_roles(world: World) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    beta = await world.make_team("Beta", learners=[ADA])
    actor = await world.actor(ADA)
    assert set(actor.teams) == {alpha.id, beta.id}
    assert actor.roles == {alpha.id: Role.ADMIN, beta.id: Role.LEARNER}
    assert actor.is_admin_of(alpha.id or 0) and not actor.is_admin_of(beta.id or 0)


async def test_an_admin_holds_every_role_and_others_only_their_own(world: World) -> None:
    await world.make_team("Alpha", admins=[ADA], learners=[LEO])
    ada, leo = await world.actor(ADA), await world.actor(LEO)
    assert ada.has_role(Role.INSTRUCTOR) and ada.has_role(Role.LEARNER)
    assert leo.has_role(Role.LEARNER) and not leo.has_role(Role.INSTRUCTOR, Role.ADMIN)


async def test_someone_in_one_team_works_in_it_without_choosing(world: World) -> None:
    alpha = await world.make_team("Alpha", learners=[LEO])
    actor = await world.actor(LEO)
    assert actor.active_team_id == alpha.id
    assert actor.active_role == Role.LEARNER


async def test_someone_in_several_teams_works_in_the_one_they_chose(world: World) -> None:
    await world.make_team("Alpha", learners=[LEO])
    beta = await world.make_team("Beta", instructors=[LEO])
    await world.set_active(LEO, beta)
    actor = await world.actor(LEO)
    assert (actor.active_team_id, actor.active_role) == (beta.id, Role.INSTRUCTOR)


async def test_someone_in_several_teams_who_has_not_chosen_is_asked_to(world: World) -> None:
    await world.make_team("Beta", admins=[LEO])
    await world.make_team("Alpha", learners=[LEO])
    actor = await world.actor(LEO)
    assert actor.active_team is None
    with pytest.raises(NotFound) as caught:
        actor.require_active_team()
    assert caught.value.message == (
        "Choose your active team first: `/vilt team use <name>` (yours: Alpha, Beta)."
    )


async def test_a_chosen_team_the_user_has_left_no_longer_counts(world: World) -> None:
    alpha = await world.make_team("Alpha", learners=[LEO])
    gone = await world.make_team("Gone", admins=[ADA])
    await world.set_active(LEO, gone)  # chosen while a member, then removed
    actor = await world.actor(LEO)
    assert actor.active_team_id == alpha.id


async def test_someone_in_no_team_is_told_who_can_add_them(world: World) -> None:
    actor = await world.actor(LEO)
    with pytest.raises(NotFound) as caught:
        actor.require_admin_of_active()
    assert caught.value.message == (
        f"You are not in any viltbot team yet. Ask a team admin or a viltbot admin (<@{BOSS}>) "
        f"to add you: they type `/vilt team add`, mention you (<@{LEO}>) and a role, e.g. `learner`."
    )


async def test_a_learner_is_not_an_admin_of_their_active_team(world: World) -> None:
    await world.make_team("Alpha", learners=[LEO])
    actor = await world.actor(LEO)
    with pytest.raises(NotAllowed) as caught:
        actor.require_admin_of_active()
    assert caught.value.message == "Only admins of team *Alpha* can do that."


async def test_a_viltbot_admin_in_no_team_is_told_to_create_one_not_to_ask_herself(
    world: World,
) -> None:
    actor = await world.actor(BOSS)
    with pytest.raises(NotFound) as caught:
        actor.require_admin_of_active()
    assert caught.value.message == (
        "You are a viltbot admin and not in any team yet. Create your first team with "
        "`/vilt team new <name> #channel`: you become its admin, and then add people with "
        "`/vilt team add @person admin|instructor|learner`."
    )
    assert f"<@{BOSS}>" not in caught.value.message


async def test_a_newcomer_is_not_sent_to_a_viltbot_admin_who_is_herself() -> None:
    ada = Actor(workspace_id=WS, user_id=ADA, workspace_admins=(ADA, BOSS))
    assert ada.join_hint == (
        f"You are not in any viltbot team yet. Ask a team admin or a viltbot admin (<@{BOSS}>) "
        f"to add you: they type `/vilt team add`, mention you (<@{ADA}>) and a role, e.g. `learner`."
    )


async def test_team_names_in_the_choose_a_team_answer_are_escaped(world: World) -> None:
    await world.make_team("R&D <EU>", learners=[LEO])
    await world.make_team("Sales", learners=[LEO])
    actor = await world.actor(LEO)
    with pytest.raises(NotFound) as caught:
        actor.require_active_team()
    assert caught.value.message == (
        "Choose your active team first: `/vilt team use <name>` (yours: R&amp;D &lt;EU&gt;, Sales)."
    )
