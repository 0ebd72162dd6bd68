"""What GoTo says about a webinar or training key: the facts behind a session's submit check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.goto.base import Key
from bot.goto.detect import require_training, require_webinar
from bot.goto.errors import NotFound, Product, WrongProduct
from bot.goto.models import GoToEvent
from bot.goto.training import TrainingClient
from bot.goto.webinar import WebinarClient


class EventStatus(StrEnum):
    """How a key stands on the linked account."""

    UPCOMING = "upcoming"  # exists and a session is still to end
    ENDED = "ended"  # exists but is over, or GoTo marks it cancelled
    NOT_FOUND = "not_found"  # unknown key; GoTo also answers 404 for cancelled events
    WRONG_PRODUCT = "wrong_product"  # a key of the account's other GoTo product


@dataclass(frozen=True)
class EventCheck:
    """The outcome of check_event; `event` is set when GoTo knows the key.

    For WRONG_PRODUCT, `actual` names the product the key belongs to. `message` is safe for
    Slack as is: it holds no text that came from GoTo (the subject is in `event`).
    """

    status: EventStatus
    product: Product
    key: str
    event: GoToEvent | None = None
    actual: Product | None = None

    @property
    def usable(self) -> bool:
        """Whether a session can be scheduled on this event."""
        return self.status is EventStatus.UPCOMING

    @property
    def message(self) -> str:
        """What to tell the admin, in one sentence or two."""
        kind = self.product  # "webinar" or "training", the word users know
        if self.status is EventStatus.UPCOMING:
            return f"The {kind} {self.key} is upcoming on GoTo."
        if self.status is EventStatus.ENDED:
            if self.event is not None and self.event.cancelled:
                return f"The {kind} {self.key} was cancelled on GoTo: pick another {kind}."
            return f"The {kind} {self.key} has already taken place: pick an upcoming {kind}."
        if self.status is EventStatus.WRONG_PRODUCT:
            assert self.actual is not None
            return str(WrongProduct(self.key, expected=self.product, actual=self.actual))
        # A key that is not all digits was typed by the admin: it is not echoed.
        named = f"key {self.key}" if self.key.isdigit() else "that key"
        return (
            f"GoTo has no {kind} with {named} on this account: check the key "
            f"(the digits of the {kind}'s own link, not of its registration page). "
            f"A cancelled {kind} is not found either."
        )


async def check_event(
    webinars: WebinarClient,
    trainings: TrainingClient,
    product: Product,
    organizer_key: Key,
    key: Key,
    *,
    now: datetime,
) -> EventCheck:
    """Ask GoTo about `key` for a location of `product`.

    One call when the key is right; one more, only when GoTo does not know the key as
    `product`, to tell a key of the other product. A lapsed connection (NeedsRelink),
    an outage (Unavailable) and other GoTo errors are raised, not folded into the outcome.
    """
    text = str(key).strip()
    try:
        if product == "webinar":
            event = GoToEvent.from_webinar(
                await require_webinar(webinars, trainings, organizer_key, text)
            )
        else:
            event = GoToEvent.from_training(
                await require_training(webinars, trainings, organizer_key, text)
            )
    except WrongProduct as exc:
        return EventCheck(EventStatus.WRONG_PRODUCT, product, text, actual=exc.actual)
    except NotFound:
        return EventCheck(EventStatus.NOT_FOUND, product, text[:40])
    status = EventStatus.UPCOMING if event.upcoming(now) else EventStatus.ENDED
    return EventCheck(status, product, event.key, event=event)
