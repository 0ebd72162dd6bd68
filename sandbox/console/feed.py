"""What the console shows a person: their conversations, and the messages only they see.

Channel messages and DMs are the Slack stand-in's; what only one person sees (a command's ack,
answers to a response_url the console minted, chat.postEphemeral) the feed assembles from the
stand-in's recorded calls, applying replace_original / delete_original as Slack's client does.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from sandbox.console.workspace import label
from sandbox.ids import SANDBOX_TEAM
from sandbox.slack.blockkit import with_generated_ids
from sandbox.slack.snapshot import masked_url_id
from sandbox.slack.web_api import RESPONSE_URL, RecordedCall, SlackStandIn


@dataclass
class FeedItem:
    """One message as the chosen person sees it."""

    ref: str  # what a click on it refers to: "m:<channel>:<ts>", "e<n>" / "a<n>" (ephemeral)
    text: str
    blocks: list[Any]
    where: str
    channel_id: str | None
    author: str = "viltbot"
    ephemeral: bool = False
    attachments: list[Any] = field(default_factory=list)
    files: list[Any] = field(default_factory=list)
    in_thread: bool = False
    shown_at: float = 0.0  # when it was posted, or last replaced


@dataclass
class Conversation:
    """A channel or DM with its messages, oldest first."""

    id: str
    label: str
    messages: list[FeedItem]


@dataclass
class _Target:
    # Who a response_url minted by the console belongs to, and the ephemeral it came from.
    user_id: str
    channel_id: str | None
    source: str | None


@dataclass
class _Ack:
    # An answer Slack shows the person directly: a command's ack body, or Slack's own error.
    time: float
    user_id: str
    channel_id: str
    body: dict[str, Any]
    author: str


class Feed:
    """Each person's view of the sandbox workspace, built from the stand-in and the acks."""

    def __init__(self, standin: SlackStandIn) -> None:
        self.standin = standin
        self._urls: dict[str, _Target] = {}
        self._acks: list[_Ack] = []
        # Each ephemeral's blocks as Slack stores them, by the ack or call that posted them.
        self._stored: dict[str, list[Any]] = {}

    def add_ack(self, user_id: str, channel_id: str, body: dict[str, Any], author: str) -> None:
        """Show the person an answer only they see, from now."""
        self._acks.append(_Ack(time.time(), user_id, channel_id, body, author))

    def snapshot(self) -> dict[str, Any]:
        """The acks, whose each minted response_url is and the blocks stored, as JSON-ready data
        (response_url ids masked as the stand-in's snapshot masks them)."""
        return {
            "acks": [asdict(ack) for ack in self._acks],
            "urls": {masked_url_id(k): asdict(target) for k, target in self._urls.items()},
            "stored": dict(self._stored),
        }

    def restore(self, data: dict[str, Any]) -> None:
        """Put a snapshot back (before anything new is shown)."""
        self._acks = [_Ack(**ack) for ack in data.get("acks") or []]
        self._urls = {str(k): _Target(**t) for k, t in dict(data.get("urls") or {}).items()}
        self._stored = {str(k): list(v) for k, v in dict(data.get("stored") or {}).items()}

    def mint_url(
        self, user_id: str, channel_id: str | None, message_ts: str | None, source: str | None
    ) -> str:
        """A response_url for the person; answers to it replace `source` (an ephemeral's ref)."""
        url = self.standin.new_response_url(
            SANDBOX_TEAM, channel_id=channel_id, message_ts=message_ts, user_id=user_id
        )
        self._urls[url.rsplit("/response_url/", 1)[-1]] = _Target(user_id, channel_id, source)
        return url

    def ephemerals(self, user_id: str) -> list[FeedItem]:
        """Messages only this person sees: acks, response_url answers, chat.postEphemeral."""
        events: list[tuple[float, str, Any]] = [
            (ack.time, f"a{i}", ack) for i, ack in enumerate(self._acks) if ack.user_id == user_id
        ]
        for index, call in enumerate(self.standin.calls):
            if call.method in {RESPONSE_URL, "chat.postEphemeral"}:
                events.append((call.time, f"e{index}", call))
        events.sort(key=lambda event: event[0])
        items: dict[str, FeedItem] = {}
        # The ephemeral each response_url last posted: what its replace/delete_original acts on.
        latest: dict[str, str] = {}
        for _, ref, event in events:
            if isinstance(event, _Ack):
                items[ref] = self._ephemeral_item(
                    ref, event.body, event.channel_id, event.author, at=event.time
                )
            elif event.method == "chat.postEphemeral":
                args = event.args
                if event.ok and args.get("user") == user_id:
                    channel_id = str(args.get("channel") or "")
                    items[ref] = self._ephemeral_item(ref, args, channel_id, at=event.time)
            else:
                self._apply_response_call(items, latest, ref, event, user_id)
        return list(items.values())

    def newest_reply(self, user_id: str, since: float) -> FeedItem | None:
        """The private reply posted or replaced last, when that was at `since` or later."""
        reply = newest(self.ephemerals(user_id))
        return reply if reply is not None and reply.shown_at >= since else None

    def _apply_response_call(
        self,
        items: dict[str, FeedItem],
        latest: dict[str, str],
        ref: str,
        call: RecordedCall,
        user_id: str,
    ) -> None:
        url_id = call.path.rsplit("/response_url/", 1)[-1]
        target = self._urls.get(url_id)
        if target is None or target.user_id != user_id:
            return
        if not call.ok:
            problems = "; ".join(call.violations) or str(call.response)
            items[ref] = self._ephemeral_item(
                ref,
                {"text": f"Slack refused what viltbot posted to a response_url: {problems}"},
                target.channel_id,
                "Slackbot",
                at=call.time,
            )
            return
        body = call.args
        # An action's response_url acts on the message it came from; a command's, as in Slack,
        # on the ephemeral it posted last.
        source = target.source or latest.get(url_id)
        if body.get("delete_original"):
            if source is not None:
                items.pop(source, None)
            return
        if body.get("replace_original"):
            if source is not None and source in items:
                old = items[source]
                items[source] = self._ephemeral_item(
                    source, body, old.channel_id, posted_by=ref, at=call.time
                )
            # A channel message's replacement is applied by the stand-in itself.
            return
        if body.get("response_type") == "in_channel":
            return  # the stand-in posted it in the channel, where everyone sees it
        items[ref] = self._ephemeral_item(ref, body, target.channel_id, at=call.time)
        latest[url_id] = ref

    def _ephemeral_item(
        self,
        ref: str,
        body: dict[str, Any],
        channel_id: str | None,
        author: str = "viltbot",
        *,
        at: float,
        posted_by: str | None = None,
    ) -> FeedItem:
        where = label(self.standin, "#" + channel_id) if channel_id else None
        return FeedItem(
            ref=ref,
            text=str(body.get("text") or ""),
            blocks=self._stored_blocks(posted_by or ref, body),
            attachments=as_list(body.get("attachments")),
            where=where or "a DM",
            channel_id=channel_id,
            author=author,
            ephemeral=True,
            shown_at=at,
        )

    def _stored_blocks(self, posted_by: str, body: dict[str, Any]) -> list[Any]:
        """The blocks with the block_id Slack gives a block that has none (a button in it is
        found again when clicked); made once per posting, so the page and the click agree."""
        stored = self._stored.get(posted_by)
        if stored is None:
            stored = with_generated_ids(as_list(body.get("blocks")))
            self._stored[posted_by] = stored
        return stored

    def conversations(self, user_id: str) -> list[Conversation]:
        """The person's DM with the bot first, then every channel with messages."""
        found: list[Conversation] = []
        for channel in self.standin.channels.values():
            if channel.team_id != SANDBOX_TEAM or (channel.is_im and channel.user != user_id):
                continue
            messages = self.standin.messages(channel.id, SANDBOX_TEAM)
            if not messages:
                continue
            where = "Direct messages with viltbot" if channel.is_im else "#" + channel.name
            items = [
                FeedItem(
                    ref=f"m:{channel.id}:{m['ts']}",
                    text=str(m.get("text") or ""),
                    blocks=as_list(m.get("blocks")),
                    attachments=as_list(m.get("attachments")),
                    files=as_list(m.get("files")),
                    where=where,
                    channel_id=channel.id,
                    in_thread=bool(m.get("thread_ts")) and m.get("thread_ts") != m.get("ts"),
                    shown_at=float(m["ts"]),
                )
                for m in messages
            ]
            conversation = Conversation(channel.id, where, items)
            if channel.is_im:
                found.insert(0, conversation)
            else:
                found.append(conversation)
        return found

    def find(self, user_id: str, ref: str) -> FeedItem | None:
        """The message `ref` names, as this person sees it."""
        if ref.startswith("m:"):
            for conversation in self.conversations(user_id):
                for item in conversation.messages:
                    if item.ref == ref:
                        return item
            return None
        return next((item for item in self.ephemerals(user_id) if item.ref == ref), None)


def newest(items: list[FeedItem]) -> FeedItem | None:
    """The message posted or replaced last."""
    return max(items, key=lambda item: item.shown_at, default=None)


def as_list(value: Any) -> list[Any]:
    """A copy of `value` when it is a list, else []."""
    return list(value) if isinstance(value, list) else []
