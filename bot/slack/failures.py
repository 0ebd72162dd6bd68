"""What to tell a user when Slack refuses a call in a way no retry can fix.

`describe_slack_error` maps a Slack Web API error to one sentence saying what is wrong and what to
do; `SlackRefusal` carries that sentence as a `DomainError`, so that the code answering the user
shows it where the user acted, while code that inspects Slack's answer still sees a `SlackApiError`.
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from domain import mrkdwn
from domain.errors import DomainError

RATE_LIMITED = "Slack is rate-limiting viltbot right now; try again in a minute."
TOKEN_INVALID = (
    "viltbot's Slack token is no longer valid in this workspace; "
    "ask a workspace admin to reinstall the app."
)
RATE_LIMIT_ERRORS = frozenset({"ratelimited", "rate_limited"})
TOKEN_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}
)


def describe_slack_error(err: BaseException) -> str | None:
    """The user-facing sentence for a Slack error retrying cannot help with; None for any other."""
    if not isinstance(err, SlackApiError) or err.response is None:
        return None
    response = err.response
    error = str(response.get("error") or "")
    if response.status_code == 429 or error in RATE_LIMIT_ERRORS:
        return RATE_LIMITED
    if error in TOKEN_ERRORS:
        return TOKEN_INVALID
    if error == "missing_scope":
        needed = str(response.get("needed") or "").strip()
        permission = f"the {mrkdwn.code(needed)} permission" if needed else "a permission it needs"
        return f"viltbot lacks {permission} in this workspace; ask a workspace admin to reinstall the app to grant it."
    return None


class SlackRefusal(SlackApiError, DomainError):
    """Slack refused a call for a reason the user should hear (`message`) and cannot retry away."""

    def __init__(self, message: str, cause: SlackApiError) -> None:
        SlackApiError.__init__(self, str(cause), cause.response)  # type: ignore[no-untyped-call]
        self.message = message
