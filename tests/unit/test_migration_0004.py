"""Migration 0004: notices already tried get a first attempt to search Slack's history from."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from db.migrate import downgrade, sync_url, upgrade


def test_notices_tried_before_the_upgrade_are_searched_from_their_creation(
    database_url: str,
) -> None:
    downgrade(database_url, "0003")
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO workspace (id, name, created_at) VALUES ('T0MIGR0001', '', :t)"),
                {"t": "2026-11-30 10:00:00+00:00"},
            )
            for key, status, attempts in (
                ("held", "sending", 0),
                ("tried", "pending", 2),
                ("new", "pending", 0),
            ):
                conn.execute(
                    text(
                        "INSERT INTO notice (workspace_id, kind, channel, text, dedupe_key, status,"
                        " attempts, next_attempt_at, created_at)"
                        " VALUES ('T0MIGR0001', 'test', 'C0TRAINING', 'x', :key, :status,"
                        " :attempts, :t, :t)"
                    ),
                    {
                        "key": key,
                        "status": status,
                        "attempts": attempts,
                        "t": "2026-11-30 10:00:00+00:00",
                    },
                )
        upgrade(database_url)
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT dedupe_key, first_attempt_at IS NOT NULL, in_doubt FROM notice")
            ).all()
        assert {key: (bool(tried), bool(doubt)) for key, tried, doubt in rows} == {
            "held": (True, False),
            "tried": (True, False),
            "new": (False, False),
        }
    finally:
        engine.dispose()
