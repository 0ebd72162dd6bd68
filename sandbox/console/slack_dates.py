"""Slack's `<!date^…>` tokens as Slack's client shows them: in the reader's own time zone.

`<!date^1796133600^{date_short_pretty} {time}|2026-12-01 14:00 UTC>` reads "tomorrow 3:00 PM" to
someone in Europe/Oslo on the day before; the text after `|` is only for clients that cannot.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

_TOKEN = re.compile(r"\{(\w+)\}")


def format_date(stamp: int, tokens: str, zone: ZoneInfo, now: datetime) -> str | None:
    """`tokens` with each {token} filled for `stamp` in `zone`; None when a token is unknown."""
    moment = datetime.fromtimestamp(stamp, UTC).astimezone(zone)
    today = now.astimezone(zone).date()
    unknown: list[str] = []

    def fill(match: re.Match[str]) -> str:
        shown = _token(match.group(1), moment, today, now)
        if shown is None:
            unknown.append(match.group(1))
            return match.group(0)
        return shown

    text = _TOKEN.sub(fill, tokens)
    return None if unknown else text


def _token(name: str, moment: datetime, today: date, now: datetime) -> str | None:
    day = moment.day
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    dates = {
        "date_num": f"{moment:%Y-%m-%d}",
        "date": f"{moment:%B} {day}{suffix}, {moment:%Y}",
        "date_short": f"{moment:%b} {day}, {moment:%Y}",
        "date_long": f"{moment:%A}, {moment:%B} {day}{suffix}, {moment:%Y}",
    }
    if name in dates:
        return dates[name]
    if name.endswith("_pretty") and name.removesuffix("_pretty") in dates:
        relative = {0: "today", 1: "tomorrow", -1: "yesterday"}
        offset = (moment.date() - today).days
        return relative.get(offset, dates[name.removesuffix("_pretty")])
    hour = moment.hour % 12 or 12
    half = "AM" if moment.hour < 12 else "PM"
    if name == "time":
        return f"{hour}:{moment:%M} {half}"
    if name == "time_secs":
        return f"{hour}:{moment:%M:%S} {half}"
    if name == "ago":
        return _ago(now - moment)
    return None


def _ago(elapsed: timedelta) -> str:
    seconds = int(elapsed.total_seconds())
    later = seconds < 0
    seconds = abs(seconds)
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            amount = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {amount}" if later else f"{amount} ago"
    return "just now"
