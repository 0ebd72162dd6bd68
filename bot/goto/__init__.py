"""Typed async client for the GoToWebinar and GoToTraining APIs (never touches a database)."""

from bot.goto.auth import GoToAuth, RefreshCoordinator
from bot.goto.client import GoToClient
from bot.goto.detect import detect_product, require_training, require_webinar
from bot.goto.errors import (
    CodeRejected,
    Forbidden,
    GoToError,
    InvalidClient,
    NeedsRelink,
    NoAnswer,
    NotFound,
    Product,
    RegistrationNeedsFields,
    RegistrationPending,
    RegistrationRefused,
    TokenOutcomeUnknown,
    Unavailable,
    UnexpectedResponse,
    WrongProduct,
)
from bot.goto.models import (
    Attendance,
    Poll,
    PollAnswer,
    Registrant,
    RegistrantSummary,
    RegistrationFields,
    Training,
    TrainingAttendee,
    TrainingSession,
    Webinar,
    WebinarAttendee,
    WebinarSession,
)
from bot.goto.oauth import DEFAULT_AUTH_URL, GoToOAuth, Identity
from bot.goto.ratelimit import LimiterRegistry, RateLimit, TokenBucket
from bot.goto.tokens import TokenSet, TokenStore
from bot.goto.training import TrainingClient
from bot.goto.transport import DEFAULT_API_URL, GoToHttp, RetryPolicy
from bot.goto.webinar import WebinarClient, answered_polls, question_key

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_AUTH_URL",
    "Attendance",
    "CodeRejected",
    "Forbidden",
    "GoToAuth",
    "GoToClient",
    "GoToError",
    "GoToHttp",
    "GoToOAuth",
    "Identity",
    "InvalidClient",
    "LimiterRegistry",
    "NeedsRelink",
    "NoAnswer",
    "NotFound",
    "Poll",
    "PollAnswer",
    "Product",
    "RateLimit",
    "RefreshCoordinator",
    "Registrant",
    "RegistrantSummary",
    "RegistrationFields",
    "RegistrationNeedsFields",
    "RegistrationPending",
    "RegistrationRefused",
    "RetryPolicy",
    "TokenBucket",
    "TokenOutcomeUnknown",
    "TokenSet",
    "TokenStore",
    "Training",
    "TrainingAttendee",
    "TrainingClient",
    "TrainingSession",
    "Unavailable",
    "UnexpectedResponse",
    "Webinar",
    "WebinarAttendee",
    "WebinarClient",
    "WebinarSession",
    "WrongProduct",
    "answered_polls",
    "detect_product",
    "question_key",
    "require_training",
    "require_webinar",
]
