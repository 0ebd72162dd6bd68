"""Parse slash-command text the way Slack escapes it."""

from __future__ import annotations

import re

from domain import mrkdwn
from domain.errors import InvalidInput
from domain.limits import COMMAND_TEXT_MAX, SLACK_ID_MAX

# Ids longer than the columns that keep them are no Slack ids.
_ID_REST = f"{{2,{SLACK_ID_MAX - 1}}}"
_RAW_ID_REST = f"{{8,{SLACK_ID_MAX - 1}}}"
CHANNEL_RE = re.compile(rf"^<#([CG][A-Z0-9]{_ID_REST})(?:\|([^>]*))?>$")
USER_RE = re.compile(rf"^<@([UW][A-Z0-9]{_ID_REST})(?:\|([^>]*))?>$")
RAW_CHANNEL_RE = re.compile(rf"^[CG][A-Z0-9]{_RAW_ID_REST}$")
RAW_USER_RE = re.compile(rf"^[UW][A-Z0-9]{_RAW_ID_REST}$")


def unescape_command_text(text: str) -> str:
    """Slash-command text as the person typed it: Slack sends `&`, `<` and `>` as entities.

    Mentions and channel links (`<@U…>`, `<#C…>`) are Slack's own markup and stay as they are.
    """
    return mrkdwn.unescape(text)


def command_text(sent: str) -> str:
    """The text after `/vilt` as typed, or InvalidInput when it is longer than any command needs."""
    text = unescape_command_text(sent).strip()
    if len(text) > COMMAND_TEXT_MAX:
        raise InvalidInput(
            f"That command is {len(text):,} characters long; viltbot reads at most "
            f"{COMMAND_TEXT_MAX:,}. `/vilt help` lists the commands."
        )
    return text


def parse_channel(token: str, usage: str) -> str:
    """A channel id from `<#C123|name>` (or a raw id)."""
    match = CHANNEL_RE.match(token)
    if match:
        return match.group(1)
    if RAW_CHANNEL_RE.match(token):
        return token
    if token.startswith("#"):
        raise InvalidInput(
            f"I couldn't tell which channel `{token}` is. Pick it from Slack's channel list "
            f"as you type `#` so it turns into a link. Usage: {usage}"
        )
    raise InvalidInput(f"`{token}` is not a channel. Usage: {usage}")


def parse_user(token: str, usage: str) -> str:
    """A user id from `<@U123|name>` (or a raw id)."""
    match = USER_RE.match(token)
    if match:
        return match.group(1)
    if RAW_USER_RE.match(token):
        return token
    if token.startswith("@"):
        raise InvalidInput(
            f"I couldn't tell who `{token}` is. Pick the person from Slack's list as you type `@` "
            f"so it turns into a mention. Usage: {usage}"
        )
    raise InvalidInput(f"`{token}` is not a person. Usage: {usage}")


# Opening quote → the closing quotes that may end it. Slack clients type “smart quotes”.
_QUOTES = {
    '"': '"“”',
    "'": "'\u2018\u2019",
    "“": '”“"',
    "”": "”",
    "\u2018": "\u2019\u2018'",
    "„": '“”"',
    "«": "»",
}


def name_argument(text: str) -> str:
    """A team or location name as typed after a command, without quotes around it.

    `"Webinar Room"`, `“Webinar Room”` and `Webinar Room` all name the same location; quotes
    inside a name (`Bob's Room`) stay.
    """
    name = text.strip()
    if len(name) >= 2 and name[-1] in _QUOTES.get(name[0], ""):
        return name[1:-1].strip()
    return name


CHANNEL_MENTION_RE = re.compile(r"<#([CG][A-Z0-9]{2,})(?:\|([^>]*))?>")


def search_text(text: str) -> str:
    """A list filter as the person meant it: channel mentions are `#tags` again.

    Slack turns `#leadership` into `<#G0SBLEADR1|leadership>` when a channel has that name;
    without the name (`<#C123|>`) the tag cannot be told, and the person is asked to retype it.
    """

    def tag(match: re.Match[str]) -> str:
        name = (match.group(2) or "").strip()
        if not name:
            raise InvalidInput(
                "Slack sent a channel instead of the #tag, without its name, so I can't tell "
                "which tag you meant. Search by the tag's text without `#`, e.g. "
                "`/vilt location list leadership`."
            )
        return "#" + name

    return name_argument(CHANNEL_MENTION_RE.sub(tag, text))
