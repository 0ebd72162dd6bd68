"""The one place where text meets Slack's mrkdwn: user text is escaped, mentions are built from ids.

Slack reads `<…>` as a mention, a channel or a link and `&` as the start of an entity, so every piece
of text a person typed (names, descriptions, URLs, titles) goes through `escape` before it is put into
a message. What the bot means to mention (a user, a channel) is built by `user` and `channel` from ids
that Slack gave us, never from text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_ID = re.compile(r"^[A-Z0-9]{2,32}$")


def escape(text: str) -> str:
    """User text made inert in mrkdwn: `&`, `<` and `>` become entities, so nothing mentions or links."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Escaped text read back as typed (Slack sends typed `&`, `<`, `>` as these entities too)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def bold(text: str) -> str:
    """User text in bold, escaped."""
    return f"*{escape(text)}*"


def code(text: str) -> str:
    """User text in a code span, escaped, its backticks dropped so the span cannot be closed early."""
    return f"`{escape(text.replace('`', ''))}`"


def link(url: str, label: str) -> str:
    """A link whose target and label may both come from users: `|` and `>` cannot break out."""
    return f"<{escape(url).replace('|', '%7C')}|{escape(label)}>"


def user(user_id: str) -> str:
    """A mention of a Slack user by the id Slack gave us; anything else is shown as text."""
    return f"<@{user_id}>" if _ID.match(user_id) else escape(user_id)


def channel(channel_id: str) -> str:
    """A mention of a Slack channel by its id; anything else is shown as text."""
    return f"<#{channel_id}>" if _ID.match(channel_id) else escape(channel_id)


def date(moment: datetime, token: str) -> str:
    """`moment` as Slack formats it in each reader's own time zone (`token` as Slack's
    `<!date>` takes it, e.g. "{date_short_pretty} {time}"), with a UTC fallback."""
    utc = moment.astimezone(UTC)
    fallback = f"{utc:%Y-%m-%d %H:%M} UTC" if "date" in token else f"{utc:%H:%M} UTC"
    return f"<!date^{int(utc.timestamp())}^{token}|{fallback}>"
