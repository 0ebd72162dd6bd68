"""Pydantic models of the GoTo answers the bot uses, named after the spec's fields."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic.alias_generators import to_camel

from bot.goto.errors import Product, UnexpectedResponse


def _as_utc(value: datetime) -> datetime:
    # GoTo documents UTC; a timestamp without an offset is read as UTC so that all
    # datetimes the client hands out are comparable.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class GoToModel(BaseModel):
    """Base of the response models: camelCase aliases, unknown fields ignored, keys as str."""

    # GoTo types the same key as integer in one schema and string in another
    # (e.g. sessionKey), so numbers are coerced to str.
    model_config = ConfigDict(
        extra="ignore",
        alias_generator=to_camel,
        populate_by_name=True,
        coerce_numbers_to_str=True,
        frozen=True,
    )


M = TypeVar("M", bound=BaseModel)


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    return ".".join(str(part) for part in first["loc"]) or "(body)"


def parse(model: type[M], data: Any, what: str) -> M:
    """Validate `data` as `model`, raising UnexpectedResponse that names the bad field."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # `from None`: the ValidationError would repeat the input, which can hold tokens.
        raise UnexpectedResponse(what, _describe(exc)) from None


def parse_list(model: type[M], data: Any, what: str) -> list[M]:
    """Validate a JSON array of `model`."""
    if not isinstance(data, list):
        raise UnexpectedResponse(what)
    return [parse(model, item, what) for item in data]


class TimeRange(GoToModel):
    """Start and end of a webinar or training session (webinar: startTime, training: startDate)."""

    start: UtcDatetime = Field(validation_alias=AliasChoices("startTime", "startDate"))
    end: UtcDatetime = Field(validation_alias=AliasChoices("endTime", "endDate"))


class Attendance(GoToModel):
    """One stretch of presence in a session."""

    join_time: UtcDatetime
    leave_time: UtcDatetime
    # Only GoToTraining reports the length of each stretch (in minutes).
    time_in_part_of_session: int | None = None


# Status words GoTo may use for a cancelled event; the specs name none.
CANCELLED_STATUSES = frozenset({"CANCELLED", "CANCELED", "DELETED"})


# --- GoToWebinar ------------------------------------------------------------------------


class Webinar(GoToModel):
    """A webinar (spec schema WebinarByKey)."""

    webinar_key: str
    subject: str
    webinar_id: str | None = Field(default=None, alias="webinarID")
    description: str | None = None
    organizer_key: str | None = None
    times: list[TimeRange] = []
    time_zone: str | None = None
    registration_url: str | None = None
    in_session: bool | None = None
    type: str | None = None
    experience_type: str | None = None
    # Only the single-webinar answer (WebinarByKey) carries these two; list items do not.
    registration_limit: int | None = None
    number_of_registrants: int | None = None
    # The spec requires a `status` in list items without defining it; read when present.
    status: str | None = None

    @property
    def cancelled(self) -> bool:
        """Whether GoTo marks the webinar cancelled (it usually just answers 404)."""
        return (self.status or "").strip().upper() in CANCELLED_STATUSES

    @property
    def full(self) -> bool:
        """Whether GoTo reports as many registrants as the webinar's registration limit."""
        return (
            self.registration_limit is not None
            and self.number_of_registrants is not None
            and self.number_of_registrants >= self.registration_limit
        )


class CreatedWebinar(GoToModel):
    """The answer to creating a webinar (spec CreatedWebinar)."""

    webinar_key: str


class RegistrationField(GoToModel):
    """A standard registration field (spec RegistrationField)."""

    field: str
    required: bool
    max_size: int | None = None
    answers: list[str] = []


class RegistrationAnswer(GoToModel):
    """A choice of a multiple-choice custom question."""

    answer: str
    answer_key: str


class RegistrationQuestion(GoToModel):
    """A custom registration question (spec RegistrationQuestion)."""

    question_key: str
    question: str
    required: bool
    type: str | None = None
    max_size: int | None = None
    answers: list[RegistrationAnswer] = []


class RegistrationFields(GoToModel):
    """Fields and custom questions of a webinar's registration form."""

    fields: list[RegistrationField] = []
    questions: list[RegistrationQuestion] = []

    def required_names(self) -> list[str]:
        """Names of the required standard fields and texts of the required questions."""
        names = [f.field for f in self.fields if f.required]
        names += [q.question for q in self.questions if q.required]
        return names


class Registrant(GoToModel):
    """A registration for a webinar or a training; `duplicate` marks an earlier registration."""

    registrant_key: str
    join_url: str
    status: str | None = None
    email: str | None = None
    first_name: str | None = Field(
        default=None, validation_alias=AliasChoices("firstName", "givenName")
    )
    last_name: str | None = Field(
        default=None, validation_alias=AliasChoices("lastName", "surname")
    )
    confirmation_url: str | None = None
    registration_date: UtcDatetime | None = None
    # Set by the client, not read from GoTo: the person was already registered (409).
    duplicate: bool = Field(default=False, exclude=True)


class RegistrantSummary(GoToModel):
    """A registrant from a list, where only the key and email are relied upon."""

    registrant_key: str
    email: str
    join_url: str | None = None
    status: str | None = None


class WebinarSession(GoToModel):
    """A past session of a webinar (spec ReportingSession or Session)."""

    session_key: str
    webinar_key: str | None = None
    webinar_name: str | None = None
    start_time: UtcDatetime
    end_time: UtcDatetime
    registrants_attended: int | None = None
    # Only in the paged ReportingSession shape; the denominator of poll completion.
    total_poll_count: int | None = None


class WebinarAttendee(GoToModel):
    """An attendee of a webinar session with attendance time (spec Attendee)."""

    registrant_key: str
    session_key: str | None = None
    email: str
    first_name: str | None = None
    last_name: str | None = None
    attendance_time_in_seconds: int
    attendance: list[Attendance] = []


class PollOption(GoToModel):
    """One option of a poll with the share of attendees that picked it."""

    text: str
    percentage: float | None = None


class Poll(GoToModel):
    """A poll of a session; polls have no key, so `question` identifies them."""

    question: str
    number_of_responses: int | None = None
    responses: list[PollOption] = []


class PollAnswer(GoToModel):
    """One attendee's answer to a poll, matched to the poll by question text."""

    question: str
    answers: list[str] = []

    @model_validator(mode="before")
    @classmethod
    def _legacy_answer(cls, data: Any) -> Any:
        # `answer` (single string) is deprecated in favour of `answers` but still sent.
        if isinstance(data, dict) and not data.get("answers") and data.get("answer"):
            return {**data, "answers": [data["answer"]]}
        return data


class PollsAndSurveys(GoToModel):
    """Poll statistics of a session (spec PollsAndSurveysStatistics)."""

    poll_count: int


class SessionPerformance(GoToModel):
    """Performance of a session; only the poll statistics are used."""

    polls_and_surveys: PollsAndSurveys


# --- GoToTraining -----------------------------------------------------------------------


class Training(GoToModel):
    """A training (spec Training)."""

    training_key: str
    name: str
    training_id: str | None = None
    description: str | None = None
    time_zone: str | None = None
    times: list[TimeRange] = []


class TrainingSession(GoToModel):
    """A completed session of a training (spec reports Session)."""

    session_key: str
    training_name: str | None = None
    start_time: UtcDatetime = Field(alias="sessionStartTime")
    end_time: UtcDatetime = Field(alias="sessionEndTime")
    attendance_count: int | None = None
    duration_minutes: int | None = Field(default=None, alias="duration")


class TrainingAttendee(GoToModel):
    """An attendee of a training session; GoTo gives no registrant key, so match on email."""

    email: str
    first_name: str | None = Field(default=None, alias="givenName")
    last_name: str | None = Field(default=None, alias="surname")
    time_in_session_minutes: int = Field(alias="timeInSession")
    in_session_times: list[Attendance] = []

    @property
    def time_in_session_seconds(self) -> int:
        """Attendance time in seconds, comparable with GoToWebinar's figure."""
        return self.time_in_session_minutes * 60


# --- Both products ----------------------------------------------------------------------


@dataclass(frozen=True)
class GoToEvent:
    """A webinar or a training as the session check and the event picker see it."""

    product: Product
    key: str
    subject: str
    times: tuple[TimeRange, ...]
    time_zone: str | None
    # GoToWebinar gives it for a single webinar only; GoToTraining has none.
    registration_limit: int | None = None
    registrants: int | None = None
    cancelled: bool = False

    @property
    def start(self) -> datetime | None:
        """Start of the first session."""
        return min((t.start for t in self.times), default=None)

    @property
    def end(self) -> datetime | None:
        """End of the last session."""
        return max((t.end for t in self.times), default=None)

    def upcoming(self, now: datetime) -> bool:
        """Whether a session is still to end (an event in progress counts as upcoming)."""
        end = self.end
        return not self.cancelled and end is not None and end > now

    @property
    def full(self) -> bool:
        """Whether GoTo reports as many registrants as its registration limit."""
        return (
            self.registration_limit is not None
            and self.registrants is not None
            and self.registrants >= self.registration_limit
        )

    @classmethod
    def from_webinar(cls, webinar: Webinar) -> GoToEvent:
        """The product-neutral view of a webinar."""
        return cls(
            product="webinar",
            key=webinar.webinar_key,
            subject=webinar.subject,
            times=tuple(sorted(webinar.times, key=lambda t: t.start)),
            time_zone=webinar.time_zone,
            registration_limit=webinar.registration_limit,
            registrants=webinar.number_of_registrants,
            cancelled=webinar.cancelled,
        )

    @classmethod
    def from_training(cls, training: Training) -> GoToEvent:
        """The product-neutral view of a training."""
        return cls(
            product="training",
            key=training.training_key,
            subject=training.name,
            times=tuple(sorted(training.times, key=lambda t: t.start)),
            time_zone=training.time_zone,
        )
