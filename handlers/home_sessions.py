"""App Home's sessions: the reader's registrations with join links, the sessions they teach, and
the active team's upcoming sessions with a Register people button for its admins."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    MarkdownTextObject,
    SectionBlock,
)

from domain import mrkdwn
from domain.actor import Actor
from domain.models import EnrollmentStatus
from domain.services.home import HomeSessions, Listed, Registration
from domain.services.session_rows import SessionView, seats, span
from handlers.session_views import REGISTER_PEOPLE_ACTION, number, where

# Sessions per list on Home: three full lists and the locations stay under Slack's 100 blocks.
HOME_SESSIONS = 10


def session_blocks(actor: Actor, found: HomeSessions) -> list[Block]:
    """The Home blocks for the reader's sessions; none when there is nothing to show."""
    blocks: list[Block] = []
    if found.registrations.total:
        blocks += _heading("*Your registrations*")
        blocks += [_registration(r) for r in found.registrations.items]
        blocks += _more(found.registrations, "`/vilt sessions`")
    if found.finished.total:
        blocks += _heading("*Your recent sessions*")
        blocks += [_outcome(r) for r in found.finished.items]
    if found.teaching.total:
        blocks += _heading("*Sessions you teach*")
        blocks += [_section([*_lines(view), seats(view)]) for view in found.teaching.items]
        blocks += _more(found.teaching, "`/vilt sessions`")
    team = actor.active_team
    if found.team is not None and team is not None:
        blocks += _heading(f"*Upcoming sessions of team {mrkdwn.escape(team.name)}*")
        if not found.team.total:
            blocks.append(
                _section(["No upcoming sessions yet: schedule one with `/vilt session new`."])
            )
        blocks += [_with_register_people(view) for view in found.team.items]
        blocks += _more(found.team, "`/vilt session list`")
    return blocks


def _heading(text: str) -> list[Block]:
    return [DividerBlock(), SectionBlock(text=MarkdownTextObject(text=text))]


def _lines(view: SessionView) -> list[str]:
    return [
        f"{mrkdwn.bold(view.element_title)} · session `{number(view)}`",
        where(view),
        span(view),
    ]


def _section(lines: list[str]) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text="\n".join(lines)[:3000]))


def _registration(registration: Registration) -> SectionBlock:
    view = registration.view
    if registration.status is EnrollmentStatus.PENDING:
        state = "_Pending_: GoTo has not confirmed your registration yet"
    elif registration.join_url:
        state = f"Registered · {mrkdwn.link(registration.join_url, 'Join the session')}"
    else:
        state = "Registered"
    return _section([*_lines(view), state])


def _outcome(registration: Registration) -> SectionBlock:
    """An ended session of the reader's, with what attendance sync made of it."""
    status = registration.status
    if status is EnrollmentStatus.COMPLETE:
        state = ":white_check_mark: *Complete*"
    elif status is EnrollmentStatus.IN_PROGRESS:
        noun = "poll" if registration.polls_total == 1 else "polls"
        answered = (
            f"you answered {registration.polls_answered} of {registration.polls_total} {noun}"
        )
        state = (
            f"*Not complete*: {answered}"
            if registration.final
            else f":hourglass_flowing_sand: *In progress*: {answered}"
        )
    elif status is EnrollmentStatus.NOT_ATTENDED:
        state = "*Not attended*: GoTo did not see you join"
    elif status is EnrollmentStatus.PENDING:
        state = "_Pending_: GoTo never confirmed your registration"
    else:
        state = "Waiting for GoTo's attendance report"
    return _section([*_lines(registration.view), state])


def _with_register_people(view: SessionView) -> SectionBlock:
    lines = _lines(view)
    lines.insert(2, f"Instructor: {mrkdwn.user(view.instructor_id)}")
    return SectionBlock(
        text=MarkdownTextObject(text="\n".join([*lines, seats(view)])[:3000]),
        accessory=ButtonElement(
            text="Register people", action_id=REGISTER_PEOPLE_ACTION, value=str(view.id)
        ),
    )


def _more(listed: Listed[Any], where_all: str) -> list[Block]:
    if listed.more <= 0:
        return []
    return [
        ContextBlock(elements=[MarkdownTextObject(text=f"…and {listed.more} more: {where_all}")])
    ]
