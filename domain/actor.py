"""Who is asking: their workspace, teams, roles and active team."""

from __future__ import annotations

from dataclasses import dataclass, field

from domain import mrkdwn
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
        """What someone in no team is told: a next step that makes sense for them.

        A viltbot admin creates a team; anyone else asks a team admin or one of the other viltbot
        admins, named by mention, to add them (their own mention is shown outside the code spans
        so that it reads as a name and can be typed as one).
        """
        if self.is_workspace_admin:
            return (
                "You are a viltbot admin and not in any team yet. Create your first team with "
                "`/vilt team new <name> #channel`: you become its admin, and then add people "
                "with `/vilt team add @person admin|instructor|learner`."
            )
        others = [u for u in self.workspace_admins if u != self.user_id]
        who = "a team admin"
        if others:
            who += f" or a viltbot admin ({', '.join(mrkdwn.user(u) for u in others)})"
        return (
            f"You are not in any viltbot team yet. Ask {who} to add you: they type "
            f"`/vilt team add`, mention you ({mrkdwn.user(self.user_id)}) and a role, "
            "e.g. `learner`."
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
        names = ", ".join(
            mrkdwn.escape(t.name) for t in sorted(self.teams.values(), key=lambda t: t.name_key)
        )
        raise NotFound(f"Choose your active team first: `/vilt team use <name>` (yours: {names}).")

    def require_admin_of_active(self) -> Team:
        """The active team, provided the user administers it."""
        team = self.require_active_team()
        assert team.id is not None
        if not self.is_admin_of(team.id):
            raise NotAllowed(f"Only admins of team {mrkdwn.bold(team.name)} can do that.")
        return team
