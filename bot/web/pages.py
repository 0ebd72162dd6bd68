"""Jinja2 rendering of the bot's own HTML pages."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from starlette.responses import HTMLResponse

from domain import mrkdwn

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
_BOLD = re.compile(r"\*([^*\n]+)\*")
_CODE = re.compile(r"`([^`\n]+)`")


def slack_text(text: str) -> Markup:
    """Show Slack's *bold* and `code` marks as HTML, escaping everything else.

    The text is mrkdwn, so the entities that keep user text inert in Slack are read back first.
    """
    html = str(escape(mrkdwn.unescape(text)))
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    html = _CODE.sub(r"<code>\1</code>", html)
    return Markup(html)


environment = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), enable_async=False
)
environment.filters["slack_text"] = slack_text


def page(
    *,
    title: str,
    message: str,
    ok: bool,
    outcome: str,
    status_code: int = 200,
    app_url: str | None = None,
    slack_url: str | None = None,
) -> HTMLResponse:
    """A small branded page with a title and a message."""
    html = environment.get_template("page.html").render(
        title=title,
        message=message,
        ok=ok,
        outcome=outcome,
        app_url=app_url,
        slack_url=slack_url,
    )
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})
