"""The mrkdwn helper: user text cannot mention, link or break out of its span."""

from __future__ import annotations

from domain import mrkdwn


def test_escape_makes_mentions_and_links_inert() -> None:
    raw = "<!channel> Room <http://evil.example|re-auth> <@U0BOSS0001> & co"
    out = mrkdwn.escape(raw)
    assert "<" not in out and ">" not in out
    assert out == (
        "&lt;!channel&gt; Room &lt;http://evil.example|re-auth&gt; &lt;@U0BOSS0001&gt; &amp; co"
    )


def test_escape_is_not_applied_twice_by_accident() -> None:
    assert mrkdwn.escape("&lt;") == "&amp;lt;"


def test_bold_and_code_escape() -> None:
    assert mrkdwn.bold("Eng <!channel>") == "*Eng &lt;!channel&gt;*"
    assert mrkdwn.code("a`b<c>") == "`ab&lt;c&gt;`"


def test_link_keeps_target_and_label_apart() -> None:
    assert mrkdwn.link("https://ok.example/a><!channel>|x", "Info <b>") == (
        "<https://ok.example/a&gt;&lt;!channel&gt;%7Cx|Info &lt;b&gt;>"
    )


def test_mentions_only_from_ids() -> None:
    assert mrkdwn.user("U0BOSS0001") == "<@U0BOSS0001>"
    assert mrkdwn.user("U1> <!channel") == "U1&gt; &lt;!channel"
    assert mrkdwn.channel("C0TRAINING") == "<#C0TRAINING>"
    assert mrkdwn.channel("general>") == "general&gt;"


def test_unescape_reads_escaped_text_back_as_typed() -> None:
    for typed in ["<!channel> & co", "&lt; typed", "a&amp;b", ""]:
        assert mrkdwn.unescape(mrkdwn.escape(typed)) == typed
