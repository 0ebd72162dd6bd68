"""`viltbot rotate-secrets`: every stored secret ends up under the newest key, counted, never shown."""

from __future__ import annotations

from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import Table, create_engine, insert, select
from sqlalchemy.engine import Engine

from bot.crypto import SecretBox
from bot.secret_rotation import LOCATION_TABLE
from db.migrate import sync_url
from db.slack_tables import bots_table, installations_table
from domain.models import LocationKind, Team, Workspace
from domain.types import utcnow
from tests.cli.test_commands import run
from tests.unit.test_crypto import legacy_value

OLD_PASSPHRASE = "the old passphrase"
NOW = utcnow()
WORKSPACE_TABLE: Table = Workspace.__table__  # type: ignore[attr-defined]
TEAM_TABLE: Table = Team.__table__  # type: ignore[attr-defined]
NEW_KEY = Fernet.generate_key().decode()

PLAINTEXTS = {
    "consumer": "consumer-secret-1",
    "access": "goto-access-token-1",
    "refresh": "goto-refresh-token-1",
    "consumer2": "consumer-secret-2",
    "bot": "xoxb-installed-bot-token",
    "bot_refresh": "xoxe-bot-refresh-token",
    "user": "xoxp-installer-user-token",
    "bots_bot": "xoxb-bots-table-token",
}


def seed(engine: Engine) -> None:
    """Secrets as an existing database holds them: some from the SHA-256 era, some under v2."""
    old = SecretBox(OLD_PASSPHRASE)
    with engine.begin() as conn:
        conn.execute(insert(WORKSPACE_TABLE).values(id="T0ROTATE01", name="Acme", created_at=NOW))  # type: ignore[attr-defined]
        team_id = conn.execute(
            insert(TEAM_TABLE)
            .values(
                workspace_id="T0ROTATE01",
                name="Sales",
                name_key="sales",
                channel_id="C0SALES001",
                created_by="U0BOSS0001",
                created_at=NOW,
            )
            .returning(TEAM_TABLE.c.id)
        ).scalar_one()
        base = {"workspace_id": "T0ROTATE01", "owner_team_id": team_id, "created_by": "U0BOSS0001"}
        base |= {"created_at": NOW, "updated_at": NOW, "description": ""}
        conn.execute(
            insert(LOCATION_TABLE).values(
                **base,
                name="Webinar Room",
                name_key="webinar room",
                kind=LocationKind.GOTOWEBINAR,
                consumer_key="key-1",
                consumer_secret_enc=legacy_value(OLD_PASSPHRASE, PLAINTEXTS["consumer"]),
                access_token_enc=legacy_value(OLD_PASSPHRASE, PLAINTEXTS["access"]),
                refresh_token_enc=old.encrypt(PLAINTEXTS["refresh"]),
            )
        )
        conn.execute(
            insert(LOCATION_TABLE).values(
                **base,
                name="Training Room",
                name_key="training room",
                kind=LocationKind.GOTOTRAINING,
                consumer_key="key-2",
                consumer_secret_enc=old.encrypt(PLAINTEXTS["consumer2"]),
            )
        )
        conn.execute(
            insert(LOCATION_TABLE).values(
                **base, name="Classroom", name_key="classroom", kind=LocationKind.CLASSROOM
            )
        )
        conn.execute(
            insert(installations_table).values(
                client_id="111.222",
                app_id="A0VILTBOT1",
                team_id="T0ROTATE01",
                user_id="U0BOSS0001",
                bot_token=legacy_value(OLD_PASSPHRASE, PLAINTEXTS["bot"]),
                bot_refresh_token=old.encrypt(PLAINTEXTS["bot_refresh"]),
                user_token=old.encrypt(PLAINTEXTS["user"]),
            )
        )
        conn.execute(
            insert(bots_table).values(
                client_id="111.222",
                app_id="A0VILTBOT1",
                team_id="T0ROTATE01",
                bot_token=old.encrypt(PLAINTEXTS["bots_bot"]),
            )
        )


def stored_values(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        values = [
            *conn.execute(
                select(
                    LOCATION_TABLE.c.consumer_secret_enc,
                    LOCATION_TABLE.c.access_token_enc,
                    LOCATION_TABLE.c.refresh_token_enc,
                ).order_by(LOCATION_TABLE.c.id)
            ).all(),
            *conn.execute(
                select(
                    installations_table.c.bot_token,
                    installations_table.c.bot_refresh_token,
                    installations_table.c.user_token,
                )
            ).all(),
            *conn.execute(select(bots_table.c.bot_token)).all(),
        ]
    return [value for row in values for value in row if value is not None]


def test_rotation_reencrypts_every_secret_under_the_newest_key(
    tmp_path: Path, database_url: str
) -> None:
    engine = create_engine(sync_url(database_url))
    try:
        seed(engine)
        result = run(
            "rotate-secrets",
            cwd=tmp_path,
            env={"DATABASE_URL": database_url, "VILTBOT_SECRET_KEY": f"{NEW_KEY},{OLD_PASSPHRASE}"},
        )
        assert result.returncode == 0, result.stderr
        assert "location.consumer_secret_enc: 2 re-encrypted" in result.stdout
        assert "location.access_token_enc: 1 re-encrypted" in result.stdout
        assert "location.refresh_token_enc: 1 re-encrypted" in result.stdout
        assert "slack_installations.bot_token: 1 re-encrypted" in result.stdout
        assert "slack_installations.user_token: 1 re-encrypted" in result.stdout
        assert "slack_bots.bot_token: 1 re-encrypted" in result.stdout
        assert "8 secrets now use the first key" in result.stdout
        output = result.stdout + result.stderr
        assert not any(secret in output for secret in PLAINTEXTS.values())
        assert OLD_PASSPHRASE not in output and NEW_KEY not in output

        only_new = SecretBox(NEW_KEY)
        opened = sorted(only_new.decrypt(value) for value in stored_values(engine))
        assert opened == sorted(PLAINTEXTS.values())
    finally:
        engine.dispose()


def test_rotation_without_the_old_key_changes_nothing(tmp_path: Path, database_url: str) -> None:
    engine = create_engine(sync_url(database_url))
    try:
        seed(engine)
        before = stored_values(engine)
        result = run(
            "rotate-secrets",
            cwd=tmp_path,
            env={"DATABASE_URL": database_url, "VILTBOT_SECRET_KEY": NEW_KEY},
        )
        assert result.returncode == 1
        assert "cannot be decrypted with VILTBOT_SECRET_KEY; nothing was changed" in result.stderr
        assert stored_values(engine) == before
    finally:
        engine.dispose()
