"""Learning elements: who may add them, their titles, and whose catalog lists them."""

from __future__ import annotations

import asyncio

import pytest

from domain.errors import Conflict, InvalidInput, NotAllowed, NotFound
from domain.limits import ELEMENT_TITLE_MAX
from domain.models import LearningElement
from domain.services import elements
from tests.domain.conftest import OTHER_WS, World

ADA = "U0ADA00001"  # admin of Alpha
BEN = "U0BEN00001"  # admin of Beta
IVY = "U0IVY00001"  # instructor in Alpha
LEO = "U0LEO00001"  # learner in Alpha
NED = "U0NED00001"  # in no team


async def add(world: World, by: str, title: str, workspace: str | None = None) -> LearningElement:
    actor = await (world.actor(by) if workspace is None else world.actor(by, workspace))
    async with world.uow() as uow:
        element = await elements.create_element(uow, actor, title)
        await uow.commit()
    return element


async def refused(world: World, by: str, title: str) -> str:
    actor = await world.actor(by)
    before = await world.rows(LearningElement)
    async with world.uow() as uow:
        with pytest.raises((InvalidInput, Conflict, NotAllowed, NotFound)) as caught:
            await elements.create_element(uow, actor, title)
    assert await world.rows(LearningElement) == before
    return str(caught.value)


async def listed(world: World, user_id: str) -> list[tuple[str, str]]:
    actor = await world.actor(user_id)
    async with world.uow() as uow:
        return [(s.team, s.title) for s in await elements.list_elements(uow, actor)]


@pytest.fixture
async def alpha(world: World) -> None:
    await world.make_team("Alpha", admins=[ADA], instructors=[IVY], learners=[LEO])


async def test_an_admin_adds_an_element_to_the_active_teams_catalog(
    world: World, alpha: None
) -> None:
    element = await add(world, ADA, "  Negotiation   Basics ")
    (row,) = await world.rows(LearningElement)
    assert (row.title, row.title_key, row.created_by) == (
        "Negotiation Basics",
        "negotiation basics",
        ADA,
    )
    assert row.id == element.id
    assert await listed(world, LEO) == [("Alpha", "Negotiation Basics")]


async def test_only_admins_of_the_active_team_add_elements(world: World, alpha: None) -> None:
    assert await refused(world, IVY, "Negotiation") == "Only admins of team *Alpha* can do that."
    assert await refused(world, LEO, "Negotiation") == "Only admins of team *Alpha* can do that."
    assert (await refused(world, NED, "Negotiation")).startswith(
        "You are not in any viltbot team yet."
    )


async def test_an_admin_of_another_team_adds_to_the_team_they_work_in(
    world: World, alpha: None
) -> None:
    beta = await world.make_team("Beta", admins=[BEN, ADA])
    await world.set_active(ADA, beta)
    await add(world, ADA, "Coaching")
    (row,) = await world.rows(LearningElement)
    assert row.owner_team_id == beta.id


async def test_a_title_is_unique_per_team_whatever_its_case_or_spacing(
    world: World, alpha: None
) -> None:
    await add(world, ADA, "Negotiation Basics")
    assert await refused(world, ADA, "negotiation   BASICS") == (
        "Team *Alpha* already has a learning element called *negotiation BASICS*. "
        "`/vilt element list` shows them."
    )
    # Another team may use the same title.
    await world.make_team("Beta", admins=[BEN])
    await add(world, BEN, "Negotiation Basics")
    assert len(await world.rows(LearningElement)) == 2


async def test_a_title_is_needed_and_has_a_limit(world: World, alpha: None) -> None:
    usage = "A learning element needs a title. Usage: `/vilt element new <title>`"
    assert await refused(world, ADA, "   ") == usage
    assert await refused(world, ADA, "\u200b\u200d") == usage
    too_long = f"A learning element's title has at most {ELEMENT_TITLE_MAX:,} characters."
    assert await refused(world, ADA, "x" * (ELEMENT_TITLE_MAX + 1)) == too_long
    # NFKC and case folding can lengthen a title: the stored key must fit as well.
    assert await refused(world, ADA, "ß" * ELEMENT_TITLE_MAX) == too_long
    await add(world, ADA, "x" * ELEMENT_TITLE_MAX)


async def test_titles_are_stored_as_typed_and_escaped_only_where_shown(
    world: World, alpha: None
) -> None:
    await add(world, ADA, "Sales <!channel> & more")
    assert await refused(world, ADA, "sales <!CHANNEL> & MORE") == (
        "Team *Alpha* already has a learning element called *sales &lt;!CHANNEL&gt; &amp; MORE*. "
        "`/vilt element list` shows them."
    )
    assert await listed(world, ADA) == [("Alpha", "Sales <!channel> & more")]


async def test_the_list_shows_the_elements_of_the_callers_teams_only(
    world: World, alpha: None
) -> None:
    await add(world, ADA, "Zebra Course")
    await add(world, ADA, "apple course")
    await world.make_team("Beta", admins=[BEN], learners=[LEO])
    await add(world, BEN, "Beta Course")
    await world.make_team("Gamma", admins=[NED])
    await add(world, NED, "Gamma Course")
    await world.make_team("Alpha", admins=[ADA], workspace=OTHER_WS)
    await add(world, ADA, "Elsewhere", workspace=OTHER_WS)
    assert await listed(world, LEO) == [
        ("Alpha", "apple course"),
        ("Alpha", "Zebra Course"),
        ("Beta", "Beta Course"),
    ]
    assert await listed(world, BEN) == [("Beta", "Beta Course")]
    assert await listed(world, "U0NOBODY01") == []


async def test_find_looks_in_the_active_teams_catalog(world: World, alpha: None) -> None:
    await add(world, ADA, "Negotiation Basics")
    await world.make_team("Beta", admins=[BEN])
    await add(world, BEN, "Coaching")
    ada = await world.actor(ADA)
    async with world.uow() as uow:
        found = await elements.find_element(uow, ada, " NEGOTIATION  basics")
        assert found.title == "Negotiation Basics"
        with pytest.raises(NotFound) as missing:
            await elements.find_element(uow, ada, "Coaching")
    assert missing.value.message == (
        "Team *Alpha* has no learning element called *Coaching*. `/vilt element list` shows them."
    )


async def test_a_title_taken_by_a_concurrent_request_is_answered_as_already_existing(
    world: World, alpha: None
) -> None:
    actor = await world.actor(ADA)
    first = world.uow()
    async with first:
        await elements.create_element(first, actor, "Dup")

        async def second() -> None:
            async with world.uow() as uow:
                await elements.create_element(uow, actor, "dup")
                await uow.commit()

        racing = asyncio.create_task(second())
        await asyncio.sleep(0.3)  # it has checked the title and waits on the first insert
        await first.commit()
    with pytest.raises(Conflict) as refused_:
        await racing
    assert refused_.value.message == (
        "Team *Alpha* already has a learning element called *dup*. `/vilt element list` shows them."
    )
    assert [e.title for e in await world.rows(LearningElement)] == ["Dup"]
