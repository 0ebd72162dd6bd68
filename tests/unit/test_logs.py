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
