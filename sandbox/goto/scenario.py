"""Scenario files: the consumer apps, GoTo accounts, webinars and trainings a sandbox starts with."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

DEFAULT_SCENARIO_FILE = "default_scenario.yaml"

Product = Literal["webinar", "training", "both"]

# The optional standard fields of GoToWebinar's "Create registrant" body (RegistrantFields).
STANDARD_FIELDS = (
    "source",
    "address",
    "city",
    "state",
    "zipCode",
    "country",
    "phone",
    "organization",
    "jobTitle",
    "questionsAndComments",
    "industry",
    "numberOfEmployees",
    "purchasingTimeFrame",
    "purchasingRole",
)

# "+2d", "-3h30m", "+1d@15:00", "now": relative times keep the demo scenario current forever.
_RELATIVE = re.compile(
    r"^(?P<sign>[+-])(?:(?P<days>\d+)d)?(?:(?P<hours>\d+)h)?(?:(?P<minutes>\d+)m)?"
    r"(?:@(?P<hh>\d{1,2}):(?P<mm>\d{2}))?$"
)


def resolve_time(spec: str | datetime, now: datetime) -> datetime:
    """Turn a scenario time (ISO 8601, "now", or relative like "+2d@15:00") into UTC."""
    if isinstance(spec, datetime):
        return spec if spec.tzinfo else spec.replace(tzinfo=UTC)
    text = spec.strip()
    if text == "now":
        return now
    match = _RELATIVE.match(text)
    if match:
        delta = timedelta(
            days=int(match["days"] or 0),
            hours=int(match["hours"] or 0),
            minutes=int(match["minutes"] or 0),
        )
        when = now + delta if match["sign"] == "+" else now - delta
        if match["hh"] is not None:
            when = when.replace(hour=int(match["hh"]), minute=int(match["mm"]), second=0)
        return when.replace(microsecond=0)
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _check_time(value: str | datetime) -> str | datetime:
    if isinstance(value, str):
        resolve_time(value, datetime.now(UTC))  # raises ValueError on nonsense
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AccountSpec(_Model):
    """A GoTo user who can sign in and organize webinars or trainings."""

    email: str
    first_name: str
    last_name: str
    organizer_key: int
    account_key: int
    time_zone: str = "UTC"


class ConsumerSpec(_Model):
    """An OAuth client ("consumer app") registered in GoTo's developer centre."""

    client_id: str
    client_secret: str
    name: str
    product: Product
    accounts: list[str] = Field(description="emails of the accounts that may sign in")
    redirect_uris: list[str] = Field(default_factory=list)
    token_includes_identity: bool | None = None


class TimeRangeSpec(_Model):
    """One scheduled time of a webinar or training."""

    start: str | datetime
    end: str | datetime | None = None
    duration_minutes: float = 60

    _check_start = field_validator("start")(_check_time)


class RegistrationFieldSpec(_Model):
    """A standard registration field beyond firstName/lastName/email (e.g. organization)."""

    field: str
    required: bool = False
    max_size: int = 128
    answers: list[str] | None = None

    @field_validator("field")
    @classmethod
    def _standard(cls, value: str) -> str:
        if value not in STANDARD_FIELDS:
            raise ValueError(f"{value!r} is not a GoToWebinar registration field")
        return value


class QuestionSpec(_Model):
    """A custom registration question."""

    question_key: int
    question: str
    type: Literal["shortAnswer", "multipleChoice"] = "shortAnswer"
    required: bool = False
    max_size: int = 128
    answers: list[str] = Field(default_factory=list)


class PollSpec(_Model):
    """A poll the organizer launches during a webinar session."""

    question: str
    answers: list[str]


class RegistrantSpec(_Model):
    """A registration that already exists when the sandbox starts."""

    email: str
    first_name: str
    last_name: str
    fields: dict[str, str] = Field(default_factory=dict)
    responses: dict[str, str] = Field(default_factory=dict, description="question text → answer")


class PartSpec(_Model):
    """One stretch of attendance: joined N minutes after the session started, stayed M minutes."""

    joined_after_minutes: float = 0
    minutes: float


class AttendeeSpec(_Model):
    """Who attended a session, for how long, and which polls they answered."""

    email: str
    minutes: float | None = None
    joined_after_minutes: float = 0
    parts: list[PartSpec] | None = None
    poll_answers: dict[str, str | list[str]] = Field(default_factory=dict)
    answer_all_polls: bool = False

    @model_validator(mode="after")
    def _one_way_of_saying_how_long(self) -> AttendeeSpec:
        if (self.minutes is None) == (self.parts is None):
            raise ValueError("give an attendee either 'minutes' or 'parts'")
        return self


class SessionSpec(_Model):
    """A session that already took place (or is running) when the sandbox starts."""

    start: str | datetime
    duration_minutes: float | None = 60
    polls: list[str] | None = Field(default=None, description="launched polls; default all")
    attendees: list[AttendeeSpec] = Field(default_factory=list)

    _check_start = field_validator("start")(_check_time)


class WebinarSpec(_Model):
    """A GoToWebinar webinar."""

    webinar_key: int
    webinar_id: str | None = None
    organizer: str
    subject: str
    description: str = ""
    times: list[TimeRangeSpec]
    time_zone: str = "UTC"
    locale: Literal["en_US", "de_DE", "es_ES", "fr_FR", "it_IT", "zh_CN"] = "en_US"
    registration_limit: int = 1000
    cancelled: bool = False
    fields: list[RegistrationFieldSpec] = Field(default_factory=list)
    questions: list[QuestionSpec] = Field(default_factory=list)
    polls: list[PollSpec] = Field(default_factory=list)
    registrants: list[RegistrantSpec] = Field(default_factory=list)
    sessions: list[SessionSpec] = Field(default_factory=list)


class TrainingSpec(_Model):
    """A GoToTraining training."""

    training_key: int
    training_id: str | None = None
    organizer: str
    name: str
    description: str = ""
    times: list[TimeRangeSpec]
    time_zone: str = "UTC"
    cancelled: bool = False
    registrants: list[RegistrantSpec] = Field(default_factory=list)
    sessions: list[SessionSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _no_polls(self) -> TrainingSpec:
        for session in self.sessions:
            if session.polls or any(
                a.poll_answers or a.answer_all_polls for a in session.attendees
            ):
                raise ValueError("GoToTraining has no polls")
        return self


class Scenario(_Model):
    """Everything a sandbox starts with; load from YAML with load_scenario()."""

    name: str = "custom"
    seed: int = 1
    token_includes_identity: bool = True
    rotate_refresh_tokens: bool = True
    access_token_lifetime_seconds: int = 3600
    refresh_token_lifetime_seconds: int = 30 * 24 * 3600
    authorization_code_lifetime_seconds: int = 600
    report_delay_seconds: int = 0
    training_registrant_lag_seconds: int = 0
    omit_empty_embedded: bool = False
    accounts: list[AccountSpec]
    consumers: list[ConsumerSpec]
    webinars: list[WebinarSpec] = Field(default_factory=list)
    trainings: list[TrainingSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references_resolve(self) -> Scenario:
        emails = [a.email.lower() for a in self.accounts]
        _unique("account email", emails)
        _unique("organizer_key", [a.organizer_key for a in self.accounts])
        _unique("client_id", [c.client_id for c in self.consumers])
        _unique("webinar_key", [w.webinar_key for w in self.webinars])
        _unique("training_key", [t.training_key for t in self.trainings])
        known = set(emails)
        for consumer in self.consumers:
            if not consumer.accounts:
                raise ValueError(f"consumer {consumer.client_id} has no accounts to sign in as")
            for email in consumer.accounts:
                if email.lower() not in known:
                    raise ValueError(f"consumer {consumer.client_id}: unknown account {email}")
        items: list[WebinarSpec | TrainingSpec] = [*self.webinars, *self.trainings]
        for item in items:
            if item.organizer.lower() not in known:
                raise ValueError(f"unknown organizer {item.organizer}")
            if not item.times:
                raise ValueError("a webinar or training needs at least one time")
            registered = {r.email.lower() for r in item.registrants}
            _unique("registrant email", [r.email.lower() for r in item.registrants])
            for session in item.sessions:
                for attendee in session.attendees:
                    if attendee.email.lower() not in registered:
                        raise ValueError(f"session attendee {attendee.email} is not a registrant")
        for webinar in self.webinars:
            questions = {p.question for p in webinar.polls}
            for session in webinar.sessions:
                for text in session.polls or []:
                    if text not in questions:
                        raise ValueError(f"webinar {webinar.webinar_key}: unknown poll {text!r}")
        return self


def _unique(what: str, values: list[Any]) -> None:
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {what}: {value}")
        seen.add(value)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file."""
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return Scenario.model_validate(data)


def default_scenario() -> Scenario:
    """Return the shipped demo scenario (demo-webinar-app / demo-training-app)."""
    return load_scenario(Path(__file__).with_name(DEFAULT_SCENARIO_FILE))
