"""Channel and user arguments as Slack escapes them, and what a wrong one is told."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInput
from handlers.parsing import (
    name_argument,
    parse_channel,
    parse_user,
    search_text,
    unescape_command_text,
)

USAGE = "`/vilt team new <name> #channel`"


@pytest.mark.parametrize(
    ("token", "channel_id"),
    [
        ("<#C0TRAINING|training>", "C0TRAINING"),
        ("<#C0TRAINING>", "C0TRAINING"),
        ("<#G0SECRET01|secret>", "G0SECRET01"),
        ("<#C12|>", "C12"),
        ("C0TRAINING", "C0TRAINING"),
        ("G012345678", "G012345678"),
        ("C01234567", "C01234567"),
    ],
)
def test_channel_mentions_and_raw_ids_give_the_channel_id(token: str, channel_id: str) -> None:
    assert parse_channel(token, USAGE) == channel_id


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (
            "#training",
            "I couldn't tell which channel `#training` is. Pick it from Slack's channel list as "
            "you type `#` so it turns into a link. Usage: `/vilt team new <name> #channel`",
        ),
        ("training", "`training` is not a channel. Usage: `/vilt team new <name> #channel`"),
        # Too short for a raw id, or not a channel's prefix, or with text around the mention.
        ("C0123456", "`C0123456` is not a channel. Usage: `/vilt team new <name> #channel`"),
        ("D0TRAINING", "`D0TRAINING` is not a channel. Usage: `/vilt team new <name> #channel`"),
        ("c0training", "`c0training` is not a channel. Usage: `/vilt team new <name> #channel`"),
        (
            "x<#C0TRAINING|t>",
            "`x<#C0TRAINING|t>` is not a channel. Usage: `/vilt team new <name> #channel`",
        ),
        (
            "<#C0TRAINING|t>x",
            "`<#C0TRAINING|t>x` is not a channel. Usage: `/vilt team new <name> #channel`",
        ),
        ("<#C1|t>", "`<#C1|t>` is not a channel. Usage: `/vilt team new <name> #channel`"),
        (
            "<@U0ANN00001>",
            "`<@U0ANN00001>` is not a channel. Usage: `/vilt team new <name> #channel`",
        ),
    ],
)
def test_anything_else_is_refused_with_the_usage(token: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_channel(token, USAGE)
    assert refused.value.message == message


ADD = "`/vilt team add @user admin|instructor|learner`"


@pytest.mark.parametrize(
    ("token", "user_id"),
    [
        ("<@U0ANN00001|ann>", "U0ANN00001"),
        ("<@U0ANN00001>", "U0ANN00001"),
        ("<@W0ENTERPRISE>", "W0ENTERPRISE"),
        ("<@U12|>", "U12"),
        ("U0ANN00001", "U0ANN00001"),
        ("W012345678", "W012345678"),
        ("U01234567", "U01234567"),
    ],
)
def test_user_mentions_and_raw_ids_give_the_user_id(token: str, user_id: str) -> None:
    assert parse_user(token, ADD) == user_id


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (
            "@ann",
            "I couldn't tell who `@ann` is. Pick the person from Slack's list as you type `@` so "
            "it turns into a mention. Usage: `/vilt team add @user admin|instructor|learner`",
        ),
        ("ann", "`ann` is not a person. Usage: `/vilt team add @user admin|instructor|learner`"),
        (
            "U0123456",
            "`U0123456` is not a person. Usage: `/vilt team add @user admin|instructor|learner`",
        ),
        (
            "B0ROBOT001",
            "`B0ROBOT001` is not a person. Usage: `/vilt team add @user admin|instructor|learner`",
        ),
        (
            "x<@U0ANN00001>",
            "`x<@U0ANN00001>` is not a person. Usage: `/vilt team add @user admin|instructor|learner`",
        ),
        (
            "<@U0ANN00001>x",
            "`<@U0ANN00001>x` is not a person. Usage: `/vilt team add @user admin|instructor|learner`",
        ),
        (
            "<@U1>",
            "`<@U1>` is not a person. Usage: `/vilt team add @user admin|instructor|learner`",
        ),
        (
            "<#C0TRAINING>",
            "`<#C0TRAINING>` is not a person. Usage: `/vilt team add @user admin|instructor|learner`",
        ),
    ],
)
def test_anyone_else_is_refused_with_the_usage(token: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_user(token, ADD)
    assert refused.value.message == message


@pytest.mark.parametrize(
    ("sent", "typed"),
    [
        ("R&amp;D &lt;Lab&gt;", "R&D <Lab>"),
        ("&amp;lt;b&amp;gt;", "&lt;b&gt;"),  # the person typed the entities themselves
        ("&lt;&lt;&gt;&gt; &amp;&amp;", "<<>> &&"),
        (
            "team add <@U0ANN00001|ann> admin in <#C0TRAINING|training>",
            "team add <@U0ANN00001|ann> admin in <#C0TRAINING|training>",
        ),
        ("&quot;x&quot; &#39;y&#39;", "&quot;x&quot; &#39;y&#39;"),
    ],
)
def test_command_text_is_read_as_the_person_typed_it(sent: str, typed: str) -> None:
    assert unescape_command_text(sent) == typed


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("Webinar Room", "Webinar Room"),
        ('"Webinar Room"', "Webinar Room"),
        ("“Webinar Room”", "Webinar Room"),
        ("”Webinar Room”", "Webinar Room"),
        ("\u2018Webinar Room\u2019", "Webinar Room"),
        ("'Webinar Room'", "Webinar Room"),
        ("„Webinar Room“", "Webinar Room"),
        ("«Webinar Room»", "Webinar Room"),
        ('  " Webinar Room "  ', "Webinar Room"),
        ("Bob's Room", "Bob's Room"),
        ('"Webinar Room', '"Webinar Room'),
        ("“Webinar Room'", "“Webinar Room'"),
        ('"', '"'),
        ('""', ""),
    ],
)
def test_a_name_may_be_quoted_with_straight_or_smart_quotes(typed: str, name: str) -> None:
    assert name_argument(typed) == name


@pytest.mark.parametrize(
    ("sent", "query"),
    [
        ("#leadership", "#leadership"),
        ("<#G0SBLEADR1|leadership>", "#leadership"),
        ("#onboarding <#C0SALES001|sales>", "#onboarding #sales"),
        ("<#C0SALES001|sales> <#G0SBLEADR1|leadership>", "#sales #leadership"),
        ('"oslo room"', "oslo room"),
        ("  oslo  ", "oslo"),
    ],
)
def test_channel_links_in_a_search_are_tags_again(sent: str, query: str) -> None:
    assert search_text(sent) == query


@pytest.mark.parametrize("sent", ["<#G0SBLEADR1|>", "<#G0SBLEADR1>", "#sales <#C0SALES001| >"])
def test_a_channel_link_without_its_name_is_refused_clearly(sent: str) -> None:
    with pytest.raises(InvalidInput, match="can't tell which tag you meant"):
        search_text(sent)
