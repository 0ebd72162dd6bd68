"""Use cases for teams and their members."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import uuid4

from sqlalchemy import func
from sqlmodel import select

from domain import mrkdwn
from domain.actor import Actor
from domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from domain.limits import TEAM_NAME_MAX
from domain.models import Membership, Role, Team, UserPreference
from domain.names import clean_name, name_key
from domain.ports import SlackDirectory, UnitOfWork
from domain.services.notices import enqueue_notice
from domain.unique import flush_unique, insert_if_absent


@dataclass(frozen=True)
class TeamSummary:
    """A team as listed to a user."""

    name: str
    channel_id: str
    members: int
    admins: int
    your_role: Role | None
    active: bool


def clean_team_name(raw: str) -> str:
    """Clean and check a team name."""
    name = clean_name(raw)
    if not name:
        raise InvalidInput("A team needs a name. Usage: `/vilt team new <name> #channel`")
    if max(len(name), len(name_key(name))) > TEAM_NAME_MAX:
        raise InvalidInput(f"A team name has at most {TEAM_NAME_MAX} characters.")
    if name.startswith(("#", "@", "<")):
        raise InvalidInput(
            "A team name cannot start with #, @ or <. Usage: `/vilt team new <name> #channel`"
        )
    return name


async def find_team(uow: UnitOfWork, workspace_id: str, name: str) -> Team:
    """The team of that name in the workspace, or a NotFound naming it."""
    key = name_key(name)
    team = (
        await uow.session.execute(
            select(Team).where(Team.workspace_id == workspace_id, Team.name_key == key)
        )
    ).scalar_one_or_none()
    if team is None:
        raise NotFound(
            f"There is no team called {mrkdwn.bold(clean_name(name))} here. "
            "`/vilt team list` shows the teams."
        )
    return team


async def create_team(
    uow: UnitOfWork, actor: Actor, *, name: str, channel_id: str, slack: SlackDirectory
) -> Team:
    """Create a team with its report channel; the creator becomes its admin and works in it."""
    if not actor.may_create_teams:
        raise NotAllowed(
            "Only viltbot's workspace admins can create teams. Ask the person who installed viltbot."
        )
    name = clean_team_name(name)
    key = name_key(name)
    clash = (
        await uow.session.execute(
            select(Team.id).where(Team.workspace_id == actor.workspace_id, Team.name_key == key)
        )
    ).first()
    if clash is not None:
        raise _name_taken(name)
    channel_name = await slack.check_postable(actor.workspace_id, channel_id)
    team = Team(
        workspace_id=actor.workspace_id,
        name=name,
        name_key=key,
        channel_id=channel_id,
        created_by=actor.user_id,
    )
    uow.session.add(team)
    # Another request may have taken the name since the check above.
    await flush_unique(uow, Team, "uq_team_workspace_name", _name_taken(name))
    assert team.id is not None
    uow.session.add(
        Membership(
            workspace_id=actor.workspace_id,
            team_id=team.id,
            user_id=actor.user_id,
            role=Role.ADMIN,
            added_by=actor.user_id,
        )
    )
    await _set_active(uow, actor, team.id)
    await enqueue_notice(
        uow,
        workspace_id=actor.workspace_id,
        kind="team_created",
        channel=channel_id,
        text=(
            f"This channel (#{mrkdwn.escape(channel_name)}) now receives viltbot reports and "
            f"warnings for team {mrkdwn.bold(name)}, created by {mrkdwn.user(actor.user_id)}."
        ),
        dedupe_key=f"team_created:{actor.workspace_id}:{team.id}",
    )
    return team


def _name_taken(name: str) -> Conflict:
    return Conflict(f"A team called {mrkdwn.bold(name)} already exists. Pick another name.")


async def list_teams(uow: UnitOfWork, actor: Actor) -> list[TeamSummary]:
    """Teams the user belongs to; workspace admins see every team of the workspace."""
    query = select(Team).where(Team.workspace_id == actor.workspace_id)
    if not actor.is_workspace_admin:
        query = query.where(Team.id.in_(list(actor.teams)))  # type: ignore[union-attr]
    teams = (await uow.session.execute(query.order_by(Team.name_key))).scalars().all()
    counts = {
        (team_id, role): count
        for team_id, role, count in (
            await uow.session.execute(
                select(Membership.team_id, Membership.role, func.count())
                .where(Membership.workspace_id == actor.workspace_id)
                .group_by(Membership.team_id, Membership.role)  # type: ignore[arg-type]
            )
        ).all()
    }
    summaries = []
    for team in teams:
        assert team.id is not None
        members = sum(counts.get((team.id, role), 0) for role in Role)
        summaries.append(
            TeamSummary(
                name=team.name,
                channel_id=team.channel_id,
                members=members,
                admins=counts.get((team.id, Role.ADMIN), 0),
                your_role=actor.roles.get(team.id),
                active=team.id == actor.active_team_id,
            )
        )
    return summaries


async def use_team(uow: UnitOfWork, actor: Actor, name: str) -> Team:
    """Make a team the user's active team."""
    if not name.strip():
        raise InvalidInput("Usage: `/vilt team use <name>`")
    team = await find_team(uow, actor.workspace_id, name)
    assert team.id is not None
    if team.id not in actor.roles:
        raise NotAllowed(
            f"You are not a member of team {mrkdwn.bold(team.name)}. "
            "Ask one of its admins to add you."
        )
    await _set_active(uow, actor, team.id)
    actor.active_team_id = team.id
    return team


async def add_member(
    uow: UnitOfWork, actor: Actor, *, user_id: str, role: Role, slack: SlackDirectory
) -> tuple[Team, bool]:
    """Add a user to the active team with a role (or change their role); True when newly added."""
    team = actor.require_admin_of_active()
    assert team.id is not None
    user = await slack.user(actor.workspace_id, user_id)
    if user is None or user.deleted:
        raise NotFound(f"I can't find {mrkdwn.user(user_id)} in this workspace.")
    if user.is_bot:
        raise InvalidInput(f"{mrkdwn.user(user_id)} is a bot; only people can be team members.")
    membership = await _membership(uow, team.id, user_id)
    if membership is None:
        added = await insert_if_absent(
            uow,
            Membership(
                workspace_id=actor.workspace_id,
                team_id=team.id,
                user_id=user_id,
                role=role,
                added_by=actor.user_id,
            ),
            "uq_membership_team_user",
        )
        if not added:
            # A concurrent request added them since the look-up: go on as if it came first.
            membership = await _membership(uow, team.id, user_id)
            assert membership is not None
    else:
        added = False
    if membership is not None:
        if membership.role == role:
            raise Conflict(
                f"{mrkdwn.user(user_id)} is already a {role.value} of team {mrkdwn.bold(team.name)}."
            )
        if membership.role == Role.ADMIN and await _admin_count(uow, team.id) == 1:
            raise Conflict(
                f"{mrkdwn.user(user_id)} is the last admin of {mrkdwn.bold(team.name)}; "
                "add another admin first."
            )
        membership.role = role
    await uow.session.flush()
    verb = "added you to" if added else "changed your role in"
    await enqueue_notice(
        uow,
        workspace_id=actor.workspace_id,
        kind="member_added" if added else "member_role_changed",
        channel=user_id,
        text=f"{mrkdwn.user(actor.user_id)} {verb} viltbot team {mrkdwn.bold(team.name)} "
        f"as {role.value}. "
        "Type `/vilt help` to see what you can do.",
        # Each add or role change is its own event; the key only guards against double delivery.
        dedupe_key=f"membership:{team.id}:{user_id}:{role.value}:{uuid4().hex}",
    )
    return team, added


async def remove_member(uow: UnitOfWork, actor: Actor, *, user_id: str) -> Team:
    """Remove a user from the active team."""
    team = actor.require_admin_of_active()
    assert team.id is not None
    membership = await _membership(uow, team.id, user_id)
    if membership is None:
        raise NotFound(f"{mrkdwn.user(user_id)} is not a member of team {mrkdwn.bold(team.name)}.")
    if membership.role == Role.ADMIN and await _admin_count(uow, team.id) == 1:
        raise Conflict(
            f"{mrkdwn.user(user_id)} is the last admin of {mrkdwn.bold(team.name)}; "
            "add another admin first."
        )
    await uow.session.delete(membership)
    prefs = (
        await uow.session.execute(
            select(UserPreference).where(
                UserPreference.workspace_id == actor.workspace_id,
                UserPreference.user_id == user_id,
                UserPreference.active_team_id == team.id,
            )
        )
    ).scalars()
    for pref in prefs:
        pref.active_team_id = None
    await uow.session.flush()
    return team


async def _membership(uow: UnitOfWork, team_id: int, user_id: str) -> Membership | None:
    return (
        await uow.session.execute(
            select(Membership).where(Membership.team_id == team_id, Membership.user_id == user_id)
        )
    ).scalar_one_or_none()


async def _admin_count(uow: UnitOfWork, team_id: int) -> int:
    result = await uow.session.execute(
        select(func.count()).where(Membership.team_id == team_id, Membership.role == Role.ADMIN)
    )
    return int(result.scalar_one())


async def _set_active(uow: UnitOfWork, actor: Actor, team_id: int) -> None:
    pref = await _preference(uow, actor)
    if pref is None:
        # A concurrent request of the same person (creating another team, say) may insert
        # their preference first; then this one updates it.
        inserted = await insert_if_absent(
            uow,
            UserPreference(
                workspace_id=actor.workspace_id, user_id=actor.user_id, active_team_id=team_id
            ),
            "uq_userpref_workspace_user",
        )
        if inserted:
            return
        pref = await _preference(uow, actor)
        assert pref is not None
    pref.active_team_id = team_id
    await uow.session.flush()


async def _preference(uow: UnitOfWork, actor: Actor) -> UserPreference | None:
    return (
        await uow.session.execute(
            select(UserPreference).where(
                UserPreference.workspace_id == actor.workspace_id,
                UserPreference.user_id == actor.user_id,
            )
        )
    ).scalar_one_or_none()
