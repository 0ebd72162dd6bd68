"""The bot's real log set-up (`bot.logs.configure_logging`) writing into a buffer a test can read."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from bot.logs import PAYLOAD_LOGGERS, ViltbotHandler, configure_logging

# Loggers whose level configure_logging sets, restored afterwards so other tests see no change.
_TOUCHED = (*PAYLOAD_LOGGERS, "apscheduler", "alembic", "alembic.runtime.migration")


@contextmanager
def captured_log(level: str = "DEBUG") -> Iterator[io.StringIO]:
    """Configure logging as `viltbot serve` does, at `level`, into a StringIO."""
    root = logging.getLogger()
    saved_root = root.level
    saved = {name: logging.getLogger(name).level for name in _TOUCHED}
    buffer = io.StringIO()
    configure_logging(level, stream=buffer)
    try:
        yield buffer
    finally:
        for handler in [h for h in root.handlers if isinstance(h, ViltbotHandler)]:
            root.removeHandler(handler)
        root.setLevel(saved_root)
        for name, value in saved.items():
            logging.getLogger(name).setLevel(value)
