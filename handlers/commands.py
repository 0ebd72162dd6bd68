"""The `/vilt` command: route subcommands, answer errors in one place."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from domain import mrkdwn
from domain.actor import Actor
from domain.errors import DomainError
from handlers.context import Request
from handlers.parsing import command_text

log = logging.getLogger(__name__)


@dataclass
class Invocation:
    """One `/vilt` call: the words after the subcommand and how to answer."""

    request: Request
    args: list[str]
    raw_args: str
    body: dict[str, Any]
    respond: AsyncRespond
    client: AsyncWebClient

    @property
    def actor(self) -> Actor:
        """Who is asking."""
        return self.request.actor

    async def reply(self, text: str, blocks: list[dict[str, Any]] | None = None) -> None:
        """Answer the caller only (ephemeral)."""
        await self.respond(text=text, blocks=blocks, response_type="ephemeral")


Handler = Callable[[Invocation], Awaitable[None]]


@dataclass
class Subcommand:
    """A `/vilt <name> …` command with its usage and who may use it."""

    name: str
    usage: str
    summary: str
    handler: Handler
    allowed: Callable[[Actor], bool] = field(default=lambda actor: True)
    # What the command does for viltbot's workspace admins, when that differs.
    admin_summary: str | None = None
    # What it does for admins of a team (of any team), when that differs.
    team_admin_summary: str | None = None

    def summary_for(self, actor: Actor) -> str:
        """The summary that is true for this actor."""
        if actor.is_workspace_admin and self.admin_summary:
            return self.admin_summary
        if self.team_admin_summary and any(actor.is_admin_of(team) for team in actor.teams):
            return self.team_admin_summary
        return self.summary


class CommandRouter:
    """Maps `/vilt` subcommands (one or two words) to handlers."""

    def __init__(self) -> None:
        self.commands: dict[str, Subcommand] = {}

    def add(self, command: Subcommand) -> None:
        """Register a subcommand; `name` may be two words, e.g. `team new`."""
        self.commands[command.name] = command

    def visible_to(self, actor: Actor) -> list[Subcommand]:
        """Commands this actor may use, in registration order."""
        return [c for c in self.commands.values() if c.allowed(actor)]

    def find(self, words: list[str]) -> tuple[Subcommand | None, list[str]]:
        """The longest registered name matching the first words, and the rest."""
        lowered = [w.lower() for w in words]
        for size in (2, 1):
            if len(lowered) >= size:
                name = " ".join(lowered[:size])
                if name in self.commands:
                    return self.commands[name], words[size:]
        return None, words

    def group_usage(self, group: str) -> list[Subcommand]:
        """Subcommands whose name starts with `group `."""
        return [c for c in self.commands.values() if c.name.startswith(group + " ")]


def help_text(router: CommandRouter, actor: Actor, *, intro: str | None = None) -> str:
    """The commands the actor may use, one per line."""
    lines = [intro] if intro else []
    lines.append("*viltbot commands you can use:*")
    for command in router.visible_to(actor):
        lines.append(f"• `{command.usage}` — {command.summary_for(actor)}")
    if not actor.teams:
        lines.append("\n" + actor.join_hint)
    return "\n".join(lines)


def register(app: AsyncApp, router: CommandRouter) -> None:
    """Listen to `/vilt` and dispatch."""

    @app.command("/vilt")
    async def vilt(
        ack: AsyncAck,
        body: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        await ack()
        request = Request.of(context)
        try:
            text = command_text(str(body.get("text") or ""))
        except DomainError as exc:
            await respond(text=f":warning: {exc.message}", response_type="ephemeral")
            return
        words = text.split()
        command, rest = router.find(words)
        invocation = Invocation(
            request=request, args=rest, raw_args=text, body=body, respond=respond, client=client
        )
        if command is None:
            await _unknown(router, invocation, words)
            return
        if not command.allowed(request.actor):
            await invocation.reply(
                f":no_entry: `/vilt {command.name}` is for {_who(command)}. "
                + help_text(router, request.actor)
            )
            return
        invocation.raw_args = _after(text, command.name)
        await run_safely(invocation.reply, request.request_id, command.handler(invocation))


async def run_safely(
    reply: Callable[[str], Awaitable[None]], request_id: str, work: Awaitable[None]
) -> None:
    """Await `work`; turn domain errors into their message and others into an apology."""
    try:
        await work
    except DomainError as exc:
        await reply(f":warning: {exc.message}")
    except Exception:
        log.exception("request %s failed", request_id)
        await reply(
            ":boom: Sorry, something went wrong on our side. "
            f"If it keeps happening, give your admin this request id: `{request_id}`."
        )


async def _unknown(router: CommandRouter, invocation: Invocation, words: list[str]) -> None:
    actor = invocation.actor
    if words and words[0].lower() != "help":
        group = words[0].lower()
        allowed = [c for c in router.group_usage(group) if c.allowed(actor)]
        if allowed:
            usages = "\n".join(f"• `{c.usage}` — {c.summary_for(actor)}" for c in allowed)
            if len(words) == 1:
                await invocation.reply(f"*`/vilt {group}` commands you can use:*\n{usages}")
                return
            asked = mrkdwn.code("/vilt " + " ".join(words[:2]))
            await invocation.reply(f"I don't know {asked}. Try:\n{usages}")
            return
        asked = mrkdwn.code(f"/vilt {words[0]}")
        await invocation.reply(help_text(router, actor, intro=f"I don't know {asked}."))
        return
    await invocation.reply(help_text(router, actor))


def _after(text: str, name: str) -> str:
    rest = text
    for _ in name.split():
        parts = rest.split(None, 1)
        rest = parts[1] if len(parts) > 1 else ""
    return rest.strip()


def _who(command: Subcommand) -> str:
    doc = getattr(command.allowed, "__doc__", None)
    return doc.strip().rstrip(".") if doc else "other roles"
