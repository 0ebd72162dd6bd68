"""Pure policies: field validation, tags, connection status. The clock is passed in."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import urlparse

from domain.limits import (
    CONSUMER_KEY_MAX,
    CONSUMER_SECRET_MAX,
    DESCRIPTION_MAX,
    INFORMATION_URL_MAX,
    LOCATION_NAME_MAX,
    MAX_LEARNERS_MAX,
    MAX_LEARNERS_MIN,
    MAX_LEARNERS_TEXT_MAX,
)
from domain.models import LocationKind
from domain.names import clean_name, name_key

# GoTo refresh tokens last about 30 days: that is how long a link stays connected.
CONNECTION_LIFETIME = timedelta(days=30)
# The former name of MAX_LEARNERS_MAX, kept for callers that import it from here.
MAX_LEARNERS_LIMIT = MAX_LEARNERS_MAX
MAX_LEARNERS_RULE = (
    f"Enter a whole number from {MAX_LEARNERS_MIN:,} to {MAX_LEARNERS_MAX:,}, or leave it empty."
)
# A tag starts a word: not inside a URL fragment (/#x), an HTML entity (&#39;) or "##".
TAG_RE = re.compile(r"(?<![\w&/#])#([\w][\w-]{0,49})")


def too_long(field: str, limit: int) -> str:
    """The answer to text over a field's limit, naming the field and the limit."""
    return f"{field} has at most {limit:,} characters."


def _is_control(ch: str) -> bool:
    """A control or format character (NUL among them), which no typed value needs."""
    return unicodedata.category(ch) in {"Cc", "Cf", "Cs"}


def tags_in(text: str) -> list[str]:
    """The `#tags` in a description, lower-cased, in order, without repeats."""
    seen: dict[str, None] = {}
    for match in TAG_RE.finditer(text or ""):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)


def matches_search(query: str, *, tags_from: str, texts: Sequence[str]) -> bool:
    """Whether a record matches a search: every `#tag` of the query among the tags of
    `tags_from`, or else the query's text (compared by name key) within one of `texts`."""
    if not query:
        return True
    if query.startswith("#"):
        wanted = {tag.lower() for tag in (q.lstrip("#") for q in query.split()) if tag}
        return wanted <= set(tags_in(tags_from))
    needle = name_key(query)
    return any(needle in name_key(text) for text in texts)


@dataclass
class LocationForm:
    """What an admin typed into the location modal (raw strings where typing happens)."""

    name: str = ""
    active: bool = True
    kind: str = LocationKind.CLASSROOM.value
    max_learners: str = ""
    information_url: str = ""
    owner_team_id: int | None = None
    team_ids: list[int] = field(default_factory=list)
    description: str = ""
    consumer_key: str = ""
    consumer_secret: str = ""
    goto_notifications: bool = True


@dataclass
class CleanLocation:
    """A validated location form."""

    name: str
    active: bool
    kind: LocationKind
    max_learners: int | None
    information_url: str | None
    owner_team_id: int
    team_ids: list[int]
    description: str
    consumer_key: str | None
    consumer_secret: str | None
    goto_notifications: bool


def validate_location(
    form: LocationForm,
    *,
    admin_team_ids: set[int],
    workspace_team_ids: set[int],
    has_saved_secret: bool = False,
) -> tuple[CleanLocation | None, dict[str, str]]:
    """Check every field; return the clean form or errors keyed by field name."""
    errors: dict[str, str] = {}
    name = clean_name(form.name)
    if not name:
        errors["name"] = "Give the location a name."
    elif max(len(name), len(name_key(name))) > LOCATION_NAME_MAX:
        errors["name"] = too_long("A location name", LOCATION_NAME_MAX)
    try:
        kind = LocationKind(form.kind)
    except ValueError:
        errors["kind"] = "Choose classroom, GoToWebinar or GoToTraining."
        kind = LocationKind.CLASSROOM
    max_learners: int | None = None
    raw_max = form.max_learners.strip().replace(",", "").replace("_", "")
    if raw_max:
        # Checked before int(): ASCII digits only ("²" is a digit to str.isdigit), and short
        # enough that no huge number is ever converted.
        if len(form.max_learners) > MAX_LEARNERS_TEXT_MAX or not (
            raw_max.isascii() and raw_max.isdigit()
        ):
            errors["max_learners"] = MAX_LEARNERS_RULE
        else:
            max_learners = int(raw_max)
            if not MAX_LEARNERS_MIN <= max_learners <= MAX_LEARNERS_MAX:
                errors["max_learners"] = MAX_LEARNERS_RULE
    url = form.information_url.strip() or None
    if url is not None:
        try:
            parsed = urlparse(url)
        except ValueError:  # e.g. an unclosed IPv6 bracket: "http://[::1"
            parsed = urlparse("")
        if (
            parsed.scheme not in {"http", "https"}
            or not parsed.netloc
            or any(ch.isspace() or _is_control(ch) for ch in url)
        ):
            errors["information_url"] = "Enter a web address starting with http:// or https://."
        elif len(url) > INFORMATION_URL_MAX:
            errors["information_url"] = too_long("An information URL", INFORMATION_URL_MAX)
    description = "".join(
        ch
        for ch in form.description
        if ch in "\n\t" or unicodedata.category(ch) not in {"Cc", "Cs"}
    ).strip()
    if len(description) > DESCRIPTION_MAX:
        errors["description"] = too_long("A description", DESCRIPTION_MAX)
    owner = form.owner_team_id
    if owner is None or owner not in admin_team_ids:
        errors["owner_team"] = "Choose a team you administer as the owner."
    team_ids = sorted(set(form.team_ids))
    if not team_ids:
        errors["team_availability"] = "Choose at least one team that may schedule sessions here."
    elif not set(team_ids) <= workspace_team_ids:
        errors["team_availability"] = "One of the chosen teams no longer exists; choose again."
    consumer_key = form.consumer_key.strip() or None
    consumer_secret = form.consumer_secret.strip() or None
    if kind.is_goto:
        if consumer_key is None:
            errors["consumer_key"] = f"Paste the consumer key of your {kind.label} app."
        elif len(consumer_key) > CONSUMER_KEY_MAX or any(
            ch.isspace() or _is_control(ch) for ch in consumer_key
        ):
            errors["consumer_key"] = (
                "That does not look like a consumer key: a consumer key has no spaces or "
                f"control characters and at most {CONSUMER_KEY_MAX:,} characters."
            )
        if consumer_secret is None and not has_saved_secret:
            errors["consumer_secret"] = f"Paste the consumer secret of your {kind.label} app."
        elif consumer_secret is not None and len(consumer_secret) > CONSUMER_SECRET_MAX:
            errors["consumer_secret"] = "That does not look like a consumer secret: " + too_long(
                "a consumer secret", CONSUMER_SECRET_MAX
            )
        elif consumer_secret is not None and any(_is_control(ch) for ch in consumer_secret):
            errors["consumer_secret"] = (
                "That does not look like a consumer secret: it holds control characters."
            )
    else:
        consumer_key = consumer_secret = None
    if errors:
        return None, errors
    assert owner is not None
    return (
        CleanLocation(
            name=name,
            active=form.active,
            kind=kind,
            max_learners=max_learners,
            information_url=url,
            owner_team_id=owner,
            team_ids=team_ids,
            description=description,
            consumer_key=consumer_key,
            consumer_secret=consumer_secret,
            goto_notifications=form.goto_notifications if kind.is_goto else False,
        ),
        {},
    )


class ConnectionState(StrEnum):
    """Where a location's GoTo connection stands."""

    NOT_APPLICABLE = "not_applicable"  # a classroom has no connection
    NOT_LINKED = "not_linked"
    CONNECTED = "connected"
    EXPIRED = "expired"
    FAILED = "failed"


@dataclass(frozen=True)
class ConnectionStatus:
    """How a location's GoTo connection stands right now, with the line people read."""

    state: ConnectionState
    text: str
    days_left: int | None = None


def connection_status(
    *,
    kind: LocationKind,
    linked_email: str | None,
    expires_at: datetime | None,
    error: str | None,
    now: datetime,
    name: str | None = None,
) -> ConnectionStatus:
    """The status line: not linked · connected as … until … (N days left) · expired · failed.

    With the location's `name`, a lapsed or failed connection says how to link it again. The
    text is plain (whoever writes it into a message escapes it): the command is in backticks,
    with any backtick of the name dropped so the span cannot be closed early.
    """
    command = f"/vilt location link {name}".replace("`", "")
    relink = f" · link it again with `{command}`" if name else ""
    if not kind.is_goto:
        return ConnectionStatus(ConnectionState.NOT_APPLICABLE, "classroom (no GoTo connection)")
    if error:
        return ConnectionStatus(ConnectionState.FAILED, f"failed: {error}{relink}")
    if expires_at is None:
        return ConnectionStatus(ConnectionState.NOT_LINKED, "not linked")
    if expires_at <= now:
        return ConnectionStatus(ConnectionState.EXPIRED, f"expired{relink}", 0)
    days = (expires_at - now).days
    until = expires_at.strftime("%Y-%m-%d")
    plural = "s" if days != 1 else ""
    return ConnectionStatus(
        ConnectionState.CONNECTED,
        f"connected as {linked_email or 'a GoTo account'} until {until} ({days} day{plural} left)",
        days,
    )
