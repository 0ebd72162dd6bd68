"""Creating and editing locations: owner-team admins only (rule 6), availability, the locks
on a linked location, and secrets sealed at rest (rule 9)."""

from __future__ import annotations

import asyncio

import pytest

from domain.errors import FieldErrors, NotAllowed, NotFound
from domain.models import Location, LocationKind, LocationTeam, Team
from domain.services import locations
from tests.domain.conftest import (
    CONSUMER_KEY,
    CONSUMER_SECRET,
    OTHER_WS,
    World,
    form_of,
    location_form,
)

ADA = "U0ADA00001"  # admin of Alpha
BEN = "U0BEN00001"  # admin of Beta
IVY = "U0IVY00001"  # instructor of Alpha


async def availability(world: World, location_id: int | None) -> list[int]:
    return sorted(
        lt.team_id for lt in await world.rows(LocationTeam) if lt.location_id == location_id
    )


async def field_errors_of_create(world: World, user_id: str, **changes: object) -> FieldErrors:
    actor = await world.actor(user_id)
    async with world.uow() as uow:
        with pytest.raises(FieldErrors) as caught:
            await locations.create_location(
                uow, actor, location_form(**changes), sealer=world.sealer
            )
    return caught.value


async def edit(world: World, user_id: str, location: Location, **changes: object) -> Location:
    """Save the edit modal for `location` as `user_id`, with its availability unless changed."""
    assert location.id is not None
    teams = await availability(world, location.id)
    actor = await world.actor(user_id)
    async with world.uow() as uow:
        saved = await locations.update_location(
            uow, actor, location.id, form_of(location, teams, **changes), sealer=world.sealer
        )
        await uow.commit()
    return saved


async def refused_edit(
    world: World, user_id: str, location: Location, **changes: object
) -> FieldErrors:
    with pytest.raises(FieldErrors) as caught:
        await edit(world, user_id, location, **changes)
    return caught.value


async def alpha_and_beta(world: World) -> tuple[Team, Team]:
    alpha = await world.make_team("Alpha", admins=[ADA], instructors=[IVY])
    beta = await world.make_team("Beta", admins=[BEN])
    return alpha, beta


# --- create ---------------------------------------------------------------------------------


async def test_a_new_location_is_saved_with_its_availability_and_a_sealed_secret(
    world: World,
) -> None:
    alpha, beta = await alpha_and_beta(world)
    location = await world.make_location(
        ADA,
        alpha,
        "  Webinar   Room ",
        available_to=[beta, alpha],
        max_learners="1,000",
        description="#sales demos",
    )
    saved = await world.reload(Location, location.id)
    assert (saved.name, saved.kind, saved.owner_team_id, saved.created_by) == (
        "Webinar Room",
        LocationKind.GOTOWEBINAR,
        alpha.id,
        ADA,
    )
    assert (saved.max_learners, saved.description, saved.consumer_key) == (
        1000,
        "#sales demos",
        CONSUMER_KEY,
    )
    assert await availability(world, saved.id) == sorted([alpha.id or 0, beta.id or 0])
    assert saved.consumer_secret_enc is not None
    assert CONSUMER_SECRET not in saved.consumer_secret_enc
    assert world.sealer.decrypt(saved.consumer_secret_enc) == CONSUMER_SECRET


async def test_a_new_classroom_keeps_no_key_secret_or_goto_notifications(world: World) -> None:
    alpha, _ = await alpha_and_beta(world)
    location = await world.make_location(ADA, alpha, "Room 1", kind="classroom")
    saved = await world.reload(Location, location.id)
    assert (saved.consumer_key, saved.consumer_secret_enc, saved.goto_notifications) == (
        None,
        None,
        False,
    )


async def test_a_location_must_be_owned_by_a_team_the_creator_administers(
    world: World,
) -> None:
    alpha, beta = await alpha_and_beta(world)
    before = await world.snapshot()
    refused = await field_errors_of_create(world, ADA, owner_team_id=beta.id, team_ids=[alpha.id])
    assert refused.errors == {"owner_team": "Choose a team you administer as the owner."}
    assert await world.snapshot() == before


async def test_every_wrong_field_is_named_in_one_message(world: World) -> None:
    alpha, _ = await alpha_and_beta(world)
    refused = await field_errors_of_create(
        world, ADA, name=" ", owner_team_id=alpha.id, team_ids=[]
    )
    assert refused.message == (
        "Some fields need fixing: name: Give the location a name.; "
        "team_availability: Choose at least one team that may schedule sessions here."
    )
    assert await world.rows(Location) == []


async def test_an_instructor_of_a_team_cannot_create_its_locations(world: World) -> None:
    alpha, _ = await alpha_and_beta(world)
    refused = await field_errors_of_create(world, IVY, owner_team_id=alpha.id, team_ids=[alpha.id])
    assert list(refused.errors) == ["owner_team"]
    assert await world.rows(Location) == []


async def test_a_location_needs_at_least_one_available_team(world: World) -> None:
    alpha, _ = await alpha_and_beta(world)
    refused = await field_errors_of_create(world, ADA, owner_team_id=alpha.id, team_ids=[])
    assert refused.errors == {
        "team_availability": "Choose at least one team that may schedule sessions here."
    }
    assert await world.rows(Location) == []


async def test_a_team_of_another_workspace_cannot_be_made_available(world: World) -> None:
    alpha, _ = await alpha_and_beta(world)
    foreign = await world.make_team("Foreign", admins=[ADA], workspace=OTHER_WS)
    refused = await field_errors_of_create(
        world, ADA, owner_team_id=alpha.id, team_ids=[alpha.id, foreign.id]
    )
    assert refused.errors == {
        "team_availability": "One of the chosen teams no longer exists; choose again."
    }
    assert await world.rows(Location) == []


async def test_a_team_of_another_workspace_cannot_own_a_location(world: World) -> None:
    alpha, _ = await alpha_and_beta(world)
    foreign = await world.make_team("Foreign", admins=[ADA], workspace=OTHER_WS)
    refused = await field_errors_of_create(
        world, ADA, owner_team_id=foreign.id, team_ids=[alpha.id]
    )
    assert list(refused.errors) == ["owner_team"]


async def test_a_name_is_unique_within_the_owner_team_ignoring_case_and_spacing(
    world: World,
) -> None:
    alpha, _ = await alpha_and_beta(world)
    await world.make_location(ADA, alpha, "Webinar Room")
    refused = await field_errors_of_create(
        world, ADA, name=" webinar  ROOM", owner_team_id=alpha.id, team_ids=[alpha.id]
    )
    assert refused.errors == {"name": "Another location of the owner team has this name."}
    assert len(await world.rows(Location)) == 1


@pytest.mark.parametrize(
    "look_alike",
    [
        "Webinar\u200b Room",  # a zero-width space
        "\u2067Webinar Room\u2069",  # a bidi isolate around it
        "\uff37ebinar \uff32oom",  # fullwidth letters, folded by NFKC
        "WEBINAR ROOM",
    ],
)
async def test_a_name_that_only_looks_different_clashes_in_the_owner_team(
    world: World, look_alike: str
) -> None:
    alpha, _ = await alpha_and_beta(world)
    await world.make_location(ADA, alpha, "Webinar Room")
    refused = await field_errors_of_create(
        world, ADA, name=look_alike, owner_team_id=alpha.id, team_ids=[alpha.id]
    )
    assert refused.errors == {"name": "Another location of the owner team has this name."}


async def test_names_are_compared_case_folded_not_just_lower_cased(world: World) -> None:
    alpha, _ = await alpha_and_beta(world)
    await world.make_location(ADA, alpha, "GROSSE HALLE")
    refused = await field_errors_of_create(
        world, ADA, name="Große Halle", owner_team_id=alpha.id, team_ids=[alpha.id]
    )
    assert refused.errors == {"name": "Another location of the owner team has this name."}


async def test_another_team_may_use_the_same_name(world: World) -> None:
    alpha, beta = await alpha_and_beta(world)
    await world.make_location(ADA, alpha, "Webinar Room")
    await world.make_location(BEN, beta, "Webinar Room")
    assert [loc.owner_team_id for loc in await world.rows(Location)] == [alpha.id, beta.id]


# --- who may edit (rule 6) ---------------------------------------------------------------------


async def test_an_owner_team_admin_edits_fields_and_availability(world: World) -> None:
    alpha, beta = await alpha_and_beta(world)
    location = await world.make_location(ADA, alpha, "Webinar Room")
    await edit(
        world,
        ADA,
        location,
        name="Big Webinar Room",
        active=False,
        max_learners="250",
        information_url="https://acme.test/rooms/big",
        description="#big",
        goto_notifications=False,
        team_ids=[beta.id],
    )
    saved = await world.reload(Location, location.id)
    assert (saved.name, saved.name_key, saved.active, saved.max_learners) == (
        "Big Webinar Room",
        "big webinar room",
        False,
        250,
    )
    assert (saved.information_url, saved.description, saved.goto_notifications) == (
        "https://acme.test/rooms/big",
        "#big",
        False,
    )
    assert await availability(world, location.id) == [beta.id]


async def test_an_admin_of_an_available_team_cannot_edit_anothers_location(
    world: World,
) -> None:
    alpha, beta = await alpha_and_beta(world)
    location = await world.make_location(ADA, alpha, "Webinar Room", available_to=[alpha, beta])
    before = await world.snapshot()
    with pytest.raises(NotAllowed) as caught:
        await edit(world, BEN, location, name="Mine now", owner_team_id=beta.id)
    assert caught.value.message == (
        "Only admins of team *Alpha*, which owns *Webinar Room*, can change it."
    )
    assert await world.snapshot() == before


async def test_an_instructor_of_the_owner_team_cannot_edit_its_location(world: World) -> None:
    alpha, _ = await alpha_and_beta(world)
    location = await world.make_location(ADA, alpha, "Webinar Room")
    before = await world.snapshot()
    with pytest.raises(NotAllowed, match=r"Only admins of team \*Alpha\*"):
        await edit(world, IVY, location, description="changed")
    assert await world.snapshot() == before


async def test_editing_a_location_that_does_not_exist_says_so(world: World) -> None:
    alpha, _ = await alpha_and_beta(world)
    actor = await world.actor(ADA)
    form = location_form(owner_team_id=alpha.id, team_ids=[alpha.id])
    async with world.uow() as uow:
        with pytest.raises(NotFound) as caught:
            await locations.update_location(uow, actor, 4242, form, sealer=world.sealer)
    assert caught.value.message == "That location no longer exists."


async def test_an_admin_of_both_teams_may_hand_a_location_to_the_other(world: World) -> None:
    both = "U0BOTH0001"
    alpha = await world.make_team("Alpha", admins=[ADA, both])
    beta = await world.make_team("Beta", admins=[BEN, both])
    location = await world.make_location(ADA, alpha, "Webinar Room")
    await edit(world, both, location, owner_team_id=beta.id)
    handed = await world.reload(Location, location.id)
    assert handed.owner_team_id == beta.id
    # From now on Alpha's other admin may no longer change it; Beta's may.
    with pytest.raises(NotAllowed, match=r"Only admins of team \*Beta\*"):
        await edit(world, ADA, handed, description="x")
    await edit(world, BEN, handed, description="Beta's now")


async def test_renaming_onto_a_sibling_location_is_refused(world: World) -> None:
    alpha, _ = await alpha_and_beta(world)
    await world.make_location(ADA, alpha, "Studio")
    location = await world.make_location(ADA, alpha, "Webinar Room")
    refused = await refused_edit(world, ADA, location, name="STUDIO")
    assert refused.errors == {"name": "Another location of the owner team has this name."}
    assert (await world.reload(Location, location.id)).name == "Webinar Room"


async def test_a_location_may_be_renamed_to_its_own_name_in_another_case(world: World) -> None:
    alpha, _ = await alpha_and_beta(world)
    location = await world.make_location(ADA, alpha, "Webinar room")
    await edit(world, ADA, location, name="Webinar Room")
    assert (await world.reload(Location, location.id)).name == "Webinar Room"


# --- secrets on edit (rule 9) ---------------------------------------------------------------


async def test_leaving_the_secret_blank_keeps_the_saved_one(world: World) -> None:
    alpha, _ = await alpha_and_beta(world)
    location = await world.make_location(ADA, alpha)
    await edit(world, ADA, location, description="new words", consumer_secret="")
    saved = await world.reload(Location, location.id)
    assert saved.consumer_secret_enc is not None
    assert world.sealer.decrypt(saved.consumer_secret_enc) == CONSUMER_SECRET


async def test_a_new_secret_replaces_the_saved_one_sealed(world: World) -> None:
    alpha, _ = await alpha_and_beta(world)
    location = await world.make_location(ADA, alpha)
    await edit(world, ADA, location, consumer_secret="  rotated-secret ")
    saved = await world.reload(Location, location.id)
    assert saved.consumer_secret_enc is not None
    assert "rotated-secret" not in saved.consumer_secret_enc
    assert world.sealer.decrypt(saved.consumer_secret_enc) == "rotated-secret"


async def test_a_goto_location_that_becomes_a_classroom_forgets_its_key_and_secret(
    world: World,
) -> None:
    alpha, _ = await alpha_and_beta(world)
    location = await world.make_location(ADA, alpha, goto_notifications=True)
    await edit(world, ADA, location, kind="classroom")
    saved = await world.reload(Location, location.id)
    assert saved.kind == LocationKind.CLASSROOM
    assert (saved.consumer_key, saved.consumer_secret_enc, saved.goto_notifications) == (
        None,
        None,
        False,
    )


async def test_an_unlinked_location_may_change_gototype_and_app(world: World) -> None:
    alpha, _ = await alpha_and_beta(world)
    location = await world.make_location(ADA, alpha)
    await edit(world, ADA, location, kind="gototraining", consumer_key="training-app")
    saved = await world.reload(Location, location.id)
    assert (saved.kind, saved.consumer_key) == (LocationKind.GOTOTRAINING, "training-app")


# --- a linked location is locked to its kind and app -----------------------------------------


@pytest.mark.parametrize(
    ("new_kind", "label"), [("gototraining", "GoToTraining"), ("classroom", "Classroom")]
)
async def test_a_linked_location_cannot_change_its_kind(
    world: World, new_kind: str, label: str
) -> None:
    alpha, _ = await alpha_and_beta(world)
    location = await world.link(await world.make_location(ADA, alpha), by=ADA)
    before = await world.snapshot()
    refused = await refused_edit(world, ADA, location, kind=new_kind)
    assert refused.errors == {
        "kind": "This location is linked to a GoToWebinar account; its kind cannot change. "
        f"For a {label} location, create a new one."
    }
    assert await world.snapshot() == before


async def test_a_linked_location_cannot_change_its_consumer_key(world: World) -> None:
    alpha, _ = await alpha_and_beta(world)
    location = await world.link(await world.make_location(ADA, alpha), by=ADA)
    before = await world.snapshot()
    refused = await refused_edit(world, ADA, location, consumer_key="another-app")
    assert refused.errors == {
        "consumer_key": "This location is linked; to use another GoTo app, create a new location."
    }
    assert await world.snapshot() == before


async def test_a_linked_location_keeps_its_connection_through_other_edits(world: World) -> None:
    alpha, _ = await alpha_and_beta(world)
    linked = await world.link(await world.make_location(ADA, alpha), by=ADA)
    await edit(world, ADA, linked, name="Renamed Room", description="#renamed")
    saved = await world.reload(Location, linked.id)
    assert saved.name == "Renamed Room"
    assert (saved.goto_organizer_key, saved.access_token_enc, saved.consumer_key) == (
        linked.goto_organizer_key,
        linked.access_token_enc,
        CONSUMER_KEY,
    )


# --- two saves at once ------------------------------------------------------------------------


async def test_a_name_taken_by_a_concurrent_save_is_the_same_field_error(world: World) -> None:
    alpha, _ = await alpha_and_beta(world)
    actor = await world.actor(ADA)
    form = location_form(owner_team_id=alpha.id, team_ids=[alpha.id])
    first = world.uow()
    async with first:
        await locations.create_location(first, actor, form, sealer=world.sealer)

        async def second() -> None:
            async with world.uow() as uow:
                await locations.create_location(uow, actor, form, sealer=world.sealer)
                await uow.commit()

        racing = asyncio.create_task(second())
        await asyncio.sleep(0.3)  # it has checked the name and waits on the first insert
        await first.commit()
    with pytest.raises(FieldErrors) as refused:
        await racing
    assert refused.value.errors == {"name": "Another location of the owner team has this name."}
    assert [location.name for location in await world.rows(Location)] == ["Webinar Room"]
