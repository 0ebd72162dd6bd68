"""uvicorn's server, telling the app as soon as it is asked to stop."""

from __future__ import annotations

from collections.abc import Callable
from types import FrameType

import uvicorn


class TellingServer(uvicorn.Server):
    """uvicorn's server that tells the app as soon as it is asked to stop, so that responses that
    never end by themselves (the sandbox console's event streams) end before it waits for them."""

    def __init__(self, config: uvicorn.Config, stopping: list[Callable[[], None]]) -> None:
        super().__init__(config)
        self._stopping = stopping

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        for tell in self._stopping:
            tell()
        super().handle_exit(sig, frame)
