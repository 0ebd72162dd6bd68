"""Teams and their members: who may create and manage them, names, roles, the last admin."""

from __future__ import annotations

import asyncio

import pytest

from domain.errors import ChannelUnusable, Conflict, InvalidInput, NotAllowed, NotFound
from domain.limits import TEAM_NAME_MAX
from domain.models import Membership, Notice, Role, Team, UserPreference
from domain.ports import SlackUser
from domain.services import teams
from tests.domain.conftest import BOSS, World

ADA = "U0ADA00001"  # admin of Alpha
AMY = "U0AMY00001"  # a second admin, of Alpha or of another team
LEO = "U0LEO00001"  # learner
NEW = "U0NEW00001"  # someone Slack knows who is in no team yet
ROBOT = "U0ROBOT001"
REPORTS = "C0REPORTS1"


@pytest.fixture(autouse=True)
def slack_people(world: World) -> None:
    world.directory.channels[REPORTS] = "training-reports"
    world.directory.add_user(NEW, "new")
    world.directory.add_user(ROBOT, "robot", is_bot=True)


async def create(world: World, name: str, *, by: str = BOSS, channel: str = REPORTS) -> Team:
    actor = await world.actor(by)
    async with world.uow() as uow:
        team = await teams.create_team(
            uow, actor, name=name, channel_id=channel, slack=world.directory
        )
        await uow.commit()
    return team


async def refused_create(world: World, name: str, *, by: str = BOSS) -> str:
    actor = await world.actor(by)
    before = await world.snapshot()
    async with world.uow() as uow:
        with pytest.raises((InvalidInput, Conflict, NotAllowed)) as caught:
            await teams.create_team(
                uow, actor, name=name, channel_id=REPORTS, slack=world.directory
            )
    assert await world.snapshot() == before
    return str(caught.value)


async def add(world: World, by: str, user_id: str, role: Role) -> bool:
    actor = await world.actor(by)
    async with world.uow() as uow:
        _, added = await teams.add_member(
            uow, actor, user_id=user_id, role=role, slack=world.directory
        )
        await uow.commit()
    return added


async def role_of(world: World, team: Team, user_id: str) -> Role | None:
    for membership in await world.rows(Membership):
        if membership.team_id == team.id and membership.user_id == user_id:
            return membership.role
    return None


# --- create ---------------------------------------------------------------------------------


async def test_a_new_team_makes_its_creator_admin_working_in_it_and_tells_the_channel(
    world: World,
) -> None:
    team = await create(world, "  Sales   Academy ")
    assert (team.name, team.channel_id, team.created_by) == ("Sales Academy", REPORTS, BOSS)
    assert await role_of(world, team, BOSS) == Role.ADMIN
    boss = await world.actor(BOSS)
    assert boss.active_team_id == team.id
    (notice,) = await world.rows(Notice)
    assert (notice.kind, notice.channel) == ("team_created", REPORTS)
    assert notice.text == (
        "This channel (#training-reports) now receives viltbot reports and warnings "
        f"for team *Sales Academy*, created by <@{BOSS}>."
    )


async def test_a_second_new_team_becomes_the_creators_active_team(world: World) -> None:
    await create(world, "Sales")
    ops = await create(world, "Ops")
    assert (await world.actor(BOSS)).active_team_id == ops.id
    assert len(await world.rows(UserPreference)) == 1


async def test_a_new_team_leaves_other_peoples_choice_of_team_alone(world: World) -> None:
    await world.make_team("Alpha", learners=[LEO])
    beta = await world.make_team("Beta", learners=[LEO])
    await world.set_active(LEO, beta)
    ops = await create(world, "Ops")
    prefs = {p.user_id: p.active_team_id for p in await world.rows(UserPreference)}
    assert prefs == {LEO: beta.id, BOSS: ops.id}


async def test_only_viltbot_workspace_admins_create_teams(world: World) -> None:
    await world.make_team("Alpha", admins=[ADA])  # a team admin is no workspace admin
    message = await refused_create(world, "Ops", by=ADA)
    assert message == (
        "Only viltbot's workspace admins can create teams. Ask the person who installed viltbot."
    )


async def test_a_team_name_is_unique_in_the_workspace_ignoring_case_and_spacing(
    world: World,
) -> None:
    await create(world, "Sales Academy")
    message = await refused_create(world, " sales   ACADEMY")
    assert message == "A team called *sales ACADEMY* already exists. Pick another name."


@pytest.mark.parametrize(
    "look_alike",
    [
        "Sales\u200b",  # a zero-width space
        "\u202eSales",  # a right-to-left override
        "\uff33\uff41\uff4c\uff45\uff53",  # fullwidth letters, folded by NFKC
        "SALES\u00ad",  # a soft hyphen
    ],
)
async def test_a_name_that_only_looks_different_is_the_same_name(
    world: World, look_alike: str
) -> None:
    await create(world, "Sales")
    with pytest.raises(Conflict, match="already exists"):
        await create(world, look_alike)


async def test_team_names_are_compared_case_folded_not_just_lower_cased(world: World) -> None:
    await create(world, "Straße")
    message = await refused_create(world, "STRASSE")
    assert message == "A team called *STRASSE* already exists. Pick another name."


async def test_invisible_characters_are_dropped_from_a_new_teams_name(world: World) -> None:
    team = await create(world, "Sa\u200bles \u2066Team\u2069")
    assert (team.name, team.name_key) == ("Sales Team", "sales team")


async def test_a_team_needs_a_name(world: World) -> None:
    message = await refused_create(world, " \u200b ")
    assert message == "A team needs a name. Usage: `/vilt team new <name> #channel`"


async def test_a_team_name_may_be_exactly_the_longest_allowed(world: World) -> None:
    team = await create(world, "x" * TEAM_NAME_MAX)
    assert len(team.name) == TEAM_NAME_MAX


async def test_a_team_name_one_past_the_longest_is_refused(world: World) -> None:
    message = await refused_create(world, "x" * (TEAM_NAME_MAX + 1))
    assert message == f"A team name has at most {TEAM_NAME_MAX} characters."


async def test_a_team_name_whose_compare_key_grows_past_the_longest_is_refused(
    world: World,
) -> None:
    # "İ" folds to "i̇" (two characters): the key would not fit the column.
    message = await refused_create(world, "İ" * TEAM_NAME_MAX)
    assert message == f"A team name has at most {TEAM_NAME_MAX} characters."


@pytest.mark.parametrize("start", ["#", "@", "<"])
async def test_a_team_name_cannot_start_like_a_channel_or_mention(world: World, start: str) -> None:
    message = await refused_create(world, f"{start}sales")
    assert message == (
        "A team name cannot start with #, @ or <. Usage: `/vilt team new <name> #channel`"
    )


async def test_a_team_needs_a_channel_the_bot_can_post_to(world: World) -> None:
    actor = await world.actor(BOSS)
    before = await world.snapshot()
    async with world.uow() as uow:
        with pytest.raises(ChannelUnusable) as caught:
            await teams.create_team(
                uow, actor, name="Ops", channel_id="C0HIDDEN01", slack=world.directory
            )
    assert caught.value.message == "I can't see <#C0HIDDEN01>."
    assert await world.snapshot() == before


# --- find, list, use ------------------------------------------------------------------------


async def test_a_team_is_found_by_name_ignoring_case_spacing_and_invisible_characters(
    world: World,
) -> None:
    team = await world.make_team("Sales Academy")
    async with world.uow() as uow:
        found = await teams.find_team(uow, team.workspace_id, "  SALES\u200b  academy")
    assert found.id == team.id


async def test_an_unknown_team_name_says_how_to_list_teams(world: World) -> None:
    team = await world.make_team("Sales")
    async with world.uow() as uow:
        with pytest.raises(NotFound) as caught:
            await teams.find_team(uow, team.workspace_id, "Ops")
    assert caught.value.message == (
        "There is no team called *Ops* here. `/vilt team list` shows the teams."
    )


async def test_members_list_their_own_teams_with_counts_role_and_the_active_one(
    world: World,
) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA, AMY], learners=[LEO])
    beta = await world.make_team("Beta", instructors=[LEO])
    await world.make_team("Gamma", admins=[ADA])
    await world.set_active(LEO, beta)
    actor = await world.actor(LEO)
    async with world.uow() as uow:
        listed = await teams.list_teams(uow, actor)
    assert [(t.name, t.members, t.admins, t.your_role, t.active) for t in listed] == [
        ("Alpha", 3, 2, Role.LEARNER, False),
        ("Beta", 1, 0, Role.INSTRUCTOR, True),
    ]
    assert [t.channel_id for t in listed] == [alpha.channel_id, beta.channel_id]


async def test_a_viltbot_workspace_admin_lists_every_team(world: World) -> None:
    await world.make_team("Beta", admins=[ADA])
    await world.make_team("Alpha", learners=[LEO])
    actor = await world.actor(BOSS)
    async with world.uow() as uow:
        listed = await teams.list_teams(uow, actor)
    assert [(t.name, t.your_role) for t in listed] == [("Alpha", None), ("Beta", None)]


async def test_choosing_a_team_makes_it_active_for_later_requests(world: World) -> None:
    await world.make_team("Alpha", learners=[LEO])
    beta = await world.make_team("Beta", learners=[LEO])
    actor = await world.actor(LEO)
    assert actor.active_team_id is None  # two teams and no choice yet
    async with world.uow() as uow:
        team = await teams.use_team(uow, actor, " beta ")
        await uow.commit()
    assert team.id == beta.id == actor.active_team_id
    assert (await world.actor(LEO)).active_team_id == beta.id


async def test_choosing_a_team_needs_a_name(world: World) -> None:
    await world.make_team("Alpha", learners=[LEO])
    actor = await world.actor(LEO)
    async with world.uow() as uow:
        with pytest.raises(InvalidInput) as caught:
            await teams.use_team(uow, actor, "  ")
    assert caught.value.message == "Usage: `/vilt team use <name>`"


async def test_a_user_cannot_choose_a_team_they_are_not_in(world: World) -> None:
    await world.make_team("Alpha", learners=[LEO])
    await world.make_team("Beta", admins=[ADA])
    actor = await world.actor(LEO)
    before = await world.snapshot()
    async with world.uow() as uow:
        with pytest.raises(NotAllowed) as caught:
            await teams.use_team(uow, actor, "beta")
    assert caught.value.message == (
        "You are not a member of team *Beta*. Ask one of its admins to add you."
    )
    assert await world.snapshot() == before


# --- members and roles ------------------------------------------------------------------------


async def test_an_admin_adds_a_member_who_is_told_by_dm(world: World) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    assert await add(world, ADA, NEW, Role.INSTRUCTOR) is True
    assert await role_of(world, alpha, NEW) == Role.INSTRUCTOR
    (notice,) = await world.rows(Notice)
    assert (notice.channel, notice.kind) == (NEW, "member_added")
    assert notice.text == (
        f"<@{ADA}> added you to viltbot team *Alpha* as instructor. "
        "Type `/vilt help` to see what you can do."
    )


async def test_an_admin_changes_a_members_role_and_they_are_told(world: World) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA], learners=[LEO])
    assert await add(world, ADA, LEO, Role.ADMIN) is False
    assert await role_of(world, alpha, LEO) == Role.ADMIN
    (notice,) = await world.rows(Notice)
    assert (notice.channel, notice.kind) == (LEO, "member_role_changed")
    assert "changed your role in viltbot team *Alpha* as admin" in notice.text


async def test_giving_a_member_the_role_they_have_is_a_conflict(world: World) -> None:
    await world.make_team("Alpha", admins=[ADA], learners=[LEO])
    before = await world.snapshot()
    with pytest.raises(Conflict) as caught:
        await add(world, ADA, LEO, Role.LEARNER)
    assert caught.value.message == f"<@{LEO}> is already a learner of team *Alpha*."
    assert await world.snapshot() == before


@pytest.mark.parametrize("role", [Role.INSTRUCTOR, Role.LEARNER])
async def test_only_admins_of_the_active_team_manage_members(world: World, role: Role) -> None:
    member = "U0MEMBER01"
    await world.make_team(
        "Alpha",
        admins=[ADA],
        instructors=[member] if role == Role.INSTRUCTOR else [],
        learners=[member] if role == Role.LEARNER else [],
    )
    before = await world.snapshot()
    with pytest.raises(NotAllowed) as caught:
        await add(world, member, NEW, Role.LEARNER)
    assert caught.value.message == "Only admins of team *Alpha* can do that."
    actor = await world.actor(member)
    async with world.uow() as uow:
        with pytest.raises(NotAllowed):
            await teams.remove_member(uow, actor, user_id=ADA)
    assert await world.snapshot() == before


async def test_an_admin_of_another_team_works_in_their_active_team_only(world: World) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    beta = await world.make_team("Beta", learners=[ADA])
    await world.set_active(ADA, beta)
    with pytest.raises(NotAllowed, match=r"Only admins of team \*Beta\*"):
        await add(world, ADA, NEW, Role.LEARNER)
    await world.set_active(ADA, alpha)
    await add(world, ADA, NEW, Role.LEARNER)
    assert await role_of(world, alpha, NEW) == Role.LEARNER
    assert await role_of(world, beta, NEW) is None


async def test_someone_in_no_team_is_told_who_can_add_them(world: World) -> None:
    actor = await world.actor(NEW)
    async with world.uow() as uow:
        with pytest.raises(NotFound) as caught:
            await teams.add_member(
                uow, actor, user_id=LEO, role=Role.LEARNER, slack=world.directory
            )
    assert caught.value.message == (
        f"You are not in any viltbot team yet. Ask a team admin or a viltbot admin (<@{BOSS}>) "
        f"to add you: they type `/vilt team add`, mention you (<@{NEW}>) and a role, e.g. `learner`."
    )


async def test_a_user_slack_does_not_know_cannot_be_added(world: World) -> None:
    await world.make_team("Alpha", admins=[ADA])
    with pytest.raises(NotFound) as caught:
        await add(world, ADA, "U0GHOST001", Role.LEARNER)
    assert caught.value.message == "I can't find <@U0GHOST001> in this workspace."
    assert len(await world.rows(Membership)) == 1


async def test_a_deactivated_slack_user_cannot_be_added(world: World) -> None:
    await world.make_team("Alpha", admins=[ADA])
    world.directory.users["U0GONE0001"] = SlackUser("U0GONE0001", "gone", "Gone", False, True)
    with pytest.raises(NotFound, match=r"I can't find <@U0GONE0001>"):
        await add(world, ADA, "U0GONE0001", Role.LEARNER)
    assert len(await world.rows(Membership)) == 1


async def test_a_bot_cannot_be_a_member(world: World) -> None:
    await world.make_team("Alpha", admins=[ADA])
    with pytest.raises(InvalidInput) as caught:
        await add(world, ADA, ROBOT, Role.LEARNER)
    assert caught.value.message == f"<@{ROBOT}> is a bot; only people can be team members."
    assert len(await world.rows(Membership)) == 1


# --- the last admin stays -------------------------------------------------------------------


async def test_the_last_admin_cannot_be_demoted(world: World) -> None:
    # Another team has admins of its own: they do not count for Alpha.
    await world.make_team("Beta", admins=[AMY, "U0BETA0001"])
    alpha = await world.make_team("Alpha", admins=[ADA])
    before = await world.snapshot()
    with pytest.raises(Conflict) as caught:
        await add(world, ADA, ADA, Role.LEARNER)
    assert caught.value.message == (
        f"<@{ADA}> is the last admin of *Alpha*; add another admin first."
    )
    assert await world.snapshot() == before
    assert await role_of(world, alpha, ADA) == Role.ADMIN


async def test_the_last_admin_cannot_be_removed(world: World) -> None:
    await world.make_team("Beta", admins=[AMY, "U0BETA0001"])
    await world.make_team("Alpha", admins=[ADA], learners=[LEO])
    actor = await world.actor(ADA)
    before = await world.snapshot()
    async with world.uow() as uow:
        with pytest.raises(Conflict) as caught:
            await teams.remove_member(uow, actor, user_id=ADA)
    assert caught.value.message == (
        f"<@{ADA}> is the last admin of *Alpha*; add another admin first."
    )
    assert await world.snapshot() == before


async def test_an_admin_may_be_demoted_while_another_admin_remains(world: World) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA, AMY])
    await add(world, ADA, AMY, Role.INSTRUCTOR)
    assert await role_of(world, alpha, AMY) == Role.INSTRUCTOR


async def test_removing_a_member_ends_their_membership_and_their_choice_of_the_team(
    world: World,
) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA, AMY], learners=[LEO])
    beta = await world.make_team("Beta", learners=[LEO, AMY])
    await world.set_active(LEO, alpha)
    await world.set_active(AMY, beta)
    actor = await world.actor(ADA)
    async with world.uow() as uow:
        for user_id in (LEO, AMY):
            await teams.remove_member(uow, actor, user_id=user_id)
        await uow.commit()
    assert await role_of(world, alpha, LEO) is None
    assert await role_of(world, alpha, AMY) is None
    prefs = {p.user_id: p.active_team_id for p in await world.rows(UserPreference)}
    assert prefs == {LEO: None, AMY: beta.id}  # AMY worked in Beta: that choice stays
    leo = await world.actor(LEO)
    assert leo.active_team_id == beta.id  # the one team left becomes the active one


async def test_removing_a_member_leaves_the_other_members_choice_of_the_team(
    world: World,
) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA], learners=[LEO, NEW])
    await world.make_team("Beta", learners=[LEO, NEW])
    for user_id in (LEO, NEW):
        await world.set_active(user_id, alpha)
    actor = await world.actor(ADA)
    async with world.uow() as uow:
        await teams.remove_member(uow, actor, user_id=LEO)
        await uow.commit()
    prefs = {p.user_id: p.active_team_id for p in await world.rows(UserPreference)}
    assert prefs == {LEO: None, NEW: alpha.id}
    assert (await world.actor(NEW)).active_team_id == alpha.id


async def test_removing_someone_who_is_not_a_member_says_so(world: World) -> None:
    await world.make_team("Alpha", admins=[ADA])
    actor = await world.actor(ADA)
    async with world.uow() as uow:
        with pytest.raises(NotFound) as caught:
            await teams.remove_member(uow, actor, user_id=NEW)
    assert caught.value.message == f"<@{NEW}> is not a member of team *Alpha*."


async def test_team_names_in_notices_and_answers_are_text(world: World) -> None:
    actor = await world.actor(BOSS)
    world.directory.channels["C0REPORTS1"] = "reports"
    async with world.uow() as uow:
        await teams.create_team(
            uow, actor, name="Eng <!channel> & co", channel_id="C0REPORTS1", slack=world.directory
        )
        await uow.commit()
    (notice,) = await world.rows(Notice)
    assert notice.text == (
        "This channel (#reports) now receives viltbot reports and warnings for team "
        f"*Eng &lt;!channel&gt; &amp; co*, created by <@{BOSS}>."
    )
    async with world.uow() as uow:
        with pytest.raises(Conflict) as caught:
            await teams.create_team(
                uow,
                await world.actor(BOSS),
                name="eng <!CHANNEL> & CO\u200b",
                channel_id="C0REPORTS1",
                slack=world.directory,
            )
    assert caught.value.message == (
        "A team called *eng &lt;!CHANNEL&gt; &amp; CO* already exists. Pick another name."
    )


# --- two requests at once ---------------------------------------------------------------------


async def test_a_member_added_by_a_concurrent_request_is_answered_as_already_added(
    world: World,
) -> None:
    """The second request looks NEW up before the first commits, and inserts after it did."""
    alpha = await create(world, "Alpha")
    actor = await world.actor(BOSS)
    first = world.uow()
    async with first:
        await teams.add_member(first, actor, user_id=NEW, role=Role.LEARNER, slack=world.directory)

        async def second() -> None:
            async with world.uow() as uow:
                await teams.add_member(
                    uow, actor, user_id=NEW, role=Role.LEARNER, slack=world.directory
                )
                await uow.commit()

        racing = asyncio.create_task(second())
        await asyncio.sleep(0.3)  # it has looked NEW up and waits on the first insert
        await first.commit()
    with pytest.raises(Conflict) as refused:
        await racing
    assert refused.value.message == f"<@{NEW}> is already a learner of team *Alpha*."
    assert await role_of(world, alpha, NEW) == Role.LEARNER


async def test_a_name_taken_by_a_concurrent_request_is_answered_as_already_existing(
    world: World,
) -> None:
    actor = await world.actor(BOSS)
    first = world.uow()
    async with first:
        await teams.create_team(first, actor, name="Dup", channel_id=REPORTS, slack=world.directory)

        async def second() -> None:
            async with world.uow() as uow:
                await teams.create_team(
                    uow, actor, name="dup", channel_id=REPORTS, slack=world.directory
                )
                await uow.commit()

        racing = asyncio.create_task(second())
        await asyncio.sleep(0.3)  # it has checked the name and waits on the first insert
        await first.commit()
    with pytest.raises(Conflict) as refused:
        await racing
    assert refused.value.message == "A team called *dup* already exists. Pick another name."
    assert [t.name for t in await world.rows(Team)] == ["Dup"]
