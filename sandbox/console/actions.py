"""What a person does on the console page: send a command, click, submit or close a modal."""

from __future__ import annotations

import time
from typing import Any

import httpx
from starlette.datastructures import FormData
from starlette.responses import Response

from sandbox.console.core import COMMAND, ConsoleCore
from sandbox.console.feed import as_list
from sandbox.console.fields import (
    SEARCH,
    Fields,
    acted,
    dom_id_of,
    field_pair,
    form_text,
    read_fields,
)
from sandbox.console.replies import ack_failure, answers_to, json_body
from sandbox.console.workspace import Person, slack_escape
from sandbox.ids import SANDBOX_BOT_USER, SANDBOX_TEAM
from sandbox.slack.blockkit import check_options_ack, check_view_ack, interactive_elements
from sandbox.slack.payloads import payload_form


class ConsoleActions(ConsoleCore):
    """Each page action as the real-shaped, signed request Slack would send the bot."""

    async def command(self, form: FormData, person: Person, channel: str) -> Response:
        """Send `/vilt <text>` as the chosen person, from the chosen channel."""
        text = form_text(form, "text").strip()
        if text.lower().startswith(COMMAND):
            text = text[len(COMMAND) :].strip()
        before, started = len(self.standin.calls), time.time()
        trigger = self.requests.trigger(SANDBOX_TEAM, person.id)
        url = self.feed.mint_url(person.id, channel, None, None)
        body = self.requests.slash(
            slack_escape(self.standin, text),
            person.id,
            SANDBOX_TEAM,
            channel,
            COMMAND,
            trigger,
            response_url=url,
        )
        response = await self._send(body)
        self._record_ack(person.id, channel, response)
        await self._settle(before, answers_to(url=url, trigger=trigger))
        return self._back(person, channel, focus=self._reply_shown(person.id, started))

    async def action(self, form: FormData, person: Person, channel: str) -> Response:
        """Click a button or pick an option in a message, the App Home or a modal."""
        ajax = form_text(form, "ajax") == "1"
        try:
            block_id, action_id = field_pair(
                form_text(form, "action") or form_text(form, "dispatch")
            )
        except ValueError:
            return self._back(person, channel, "That action is not on the page any more.")
        ref = form_text(form, "ref")
        before, started = len(self.standin.calls), time.time()
        try:
            payload, url, view_id = self._block_actions(person, ref, block_id, action_id, form)
        except LookupError as exc:
            return self._back(person, channel, str(exc))
        trigger = str(payload["trigger_id"])
        response = await self._send(payload_form(payload))
        problem = ack_failure(response)
        if problem:
            self._note(person.id, f"Slack would show an error on that click: {problem}")
        if ajax:
            return Response(status_code=204)
        await self._settle(before, answers_to(url=url, trigger=trigger, view_id=view_id))
        if view_id is None:
            return self._back(person, channel, focus=self._reply_shown(person.id, started))
        # In a modal, the page comes back where the person acted, not at the modal's top.
        focus = dom_id_of(Fields.name({"block_id": block_id}, {"action_id": action_id}))
        return self._back(person, channel, focus=focus)

    def _block_actions(
        self, person: Person, ref: str, block_id: str, action_id: str, form: FormData
    ) -> tuple[dict[str, Any], str | None, str | None]:
        """The block_actions payload for an element of `ref`, its response_url and view id."""
        if ref.startswith(("v:", "h:")):
            view_id = ref[2:]
            view = self.standin.view(view_id)
            if view is None or self.standin.view_user(view_id) != person.id:
                raise LookupError("That view is not open any more.")
            if ref.startswith("v:"):
                if view_id in self._closed:
                    raise LookupError("That modal is not open any more.")
                if form_text(form, "view_hash") != view["hash"]:
                    raise LookupError("The modal changed; look again and retry.")
            blocks = as_list(view.get("blocks"))
            state_values, drafts, _ = read_fields(blocks, form, zone=self._zone(person.id))
            if ref.startswith("v:"):
                self._drafts[view_id] = drafts
                self._revision += 1
            value, override = acted(blocks, block_id, action_id, drafts)
            payload = self.requests.block_actions(
                action_id,
                block_id=block_id,
                user_id=person.id,
                team_id=SANDBOX_TEAM,
                view=view,
                value=value,
                action=override,
                state_values=state_values,
                trigger_id=self.requests.trigger(SANDBOX_TEAM, person.id, view_id=view_id),
            )
            return payload, None, view_id
        item = self.feed.find(person.id, ref)
        if item is None:
            raise LookupError("That message is not there any more.")
        state_values, drafts, _ = read_fields(item.blocks, form, zone=self._zone(person.id))
        value, override = acted(item.blocks, block_id, action_id, drafts)
        ts = ref.split(":", 2)[2] if ref.startswith("m:") else None
        # Ephemeral messages are the console's to replace; channel messages the stand-in's.
        url = self.feed.mint_url(person.id, item.channel_id, ts, None if ts else ref)
        message: dict[str, Any] = {"type": "message", "text": item.text, "blocks": item.blocks}
        if ts:
            message.update(ts=ts, user=SANDBOX_BOT_USER)
        payload = self.requests.block_actions(
            action_id,
            block_id=block_id,
            user_id=person.id,
            team_id=SANDBOX_TEAM,
            message=message,
            channel_id=item.channel_id,
            is_ephemeral=item.ephemeral,
            message_ts=ts,
            value=value,
            action=override,
            state_values=state_values,
            trigger_id=self.requests.trigger(SANDBOX_TEAM, person.id),
            response_url=url,
        )
        return payload, url, None

    async def suggest(self, form: FormData, person: Person, channel: str) -> Response:
        """Search an external select of the open modal: block_suggestion, then its options."""
        view_id = form_text(form, "view_id")
        view = self.standin.view(view_id)
        if view is None or view_id in self._closed or self._modal_id(person.id) != view_id:
            return self._back(person, channel, "That modal is not open any more.")
        name = form_text(form, "suggest")
        try:
            block_id, action_id = field_pair(name)
        except ValueError:
            return self._back(person, channel, "That menu is not there any more.")
        blocks = as_list(view.get("blocks"))
        state_values, drafts, _ = read_fields(blocks, form, zone=self._zone(person.id))
        self._drafts[view_id] = drafts
        payload = self.requests.block_suggestion(
            action_id,
            form_text(form, SEARCH + name)[:100],
            view=view,
            user_id=person.id,
            team_id=SANDBOX_TEAM,
            state_values=state_values,
        )
        response = await self._send(payload_form(payload))
        body = json_body(response)
        problems = [ack_failure(response) or ""] if ack_failure(response) else []
        problems = problems or check_options_ack(body)
        if problems:
            self._note(person.id, "Slack would show no options: " + "; ".join(problems))
        else:
            assert isinstance(body, dict)
            options = list(body.get("options") or [])
            for group in body.get("option_groups") or []:
                options.extend(group.get("options") or [])
            self._suggestions.setdefault(view_id, {})[(block_id, action_id)] = options
        self._revision += 1
        # The options are shown in the menu searched, which may be far down a long modal.
        return self._back(person, channel, focus=dom_id_of(name))

    async def submit(self, form: FormData, person: Person, channel: str) -> Response:
        """Press a modal's submit button: view_submission, then what the bot answered."""
        view_id = form_text(form, "view_id")
        view = self.standin.view(view_id)
        if view is None or view_id in self._closed or self._modal_id(person.id) != view_id:
            return self._back(person, channel, "That modal is not open any more.")
        if form_text(form, "view_hash") != view["hash"]:
            return self._back(person, channel, "The modal changed; look again and submit again.")
        blocks = as_list(view.get("blocks"))
        state_values, drafts, missing = read_fields(
            blocks, form, check_required=True, zone=self._zone(person.id)
        )
        self._drafts[view_id] = drafts
        self._revision += 1
        if missing:
            # Slack's client refuses to submit with empty required inputs; the app never hears.
            self._errors[view_id] = missing
            return self._back(person, channel, focus=self._first_error(view_id))
        self._errors.pop(view_id, None)
        before, started = len(self.standin.calls), time.time()
        trigger = self.requests.trigger(SANDBOX_TEAM, person.id, view_id=view_id)
        payload = self.requests.view_submission(
            view,
            state_values,
            user_id=person.id,
            team_id=SANDBOX_TEAM,
            view_id=view_id,
            trigger_id=trigger,
            check_required=False,
        )
        response = await self._send(payload_form(payload))
        answered = self._apply_submission_answer(person, view, response)
        # An answer in the ack usually means nothing follows; a plain ack often means a DM does.
        await self._settle(before, answers_to(), first=0.3 if answered else None)
        focus = self._first_error(view_id) or self._reply_shown(person.id, started)
        return self._back(person, channel, focus=focus)

    def _first_error(self, view_id: str) -> str | None:
        """The HTML id of the first field of the open modal with an error under it, if any."""
        errors = self._errors.get(view_id) if view_id not in self._closed else None
        view = self.standin.view(view_id)
        if not errors or view is None:
            return None
        for block, element in interactive_elements(as_list(view.get("blocks"))):
            if block.get("type") == "input" and str(block.get("block_id")) in errors:
                return dom_id_of(Fields.name(block, element))
        return None

    def _apply_submission_answer(
        self, person: Person, view: dict[str, Any], response: httpx.Response
    ) -> bool:
        """Do what Slack does with a view_submission ack; True if it carried a response_action."""
        view_id = str(view["id"])
        problem = ack_failure(response)
        if problem:
            self._note(person.id, f"Slack would show “We had some trouble connecting” ({problem}).")
            return True
        body = json_body(response)
        problems = check_view_ack(body, view)
        if problems:
            self._note(person.id, "Slack would refuse viltbot's answer: " + "; ".join(problems))
            return True
        action = body.get("response_action") if isinstance(body, dict) else None
        if action is None:
            self._forget(view_id)
            return False
        assert isinstance(body, dict)
        if action == "errors":
            self._errors[view_id] = {str(k): str(v) for k, v in dict(body["errors"]).items()}
        elif action in {"update", "push"}:
            self.standin.apply_view_ack(view_id, str(action), dict(body["view"]))
            if action == "update":
                self._drafts.pop(view_id, None)
        elif action == "clear":
            for open_view in self._stack(person.id):
                self._forget(str(open_view["id"]))
        self._revision += 1
        return True

    async def close(self, form: FormData, person: Person, channel: str) -> Response:
        """Press a modal's close button: back one view (all with clear_on_close)."""
        view_id = form_text(form, "view_id")
        view = self.standin.view(view_id)
        if view is None or self._modal_id(person.id) != view_id:
            return self._back(person, channel)
        cleared = bool(view.get("clear_on_close"))
        closing = self._stack(person.id) if cleared else [view]
        if view.get("notify_on_close"):
            state_values, _, _ = read_fields(
                as_list(view.get("blocks")), form, zone=self._zone(person.id)
            )
            payload = self.requests.view_closed(
                view,
                user_id=person.id,
                team_id=SANDBOX_TEAM,
                is_cleared=cleared,
                state_values=state_values,
            )
            await self._send(payload_form(payload))
        for closed in closing:
            self._forget(str(closed["id"]))
        return self._back(person, channel)
