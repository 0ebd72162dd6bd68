"""When a connection's warnings are due and when the Re-link button shows (pure rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.connection_rules import offers_relink, warning_key, warning_stage
from domain.models import LocationKind
from domain.rules import connection_status

EXPIRES = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("before", "stage"),
    [
        (timedelta(days=8), None),
        (timedelta(days=7, seconds=1), None),
        (timedelta(days=7), "7d"),
        (timedelta(days=3, hours=1), "7d"),
        (timedelta(days=3), "3d"),
        (timedelta(days=1), "1d"),
        # Days without a run: only the latest stage is due, not the skipped ones.
        (timedelta(hours=2), "1d"),
        (timedelta(0), "lapsed"),
        (-timedelta(days=4), "lapsed"),
    ],
)
def test_the_latest_due_stage_is_the_only_one(before: timedelta, stage: str | None) -> None:
    assert warning_stage(EXPIRES, EXPIRES - before) == stage


def test_a_renewed_connection_gets_warnings_of_its_own() -> None:
    first = warning_key(7, "7d", EXPIRES, "C0TRAINING")
    assert first == "connection:7:20270301T120000:7d:C0TRAINING"
    assert warning_key(7, "7d", EXPIRES + timedelta(days=30), "C0TRAINING") != first
    assert warning_key(7, "7d", EXPIRES, "U0BOSS0001") != first


@pytest.mark.parametrize(
    ("now", "error", "offered"),
    [
        (EXPIRES - timedelta(days=20), None, False),
        (EXPIRES - timedelta(days=7, hours=1), None, False),
        (EXPIRES - timedelta(days=6), None, True),
        (EXPIRES + timedelta(hours=1), None, True),
        (EXPIRES - timedelta(days=20), "revoked", True),
    ],
)
def test_the_relink_button_shows_within_a_week_and_when_down(
    now: datetime, error: str | None, offered: bool
) -> None:
    status = connection_status(
        kind=LocationKind.GOTOWEBINAR,
        linked_email="alice@example.com",
        expires_at=EXPIRES,
        error=error,
        now=now,
    )
    assert offers_relink(status) is offered


def test_a_classroom_or_an_unlinked_location_offers_no_relink() -> None:
    for kind, expires in ((LocationKind.CLASSROOM, None), (LocationKind.GOTOWEBINAR, None)):
        status = connection_status(
            kind=kind, linked_email=None, expires_at=expires, error=None, now=EXPIRES
        )
        assert not offers_relink(status)
