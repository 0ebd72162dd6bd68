"""The completion report as Slack messages: mrkdwn from Jinja2 templates, Block Kit from slack_sdk.

Every value a template prints is escaped with `domain.mrkdwn.escape` unless it is already mrkdwn
the bot built (a `Markup`: dates, mentions), so names like `<!channel>` stay text. Long rosters go
into several messages, each within Slack's limits; the first has the counts and the CSV button.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup
from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from domain import mrkdwn
from domain.completion_report import (
    REPORTED,
    CompletionReport,
    SlackMessage,
    status_label,
)
from domain.models import EnrollmentStatus
from handlers.report_views import CSV_BUTTON, REPORT_CSV_ACTION

TEMPLATES = Path(__file__).resolve().parents[1] / "templates" / "report"

HEADER = "Completion report"
# Slack's limits: blocks in a message, characters in a section's text, fields in a section.
MAX_BLOCKS = 50
SECTION_CHARS = 3000
MAX_FIELDS = 10
# Text a message carries in all; more is split so each message stays readable (and well under
# what chat.postMessage accepts).
MESSAGE_CHARS = 12_000
# A single roster line never needs more (names and emails are bounded); cut so one cannot
# overflow a section.
LINE_CHARS = 1000
# Sessions shorter than this show their end as a time only.
_DAY = timedelta(hours=24)


def _escape_output(value: Any) -> Any:
    # Everything printed is user text unless the bot built it as mrkdwn (Markup).
    if isinstance(value, Markup):
        return value
    if isinstance(value, str):
        return mrkdwn.escape(value)
    return value


environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=False,
    finalize=_escape_output,
    undefined=StrictUndefined,
    keep_trailing_newline=False,
)


def _render(name: str, **values: Any) -> str:
    return environment.get_template(name).render(**values).strip()


def _macro(template: str, name: str, *args: Any) -> str:
    module = environment.get_template(template).module
    return str(getattr(module, name)(*args)).strip()


@dataclass(frozen=True)
class _Group:
    """A titled run of lines (in progress, roster, walk-ins)."""

    heading: str
    lines: list[str]


class BlockKitReportRenderer:
    """`ReportRenderer`: the report as Block Kit messages (JSON dicts) with text fallbacks."""

    def messages(self, report: CompletionReport) -> list[SlackMessage]:
        """The report as one message, or several when the roster is long."""
        head = self._head(report)
        pages = _paginate(
            [section for group in self._groups(report) for section in _group_sections(group)],
            first_room=MAX_BLOCKS - len(head),
            first_chars=MESSAGE_CHARS - sum(_chars(b) for b in head),
        )
        total = len(pages)
        messages: list[SlackMessage] = []
        for number, body in enumerate(pages, start=1):
            if number == 1:
                blocks = [*head, *body]
            else:
                heading = _macro("headings.j2", "continued", number, total)
                blocks = [_section(heading), *body]
            messages.append(
                SlackMessage(
                    text=self._fallback(report, number, total),
                    blocks=[block.to_dict() for block in blocks],
                )
            )
        return messages

    def _head(self, report: CompletionReport) -> list[Block]:
        counts = report.counts
        summary = _render(
            "summary.j2",
            report=report,
            product=report.product.label if report.product is not None else "",
            when=Markup(_span(report)),
            complete=counts[EnrollmentStatus.COMPLETE],
            total=len(report.roster),
        )
        fields = [
            MarkdownTextObject(
                text=f"*{status_label(status, final=report.final).capitalize()}*\n{counts[status]}"
            )
            for status in REPORTED
            if counts[status] or status is EnrollmentStatus.COMPLETE
        ]
        if report.walk_ins:
            fields.append(
                MarkdownTextObject(text=f"*Attended without registering*\n{len(report.walk_ins)}")
            )
        blocks: list[Block] = [
            HeaderBlock(text=HEADER),
            _section(summary),
            SectionBlock(fields=fields[:MAX_FIELDS]),
        ]
        if report.sync_paused:
            blocks.append(_section(f":double_vertical_bar: {report.sync_paused[:2900]}."))
        elif report.sync_error:
            blocks.append(_section(_render("sync_error.j2", report=report)))
        state = _render("state.j2", report=report, synced_at=Markup(_synced_at(report)))
        blocks += [
            ContextBlock(elements=[MarkdownTextObject(text=state)]),
            ActionsBlock(
                elements=[
                    ButtonElement(
                        text=CSV_BUTTON,
                        action_id=REPORT_CSV_ACTION,
                        value=str(report.session_id),
                    )
                ]
            ),
        ]
        return blocks

    def _groups(self, report: CompletionReport) -> Iterable[_Group]:
        if report.in_progress:
            yield _Group(
                _macro("headings.j2", "in_progress", len(report.in_progress), report.final),
                [_macro("lines.j2", "in_progress", line) for line in report.in_progress],
            )
        if report.roster:
            yield _Group(
                _macro("headings.j2", "roster", len(report.roster)),
                [
                    _macro(
                        "lines.j2", "roster", line, status_label(line.status, final=report.final)
                    )
                    for line in report.roster
                ],
            )
        if report.walk_ins:
            yield _Group(
                _macro("headings.j2", "walk_ins", len(report.walk_ins)),
                [_macro("lines.j2", "walk_in", person) for person in report.walk_ins],
            )

    def _fallback(self, report: CompletionReport, page: int, pages: int) -> str:
        counts = report.counts
        others = [
            (status_label(status, final=report.final), counts[status])
            for status in REPORTED
            if status is not EnrollmentStatus.COMPLETE and counts[status]
        ]
        state = "Final." if report.final else "More syncs to come."
        return _render(
            "fallback.j2",
            report=report,
            page=page,
            pages=pages,
            complete=counts[EnrollmentStatus.COMPLETE],
            total=len(report.roster),
            others=others,
            walk_ins=len(report.walk_ins),
            state=state,
        )


def _span(report: CompletionReport) -> str:
    start = mrkdwn.date(report.starts_at, "{date_short_pretty} {time}")
    same_day = report.ends_at - report.starts_at < _DAY
    end = mrkdwn.date(report.ends_at, "{time}" if same_day else "{date_short_pretty} {time}")
    return f"{start} \N{EN DASH} {end}"


def _synced_at(report: CompletionReport) -> str:
    if report.last_synced_at is None:
        return ""
    return mrkdwn.date(report.last_synced_at, "{date_short_pretty} {time}")


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def _group_sections(group: _Group) -> list[tuple[SectionBlock, bool]]:
    """The heading and lines packed into as few sections as fit; True marks a group's first."""
    sections: list[tuple[SectionBlock, bool]] = []
    text = group.heading
    for line in group.lines:
        line = line[:LINE_CHARS]
        if len(text) + 1 + len(line) > SECTION_CHARS:
            sections.append((_section(text), not sections))
            text = line
        else:
            text = f"{text}\n{line}"
    sections.append((_section(text), not sections))
    return sections


def _chars(block: Block) -> int:
    if isinstance(block, SectionBlock):
        size = len(block.text.text) if block.text is not None else 0
        return size + sum(len(f.text) for f in block.fields or [])
    return 0


def _paginate(
    sections: list[tuple[SectionBlock, bool]], *, first_room: int, first_chars: int
) -> list[list[Block]]:
    """Sections into pages: the first has `first_room` blocks and `first_chars` characters free,
    later ones keep one block for their "continued" heading. A group starting mid-page gets a
    divider before it."""
    pages: list[list[Block]] = [[]]
    room, chars = first_room, first_chars
    for section, starts_group in sections:
        size = _chars(section)
        needed = 2 if starts_group else 1
        if room < needed or size > chars:
            pages.append([])
            room, chars = MAX_BLOCKS - 1, MESSAGE_CHARS - 100
        if starts_group and (pages[-1] or len(pages) == 1):
            pages[-1].append(DividerBlock())
            room -= 1
        pages[-1].append(section)
        room -= 1
        chars -= size
    return pages
