"""The log set-up: no query strings, one record per line whatever the input, no bodies, no chatter."""

from __future__ import annotations

import logging

import pytest

from bot.logs import CONTINUATION, RedactQueryStrings
from tests.support.log_capture import captured_log

FORGED = "2026-01-01 00:00:00,000 ERROR viltbot: forged"


def test_query_strings_are_cut_from_access_lines() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/goto/oauth/callback?code=SECRETCODE&state=abc", "1.1", 200),
        None,
    )
    assert RedactQueryStrings().filter(record)
    line = record.getMessage()
    assert "SECRETCODE" not in line and "/goto/oauth/callback?…" in line


def test_each_job_run_is_not_logged_but_a_failing_one_is() -> None:
    executors = logging.getLogger("apscheduler.executors.default")
    with captured_log("INFO"):
        assert not executors.isEnabledFor(logging.INFO)
        assert executors.isEnabledFor(logging.ERROR)


@pytest.mark.parametrize("separator", ["\n", "\r", "\r\n", "\u2028", "\x85", "\x0b", "\x1c"])
def test_a_line_break_in_input_cannot_start_a_log_line(separator: str) -> None:
    with captured_log("INFO") as buffer:
        logging.getLogger("viltbot").warning("no location named %s", f"x{separator}{FORGED}")
    lines = buffer.getvalue().splitlines()
    assert len(lines) == 1
    assert FORGED in lines[0] and not lines[0].startswith(FORGED)


def test_terminal_escapes_are_written_escaped() -> None:
    with captured_log("INFO") as buffer:
        logging.getLogger("viltbot").warning("name %s", "\x1b[2J\x07bell\x00")
    assert buffer.getvalue().endswith("name \\x1b[2J\\x07bell\\x00\n")


def test_every_traceback_line_is_marked_as_part_of_its_record() -> None:
    with captured_log("INFO") as buffer:
        try:
            raise ValueError(f"bad value\n{FORGED}")
        except ValueError:
            logging.getLogger("viltbot").exception("request failed")
    first, *rest = buffer.getvalue().splitlines()
    assert first.endswith("ERROR viltbot: request failed")
    assert rest and all(line.startswith(CONTINUATION) for line in rest)
    assert rest[-1] == CONTINUATION + FORGED


def test_bolt_records_are_cut_to_their_summary() -> None:
    body = "command=/vilt&text=typed-secret"
    with captured_log("DEBUG") as buffer:
        bolt = logging.getLogger("slack_bolt.AsyncApp")
        bolt.warning(f"Unhandled request ({{'type': None, 'value': '{body}'}})\n---\nsuggestion")
        bolt.error("Failed to run listener function (error: %s)", body, exc_info=KeyError(body))
        bolt.info(f"Invalid request signature detected (body: {body})")
        logging.getLogger("slack_sdk.web.async_base_client").info(f"Sending a request: {body}")
    lines = buffer.getvalue().splitlines()
    assert [line.split(": ", 1)[1] for line in lines] == [
        "Unhandled request",
        "Failed to run listener function (KeyError)",
    ]


@pytest.mark.parametrize(
    "name", ["slack_bolt", "slack_sdk.web", "sqlalchemy.engine.Engine", "httpx", "websockets"]
)
def test_libraries_that_log_payloads_stay_at_warning_under_debug(name: str) -> None:
    with captured_log("DEBUG"):
        assert logging.getLogger("viltbot").isEnabledFor(logging.DEBUG)
        assert not logging.getLogger(name).isEnabledFor(logging.INFO)
        assert logging.getLogger(name).isEnabledFor(logging.WARNING)


def test_alembic_logs_the_migrations_it_runs_and_not_its_set_up() -> None:
    with captured_log("INFO") as buffer:
        logging.getLogger("alembic.runtime.plugins").info("setup plugin alembic.autogenerate.types")
        migration = logging.getLogger("alembic.runtime.migration")
        migration.info("Context impl SQLiteImpl.")
        migration.info("Running upgrade 0002 -> 0003, names")
    assert [line.split(": ", 1)[1] for line in buffer.getvalue().splitlines()] == [
        "Running upgrade 0002 -> 0003, names"
    ]
