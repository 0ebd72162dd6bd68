"""Pure rules: location validation, #tags, connection status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain import limits
from domain.models import LocationKind
from domain.rules import LocationForm, connection_status, tags_in, validate_location

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def form(**changes: object) -> LocationForm:
    base = LocationForm(
        name="Room",
        kind="gotowebinar",
        owner_team_id=1,
        team_ids=[1],
        consumer_key="k",
        consumer_secret="s",
    )
    for key, value in changes.items():
        setattr(base, key, value)
    return base


def errors_of(f: LocationForm, *, saved_secret: bool = False) -> dict[str, str]:
    _, errors = validate_location(
        f, admin_team_ids={1}, workspace_team_ids={1, 2}, has_saved_secret=saved_secret
    )
    return errors


def test_a_good_form_is_cleaned() -> None:
    clean, errors = validate_location(
        form(name="  Big   Room ", max_learners="1,000", information_url=" https://x.test/map "),
        admin_team_ids={1},
        workspace_team_ids={1, 2},
    )
    assert errors == {}
    assert clean is not None
    assert (clean.name, clean.max_learners, clean.information_url) == (
        "Big Room",
        1000,
        "https://x.test/map",
    )
    assert clean.kind is LocationKind.GOTOWEBINAR


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"kind": "zoom"}, "kind"),
        ({"max_learners": "-1"}, "max_learners"),
        ({"max_learners": "100001"}, "max_learners"),
        ({"information_url": "javascript:alert(1)"}, "information_url"),
        ({"information_url": "https://"}, "information_url"),
        ({"owner_team_id": 2}, "owner_team"),  # a team the caller does not administer
        ({"team_ids": [3]}, "team_availability"),  # a team that does not exist
        ({"consumer_key": "has space"}, "consumer_key"),
        ({"consumer_secret": ""}, "consumer_secret"),
        ({"max_learners": "²"}, "max_learners"),  # a digit to str.isdigit, not to int()
        (
            {"information_url": "https://x.test/" + "a" * limits.INFORMATION_URL_MAX},
            "information_url",
        ),
        ({"description": "d" * (limits.DESCRIPTION_MAX + 1)}, "description"),
        ({"consumer_key": "k" * (limits.CONSUMER_KEY_MAX + 1)}, "consumer_key"),
        ({"consumer_secret": "s" * (limits.CONSUMER_SECRET_MAX + 1)}, "consumer_secret"),
    ],
)
def test_each_wrong_field_is_named(changes: dict[str, object], field: str) -> None:
    assert list(errors_of(form(**changes))) == [field]


def test_each_limit_is_allowed_up_to_its_value() -> None:
    url = "https://x.test/"
    at_the_limits = form(
        name="n" * limits.LOCATION_NAME_MAX,
        max_learners=str(limits.MAX_LEARNERS_MAX),
        information_url=url + "a" * (limits.INFORMATION_URL_MAX - len(url)),
        description="d" * limits.DESCRIPTION_MAX,
        consumer_key="k" * limits.CONSUMER_KEY_MAX,
        consumer_secret="s" * limits.CONSUMER_SECRET_MAX,
    )
    assert errors_of(at_the_limits) == {}
    assert "1 to 100,000" in errors_of(form(max_learners="0"))["max_learners"]


def test_the_secret_may_stay_blank_when_one_is_saved_and_classrooms_need_none() -> None:
    assert errors_of(form(consumer_secret=""), saved_secret=True) == {}
    clean, errors = validate_location(
        form(kind="classroom", consumer_key="", consumer_secret="", goto_notifications=True),
        admin_team_ids={1},
        workspace_team_ids={1},
    )
    assert errors == {} and clean is not None
    assert (clean.consumer_key, clean.consumer_secret, clean.goto_notifications) == (
        None,
        None,
        False,
    )


def test_tags_are_found_once_lower_cased_and_not_in_urls_or_entities() -> None:
    text = "Demos #Onboarding and #sales-101, again #onboarding; see https://x.test/#anchor &#39;"
    assert tags_in(text) == ["onboarding", "sales-101"]


@pytest.mark.parametrize(
    ("expires", "error", "state", "text"),
    [
        (None, None, "not_linked", "not linked"),
        (
            NOW + timedelta(days=29, hours=1),
            None,
            "connected",
            "connected as a@b.c until 2026-12-26 (29 days left)",
        ),
        (
            NOW + timedelta(hours=5),
            None,
            "connected",
            "connected as a@b.c until 2026-11-27 (0 days left)",
        ),
        (NOW - timedelta(seconds=1), None, "expired", "expired"),
        (NOW + timedelta(days=3), "refresh refused", "failed", "failed: refresh refused"),
    ],
)
def test_connection_status_lines(
    expires: datetime | None, error: str | None, state: str, text: str
) -> None:
    status = connection_status(
        kind=LocationKind.GOTOWEBINAR,
        linked_email="a@b.c",
        expires_at=expires,
        error=error,
        now=NOW,
    )
    assert (status.state, status.text) == (state, text)


def test_classrooms_have_no_connection() -> None:
    status = connection_status(
        kind=LocationKind.CLASSROOM, linked_email=None, expires_at=None, error=None, now=NOW
    )
    assert (status.state, status.text, status.days_left) == (
        "not_applicable",
        "classroom (no GoTo connection)",
        None,
    )


def test_a_new_goto_location_has_no_saved_secret_to_fall_back_on() -> None:
    _, errors = validate_location(
        form(consumer_secret=""), admin_team_ids={1}, workspace_team_ids={1}
    )
    assert errors == {"consumer_secret": "Paste the consumer secret of your GoToWebinar app."}


@pytest.mark.parametrize(("typed", "saved"), [("1_000", 1000), (" 12,500 ", 12500), ("7", 7)])
def test_max_learners_may_be_grouped_with_commas_or_underscores(typed: str, saved: int) -> None:
    clean, errors = validate_location(
        form(max_learners=typed), admin_team_ids={1}, workspace_team_ids={1}
    )
    assert errors == {} and clean is not None
    assert clean.max_learners == saved


@pytest.mark.parametrize("url", ["http://intranet.acme.test/rooms", "https://acme.test/rooms"])
def test_an_information_url_may_be_http_or_https(url: str) -> None:
    clean, errors = validate_location(
        form(information_url=url), admin_team_ids={1}, workspace_team_ids={1}
    )
    assert errors == {} and clean is not None
    assert clean.information_url == url


@pytest.mark.parametrize("notifications", [True, False])
def test_a_goto_location_keeps_the_notifications_choice(notifications: bool) -> None:
    clean, _ = validate_location(
        form(goto_notifications=notifications), admin_team_ids={1}, workspace_team_ids={1}
    )
    assert clean is not None
    assert clean.goto_notifications is notifications


def status_of(expires: datetime | None, email: str | None = "a@b.c") -> tuple[str, str, int | None]:
    status = connection_status(
        kind=LocationKind.GOTOTRAINING, linked_email=email, expires_at=expires, error=None, now=NOW
    )
    return status.state, status.text, status.days_left


@pytest.mark.parametrize(
    ("left", "text", "days"),
    [
        (timedelta(days=1, hours=2), "connected as a@b.c until 2026-11-28 (1 day left)", 1),
        (timedelta(days=2), "connected as a@b.c until 2026-11-29 (2 days left)", 2),
        (timedelta(days=7, minutes=1), "connected as a@b.c until 2026-12-04 (7 days left)", 7),
    ],
)
def test_days_left_are_counted_in_whole_days_and_said_in_words(
    left: timedelta, text: str, days: int
) -> None:
    assert status_of(NOW + left) == ("connected", text, days)


def test_a_connection_without_an_email_names_a_goto_account() -> None:
    assert status_of(NOW + timedelta(days=3), email=None) == (
        "connected",
        "connected as a GoTo account until 2026-11-30 (3 days left)",
        3,
    )


def test_only_an_expired_connection_has_zero_days_left_others_none() -> None:
    assert status_of(NOW)[2] == 0
    assert status_of(None)[2] is None
