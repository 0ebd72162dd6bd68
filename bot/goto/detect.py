"""Telling GoToWebinar keys from GoToTraining keys (they look alike: both plain numbers)."""

from __future__ import annotations

from collections.abc import Awaitable

from bot.goto.base import Key
from bot.goto.errors import Forbidden, GoToError, NotFound, Product, WrongProduct
from bot.goto.models import Training, Webinar
from bot.goto.training import TrainingClient
from bot.goto.webinar import WebinarClient


async def _exists(lookup: Awaitable[object]) -> bool:
    try:
        await lookup
    except (NotFound, Forbidden):
        return False
    except GoToError as exc:
        # A 400 means the other API cannot read the key at all: not that product either.
        if exc.status_code == 400:
            return False
        raise
    return True


async def detect_product(
    webinars: WebinarClient, trainings: TrainingClient, organizer_key: Key, key: Key
) -> Product | None:
    """Which product knows `key` for this organizer: "webinar", "training" or None."""
    if await _exists(webinars.get_webinar(organizer_key, key)):
        return "webinar"
    if await _exists(trainings.get_training(organizer_key, key)):
        return "training"
    return None


async def require_webinar(
    webinars: WebinarClient, trainings: TrainingClient, organizer_key: Key, key: Key
) -> Webinar:
    """The webinar, or WrongProduct if the key is a training's, else NotFound/Forbidden."""
    try:
        return await webinars.get_webinar(organizer_key, key)
    except (NotFound, Forbidden):
        # Only on the failure path: a second API call tells the user what they pasted.
        # 403 counts too: an account without the product gets Forbidden, not 404.
        if await _exists(trainings.get_training(organizer_key, key)):
            raise WrongProduct(str(key), expected="webinar", actual="training") from None
        raise


async def require_training(
    webinars: WebinarClient, trainings: TrainingClient, organizer_key: Key, key: Key
) -> Training:
    """The training, or WrongProduct if the key is a webinar's, else NotFound/Forbidden."""
    try:
        return await trainings.get_training(organizer_key, key)
    except (NotFound, Forbidden):
        if await _exists(webinars.get_webinar(organizer_key, key)):
            raise WrongProduct(str(key), expected="training", actual="webinar") from None
        raise
