"""The request signer against Slack's documented example and slack_sdk's verifier."""

from __future__ import annotations

import time

from slack_sdk.signature import Clock, SignatureVerifier

from tests.harness.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

# The worked example in Slack's "Verifying requests from Slack" documentation.
DOC_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DOC_TIMESTAMP = 1531420618
DOC_BODY = (
    "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow"
    "&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner"
    "&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
    "%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


class FrozenClock(Clock):
    def __init__(self, now: float) -> None:
        self._now = now

    def now(self) -> float:
        return self._now


def test_matches_slacks_documented_example():
    headers = sign(DOC_SECRET, DOC_BODY, DOC_TIMESTAMP)
    assert headers == {TIMESTAMP_HEADER: "1531420618", SIGNATURE_HEADER: DOC_SIGNATURE}


def test_bytes_and_str_bodies_sign_alike():
    assert sign(DOC_SECRET, DOC_BODY.encode(), DOC_TIMESTAMP) == sign(
        DOC_SECRET, DOC_BODY, DOC_TIMESTAMP
    )


def test_slack_sdk_verifier_accepts_the_documented_example():
    verifier = SignatureVerifier(DOC_SECRET, clock=FrozenClock(DOC_TIMESTAMP + 30))
    assert verifier.is_valid(DOC_BODY, str(DOC_TIMESTAMP), DOC_SIGNATURE)
    assert verifier.generate_signature(timestamp=str(DOC_TIMESTAMP), body=DOC_BODY) == DOC_SIGNATURE


def test_fresh_signature_verifies_and_wrong_secret_or_stale_does_not():
    body = '{"type":"event_callback"}'
    verifier = SignatureVerifier("s3cret")
    assert verifier.is_valid_request(body, sign("s3cret", body))
    assert not verifier.is_valid_request(body, sign("other", body))
    assert not verifier.is_valid_request(body, sign("s3cret", body, int(time.time()) - 360))
    assert not verifier.is_valid_request(body + " ", sign("s3cret", body))
