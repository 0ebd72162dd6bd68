"""Who is asking: their workspace, teams, roles and active team."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain.errors import NotAllowed, NotFound
from domain.models import Role, Team


@dataclass
class Actor:
    """The Slack user behind a request, resolved before any listener runs."""

    workspace_id: str
    user_id: str
    is_workspace_admin: bool = False
    teams: dict[int, Team] = field(default_factory=dict)
    roles: dict[int, Role] = field(default_factory=dict)
    active_team_id: int | None = None
    # viltbot's workspace admins (first admins and the installing user): whom a newcomer asks.
    workspace_admins: tuple[str, ...] = ()

    @property
    def active_team(self) -> Team | None:
        """The team the user works in now, if any."""
        if self.active_team_id is not None and self.active_team_id in self.teams:
            return self.teams[self.active_team_id]
        return None

    @property
    def active_role(self) -> Role | None:
        """The user's role in the active team."""
        team = self.active_team
        return self.roles.get(team.id) if team is not None and team.id is not None else None

    @property
    def join_hint(self) -> str:
        """What someone in no team is told: who can add them, and with which command."""
        who = "a team admin"
        if self.workspace_admins:
            mentions = ", ".join(f"<@{u}>" for u in self.workspace_admins)
            who += f" or a viltbot admin ({mentions})"
        return (
            f"You are not in any viltbot team yet. Ask {who} to add you with "
            f"`/vilt team add <@{self.user_id}> learner`."
        )

    @property
    def may_create_teams(self) -> bool:
        """Only first admins and the installing user create teams."""
        return self.is_workspace_admin

    def has_role(self, *wanted: Role) -> bool:
        """True when the user holds one of `wanted` in any team (admins hold all)."""
        return any(role == Role.ADMIN or role in wanted for role in self.roles.values())

    def is_admin_of(self, team_id: int) -> bool:
        """True when the user administers that team."""
        return self.roles.get(team_id) == Role.ADMIN

    def require_active_team(self) -> Team:
        """The active team, or a message saying how to choose or join one."""
        team = self.active_team
        if team is not None:
            return team
        if not self.teams:
            raise NotFound(self.join_hint)
        names = ", ".join(sorted(t.name for t in self.teams.values()))
        raise NotFound(f"Choose your active team first: `/vilt team use <name>` (yours: {names}).")

    def require_admin_of_active(self) -> Team:
        """The active team, provided the user administers it."""
        team = self.require_active_team()
        assert team.id is not None
        if not self.is_admin_of(team.id):
            raise NotAllowed(f"Only admins of team *{team.name}* can do that.")
        return team
