"""The `viltbot` console script as a person runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, inspect

from db.migrate import sync_url

VILTBOT = str(Path(sys.executable).parent / "viltbot")


def run(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "VILTBOT_", "GOTO_"))
    }
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [VILTBOT, *args],
        cwd=cwd,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = run("--help", cwd=tmp_path)
    assert result.returncode == 0
    for command in ("serve", "worker", "migrate", "goto-sandbox"):
        assert command in result.stdout


def test_serve_without_slack_credentials_names_what_is_missing_and_the_sandbox(
    tmp_path: Path,
) -> None:
    result = run("serve", cwd=tmp_path, env={"SLACK_SIGNING_SECRET": "changeme"})
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET, VILTBOT_SECRET_KEY, SLACK_BOT_TOKEN" in result.stderr
    assert "viltbot serve --sandbox" in result.stderr
    assert not (tmp_path / "viltbot.db").exists()  # refused before touching anything


def test_migrate_builds_the_schema_from_database_url(tmp_path: Path, database_url: str) -> None:
    result = run("migrate", cwd=tmp_path, env={"DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    assert "database is up to date" in result.stdout
    engine = create_engine(sync_url(database_url))
    assert {"team", "location", "notice"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_worker_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    result = run("worker", cwd=tmp_path)
    assert result.returncode == 2 and "VILTBOT_SECRET_KEY" in result.stderr


def test_serve_for_several_workspaces_refuses_admins_without_their_workspace(
    tmp_path: Path,
) -> None:
    env = {
        "SLACK_SIGNING_SECRET": "s3cr3t-signing",
        "VILTBOT_SECRET_KEY": "k3y-material",
        "SLACK_CLIENT_ID": "123.456",
        "SLACK_CLIENT_SECRET": "client-secret",
        "VILTBOT_ADMINS": "U0BOSS0001",
    }
    result = run("serve", cwd=tmp_path, env=env)
    assert result.returncode == 2
    assert "VILTBOT_ADMINS has entries it cannot use (U0BOSS0001)" in result.stderr
    assert "T0123ABCD:U0456EFGH" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "viltbot.db").exists()  # refused before touching anything
