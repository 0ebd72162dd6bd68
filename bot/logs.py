"""Logging set-up: one format, one record per line, and no request bodies or secrets in the log.

- Input cannot forge a log line: control characters (newlines, carriage returns, escape
  sequences, Unicode line separators) in a message are written escaped (`\\n`, `\\x1b`), and
  the lines of a traceback are each prefixed with `CONTINUATION`, so every line that does not
  start with it is the start of one record.
- No request body reaches the log at any level: the libraries that log bodies, tokens, SQL
  parameters or WebSocket frames below WARNING (Bolt, the Slack SDK, SQLAlchemy, HTTP clients)
  are held at WARNING even under LOG_LEVEL=DEBUG, and what Bolt and the Slack SDK log at WARNING
  or above is cut to its summary (Bolt's "Unhandled request (…)" carries form values).
- No query strings in access lines (GoTo's OAuth code and state travel there).
- INFO is what an operator wants to read: where the server listens, jobs that did something,
  refusals and failures; not every run of every job or the migration tool's chatter.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from typing import TextIO

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Starts every line of a record after its first (traceback and stack lines).
CONTINUATION = "    | "

# Loggers of libraries that put payloads (request/response bodies, tokens, SQL parameters,
# WebSocket frames) into their DEBUG and INFO records.
PAYLOAD_LOGGERS = (
    "slack_bolt",
    "slack_sdk",
    "sqlalchemy",
    "aiosqlite",
    "asyncpg",
    "httpx",
    "httpcore",
    "aiohttp",
    "websockets",
    "multipart",
    "python_multipart",
)
# Their WARNING-and-above records are kept, cut to a summary.
SLACK_LIBRARIES = ("slack_bolt", "slack_sdk")

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Where a library's message stops being a summary and starts quoting its input.
_SUMMARY_END = re.compile(r"[\n({\[:]")
_SUMMARY_MAX = 120


def escape_controls(text: str) -> str:
    """`text` with every control character written as an escape, so it stays on one line."""

    def escaped(match: re.Match[str]) -> str:
        char = match.group()
        if char in _NAMED:
            return _NAMED[char]
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _CONTROL.sub(escaped, text)


class OneRecordPerLine(logging.Formatter):
    """A formatter under which input can neither start a new log line nor send terminal escapes."""

    def format(self, record: logging.LogRecord) -> str:
        record.message = escape_controls(record.getMessage())
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        line = self.formatMessage(record)
        blocks: list[str] = []
        if record.exc_info:
            blocks.append(self.formatException(record.exc_info))
        elif record.exc_text:
            blocks.append(record.exc_text)
        if record.stack_info:
            blocks.append(self.formatStack(record.stack_info))
        for block in blocks:
            for part in block.splitlines():
                line += "\n" + CONTINUATION + escape_controls(part)
        return line


class SlackLibrarySummaries(logging.Filter):
    """Cut Bolt's and the Slack SDK's records to their summary: they quote request bodies."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith(SLACK_LIBRARIES):
            return True
        if record.levelno < logging.WARNING:
            return False
        summary = _SUMMARY_END.split(record.getMessage(), maxsplit=1)[0].strip()
        summary = summary[:_SUMMARY_MAX] or "(no summary)"
        if record.exc_info and record.exc_info[0] is not None:
            summary += f" ({record.exc_info[0].__name__})"
        record.msg, record.args = summary, None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


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


class KeepMigrationSteps(logging.Filter):
    """Alembic at INFO: the migrations it runs, not its context lines at every start."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or str(record.msg).startswith("Running ")


class DropLifecycleChatter(logging.Filter):
    """uvicorn at INFO: where it listens and when it stops, not each step of the ASGI lifespan."""

    CHATTER = frozenset(
        {
            "Waiting for application startup.",
            "Application startup complete.",
            "Waiting for application shutdown.",
            "Application shutdown complete.",
        }
    )

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or record.msg not in self.CHATTER


class ViltbotHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The one handler `configure_logging` installs (replaced, not added again, on a second call).

    Without a stream it writes to whatever `sys.stderr` is at the time of each record.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        super().__init__(stream)
        self._fixed = stream

    @property  # type: ignore[override]
    def stream(self) -> TextIO:
        return self._fixed if self._fixed is not None else sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        self._fixed = value


def configure_logging(level: str | None = None, stream: TextIO | None = None) -> None:
    """Log to `stream` (stderr) at `level` (LOG_LEVEL, default INFO), safely, one record per line."""
    root = logging.getLogger()
    root.setLevel((level or os.environ.get("LOG_LEVEL") or "INFO").upper())
    for old in [h for h in root.handlers if isinstance(h, ViltbotHandler)]:
        root.removeHandler(old)
    handler = ViltbotHandler(stream)
    handler.setFormatter(OneRecordPerLine(FORMAT))
    handler.addFilter(SlackLibrarySummaries())
    root.addHandler(handler)
    floor = max(root.level, logging.WARNING)
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(floor)
    # Under LOG_LEVEL=DEBUG the scheduler may say what it does; under INFO it keeps quiet.
    logging.getLogger("apscheduler").setLevel(floor if root.level >= logging.INFO else root.level)
    # Alembic: the migrations it runs, not its plugin and context lines at every start.
    logging.getLogger("alembic").setLevel(floor)
    migration = logging.getLogger("alembic.runtime.migration")
    migration.setLevel(root.level)
    if not any(isinstance(f, KeepMigrationSteps) for f in migration.filters):
        migration.addFilter(KeepMigrationSteps())
    server = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, DropLifecycleChatter) for f in server.filters):
        server.addFilter(DropLifecycleChatter())
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactQueryStrings) for f in access.filters):
        access.addFilter(RedactQueryStrings())
