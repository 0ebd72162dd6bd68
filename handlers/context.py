"""Per-request context the middleware resolves before any listener runs."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from domain.actor import Actor
from domain.services.identity import resolve_actor
from handlers.ports import Deps

log = logging.getLogger(__name__)


def actor_middleware(deps: Deps) -> Callable[..., Awaitable[Any]]:
    """Bolt middleware: put `actor`, `deps` and `request_id` into the context."""

    async def resolve(
        context: AsyncBoltContext,
        request: AsyncBoltRequest,
        next: Callable[[], Awaitable[BoltResponse]],  # Bolt passes arguments by these names
    ) -> BoltResponse:
        context["deps"] = deps
        context["request_id"] = uuid.uuid4().hex[:12]
        workspace_id = context.team_id or context.enterprise_id
        user_id = context.user_id
        if workspace_id and user_id:
            async with deps.uow() as uow:
                actor = await resolve_actor(
                    uow, workspace_id, user_id, first_admins=deps.first_admins
                )
                await uow.commit()
            context["actor"] = actor
        return await next()

    return resolve


@dataclass
class Request:
    """What a listener needs about the request, pulled out of Bolt's context."""

    actor: Actor
    deps: Deps
    request_id: str

    @classmethod
    def of(cls, context: AsyncBoltContext) -> Request:
        """Read the middleware's results from a Bolt context."""
        return cls(actor=context["actor"], deps=context["deps"], request_id=context["request_id"])
