"""What the GoTo client tells an observer about its traffic (for the operators' metrics).

The client knows nothing of metrics: whoever builds it may pass a GoToObserver, and is told
about every answer GoTo sent, every request that got none, and every retry.
"""

from __future__ import annotations

from typing import Literal, Protocol

Api = Literal["webinar", "training", "oauth", "other"]


def api_of(path: str) -> Api:
    """Which GoTo API a request path belongs to: GoToWebinar, GoToTraining or OAuth/identity."""
    # The API's base URL may carry a path of its own (a proxy, the sandbox's /goto-sandbox).
    if "/G2W/" in path:
        return "webinar"
    if "/G2T/" in path:
        return "training"
    if "/oauth/" in path or "/identity/" in path:
        return "oauth"
    return "other"


class GoToObserver(Protocol):
    """Told about each request GoTo answered or not, and each retry."""

    def answered(self, api: Api, status: int) -> None:
        """GoTo answered a request with this HTTP status (a 429 included)."""

    def no_answer(self, api: Api) -> None:
        """A request got no answer: a timeout or a dropped or refused connection."""

    def retrying(self, api: Api) -> None:
        """A request is about to be sent again (after a 429, a 5xx or no answer)."""
