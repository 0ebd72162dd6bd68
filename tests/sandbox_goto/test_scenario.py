"""Scenario files: loading, validation, relative times, and the shipped demo world."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from sandbox.goto import SandboxClock, Scenario, create_goto_sandbox, default_scenario
from sandbox.goto.scenario import load_scenario, resolve_time

DOCS = Path(__file__).resolve().parents[2] / "docs" / "goto.md"
NOW = datetime(2025, 3, 3, 8, 30, tzinfo=UTC)

MINIMAL = """
name: minimal
accounts:
  - {email: o@example.com, first_name: O, last_name: Org, organizer_key: 11, account_key: 22}
consumers:
  - {client_id: k, client_secret: s, name: App, product: both, accounts: [o@example.com]}
webinars:
  - webinar_key: 5
    organizer: o@example.com
    subject: W
    times: [{start: "2025-04-01T10:00:00Z", end: "2025-04-01T11:30:00Z"}]
    registrants: [{email: r@example.org, first_name: R, last_name: S}]
trainings:
  - training_key: 6
    organizer: o@example.com
    name: T
    times: [{start: "+1d@09:00"}]
"""


def minimal() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MINIMAL)
    return data


def test_load_scenario_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.name == "minimal"
    app = create_goto_sandbox(scenario, clock=SandboxClock(NOW, frozen=True))
    state = app.state.sandbox
    webinar = state.webinars[5]
    assert webinar.times[0][1] == datetime(2025, 4, 1, 11, 30, tzinfo=UTC)
    assert len(webinar.webinar_id) == 9
    assert state.trainings[6].times[0][0] == datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["webinars"][0].update(organizer="x@example.com"), "unknown organizer"),
        (lambda d: d["webinars"].append(dict(d["webinars"][0])), "duplicate webinar_key"),
        (lambda d: d["consumers"][0].update(accounts=[]), "no accounts"),
        (lambda d: d["consumers"][0].update(accounts=["z@example.com"]), "unknown account"),
        (
            lambda d: d["webinars"][0].update(
                sessions=[{"start": "-1d", "attendees": [{"email": "q@example.org", "minutes": 1}]}]
            ),
            "not a registrant",
        ),
        (
            lambda d: d["webinars"][0].update(sessions=[{"start": "-1d", "polls": ["Q?"]}]),
            "unknown poll",
        ),
        (lambda d: d["webinars"][0].update(colour="red"), "Extra inputs"),
        (lambda d: d["trainings"][0].update(times=[{"start": "next tuesday"}]), "Invalid"),
    ],
)
def test_invalid_scenarios_are_rejected(change: Callable[[Any], object], message: str) -> None:
    data = minimal()
    change(data)
    with pytest.raises(ValidationError, match=message):
        Scenario.model_validate(data)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("now", NOW),
        ("+2d", datetime(2025, 3, 5, 8, 30, tzinfo=UTC)),
        ("-1h30m", datetime(2025, 3, 3, 7, 0, tzinfo=UTC)),
        ("+1d@15:00", datetime(2025, 3, 4, 15, 0, tzinfo=UTC)),
        ("2025-01-02T03:04:05Z", datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)),
        ("2025-01-02T03:04:05", datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)),
    ],
)
def test_resolve_time(spec: str, expected: datetime) -> None:
    assert resolve_time(spec, NOW) == expected


def test_default_scenario_demo_values() -> None:
    scenario = default_scenario()
    consumers = {c.client_id: c for c in scenario.consumers}
    assert consumers["demo-webinar-app"].client_secret == "demo-webinar-secret"
    assert consumers["demo-webinar-app"].product == "webinar"
    assert consumers["demo-training-app"].client_secret == "demo-training-secret"
    assert consumers["demo-training-app"].product == "training"
    assert all(2 <= len(c.accounts) <= 3 for c in scenario.consumers)
    webinars = {w.webinar_key: w for w in scenario.webinars}
    assert any(q.required for w in webinars.values() for q in w.questions)
    assert any(w.polls for w in webinars.values())
    assert any(w.cancelled for w in webinars.values())
    assert any(w.registration_limit == 2 for w in webinars.values())
    assert scenario.trainings


def test_docs_list_the_default_scenario() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    scenario = default_scenario()
    for consumer in scenario.consumers:
        assert consumer.client_id in docs and consumer.client_secret in docs
    for account in scenario.accounts:
        assert account.email in docs and str(account.organizer_key) in docs
    for webinar in scenario.webinars:
        assert str(webinar.webinar_key) in docs
    for training in scenario.trainings:
        assert str(training.training_key) in docs
