"""Who may use which commands: each predicate for each kind of person, and how refusals name them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from domain.actor import Actor
from domain.models import Role
from handlers import permissions
from handlers.commands import Subcommand, _who
from tests.handlers.support import (
    SALES,
    SUPPORT,
    actor,
    instructor,
    learner,
    newcomer,
    team_admin,
    workspace_admin,
)

PREDICATES = ["anyone", "team_creators", "members", "team_admins", "instructors"]

# What each person may do: anyone, team_creators, members, team_admins, instructors.
TABLE: dict[str, tuple[Callable[[], Actor], tuple[bool, bool, bool, bool, bool]]] = {
    "newcomer": (newcomer, (True, False, False, False, False)),
    "workspace admin in no team": (workspace_admin, (True, True, True, False, False)),
    "learner": (learner, (True, False, True, False, False)),
    "instructor": (instructor, (True, False, True, False, True)),
    "team admin": (team_admin, (True, False, True, True, True)),
    "admin of another team, learner in the active one": (
        lambda: actor(roles=[(SALES, Role.LEARNER), (SUPPORT, Role.ADMIN)], active=SALES),
        (True, False, True, True, True),
    ),
}


@pytest.mark.parametrize("who", list(TABLE))
def test_each_person_may_use_what_their_roles_allow(who: str) -> None:
    make, expected = TABLE[who]
    person = make()
    allowed = tuple(getattr(permissions, name)(person) for name in PREDICATES)
    assert allowed == expected
    assert all(type(answer) is bool for answer in allowed)


def test_refusals_name_who_may_use_a_command() -> None:
    async def handler(inv: object) -> None:
        return None

    names = {
        name: _who(Subcommand("x", "/vilt x", "x", handler, getattr(permissions, name)))
        for name in PREDICATES
    }
    assert names == {
        "anyone": "everyone",
        "team_creators": "viltbot's workspace admins",
        "members": "team members",
        "team_admins": "team admins",
        "instructors": "instructors and admins",
    }
