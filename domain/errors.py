"""Errors whose message is safe to show the user who caused them."""

from __future__ import annotations

from enum import StrEnum


class DomainError(Exception):
    """A failure the user can act on; `message` is shown to them as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotAllowed(DomainError):
    """The caller lacks the role this needs."""


class NotFound(DomainError):
    """A named team, user or record does not exist in this workspace."""


class Conflict(DomainError):
    """The change clashes with what exists (a duplicate name, say)."""


class InvalidInput(DomainError):
    """Arguments are missing or malformed; the message carries the usage line."""


class ChannelUnusable(DomainError):
    """The bot cannot post to the given channel."""


class FieldErrors(DomainError):
    """Form input is wrong; `errors` maps each field to what to fix."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(
            "Some fields need fixing: " + "; ".join(f"{k}: {v}" for k, v in errors.items())
        )
        self.errors = errors


class LinkFailed(DomainError):
    """Linking a location to a GoTo account failed; `reason` picks the page shown."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        # Set once the link request was used up: its Slack message then shows this failure.
        self.request_id: int | None = None


class StoreUnavailable(DomainError):
    """The database did not answer in time or refused the connection; nothing was saved.

    `ref` is also in the log line that names the underlying error.
    """

    def __init__(self, ref: str) -> None:
        super().__init__(
            "viltbot's database is not answering; nothing was saved, "
            f"try again in a minute (ref {ref})"
        )
        self.ref = ref


class EventProblem(StrEnum):
    """Why GoTo would not vouch for a session's event key."""

    NOT_FOUND = "not_found"  # no such webinar or training on the linked account
    OTHER_PRODUCT = "other_product"  # a training key at a webinar location, or the reverse
    CANCELLED = "cancelled"
    NEEDS_RELINK = "needs_relink"  # the connection lapsed or was revoked
    UNAVAILABLE = "unavailable"  # GoTo did not answer, or limited the rate
    NOT_CREATED = "not_created"  # GoTo refused to create the event
    OUTCOME_UNKNOWN = "outcome_unknown"  # a create request got no answer: it may exist now


class EventRejected(DomainError):
    """GoTo's check of an event key failed; the sessions service words it for the admin."""

    def __init__(self, problem: EventProblem, message: str = "") -> None:
        super().__init__(message or f"GoTo refused the event: {problem.value}")
        self.problem = problem


class RegistrationProblem(StrEnum):
    """Why GoTo did not (yet) register someone on a session's event."""

    FULL = "full"  # the event reached GoTo's registrationLimit
    NEEDS_FIELDS = "needs_fields"  # the webinar's form requires more than name and email
    NOT_PUBLISHED = "not_published"  # GoToTraining has it but shows no join link yet
    UNAVAILABLE = "unavailable"  # GoTo did not answer, or limited the rate
    NEEDS_RELINK = "needs_relink"  # the location's connection lapsed or was revoked
    REFUSED = "refused"  # any other refusal (the event is gone, a bad email…)


class RegistrationRejected(DomainError):
    """GoTo did not register (or unregister) someone; `fields` names what the form requires."""

    def __init__(
        self, problem: RegistrationProblem, message: str = "", fields: tuple[str, ...] = ()
    ) -> None:
        super().__init__(message or f"GoTo refused the registration: {problem.value}")
        self.problem = problem
        self.fields = fields

    @property
    def retryable(self) -> bool:
        """True when trying again later can succeed without anyone changing anything."""
        return self.problem in (
            RegistrationProblem.UNAVAILABLE,
            RegistrationProblem.NEEDS_RELINK,
            RegistrationProblem.NOT_PUBLISHED,
        )


class SyncProblem(StrEnum):
    """Why GoTo's attendance of a session could not be read this run."""

    UNAVAILABLE = "unavailable"  # GoTo did not answer, or limited the rate
    NEEDS_RELINK = "needs_relink"  # the location's connection lapsed, failed or is missing
    REFUSED = "refused"  # GoTo refused the request (the event is gone, another account…)


class AttendanceUnavailable(DomainError):
    """GoTo's reports could not be read; the run changes nothing and is tried again later."""

    def __init__(self, problem: SyncProblem, message: str = "") -> None:
        super().__init__(message or f"GoTo's attendance could not be read: {problem.value}")
        self.problem = problem
