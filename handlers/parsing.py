"""Parse slash-command text the way Slack escapes it."""

from __future__ import annotations

import re

from domain.errors import InvalidInput

CHANNEL_RE = re.compile(r"^<#([CG][A-Z0-9]{2,})(?:\|([^>]*))?>$")
USER_RE = re.compile(r"^<@([UW][A-Z0-9]{2,})(?:\|([^>]*))?>$")
RAW_CHANNEL_RE = re.compile(r"^[CG][A-Z0-9]{8,}$")
RAW_USER_RE = re.compile(r"^[UW][A-Z0-9]{8,}$")


def unescape_command_text(text: str) -> str:
    """Slash-command text as the person typed it: Slack sends `&`, `<` and `>` as entities.

    Mentions and channel links (`<@U…>`, `<#C…>`) are Slack's own markup and stay as they are.
    """
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


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
