"""Resolve the Actor for a Slack user in a workspace."""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import select

from domain.actor import Actor
from domain.models import Membership, Team, UserPreference, Workspace
from domain.ports import UnitOfWork
from domain.unique import insert_unless_key_taken


async def ensure_workspace(
    uow: UnitOfWork, workspace_id: str, *, name: str = "", installer_user_id: str | None = None
) -> Workspace:
    """Return the workspace row, creating it on first contact.

    The first install names the workspace's installer (a viltbot admin there). A later
    install by anyone else changes no role: Slack lets any member re-install an app.
    """
    workspace = await uow.session.get(Workspace, workspace_id)
    if workspace is None:
        # The first requests from a new workspace often arrive together: whichever inserts
        # first wins, the others read its row.
        await insert_unless_key_taken(
            uow,
            Workspace(id=workspace_id, name=name, installer_user_id=installer_user_id),
            ["id"],
        )
        workspace = await uow.session.get(Workspace, workspace_id)
        assert workspace is not None
    elif installer_user_id and workspace.installer_user_id is None:
        workspace.installer_user_id = installer_user_id
    return workspace


def first_admins_of(workspace_id: str, entries: Iterable[str]) -> set[str]:
    """User ids of the configured first admins that count in this workspace.

    An entry `T…:U…` names a user of one workspace; a bare `U…` counts in every workspace
    (accepted only when the bot serves a single workspace).
    """
    admins: set[str] = set()
    for entry in entries:
        workspace, _, user = entry.rpartition(":")
        if not workspace or workspace == workspace_id:
            admins.add(user)
    return admins


async def resolve_actor(
    uow: UnitOfWork, workspace_id: str, user_id: str, *, first_admins: Iterable[str] = ()
) -> Actor:
    """Load the user's teams, roles and active team within one workspace.

    `first_admins` holds the configured entries (see `first_admins_of`).
    """
    workspace = await ensure_workspace(uow, workspace_id)
    admins = first_admins_of(workspace_id, first_admins) | (
        {workspace.installer_user_id} if workspace.installer_user_id else set()
    )
    rows = (
        await uow.session.execute(
            select(Membership, Team)
            .join(Team, Team.id == Membership.team_id)  # type: ignore[arg-type]
            .where(Membership.workspace_id == workspace_id, Membership.user_id == user_id)
        )
    ).all()
    actor = Actor(
        workspace_id=workspace_id,
        user_id=user_id,
        is_workspace_admin=user_id in admins,
        workspace_admins=tuple(sorted(admins)),
    )
    for membership, team in rows:
        assert team.id is not None
        actor.teams[team.id] = team
        actor.roles[team.id] = membership.role
    pref = (
        await uow.session.execute(
            select(UserPreference).where(
                UserPreference.workspace_id == workspace_id, UserPreference.user_id == user_id
            )
        )
    ).scalar_one_or_none()
    if pref is not None and pref.active_team_id in actor.teams:
        actor.active_team_id = pref.active_team_id
    elif len(actor.teams) == 1:
        actor.active_team_id = next(iter(actor.teams))
    return actor
