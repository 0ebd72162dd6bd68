"""Slack stand-in methods for views: views.open / push / update / publish, and view_submission acks."""

from __future__ import annotations

import time
from typing import Any

from sandbox.slack.core import CallContext, StandInCore
from sandbox.slack.records import SlackError, TriggerInfo, Workspace
from sandbox.slack.shapes import view_json


class ViewMethods(StandInCore):
    """Modals and App Home views, their stacks, hashes, external ids and trigger_ids."""

    def apply_view_ack(
        self, view_id: str, response_action: str, view: dict[str, Any]
    ) -> dict[str, Any]:
        """Apply a view_submission ack's `response_action: update | push` as Slack does; return it."""
        current = self._views[view_id]
        workspace = self.workspaces[current["team_id"]]
        if response_action == "update":
            stored = self._view_json(
                workspace,
                view,
                view_id=view_id,
                previous_view_id=current["previous_view_id"],
                root_view_id=current["root_view_id"],
            )
            self._views[view_id] = stored
            return stored
        if response_action == "push":
            stored = self._view_json(
                workspace,
                view,
                previous_view_id=view_id,
                root_view_id=current["root_view_id"],
            )
            self._views[stored["id"]] = stored
            self._view_users[stored["id"]] = self._view_users.get(view_id)
            return stored
        raise ValueError(f"not a view-changing response_action: {response_action!r}")

    def _take_trigger(self, ws: Workspace, trigger_id: str | None) -> TriggerInfo | None:
        if not trigger_id:
            return None
        trigger = self._triggers.get(trigger_id)
        if trigger is None:
            return None  # not issued by the request sender: accepted as is
        if trigger.team_id != ws.team_id:
            raise SlackError("invalid_trigger_id")
        if trigger.used:
            raise SlackError("exchanged_trigger_id")
        if self.trigger_ttl is not None and time.monotonic() - trigger.created > self.trigger_ttl:
            raise SlackError("expired_trigger_id")
        trigger.used = True
        return trigger

    def _check_external_id(
        self, ws: Workspace, view: dict[str, Any], own_id: str | None = None
    ) -> None:
        external_id = view.get("external_id")
        if not external_id:
            return
        for other in self._views.values():
            if (
                other["team_id"] == ws.team_id
                and other["external_id"] == external_id
                and other["id"] != own_id
            ):
                raise SlackError("duplicate_external_id")

    def _views_open(self, ctx: CallContext) -> dict[str, Any]:
        ws, view = ctx.workspace, ctx.args["view"]
        trigger = self._take_trigger(ws, ctx.args.get("trigger_id"))
        self._check_external_id(ws, view)
        stored = self._view_json(ws, view)
        self._views[stored["id"]] = stored
        self._view_users[stored["id"]] = trigger.user_id if trigger else None
        return {"view": stored}

    def _views_push(self, ctx: CallContext) -> dict[str, Any]:
        ws, view = ctx.workspace, ctx.args["view"]
        trigger = self._take_trigger(ws, ctx.args.get("trigger_id"))
        self._check_external_id(ws, view)
        parent = self._views.get(trigger.view_id) if trigger and trigger.view_id else None
        root_id = parent["root_view_id"] if parent else None
        if root_id is not None:
            stack = [v for v in self._views.values() if v["root_view_id"] == root_id]
            if len(stack) >= 3:
                raise SlackError("push_limit_reached")
        view_id = self.new_id("V")
        stored = self._view_json(
            ws,
            view,
            view_id=view_id,
            previous_view_id=parent["id"] if parent else None,
            root_view_id=root_id or view_id,
        )
        self._views[view_id] = stored
        self._view_users[view_id] = trigger.user_id if trigger else None
        return {"view": stored}

    def _views_update(self, ctx: CallContext) -> dict[str, Any]:
        ws, args = ctx.workspace, ctx.args
        current: dict[str, Any] | None = None
        if args.get("view_id"):
            current = self._views.get(str(args["view_id"]))
        elif args.get("external_id"):
            current = next(
                (
                    v
                    for v in self._views.values()
                    if v["team_id"] == ws.team_id and v["external_id"] == args["external_id"]
                ),
                None,
            )
        if current is None or current["team_id"] != ws.team_id:
            raise SlackError("not_found")
        if args.get("hash") and args["hash"] != current["hash"]:
            raise SlackError("hash_conflict")
        self._check_external_id(ws, args["view"], own_id=current["id"])
        updated = self._view_json(
            ws,
            args["view"],
            view_id=current["id"],
            previous_view_id=current["previous_view_id"],
            root_view_id=current["root_view_id"],
        )
        updated["state"] = current["state"]
        self._views[current["id"]] = updated
        return {"view": updated}

    def _views_publish(self, ctx: CallContext) -> dict[str, Any]:
        ws, args = ctx.workspace, ctx.args
        user_id = str(args.get("user_id", ""))
        user = self.users.get((ws.team_id, user_id))
        if user is not None and (user.deleted or user.is_bot):
            raise SlackError("not_enabled" if user.is_bot else "user_not_found")
        current_id = self._home.get((ws.team_id, user_id))
        current = self._views.get(current_id) if current_id else None
        if args.get("hash") and (current is None or args["hash"] != current["hash"]):
            raise SlackError("hash_conflict")
        stored = self._view_json(ws, args["view"], view_id=current_id)
        self._views[stored["id"]] = stored
        self._view_users[stored["id"]] = user_id
        self._home[(ws.team_id, user_id)] = stored["id"]
        return {"view": stored}

    def _view_json(
        self,
        ws: Workspace,
        view: dict[str, Any],
        *,
        view_id: str | None = None,
        previous_view_id: str | None = None,
        root_view_id: str | None = None,
    ) -> dict[str, Any]:
        return view_json(
            ws,
            view,
            view_id=view_id or self.new_id("V"),
            view_hash=self._new_hash(),
            previous_view_id=previous_view_id,
            root_view_id=root_view_id,
        )
