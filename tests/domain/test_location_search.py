"""Finding locations: `#tag` and text search, visibility by team (rule 6), look-up by name."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from domain import mrkdwn
from domain.errors import Conflict, InvalidInput, NotFound
from domain.models import LocationKind, Team
from domain.rules import connection_status
from domain.services import locations
from tests.domain.conftest import BOSS, CONSUMER_SECRET, NOW, OTHER_WS, WS, World

ADA = "U0ADA00001"  # admin of Alpha (and of Beta where a test says so)
BEN = "U0BEN00001"  # admin of Beta
LEO = "U0LEO00001"  # a learner
NED = "U0NED00001"  # in no team


async def names_found(world: World, user_id: str, query: str = "") -> list[str]:
    actor = await world.actor(user_id)
    async with world.uow() as uow:
        page = await locations.list_locations(uow, actor, query)
    return [view.name for view in page.views]


async def alpha_with(world: World, **descriptions: str) -> Team:
    """Team Alpha (admin ADA) owning one location per keyword argument: name=description."""
    alpha = await world.make_team("Alpha", admins=[ADA])
    for name, description in descriptions.items():
        await world.make_location(
            ADA, alpha, name.replace("_", " "), kind="classroom", description=description
        )
    return alpha


# --- #tag search ---------------------------------------------------------------------------


async def test_a_search_for_two_tags_finds_only_locations_with_both(world: World) -> None:
    await alpha_with(
        world,
        Both_tags="Python for #python people, #advanced level",
        Python_only="Intro: #python",
        Advanced_only="#advanced everything",
    )
    assert await names_found(world, ADA, "#python #advanced") == ["Both tags"]


async def test_a_tag_search_ignores_case_and_extra_spaces(world: World) -> None:
    await alpha_with(world, Lab="Hands-on #Python")
    assert await names_found(world, ADA, "  #PYTHON  ") == ["Lab"]


async def test_a_tag_search_ignores_case_of_every_letter_of_the_tag(world: World) -> None:
    await alpha_with(world, Lab="Reading #xml feeds", Studio="#ml basics")
    assert await names_found(world, ADA, "#XML") == ["Lab"]


async def test_a_tag_search_does_not_match_a_tag_that_only_starts_the_same(
    world: World,
) -> None:
    await alpha_with(world, Lab="#python3 only")
    assert await names_found(world, ADA, "#python") == []


async def test_a_hash_in_a_url_fragment_is_not_a_tag(world: World) -> None:
    await alpha_with(world, Lab="Slides: https://wiki.acme.test/rooms/#python")
    assert await names_found(world, ADA, "#python") == []
    # The words are still there for a text search.
    assert await names_found(world, ADA, "python") == ["Lab"]


async def test_a_tag_search_is_not_a_text_search(world: World) -> None:
    await alpha_with(world, Python_Lab="no tags here")
    assert await names_found(world, ADA, "#python") == []


# --- text search ---------------------------------------------------------------------------


async def test_text_search_matches_name_or_description_ignoring_case(world: World) -> None:
    await alpha_with(
        world,
        Webinar_Room="",
        Studio="Good for WEBINAR demos",
        Classroom_1="Second floor",
    )
    assert await names_found(world, ADA, "webinar") == ["Studio", "Webinar Room"]


async def test_text_search_with_no_match_finds_nothing(world: World) -> None:
    await alpha_with(world, Studio="Second floor")
    actor = await world.actor(ADA)
    async with world.uow() as uow:
        page = await locations.list_locations(uow, actor, "basement")
    assert (page.views, page.total) == ([], 0)


async def test_no_query_lists_every_location_by_name_and_counts_beyond_the_page(
    world: World,
) -> None:
    await alpha_with(world, c_room="", A_room="", b_room="")
    actor = await world.actor(ADA)
    async with world.uow() as uow:
        page = await locations.list_locations(uow, actor, "", limit=2)
    assert [v.name for v in page.views] == ["A room", "b room"]
    assert page.total == 3


async def test_a_page_shows_twenty_locations_unless_asked_for_another_number(
    world: World,
) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    for number in range(1, 22):
        await world.make_location(ADA, alpha, f"Room {number:02d}", kind="classroom")
    actor = await world.actor(ADA)
    async with world.uow() as uow:
        page = await locations.list_locations(uow, actor)
    assert [v.name for v in page.views] == [f"Room {n:02d}" for n in range(1, 21)]
    assert page.total == 21


# --- who sees what (rule 6: team availability) ---------------------------------------------


async def test_someone_in_no_team_sees_no_locations_and_a_count_of_none(world: World) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    await world.make_location(ADA, alpha, "Alpha Room")
    actor = await world.actor(NED)
    async with world.uow() as uow:
        page = await locations.list_locations(uow, actor)
    assert (page.views, page.total) == ([], 0)


async def test_members_of_available_teams_see_a_location_and_others_do_not(
    world: World,
) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    beta = await world.make_team("Beta", learners=[LEO])
    await world.make_team("Gamma", learners=["U0GAMMA001"])
    await world.make_location(ADA, alpha, "Shared Room", available_to=[alpha, beta])
    await world.make_location(ADA, alpha, "Alpha Room", available_to=[alpha])

    assert await names_found(world, LEO) == ["Shared Room"]
    assert await names_found(world, "U0GAMMA001") == []
    assert await names_found(world, NED) == []


async def test_one_teams_list_holds_what_it_owns_or_may_use(world: World) -> None:
    """App Home lists the active team's locations, not those of the user's other teams."""
    alpha = await world.make_team("Alpha", admins=[ADA])
    beta = await world.make_team("Beta", admins=[ADA])
    await world.make_location(ADA, alpha, "Alpha Room", available_to=[alpha])
    await world.make_location(ADA, beta, "Beta Room", available_to=[beta])
    await world.make_location(ADA, beta, "Lent To Alpha", available_to=[alpha])
    actor = await world.actor(ADA)
    async with world.uow() as uow:
        for team, expected in (
            (alpha, ["Alpha Room", "Lent To Alpha"]),
            (beta, ["Beta Room", "Lent To Alpha"]),
        ):
            page = await locations.list_locations(uow, actor, team_id=team.id)
            assert [v.name for v in page.views] == expected and page.total == 2


async def test_the_owner_team_sees_its_location_even_when_not_in_its_availability(
    world: World,
) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    beta = await world.make_team("Beta", learners=[LEO])
    await world.make_location(ADA, alpha, "For Beta", available_to=[beta])
    assert await names_found(world, ADA) == ["For Beta"]


async def test_a_viltbot_workspace_admin_sees_every_location_of_the_workspace(
    world: World,
) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    beta = await world.make_team("Beta", admins=[BEN])
    await world.make_location(ADA, alpha, "Alpha Room")
    await world.make_location(BEN, beta, "Beta Room")
    assert await names_found(world, BOSS) == ["Alpha Room", "Beta Room"]


async def test_show_describes_a_location_to_a_member_of_an_available_team(
    world: World,
) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    beta = await world.make_team("Beta", learners=[LEO])
    await world.make_location(
        ADA, alpha, "Shared Room", available_to=[beta, alpha], description="#python room"
    )
    actor = await world.actor(LEO)
    async with world.uow() as uow:
        view = await locations.visible_location(uow, actor, "shared room")
    assert (view.name, view.owner_team, view.teams, view.tags) == (
        "Shared Room",
        "Alpha",
        ["Alpha", "Beta"],
        ["python"],
    )


async def test_show_refuses_a_location_not_available_to_the_users_teams(world: World) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    gamma = await world.make_team("Gamma", learners=[LEO])
    await world.make_location(ADA, alpha, "Alpha Room")
    await world.make_location(ADA, alpha, "Gamma Room", available_to=[gamma])  # LEO sees this one
    actor = await world.actor(LEO)
    async with world.uow() as uow:
        with pytest.raises(NotFound) as caught:
            await locations.visible_location(uow, actor, "Alpha Room")
    assert caught.value.message == (
        "There is no location called *Alpha Room* available to your teams."
    )


# --- what a description shows (rule 9: never a secret) -------------------------------------


async def test_a_description_carries_no_secret_only_that_one_is_saved(world: World) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    location = await world.make_location(ADA, alpha)
    async with world.uow() as uow:
        view = await locations.describe(uow, location, now=NOW)
    assert view.has_secret is True
    assert CONSUMER_SECRET not in repr(view)
    assert str(location.consumer_secret_enc) not in repr(view)
    assert (view.status.state, view.status.text) == ("not_linked", "not linked")


async def test_a_linked_location_is_described_as_connected_with_days_left(
    world: World,
) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    location = await world.link(
        await world.make_location(ADA, alpha), by=ADA, email="webinars@acme.test"
    )
    async with world.uow() as uow:
        view = await locations.describe(uow, location, now=NOW)
    assert view.status.state == "connected"
    assert view.status.text == "connected as webinars@acme.test until 2026-12-27 (30 days left)"
    assert view.linked_email == "webinars@acme.test"


async def test_a_lapsed_connection_is_described_as_expired(world: World) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    location = await world.link(await world.make_location(ADA, alpha), by=ADA)
    assert location.connection_expires_at is not None
    async with world.uow() as uow:
        view = await locations.describe(uow, location, now=location.connection_expires_at)
    # A lapsed connection says how to link it again, with the location's own name.
    assert (view.status.state, view.status.text, view.status.days_left) == (
        "expired",
        "expired · link it again with `/vilt location link Webinar Room`",
        0,
    )


async def test_a_failed_connection_is_described_with_its_reason(world: World) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    location = await world.link(await world.make_location(ADA, alpha), by=ADA)
    location.connection_error = "GoTo refused the refresh token"
    async with world.uow() as uow:
        view = await locations.describe(uow, location, now=NOW)
    assert (view.status.state, view.status.text) == (
        "failed",
        "failed: GoTo refused the refresh token · link it again with "
        "`/vilt location link Webinar Room`",
    )


def test_the_relink_command_is_plain_text_escaped_once_where_it_is_written() -> None:
    status = connection_status(
        kind=LocationKind.GOTOWEBINAR,
        linked_email="a@b.test",
        expires_at=NOW,
        error=None,
        now=NOW,
        name="<b>Oslo</b> & `hall`",
    )
    assert status.text == "expired · link it again with `/vilt location link <b>Oslo</b> & hall`"
    assert mrkdwn.escape(status.text).endswith(
        "`/vilt location link &lt;b&gt;Oslo&lt;/b&gt; &amp; hall`"
    )


async def test_a_description_shows_every_field_as_saved(world: World) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    beta = await world.make_team("Beta", learners=[LEO])
    location = await world.make_location(
        ADA,
        alpha,
        "Big Room",
        available_to=[alpha, beta],
        active=False,
        max_learners="250",
        information_url="https://acme.test/rooms/big",
        description="For #Python and #advanced folk",
        goto_notifications=False,
        consumer_key="big-room-app",
    )
    async with world.uow() as uow:
        view = await locations.describe(uow, location, now=NOW)
    shown = asdict(view)
    del shown["status"]
    assert shown == {
        "id": location.id,
        "name": "Big Room",
        "kind": LocationKind.GOTOWEBINAR,
        "active": False,
        "owner_team": "Alpha",
        "owner_team_id": alpha.id,
        "teams": ["Alpha", "Beta"],
        "team_ids": [alpha.id, beta.id],
        "max_learners": 250,
        "information_url": "https://acme.test/rooms/big",
        "description": "For #Python and #advanced folk",
        "tags": ["python", "advanced"],
        "goto_notifications": False,
        "consumer_key": "big-room-app",
        "has_secret": True,
        "linked_email": None,
    }


async def test_a_description_lists_only_the_available_teams_by_name(world: World) -> None:
    zeta = await world.make_team("Zeta", admins=[ADA])  # made first: the lowest id
    alpha = await world.make_team("alpha", learners=[LEO])
    await world.make_team("Beta", learners=[LEO])  # not available
    location = await world.make_location(ADA, zeta, available_to=[zeta, alpha])
    async with world.uow() as uow:
        view = await locations.describe(uow, location, now=NOW)
    assert (view.teams, view.team_ids) == (["alpha", "Zeta"], [alpha.id, zeta.id])


async def test_describing_no_locations_reads_nothing(world: World) -> None:
    async with world.uow() as uow:
        assert await locations.describe_many(uow, []) == []


async def test_the_team_choices_are_the_workspaces_teams_by_name(world: World) -> None:
    await world.make_team("beta", admins=[ADA])
    await world.make_team("Alpha", learners=[LEO])
    await world.make_team("Elsewhere", admins=[ADA], workspace=OTHER_WS)
    async with world.uow() as uow:
        choices = await locations.workspace_teams(uow, WS)
    assert [t.name for t in choices] == ["Alpha", "beta"]


async def test_a_classroom_is_described_without_a_connection(world: World) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    location = await world.make_location(ADA, alpha, kind="classroom")
    async with world.uow() as uow:
        view = await locations.describe(uow, location, now=NOW)
    assert view.kind is LocationKind.CLASSROOM
    assert (view.status.state, view.has_secret, view.consumer_key) == (
        "not_applicable",
        False,
        None,
    )


# --- look-up by name -----------------------------------------------------------------------


async def test_a_name_is_looked_up_ignoring_case_spacing_and_invisible_characters(
    world: World,
) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    saved = await world.make_location(ADA, alpha, "Webinar Room")
    actor = await world.actor(ADA)
    async with world.uow() as uow:
        found = await locations.find_location(uow, actor, "  webinar \u200b  ROOM ")
    assert found.id == saved.id


async def test_looking_up_no_name_asks_for_one(world: World) -> None:
    await world.make_team("Alpha", admins=[ADA])
    actor = await world.actor(ADA)
    async with world.uow() as uow:
        with pytest.raises(InvalidInput) as caught:
            await locations.find_location(uow, actor, "   ")
    assert caught.value.message == "Name the location, e.g. `/vilt location show Webinar Room`."


async def test_looking_up_an_unknown_name_says_how_to_list_them(world: World) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA])
    await world.make_location(ADA, alpha, "Studio")  # the only one: still not an "Attic"
    actor = await world.actor(ADA)
    async with world.uow() as uow:
        with pytest.raises(NotFound) as caught:
            await locations.find_location(uow, actor, "Attic")
    assert caught.value.message == (
        "There is no location called *Attic*. `/vilt location list` shows them."
    )


async def two_studios(world: World) -> tuple[Team, Team, int, int]:
    """Alpha and Beta each own a location called Studio; ADA administers both teams."""
    alpha = await world.make_team("Alpha", admins=[ADA])
    beta = await world.make_team("Beta", admins=[ADA])
    alpha_studio = await world.make_location(ADA, alpha, "Studio")
    beta_studio = await world.make_location(ADA, beta, "Studio")
    assert alpha_studio.id is not None and beta_studio.id is not None
    return alpha, beta, alpha_studio.id, beta_studio.id


@pytest.mark.parametrize("active", ["Alpha", "Beta"])
async def test_a_shared_name_finds_the_active_teams_location(world: World, active: str) -> None:
    alpha, beta, alpha_studio, beta_studio = await two_studios(world)
    await world.set_active(ADA, alpha if active == "Alpha" else beta)
    actor = await world.actor(ADA)
    async with world.uow() as uow:
        found = await locations.find_location(uow, actor, "studio")
    assert found.id == (alpha_studio if active == "Alpha" else beta_studio)


async def test_a_shared_name_finds_the_one_location_among_the_users_teams(world: World) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA], learners=[LEO])
    beta = await world.make_team("Beta", admins=[BEN])
    gamma = await world.make_team("Gamma", learners=[LEO])
    alpha_studio = await world.make_location(ADA, alpha, "Studio")
    await world.make_location(BEN, beta, "Studio")
    await world.set_active(LEO, gamma)
    actor = await world.actor(LEO)
    async with world.uow() as uow:
        found = await locations.find_location(uow, actor, "Studio")
    assert found.id == alpha_studio.id


async def test_a_shared_name_is_a_conflict_when_the_active_team_has_none(world: World) -> None:
    await two_studios(world)
    gamma = await world.make_team("Gamma", admins=[ADA])
    await world.set_active(ADA, gamma)
    actor = await world.actor(ADA)
    async with world.uow() as uow:
        with pytest.raises(Conflict) as caught:
            await locations.find_location(uow, actor, "Studio")
    assert caught.value.message == (
        "Several teams have a location called *Studio*; switch to the owner team with "
        "`/vilt team use <team>` first."
    )


async def test_a_shared_name_is_a_conflict_for_someone_in_neither_team(world: World) -> None:
    await two_studios(world)
    await world.make_team("Gamma", learners=[LEO])
    actor = await world.actor(LEO)
    async with world.uow() as uow:
        with pytest.raises(Conflict, match=r"Several teams have a location called \*Studio\*"):
            await locations.find_location(uow, actor, "Studio")


async def test_an_inactive_location_is_seen_only_by_admins_of_its_owner_team(
    world: World,
) -> None:
    alpha = await world.make_team("Alpha", admins=[ADA], learners=[LEO])
    beta = await world.make_team("Beta", admins=[BEN])
    await world.make_location(ADA, alpha, "Open Room", available_to=[alpha, beta])
    await world.make_location(ADA, alpha, "Closed Room", available_to=[alpha, beta], active=False)

    assert await names_found(world, ADA) == ["Closed Room", "Open Room"]
    assert await names_found(world, LEO) == ["Open Room"]
    assert await names_found(world, BEN) == ["Open Room"]  # an admin, but not of the owner
    assert await names_found(world, BOSS) == ["Open Room"]  # a viltbot admin in no team
    for user in (LEO, BEN, BOSS):
        actor = await world.actor(user)
        async with world.uow() as uow:
            with pytest.raises(NotFound) as caught:
                await locations.visible_location(uow, actor, "closed room")
        assert caught.value.message == (
            "There is no location called *closed room* available to your teams."
        )
    async with world.uow() as uow:
        shown = await locations.visible_location(uow, await world.actor(ADA), "closed room")
    assert (shown.name, shown.active) == ("Closed Room", False)


async def test_names_in_look_up_errors_are_shown_clean_and_escaped(world: World) -> None:
    actor = await world.actor(BOSS)
    async with world.uow() as uow:
        with pytest.raises(NotFound) as caught:
            await locations.find_location(uow, actor, "R&D\u200b <!here>\u202e")
    assert caught.value.message == (
        "There is no location called *R&amp;D &lt;!here&gt;*. `/vilt location list` shows them."
    )
