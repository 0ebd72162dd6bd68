"""The SQLite database holds sealed secrets and who is admin: only its owner may read it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import text

from db.engine import create_engine
from tests.cli.test_commands import run


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def file_modes(database: Path) -> tuple[int, int, int]:
    """Modes of the database file and of its -wal and -shm files."""
    return mode(database), mode(Path(f"{database}-wal")), mode(Path(f"{database}-shm"))


async def test_the_database_file_and_its_wal_and_shm_are_created_0600(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'viltbot.db'}"
    old_umask = os.umask(0o022)
    try:
        result = run("migrate", cwd=tmp_path, env={"DATABASE_URL": url})
        assert result.returncode == 0, result.stderr
        database = tmp_path / "data" / "viltbot.db"
        assert mode(database) == 0o600
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "INSERT INTO workspace (id, name, created_at) "
                        "VALUES ('T0MODE0001', 'Acme', CURRENT_TIMESTAMP)"
                    )
                )
            # mode() fails on a file that does not exist: all three must be there.
            assert file_modes(database) == (0o600, 0o600, 0o600)
        finally:
            await engine.dispose()
    finally:
        os.umask(old_umask)


async def test_a_world_readable_database_from_an_older_release_is_tightened(
    tmp_path: Path,
) -> None:
    database = tmp_path / "viltbot.db"
    url = f"sqlite:///{database}"
    assert run("migrate", cwd=tmp_path, env={"DATABASE_URL": url}).returncode == 0
    database.chmod(0o644)
    engine = create_engine(url)
    await engine.dispose()
    assert mode(database) == 0o600
