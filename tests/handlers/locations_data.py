"""Saved locations as the handlers receive them (LocationView), in every connection state."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.models import LocationKind
from domain.rules import connection_status
from domain.services.locations import LocationView
from tests.handlers.support import OPS_TEAM, SALES, SUPPORT

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
OPS = OPS_TEAM
RESPONSE_URL = "https://hooks.slack.test/commands/T0ACME0001/1/abc"
LINK_URL = "https://viltbot.test/goto/oauth/start?state=s1"
CONSUMER_KEY = "demo-webinar-app"
SECRET = "demo-webinar-secret"


def status(
    kind: LocationKind,
    *,
    email: str | None = None,
    days: float | None = None,
    error: str | None = None,
) -> Any:
    """The connection status of a location linked `days` days before it lapses (or not)."""
    expires = NOW + timedelta(days=days) if days is not None else None
    return connection_status(
        kind=kind, linked_email=email, expires_at=expires, error=error, now=NOW
    )


WEBINAR = LocationView(
    id=7,
    name="Webinar Room",
    kind=LocationKind.GOTOWEBINAR,
    active=True,
    owner_team=SALES.name,
    owner_team_id=1,
    teams=[SALES.name, SUPPORT.name],
    team_ids=[1, 2],
    max_learners=25,
    information_url="https://example.com/webinars",
    description="Live product demos #onboarding #sales",
    tags=["onboarding", "sales"],
    goto_notifications=True,
    consumer_key=CONSUMER_KEY,
    has_secret=True,
    status=status(LocationKind.GOTOWEBINAR, email="bob@example.com", days=29.5),
    linked_email="bob@example.com",
)

CLASSROOM = LocationView(
    id=8,
    name="Oslo Room 3",
    kind=LocationKind.CLASSROOM,
    active=True,
    owner_team=SUPPORT.name,
    owner_team_id=2,
    teams=[SUPPORT.name],
    team_ids=[2],
    max_learners=None,
    information_url=None,
    description="",
    tags=[],
    goto_notifications=False,
    consumer_key=None,
    has_secret=False,
    status=status(LocationKind.CLASSROOM),
    linked_email=None,
)


def webinar(**changes: Any) -> LocationView:
    return replace(WEBINAR, **changes)


def training(**changes: Any) -> LocationView:
    """A GoToTraining location saved but not linked yet."""
    base = replace(
        WEBINAR,
        id=9,
        name="Training Lab",
        kind=LocationKind.GOTOTRAINING,
        consumer_key="demo-training-app",
        status=status(LocationKind.GOTOTRAINING),
        linked_email=None,
        goto_notifications=False,
    )
    return replace(base, **changes)


def classroom(**changes: Any) -> LocationView:
    return replace(CLASSROOM, **changes)
