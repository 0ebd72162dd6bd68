"""Typed errors of the GoTo client; every message is safe to show to a Slack user."""

from __future__ import annotations

from typing import Literal

Product = Literal["webinar", "training"]

_PRODUCT_NAMES: dict[Product, str] = {"webinar": "GoToWebinar", "training": "GoToTraining"}


def product_name(product: Product) -> str:
    """Return the marketing name of a product ("GoToWebinar" or "GoToTraining")."""
    return _PRODUCT_NAMES[product]


class GoToError(Exception):
    """Base of every error the GoTo client raises; `str(err)` is user-safe."""

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class NeedsRelink(GoToError):
    """GoTo refused the refresh token (expired after ~30 days or revoked): reconnect the account."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "The GoTo connection has expired or was revoked. Please reconnect the GoTo account."
        )


class InvalidClient(GoToError):
    """GoTo rejected the OAuth client: the consumer key or consumer secret is wrong."""

    def __init__(self) -> None:
        super().__init__(
            "GoTo rejected the app credentials: check the consumer key and consumer secret."
        )


class CodeRejected(GoToError):
    """GoTo refused an authorization code: already used, expired, or the redirect URI differs."""

    def __init__(self) -> None:
        super().__init__(
            "GoTo refused the sign-in code (it was already used or has expired). "
            "Please start the connection again."
        )


class Forbidden(GoToError):
    """GoTo answered 403 for something other than a bad token (e.g. another organizer's key)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"GoTo does not allow this account to access {what}.", status_code=403)


class NotFound(GoToError):
    """The key is wrong, or the webinar/training was cancelled (GoTo answers 404 for both)."""

    def __init__(self, kind: str, key: str) -> None:
        super().__init__(
            f"GoTo has no {kind} with key {key}: check the key, or it may have been cancelled.",
            status_code=404,
        )
        self.kind = kind
        self.key = key


class WrongProduct(GoToError):
    """The key belongs to the other GoTo product (e.g. a training key on a webinar location)."""

    def __init__(self, key: str, expected: Product, actual: Product) -> None:
        super().__init__(
            f"The key {key} looks like a {product_name(actual)} key, "
            f"but this location uses {product_name(expected)}."
        )
        self.key = key
        self.expected: Product = expected
        self.actual: Product = actual


class RegistrationNeedsFields(GoToError):
    """The webinar requires registration fields beyond first name, last name and email."""

    def __init__(self, fields: list[str]) -> None:
        listed = ", ".join(fields) if fields else "(GoTo did not say which)"
        super().__init__(
            f"This webinar requires more registration fields: {listed}.", status_code=400
        )
        self.fields = list(fields)


class RegistrationRefused(GoToError):
    """GoTo refused a registration for a reason other than missing fields (e.g. the event is full)."""

    def __init__(self, event_key: str, reason: str | None) -> None:
        said = f": {reason.rstrip('.')}." if reason else " (it gave no reason)."
        super().__init__(f"GoTo refused the registration for {event_key}{said}", status_code=400)
        self.event_key = event_key
        self.reason = reason


class EventFull(RegistrationRefused):
    """GoTo refused a registration because the event has reached its `registrationLimit`."""

    def __init__(self, kind: str, event_key: str, limit: int | None) -> None:
        takes = f": it takes at most {limit} registrations" if limit is not None else ""
        GoToError.__init__(self, f"The {kind} {event_key} is full on GoTo{takes}.", status_code=400)
        self.event_key = event_key
        self.reason = "full"
        self.limit = limit


class EventNotCreated(GoToError):
    """GoTo refused to create a webinar or training (e.g. a time in the past, a bad time zone)."""

    def __init__(self, kind: str, reason: str | None, *, status_code: int | None = None) -> None:
        said = f": {reason.rstrip('.')}." if reason else " (it gave no reason)."
        super().__init__(f"GoTo did not create the {kind}{said}", status_code=status_code)
        self.kind = kind
        self.reason = reason


class CreationOutcomeUnknown(GoToError):
    """A create call may have reached GoTo, but no answer came; it is not resent."""

    def __init__(self, kind: str, subject: str, reason: str) -> None:
        super().__init__(
            f"GoTo did not answer the request to create the {kind} ({reason}), so it may "
            f"exist now. Look for it among the upcoming {kind}s before creating it again."
        )
        self.kind = kind
        self.subject = subject
        self.reason = reason


class RegistrationPending(GoToError):
    """GoTo has the registration but cannot show it yet (GoToTraining lags up to two hours)."""

    def __init__(self, registrant_key: str) -> None:
        super().__init__(
            "GoTo has the registration but has not published its join link yet; "
            "this can take up to two hours."
        )
        self.registrant_key = registrant_key


class Unavailable(GoToError):
    """GoTo could not be reached in time: outage, a 429 storm, timeouts or dropped connections."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"GoTo is not answering right now ({reason}). Please try again later.")
        self.reason = reason


class NoAnswer(GoToError):
    """A request that may have reached GoTo got no answer (timeout or dropped connection)."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"GoTo did not answer ({reason}).")
        self.reason = reason


class TokenOutcomeUnknown(GoToError):
    """A code exchange or refresh may have been handled by GoTo, but its answer never came.

    It is not resent: a code works once, and GoTo may already have replaced the refresh token.
    """

    def __init__(self, grant: Literal["authorization_code", "refresh_token"], reason: str) -> None:
        if grant == "authorization_code":
            message = (
                f"GoTo did not answer the sign-in ({reason}), so it is not known whether it "
                "went through. Nothing was saved. Start a new link from Slack: this sign-in "
                "cannot be used again."
            )
        else:
            message = f"GoTo did not answer a token refresh ({reason}); re-link to be safe."
        super().__init__(message)
        self.grant = grant
        self.reason = reason


class UnexpectedResponse(GoToError):
    """GoTo answered with a body the client cannot use (e.g. a required field is missing)."""

    def __init__(self, what: str, field: str | None = None) -> None:
        if field:
            message = f"GoTo sent a {what} without a usable '{field}' field."
        else:
            message = f"GoTo sent an unexpected {what}."
        super().__init__(message)
        self.what = what
        self.field = field


# GoTo failures that only re-linking the location's account can cure.
NEEDS_RELINK_ERRORS: tuple[type[GoToError], ...] = (
    NeedsRelink,
    InvalidClient,
    Forbidden,
    TokenOutcomeUnknown,
)


def needs_relink(exc: GoToError) -> bool:
    """Whether only re-linking the location's GoTo account can cure this failure."""
    return isinstance(exc, NEEDS_RELINK_ERRORS)


def goto_unavailable(exc: GoToError) -> bool:
    """Whether GoTo did not answer, failed (5xx) or limited the rate (429): trying later helps."""
    status = exc.status_code or 500
    return isinstance(exc, Unavailable | NoAnswer) or status >= 500 or status == 429
