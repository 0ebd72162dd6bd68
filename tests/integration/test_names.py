"""Names compare the way people read them: case, width and invisible characters do not count."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.migrate import downgrade, sync_url, upgrade
from db.uow import SqlUnitOfWork
from domain.errors import Conflict, FieldErrors, InvalidInput
from domain.limits import LOCATION_NAME_MAX, TEAM_NAME_MAX
from domain.names import clean_name, name_key
from domain.rules import LocationForm
from domain.services import locations, teams
from domain.services.identity import resolve_actor
from tests.support.fakes import FakeDirectory

WS = "T0ACME0001"
BOSS = "U0BOSS0001"
CHANNEL = "C0TRAIN001"
ZWSP, RLO, SHY = "\u200b", "\u202e", "\u00ad"


def wide(ascii_text: str) -> str:
    """The same letters in their full-width forms, as East Asian keyboards type them."""
    return "".join(chr(ord(c) + 0xFEE0) for c in ascii_text)


class Sealer:
    def encrypt(self, plaintext: str) -> str:
        return f"sealed:{plaintext}"

    def decrypt(self, stored: str) -> str:
        return stored.removeprefix("sealed:")


@pytest.mark.parametrize(
    ("typed", "clean", "key"),
    [
        ("  Sales \t Academy\n", "Sales Academy", "sales academy"),
        (f"Sa{ZWSP}les", "Sales", "sales"),
        (f"{RLO}Sales{SHY}", "Sales", "sales"),
        (wide("SALES"), "SALES", "sales"),
        ("Straße", "Straße", "strasse"),
        ("ﬁnance", "finance", "finance"),  # a ligature
        (f"{ZWSP} \u3000 ", "", ""),  # nothing visible is no name
    ],
)
def test_a_name_is_cleaned_once_and_keyed_case_folded(typed: str, clean: str, key: str) -> None:
    assert (clean_name(typed), name_key(typed)) == (clean, key)
    assert name_key(clean_name(typed)) == name_key(typed)


def test_a_name_whose_key_outgrows_the_column_is_refused() -> None:
    with pytest.raises(InvalidInput, match=f"at most {TEAM_NAME_MAX}"):
        teams.clean_team_name("ß" * (TEAM_NAME_MAX // 2 + 1))  # its key doubles in length
    assert teams.clean_team_name("ß" * (TEAM_NAME_MAX // 2)) == "ß" * (TEAM_NAME_MAX // 2)


async def test_teams_and_locations_are_found_and_kept_unique_by_their_key(
    factory: async_sessionmaker[AsyncSession],
) -> None:
    directory = FakeDirectory(channels={CHANNEL: "training"})
    async with SqlUnitOfWork(factory) as uow:
        boss = await resolve_actor(uow, WS, BOSS, first_admins=[BOSS])
        team = await teams.create_team(
            uow, boss, name=f"Straße{ZWSP} Team", channel_id=CHANNEL, slack=directory
        )
        await uow.commit()
    assert (team.name, team.name_key) == ("Straße Team", "strasse team")
    async with SqlUnitOfWork(factory) as uow:
        boss = await resolve_actor(uow, WS, BOSS, first_admins=[BOSS])
        assert (await teams.find_team(uow, WS, "STRASSE  team")).id == team.id
        with pytest.raises(Conflict, match="already exists"):
            await teams.create_team(
                uow, boss, name=wide("STRASSE") + " Team", channel_id=CHANNEL, slack=directory
            )
        assert team.id is not None
        form = LocationForm(
            name=f"Webinar{SHY} Room", kind="classroom", owner_team_id=team.id, team_ids=[team.id]
        )
        location = await locations.create_location(uow, boss, form, sealer=Sealer())
        await uow.commit()
    assert (location.name, location.name_key) == ("Webinar Room", "webinar room")
    async with SqlUnitOfWork(factory) as uow:
        boss = await resolve_actor(uow, WS, BOSS, first_admins=[BOSS])
        found = await locations.find_location(uow, boss, f"{RLO}webinar ROOM")
        assert found.id == location.id
        page = await locations.list_locations(uow, boss, wide("ROOM"))
        assert [view.name for view in page.views] == ["Webinar Room"]
        form.name = "WEBINAR ROOM"
        with pytest.raises(FieldErrors) as refused:
            await locations.create_location(uow, boss, form, sealer=Sealer())
        assert refused.value.errors == {"name": "Another location of the owner team has this name."}
        form.name = "ß" * (LOCATION_NAME_MAX // 2 + 1)
        with pytest.raises(FieldErrors) as refused:
            await locations.create_location(uow, boss, form, sealer=Sealer())
        assert refused.value.errors == {
            "name": f"A location name has at most {LOCATION_NAME_MAX} characters."
        }


def test_the_migration_brings_stored_names_and_keys_to_the_new_form(database_url: str) -> None:
    engine = create_engine(sync_url(database_url))
    downgrade(database_url, "0002")
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO workspace (id, name, created_at) VALUES ('T0ACME0001', 'Acme', "
                    "CURRENT_TIMESTAMP)"
                )
            )
            # As the old code stored them: whitespace collapsed, keyed by lower().
            for team_id, name in [(1, f"Sa{ZWSP}les"), (2, "Straße"), (3, "STRASSE"), (4, "Ops")]:
                conn.execute(
                    text(
                        "INSERT INTO team (id, workspace_id, name, name_key, channel_id, created_by, "
                        "created_at) VALUES (:id, 'T0ACME0001', :name, :key, 'C0TRAIN001', "
                        "'U0BOSS0001', CURRENT_TIMESTAMP)"
                    ),
                    {"id": team_id, "name": name, "key": name.lower()},
                )
    finally:
        upgrade(database_url)  # the database stays at head for the tests after this one
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, name, name_key FROM team ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [
        (1, "Sales", "sales"),
        (2, "Straße", "straße"),  # "strasse" is taken by team 3: kept as it was, to be renamed
        (3, "STRASSE", "strasse"),
        (4, "Ops", "ops"),
    ]
    engine.dispose()
