"""The session check's questions to GoTo (GoToEventChecker) against the GoTo sandbox, over HTTP."""

from __future__ import annotations

import httpx
import pytest

from bot.goto_events import GoToEventChecker
from domain.errors import EventProblem, EventRejected
from domain.models import Location, LocationKind, Team
from tests.e2e.conftest import Stack
from tests.e2e.locations_flow import create_goto_location
from tests.e2e.test_goto_connection import linked_location

BOBS_WEBINAR = "1234500005"  # Leadership 101, in two days


def checker(stack: Stack) -> GoToEventChecker:
    return GoToEventChecker(stack.runtime.goto, clock=lambda: stack.goto_clock.now())


async def refused(stack: Stack, location: Location, key: str) -> EventRejected:
    with pytest.raises(EventRejected) as caught:
        await checker(stack).check_event(location, key)
    return caught.value


async def test_an_upcoming_webinar_of_the_linked_account_gives_its_facts(stack: Stack) -> None:
    location = await linked_location(stack)
    facts = await checker(stack).check_event(location, BOBS_WEBINAR)
    assert (facts.product, facts.key, facts.subject) == (
        LocationKind.GOTOWEBINAR,
        BOBS_WEBINAR,
        "Leadership 101",
    )
    assert facts.starts_at and facts.ends_at and facts.starts_at < facts.ends_at
    assert facts.starts_at > stack.goto_clock.now() and not facts.cancelled


async def test_an_unknown_key_is_not_found_and_not_echoed_when_not_digits(stack: Stack) -> None:
    location = await linked_location(stack)
    assert (await refused(stack, location, "987654321")).problem is EventProblem.NOT_FOUND
    typed = await refused(stack, location, "<!channel>")
    assert typed.problem is EventProblem.NOT_FOUND and "<!channel>" not in typed.message


async def test_a_webinar_that_took_place_is_refused_as_over(stack: Stack) -> None:
    location = await linked_location(stack)
    stack.goto_clock.advance(4 * 24 * 3600)
    over = await refused(stack, location, BOBS_WEBINAR)
    assert over.problem is EventProblem.CANCELLED and "already taken place" in over.message


async def test_a_lapsed_or_missing_connection_needs_relinking(stack: Stack) -> None:
    location = await linked_location(stack)
    stack.goto_clock.advance(31 * 24 * 3600)
    assert (await refused(stack, location, BOBS_WEBINAR)).problem is EventProblem.NEEDS_RELINK
    await create_goto_location(stack, await team_ids(stack), name="Unlinked Room")
    unlinked = next(r for r in await stack.rows(Location) if r.name == "Unlinked Room")
    problem = await refused(stack, unlinked, BOBS_WEBINAR)
    assert problem.problem is EventProblem.NEEDS_RELINK
    assert "`/vilt location link Unlinked Room`" in problem.message


async def test_goto_down_is_unavailable(stack: Stack) -> None:
    location = await linked_location(stack)
    async with httpx.AsyncClient() as http:
        fault = {"status": 503, "count": 20, "path_contains": "/webinars/"}
        assert (await http.post(f"{stack.goto_url}/_sandbox/faults", json=fault)).is_success
    assert (await refused(stack, location, BOBS_WEBINAR)).problem is EventProblem.UNAVAILABLE


async def team_ids(stack: Stack) -> dict[str, int]:
    return {t.name: t.id for t in await stack.rows(Team) if t.id is not None}
