"""Access log lines never carry query strings (GoTo's OAuth code and state travel there)."""

from __future__ import annotations

import logging

from bot.logs import RedactQueryStrings


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
    from bot.logs import configure_logging

    executors = logging.getLogger("apscheduler.executors.default")
    before = logging.getLogger("apscheduler.executors").level
    try:
        configure_logging()
        assert not executors.isEnabledFor(logging.INFO)
        assert executors.isEnabledFor(logging.ERROR)
    finally:
        logging.getLogger("apscheduler.executors").setLevel(before)
