"""Where a person can go in the console, as in Slack's sidebar: the app's Home tab, the channels
they may read, and their direct messages with the bot; and what each place shows them."""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.console.feed import Feed, FeedItem
from sandbox.console.workspace import Person, channels
from sandbox.ids import SANDBOX_TEAM
from sandbox.slack.web_api import SlackStandIn

HOME = "home"


@dataclass(frozen=True)
class Place:
    """A place in the sidebar: `id` is a channel or DM id, or "home"."""

    id: str
    kind: str  # "home", "channel" or "dm"
    name: str  # as the sidebar writes it: "general", "viltbot"
    private: bool = False

    @property
    def title(self) -> str:
        """The pane's heading."""
        if self.kind == "channel":
            return ("🔒 " if self.private else "#") + self.name
        return self.name

    @property
    def composer_hint(self) -> str:
        """The composer's placeholder."""
        if self.kind == "channel":
            return f"Message #{self.name}"
        return "Message viltbot"


def dm_id(standin: SlackStandIn, person: Person) -> str:
    """The id of the person's DM with the bot (opened on first use, as Slack's app tab does)."""
    return standin.dm_channel(SANDBOX_TEAM, person.id).id


def places(standin: SlackStandIn, person: Person) -> list[Place]:
    """The person's sidebar: Home, the channels they may read (public ones and private ones they
    are in), then their DM with the bot."""
    found = [Place(HOME, "home", "Home")]
    for channel in channels(standin):
        if channel.is_private and person.id not in channel.members:
            continue
        found.append(Place(channel.id, "channel", channel.name, channel.is_private))
    found.append(Place(dm_id(standin, person), "dm", "viltbot"))
    return found


def place_for(standin: SlackStandIn, person: Person, raw: str | None) -> Place:
    """The place `raw` names ("dm": the person's DM with the bot), if the person may go there;
    else their first channel."""
    known = places(standin, person)
    chosen = next((p for p in known if p.id == raw or (raw == "dm" and p.kind == "dm")), None)
    if chosen is not None:
        return chosen
    return next((p for p in known if p.kind == "channel"), known[0])


@dataclass(frozen=True)
class Seen:
    """Everything one person sees, read from the feed once: messages by conversation and the
    replies only they see."""

    conversations: dict[str, list[FeedItem]]
    ephemerals: list[FeedItem]

    @classmethod
    def of(cls, feed: Feed, person: Person) -> Seen:
        return cls(
            {c.id: c.messages for c in feed.conversations(person.id)},
            feed.ephemerals(person.id),
        )

    def items_in(self, place: Place) -> list[FeedItem]:
        """What the person sees in `place`, oldest first."""
        if place.kind == "home":
            return []
        items = list(self.conversations.get(place.id, []))
        items.extend(
            item
            for item in self.ephemerals
            if item.channel_id == place.id or (place.kind == "dm" and not item.channel_id)
        )
        items.sort(key=lambda item: item.shown_at)
        return items
