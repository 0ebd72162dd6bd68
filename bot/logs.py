"""Logging set-up: one format, and no query strings in access logs (they carry OAuth codes)."""

from __future__ import annotations

import logging
import os


class RedactQueryStrings(logging.Filter):
    """Drop the query string from uvicorn's access log lines."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        # uvicorn.access logs (client, method, path, http_version, status).
        if (
            isinstance(args, tuple)
            and len(args) >= 3
            and isinstance(args[2], str)
            and "?" in args[2]
        ):
            record.args = (*args[:2], args[2].split("?", 1)[0] + "?…", *args[3:])
        return True


def configure_logging() -> None:
    """Log to stderr at LOG_LEVEL (default INFO) with secrets kept out of access lines."""
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("uvicorn.access").addFilter(RedactQueryStrings())
    # httpx logs every request URL at INFO; Slack's response_url is itself a credential.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # APScheduler logs each run of every job at INFO (twice a second for notice delivery); jobs
    # log what they did themselves, and a failing run is still logged at WARNING or above.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
