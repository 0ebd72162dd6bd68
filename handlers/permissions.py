"""Who may use which commands, as predicates with a readable docstring."""

from __future__ import annotations

from domain.actor import Actor
from domain.models import Role


def anyone(actor: Actor) -> bool:
    """everyone."""
    return True


def team_creators(actor: Actor) -> bool:
    """viltbot's workspace admins."""
    return actor.may_create_teams


def members(actor: Actor) -> bool:
    """team members."""
    return bool(actor.teams) or actor.is_workspace_admin


def team_admins(actor: Actor) -> bool:
    """team admins."""
    return actor.has_role(Role.ADMIN)


def instructors(actor: Actor) -> bool:
    """instructors and admins."""
    return actor.has_role(Role.INSTRUCTOR)


def in_a_team(actor: Actor) -> bool:
    """members of a team."""
    return bool(actor.teams)
