"""Sandbox Academy: the Slack workspace the console acts in, its people and its channels.

The console seeds it into its Slack stand-in, and names people and channels the way Slack's client
does: typed `#channel` and `@person` become Slack's escapes, ids are shown as names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.slack_app import BOT_SCOPES
from sandbox.ids import SANDBOX_ADMIN, SANDBOX_BOT_TOKEN, SANDBOX_BOT_USER, SANDBOX_TEAM
from sandbox.slack.web_api import Channel, SlackStandIn

WORKSPACE_NAME = "Sandbox Academy"
GENERAL = "C0SBGENRL1"
TRAINING = "C0SBTRAIN1"
LEADERSHIP = "G0SBLEADR1"

# A link the person typed in Slack's own escaped form: kept as is.
_TYPED_LINK = re.compile(r"<[#@!][A-Za-z0-9][^<>\s]*>")
# #channel or @person as typed (not inside a word, not an &entity;).
_TYPED_MENTION = re.compile(r"(?<![\w&<])([#@])(\w(?:[\w.\-]*\w)?)")


@dataclass(frozen=True)
class Person:
    """Someone in the sandbox workspace the console can act as."""

    id: str
    handle: str
    real_name: str
    title: str
    is_admin: bool = False

    @property
    def email(self) -> str:
        """Their (made-up) address."""
        return f"{self.handle}@example.com"


PEOPLE = (
    Person(SANDBOX_ADMIN, "ada", "Ada Admin", "first admin", is_admin=True),
    Person("U0SANDINS1", "ian", "Ian Instructor", "instructor"),
    Person("U0SANDLEA1", "lea", "Lea Learner", "learner"),
    Person("U0SANDLEO1", "leo", "Leo Learner", "learner"),
)


def seed_sandbox(standin: SlackStandIn) -> None:
    """Sandbox Academy: the bot, three channels and four people."""
    standin.add_workspace(
        SANDBOX_TEAM,
        SANDBOX_BOT_TOKEN,
        SANDBOX_BOT_USER,
        WORKSPACE_NAME,
        scopes=tuple(BOT_SCOPES),
    )
    standin.add_channel(SANDBOX_TEAM, GENERAL, "general")
    # The bot joins #training itself when a team picks it as report channel.
    standin.add_channel(SANDBOX_TEAM, TRAINING, "training", is_member=False)
    standin.add_channel(SANDBOX_TEAM, LEADERSHIP, "leadership", is_private=True, is_member=False)
    for person in PEOPLE:
        standin.add_user(
            SANDBOX_TEAM,
            person.id,
            person.handle,
            person.email,
            real_name=person.real_name,
            is_admin=person.is_admin,
        )
    # Everyone is in #general; the learners also read #training (Register people takes a channel).
    standin.add_members(SANDBOX_TEAM, GENERAL, [person.id for person in PEOPLE])
    learners = [person.id for person in PEOPLE if person.title == "learner"]
    standin.add_members(SANDBOX_TEAM, TRAINING, learners)


def person_for(user_id: str | None) -> Person:
    """The person with this id; the first admin when there is none."""
    return next((p for p in PEOPLE if p.id == user_id), PEOPLE[0])


def person_named(name: str) -> Person | None:
    """The person a typed @name means: handle, first name, full name run together, or id."""
    wanted = name.lower()
    for person in PEOPLE:
        first = person.real_name.split()[0].lower()
        joined = person.real_name.replace(" ", "").lower()
        if wanted in {person.handle, first, joined, person.id.lower()}:
            return person
    return None


def channels(standin: SlackStandIn) -> list[Channel]:
    """The workspace's channels (not DMs), as the stand-in has them."""
    return [c for c in standin.channels.values() if c.team_id == SANDBOX_TEAM and not c.is_im]


def channel_named(standin: SlackStandIn, name: str) -> Channel | None:
    """The channel a typed #name means (any case)."""
    return next((c for c in channels(standin) if c.name.lower() == name.lower()), None)


def label(standin: SlackStandIn, raw: str) -> str | None:
    """The display name of a user (@…) or channel (#…) id, if known."""
    if raw.startswith("@"):
        user = standin.users.get((SANDBOX_TEAM, raw[1:]))
        return "@" + user.real_name if user else None
    if raw.startswith("#"):
        channel = standin.channels.get((SANDBOX_TEAM, raw[1:]))
        return "#" + channel.name if channel and not channel.is_im else None
    return None


def slack_escape(standin: SlackStandIn, text: str) -> str:
    """Command text as Slack sends it: & < > escaped, #channel and @person turned into links."""
    out: list[str] = []
    pos = 0
    for match in _TYPED_LINK.finditer(text):
        out.append(_escape_typed(standin, text[pos : match.start()]))
        out.append(match.group(0))
        pos = match.end()
    out.append(_escape_typed(standin, text[pos:]))
    return "".join(out)


def _escape_typed(standin: SlackStandIn, text: str) -> str:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def link(match: re.Match[str]) -> str:
        sigil, name = match.group(1), match.group(2)
        if sigil == "#":
            channel = channel_named(standin, name)
            return f"<#{channel.id}|{channel.name}>" if channel else match.group(0)
        person = person_named(name)
        return f"<@{person.id}>" if person else match.group(0)

    return _TYPED_MENTION.sub(link, escaped)
