"""Slack text as the console page shows it: mrkdwn and plain_text as escaped HTML, safe links.

The functions here are the page template's filters; nothing they return can carry markup or a
script the bot (or a person typing) did not mean as plain text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape

# Enough emoji for viltbot's messages; others stay as :shortcode:.
EMOJI = {
    "white_check_mark": "\u2705",
    "warning": "\u26a0\ufe0f",
    "no_entry": "\u26d4",
    "boom": "\U0001f4a5",
    "floppy_disk": "\U0001f4be",
    "hourglass_flowing_sand": "\u23f3",
    "large_green_circle": "\U0001f7e2",
    "large_yellow_circle": "\U0001f7e1",
    "double_vertical_bar": "\u23f8\ufe0f",
    "red_circle": "\U0001f534",
    "white_circle": "\u26aa",
    "link": "\U0001f517",
    "calendar": "\U0001f4c5",
    "wave": "\U0001f44b",
    "tada": "\U0001f389",
    "x": "\u274c",
    "information_source": "\u2139\ufe0f",
    "bell": "\U0001f514",
    "memo": "\U0001f4dd",
    "mag": "\U0001f50d",
    "lock": "\U0001f512",
    "key": "\U0001f511",
}

_MRKDWN_TOKENS = re.compile(
    r"```(?P<pre>.+?)```|`(?P<code>[^`\n]+)`|<(?P<angle>[^<>\n]+)>", re.DOTALL
)
_BOLD = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?!\s)([^_\n]+?)_(?![\w_])")
_STRIKE = re.compile(r"(?<![\w~])~(?!\s)([^~\n]+?)~(?![\w~])")
_EMOJI = re.compile(r":([a-z0-9_+\-]+):")
_SAFE_SCHEMES = ("http://", "https://", "mailto:")


DateText = Callable[[int, str], str | None]  # (Unix seconds, "{date_short} {time}") -> shown


def mrkdwn_html(
    text: str, label: Callable[[str], str | None], date_text: DateText | None = None
) -> Markup:
    """Slack mrkdwn as escaped HTML; `label` names "@U…" / "#C…" ids (None when unknown),
    `date_text` shows `<!date>` tokens as the reader sees them (else their fallback)."""
    out: list[str] = []
    pos = 0
    for match in _MRKDWN_TOKENS.finditer(text):
        out.append(_inline(text[pos : match.start()]))
        if match.group("pre") is not None:
            out.append(f"<pre>{escape(html.unescape(match.group('pre')))}</pre>")
        elif match.group("code") is not None:
            out.append(f"<code>{escape(html.unescape(match.group('code')))}</code>")
        else:
            out.append(_angle(match.group("angle"), label, date_text))
        pos = match.end()
    out.append(_inline(text[pos:]))
    return Markup("".join(out))


def _inline(text: str) -> str:
    escaped = _with_emoji(str(escape(html.unescape(text))))
    escaped = _BOLD.sub(r"<strong>\1</strong>", escaped)
    escaped = _ITALIC.sub(r"<em>\1</em>", escaped)
    escaped = _STRIKE.sub(r"<del>\1</del>", escaped)
    return escaped.replace("\n", "<br>")


def _angle(inner: str, label: Callable[[str], str | None], date_text: DateText | None) -> str:
    target, _, fallback = inner.partition("|")
    if target.startswith("!date^"):
        return _date(target, html.unescape(fallback), date_text)
    if target[:1] in {"@", "#"}:
        name = label(target) or (target[0] + fallback if fallback else target)
        css = "mention" if target[0] == "@" else "channel"
        return f'<span class="{css}">{escape(html.unescape(name))}</span>'
    if target.startswith("!"):
        special = target[1:].split("^", 1)[0]
        shown = fallback or ("@" + special if special in {"here", "channel", "everyone"} else "")
        return f'<span class="mention">{escape(html.unescape(shown or target))}</span>'
    url = html.unescape(target)
    if url.startswith(_SAFE_SCHEMES):
        shown = html.unescape(fallback) if fallback else url
        return (
            f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">{escape(shown)}</a>'
        )
    # Not a Slack link: it was literal text such as `<name>`.
    return str(escape(html.unescape(f"<{inner}>")))


def _date(target: str, fallback: str, date_text: DateText | None) -> str:
    """`<!date^stamp^tokens^link>`: the date as the reader sees it, the fallback on hover."""
    _, stamp, tokens, *link = [*target.split("^"), "", ""][:4]
    shown = None
    if date_text is not None and stamp.isdigit() and len(stamp) <= 12:
        shown = date_text(int(stamp), html.unescape(tokens))
    time_tag = f'<time title="{escape(fallback)}">{escape(shown or fallback)}</time>'
    url = html.unescape(link[0]) if link else ""
    if url.startswith(_SAFE_SCHEMES):
        return f'<a href="{escape(url)}" target="_blank" rel="noopener noreferrer">{time_tag}</a>'
    return time_tag


def _with_emoji(escaped: str) -> str:
    """Known :shortcodes: of escaped text as the emoji itself."""
    return _EMOJI.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), escaped)


def plain_text(value: Any) -> Markup:
    """A plain_text object's text (or a string), escaped, with emoji shortcodes shown."""
    text = value.get("text") if isinstance(value, dict) else value
    return Markup(_with_emoji(str(escape(str(text or "")))))


def safe_url(value: Any) -> str:
    """The URL when it is http(s) or mailto, else "#" (no javascript: links)."""
    url = str(value or "")
    return url if url.startswith(_SAFE_SCHEMES) else "#"


def css_color(value: Any) -> str:
    """An attachment colour as CSS: #hex or Slack's good / warning / danger."""
    named = {"good": "#2eb67d", "warning": "#ecb22e", "danger": "#e01e5a"}
    text = str(value or "")
    if text in named:
        return named[text]
    return text if re.fullmatch(r"#?[0-9A-Fa-f]{3}(?:[0-9A-Fa-f]{3})?", text) else "#dddddd"
