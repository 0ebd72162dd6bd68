"""The tour's steps (first two, until the whole tour is written)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Fill:
    text: str
    label: str


@dataclass(frozen=True)
class TourStep:
    key: str
    title: str
    how: str
    person: str | None
    fills: tuple[Fill, ...]
    done: bool


async def tour(runtime: Any, goto: Any) -> list[TourStep]:
    return [
        TourStep(
            "team",
            "Create a team",
            "Type it.",
            None,
            (Fill("team new Sales #training", "team new Sales #training"),),
            False,
        ),
        TourStep(
            "people",
            "Add people",
            "Type it.",
            None,
            (Fill("team add @Ian instructor", "team add @Ian instructor"),),
            False,
        ),
    ]
