"""Field limits of a location, exactly at and one past each, through the create service.

The limits come from domain.limits, where the validation, the modals and the columns read them.
"""

from __future__ import annotations

import pytest

from domain.errors import FieldErrors
from domain.limits import (
    CONSUMER_KEY_MAX,
    CONSUMER_SECRET_MAX,
    DESCRIPTION_MAX,
    INFORMATION_URL_MAX,
    LOCATION_NAME_MAX,
    MAX_LEARNERS_MAX,
    MAX_LEARNERS_MIN,
)
from domain.models import Location, Team
from domain.services import locations
from tests.domain.conftest import World, location_form

ADA = "U0ADA00001"
MAX_LEARNERS_RULE = (
    f"Enter a whole number from {MAX_LEARNERS_MIN:,} to {MAX_LEARNERS_MAX:,}, or leave it empty."
)
URL_START = "https://acme.test/"


@pytest.fixture
async def alpha(world: World) -> Team:
    return await world.make_team("Alpha", admins=[ADA])


async def create(world: World, alpha: Team, **changes: object) -> Location:
    actor = await world.actor(ADA)
    form = location_form(owner_team_id=alpha.id, team_ids=[alpha.id], **changes)
    async with world.uow() as uow:
        location = await locations.create_location(uow, actor, form, sealer=world.sealer)
        await uow.commit()
    return await world.reload(Location, location.id)


async def refused(world: World, alpha: Team, **changes: object) -> dict[str, str]:
    with pytest.raises(FieldErrors) as caught:
        await create(world, alpha, **changes)
    assert await world.rows(Location) == []
    return caught.value.errors


# --- name -----------------------------------------------------------------------------------


async def test_a_name_of_exactly_the_longest_length_is_saved(world: World, alpha: Team) -> None:
    name = "n" * LOCATION_NAME_MAX
    assert (await create(world, alpha, name=f"  {name} ")).name == name


async def test_a_name_one_past_the_longest_is_refused(world: World, alpha: Team) -> None:
    assert await refused(world, alpha, name="n" * (LOCATION_NAME_MAX + 1)) == {
        "name": f"A location name has at most {LOCATION_NAME_MAX} characters."
    }


async def test_a_name_whose_compare_key_grows_past_the_longest_is_refused(
    world: World, alpha: Team
) -> None:
    # "İ" folds to "i̇" (two characters): the key would not fit the column.
    assert await refused(world, alpha, name="İ" * LOCATION_NAME_MAX) == {
        "name": f"A location name has at most {LOCATION_NAME_MAX} characters."
    }


async def test_a_name_is_counted_after_spaces_are_collapsed(world: World, alpha: Team) -> None:
    half = LOCATION_NAME_MAX // 2
    name = "a" * (half - 1) + "     " + "b" * (LOCATION_NAME_MAX - half)
    assert len((await create(world, alpha, name=name)).name) == LOCATION_NAME_MAX


@pytest.mark.parametrize("blank", ["", "   ", "\u200b\u200d"])
async def test_a_location_needs_a_name(world: World, alpha: Team, blank: str) -> None:
    assert await refused(world, alpha, name=blank) == {"name": "Give the location a name."}


async def test_invisible_characters_are_dropped_from_a_name(world: World, alpha: Team) -> None:
    saved = await create(world, alpha, name="Web\u200binar \u202eRoom")
    assert (saved.name, saved.name_key) == ("Webinar Room", "webinar room")


# --- max learners ---------------------------------------------------------------------------


@pytest.mark.parametrize("limit", [MAX_LEARNERS_MIN, MAX_LEARNERS_MAX])
async def test_max_learners_at_either_end_of_the_range_is_saved(
    world: World, alpha: Team, limit: int
) -> None:
    assert (await create(world, alpha, max_learners=str(limit))).max_learners == limit


@pytest.mark.parametrize("limit", [MAX_LEARNERS_MIN - 1, MAX_LEARNERS_MAX + 1])
async def test_max_learners_one_past_either_end_is_refused(
    world: World, alpha: Team, limit: int
) -> None:
    assert await refused(world, alpha, max_learners=str(limit)) == {
        "max_learners": MAX_LEARNERS_RULE
    }


@pytest.mark.parametrize(
    "typed",
    [
        "-5",
        "ten",
        "2.5",
        "\u0661\u0660",  # Arabic 10
        "\u00b2",  # superscript two: a digit to str.isdigit, not to int()
        "1" * 4301,  # past the digits int() converts at all
        "0" * 13 + "5",  # a small number, typed longer than the field allows
    ],
)
async def test_max_learners_must_be_a_whole_number(world: World, alpha: Team, typed: str) -> None:
    assert await refused(world, alpha, max_learners=typed) == {"max_learners": MAX_LEARNERS_RULE}


async def test_max_learners_may_be_typed_with_separators_or_left_empty(
    world: World, alpha: Team
) -> None:
    assert (await create(world, alpha, name="A", max_learners=" 1,500 ")).max_learners == 1500
    assert (await create(world, alpha, name="B", max_learners="")).max_learners is None


# --- information URL ------------------------------------------------------------------------


async def test_a_url_of_exactly_the_longest_length_is_saved(world: World, alpha: Team) -> None:
    url = URL_START + "a" * (INFORMATION_URL_MAX - len(URL_START))
    assert (await create(world, alpha, information_url=url)).information_url == url


async def test_a_url_one_past_the_longest_is_refused(world: World, alpha: Team) -> None:
    url = URL_START + "a" * (INFORMATION_URL_MAX + 1 - len(URL_START))
    assert await refused(world, alpha, information_url=url) == {
        "information_url": f"An information URL has at most {INFORMATION_URL_MAX:,} characters."
    }


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://acme.test/x",
        "https://",
        "https://acme.test/a b",
        "http://[::1/map",  # urlparse raises on an unclosed IPv6 bracket
    ],
)
async def test_a_url_must_be_a_web_address(world: World, alpha: Team, url: str) -> None:
    assert await refused(world, alpha, information_url=url) == {
        "information_url": "Enter a web address starting with http:// or https://."
    }


# --- description ----------------------------------------------------------------------------


async def test_a_description_of_exactly_the_longest_length_is_saved(
    world: World, alpha: Team
) -> None:
    text = "d" * DESCRIPTION_MAX
    assert (await create(world, alpha, description=text)).description == text


async def test_a_description_one_past_the_longest_is_refused(world: World, alpha: Team) -> None:
    assert await refused(world, alpha, description="d" * (DESCRIPTION_MAX + 1)) == {
        "description": f"A description has at most {DESCRIPTION_MAX:,} characters."
    }


# --- the GoTo app ---------------------------------------------------------------------------


async def test_a_consumer_key_of_exactly_the_longest_length_is_saved(
    world: World, alpha: Team
) -> None:
    key = "k" * CONSUMER_KEY_MAX
    assert (await create(world, alpha, consumer_key=key)).consumer_key == key


@pytest.mark.parametrize("key", ["k" * (CONSUMER_KEY_MAX + 1), "has space"])
async def test_a_consumer_key_too_long_or_with_spaces_is_refused(
    world: World, alpha: Team, key: str
) -> None:
    errors = await refused(world, alpha, consumer_key=key)
    assert list(errors) == ["consumer_key"]
    assert errors["consumer_key"].startswith("That does not look like a consumer key")


async def test_a_goto_location_needs_its_consumer_key_and_secret(world: World, alpha: Team) -> None:
    assert await refused(
        world, alpha, kind="gototraining", consumer_key=" ", consumer_secret=""
    ) == {
        "consumer_key": "Paste the consumer key of your GoToTraining app.",
        "consumer_secret": "Paste the consumer secret of your GoToTraining app.",
    }


async def test_a_consumer_secret_of_exactly_the_longest_length_is_saved_sealed(
    world: World, alpha: Team
) -> None:
    secret = "s" * CONSUMER_SECRET_MAX
    saved = await create(world, alpha, consumer_secret=secret)
    assert saved.consumer_secret_enc is not None
    assert world.sealer.decrypt(saved.consumer_secret_enc) == secret


async def test_a_consumer_secret_one_past_the_longest_is_refused_without_echoing_it(
    world: World, alpha: Team
) -> None:
    secret = "S3cr3t" + "s" * (CONSUMER_SECRET_MAX + 1 - len("S3cr3t"))
    with pytest.raises(FieldErrors) as caught:
        await create(world, alpha, consumer_secret=secret)
    assert list(caught.value.errors) == ["consumer_secret"]
    assert caught.value.errors["consumer_secret"].startswith(
        "That does not look like a consumer secret"
    )
    assert "S3cr3t" not in str(caught.value)


@pytest.mark.parametrize("kind", ["zoom", ""])
async def test_an_unknown_kind_is_refused(world: World, alpha: Team, kind: str) -> None:
    errors = await refused(world, alpha, kind=kind)
    assert errors["kind"] == "Choose classroom, GoToWebinar or GoToTraining."


async def test_control_characters_leave_a_description_but_its_lines_and_emoji_stay(
    world: World, alpha: Team
) -> None:
    typed = "Room\x00 one\nfloor 2\t👩\u200d💻 #lab"
    saved = await create(world, alpha, description=typed)
    assert saved.description == "Room one\nfloor 2\t👩\u200d💻 #lab"
