"""Only Slack's response_urls, or the configured Slack API's host, are posted to."""

from __future__ import annotations

import pytest

from handlers.response_urls import trusted_response_url

SLACK = "https://slack.com/api/"
STANDIN = "http://127.0.0.1:4321/api/"


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.slack.com/commands/T0ACME0001/123/abc",
        "https://hooks.slack.com:443/actions/T0ACME0001/123/abc",
        "https://acme.enterprise.slack.com/actions/T1/2/x",
    ],
)
def test_slack_response_urls_are_trusted(url: str) -> None:
    assert trusted_response_url(url, SLACK) == url


def test_the_configured_slack_hosts_urls_are_trusted_with_its_own_scheme_and_port() -> None:
    url = "http://127.0.0.1:4321/response_url/T0ACME0001/7"
    assert trusted_response_url(url, STANDIN) == url
    assert trusted_response_url("http://127.0.0.1:4322/response_url/x", STANDIN) is None
    assert trusted_response_url("https://127.0.0.1:4321/response_url/x", STANDIN) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.slack.com/commands/T1/2/x",  # not https
        "https://evil.example/commands/T1/2/x",
        "https://hooks.slack.com.evil.example/x",
        "https://evilslack.com/x",
        "https://hooks.slack.com@evil.example/x",
        "https://user:pw@hooks.slack.com/x",
        "https://hooks.slack.com:8443/x",
        "https://hooks.slack.com:notaport/x",
        "https://hooks.slack.com/x\nHost: evil",
        "https://hooks.slack.com/" + "a" * 500,
        "javascript:alert(1)",
        "",
        None,
        42,
    ],
)
def test_anything_else_is_refused(url: object) -> None:
    assert trusted_response_url(url, SLACK) is None
    assert trusted_response_url(url, STANDIN) is None
