"""What a user is told for each kind of failure (bot.failures), and that the table takes new kinds."""

from __future__ import annotations

import json
import logging

import pytest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.slack_response import SlackResponse
from sqlalchemy import exc as sa_exc

from bot import failures
from domain.errors import NotFound, StoreUnavailable


def test_a_domain_error_says_its_own_message() -> None:
    explanation = failures.explain(NotFound("No team named *Sales*."), "0123abcd")
    assert explanation.text == ":warning: No team named *Sales*."
    assert explanation.level == logging.INFO


@pytest.mark.parametrize(
    "error",
    [
        sa_exc.OperationalError("INSERT …", {"secret": "s3cr3t"}, Exception("database is locked")),
        sa_exc.TimeoutError("QueuePool limit reached"),
        ConnectionRefusedError(111, "Connect call failed"),
        TimeoutError(),
    ],
)
def test_a_database_that_does_not_answer_says_nothing_was_saved(error: Exception) -> None:
    explanation = failures.explain(error, "0123abcd")
    assert explanation.text == (
        ":warning: viltbot's database is not answering; nothing was saved, "
        "try again in a minute (ref 0123abcd)"
    )
    assert explanation.level == logging.WARNING
    assert not explanation.with_traceback


def test_the_unit_of_work_tells_the_same() -> None:
    assert (
        StoreUnavailable("0123abcd").message
        in failures.explain(StoreUnavailable("0123abcd"), "ffff").text
    )


def test_anything_else_is_an_apology_with_the_reference() -> None:
    explanation = failures.explain(KeyError("trigger_id"), "0123abcd")
    assert explanation.text == ":boom: Sorry, something went wrong (ref `0123abcd`)"
    assert explanation.level == logging.ERROR and explanation.with_traceback


def test_a_new_kind_of_failure_is_one_rule_in_front(monkeypatch: pytest.MonkeyPatch) -> None:
    class RateLimited(Exception):
        pass

    rule: failures.Rule = (
        lambda error: isinstance(error, RateLimited),
        lambda error, ref: failures.Explanation(f"Slack is busy (ref {ref})", logging.WARNING),
    )
    monkeypatch.setattr(failures, "RULES", [rule, *failures.RULES])
    assert failures.explain(RateLimited(), "0123abcd").text == "Slack is busy (ref 0123abcd)"
    assert failures.explain(KeyError(), "0123abcd").text.startswith(":boom: Sorry")


async def test_an_unacked_modal_submission_gets_the_text_as_a_plain_field_error() -> None:
    body = {
        "type": "view_submission",
        "user": {"id": "U0BOSS0001"},
        "view": {"blocks": [{"type": "section"}, {"type": "input", "block_id": "name"}]},
    }
    ack = await failures.answer(
        KeyError("x"),
        ref="0123abcd",
        body=body,
        response=BoltResponse(status=500),
        respond=None,
        client=None,
    )
    assert ack is not None and ack.status == 200
    assert json.loads(ack.body) == {
        "response_action": "errors",
        "errors": {"name": "Sorry, something went wrong (ref 0123abcd)"},
    }


async def test_a_modal_field_error_reads_escaped_user_text_back_as_typed() -> None:
    body = {
        "type": "view_submission",
        "user": {"id": "U0BOSS0001"},
        "view": {"blocks": [{"type": "input", "block_id": "name"}]},
    }
    ack = await failures.answer(
        NotFound("No location named `R&amp;D &lt;north&gt;`."),
        ref="0123abcd",
        body=body,
        response=BoltResponse(status=500),
        respond=None,
        client=None,
    )
    assert ack is not None
    assert json.loads(ack.body)["errors"] == {"name": "No location named R&D <north>."}


async def test_an_unacked_slash_command_gets_the_text_as_its_ephemeral_answer() -> None:
    body = {
        "command": "/vilt",
        "user_id": "U0BOSS0001",
        "response_url": "https://hooks.slack.com/x",
    }
    ack = await failures.answer(
        StoreUnavailable("0123abcd"),
        ref="ffff",
        body=body,
        response=BoltResponse(status=500),
        respond=None,
        client=None,
    )
    assert ack is not None and ack.status == 200
    assert json.loads(ack.body) == {
        "response_type": "ephemeral",
        "text": f":warning: {StoreUnavailable('0123abcd').message}",
    }


def slack_refusal(status: int, data: dict[str, object]) -> SlackApiError:
    """What slack_sdk raises when Slack answers `views.open` with `data`."""
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/views.open",
        req_args={},
        data=data,
        headers={},
        status_code=status,
    )
    return SlackApiError("refused", response)  # type: ignore[no-untyped-call]


@pytest.mark.parametrize(
    ("status", "data", "says"),
    [
        (429, {"ok": False, "error": "ratelimited"}, "rate-limiting viltbot"),
        (200, {"ok": False, "error": "invalid_auth"}, "reinstall the app"),
        (200, {"ok": False, "error": "missing_scope", "needed": "users:read"}, "`users:read`"),
    ],
)
def test_a_slack_refusal_no_retry_helps_says_what_is_wrong(
    status: int, data: dict[str, object], says: str
) -> None:
    explanation = failures.explain(slack_refusal(status, data), "0123abcd")
    assert explanation.text.startswith(":warning: ") and says in explanation.text
    assert "Sorry" not in explanation.text
    assert explanation.level == logging.WARNING


def test_another_slack_error_is_an_apology() -> None:
    refusal = slack_refusal(200, {"ok": False, "error": "expired_trigger_id"})
    text = failures.explain(refusal, "0123abcd").text
    assert text.startswith(":boom: Sorry")
