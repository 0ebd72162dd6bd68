"""The request sender, against a small Bolt app that talks to the stand-in over loopback."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qsl

import httpx
import jsonschema
import pytest
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from sandbox.slack.web_api import RESPONSE_URL
from tests.harness.slack_client import SlackSender, build_state, payload_form, slash_form
from tests.harness_tests.conftest import (
    ADA,
    BOT_USER,
    EVENTS_SPEC,
    FIXTURES,
    GENERAL,
    TEAM,
    TOKEN,
    TRAINING,
)

SIGNING_SECRET = "test-signing-secret"
MODAL = {
    "type": "modal",
    "callback_id": "register",
    "title": {"type": "plain_text", "text": "Register"},
    "submit": {"type": "plain_text", "text": "Save"},
    "private_metadata": "session-42",
    "blocks": [
        {
            "type": "input",
            "block_id": "email",
            "label": {"type": "plain_text", "text": "Email"},
            "element": {"type": "email_text_input", "action_id": "value"},
        },
        {
            "type": "input",
            "block_id": "note",
            "optional": True,
            "label": {"type": "plain_text", "text": "Note"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        },
    ],
}
HOME = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}]}
APPROVAL = [
    {"type": "section", "text": {"type": "mrkdwn", "text": "Ada wants to join *Onboarding*"}},
    {
        "type": "actions",
        "block_id": "decide",
        "elements": [
            {
                "type": "button",
                "action_id": "approve",
                "text": {"type": "plain_text", "text": "Approve"},
                "value": "reg-7",
                "style": "primary",
            }
        ],
    },
]


def make_bolt_app(api_url: str, seen: dict[str, Any]) -> Starlette:
    """A tiny Bolt app standing in for viltbot: slash command, modal, button, App Home."""
    app = AsyncApp(
        client=AsyncWebClient(token=TOKEN, base_url=api_url),
        signing_secret=SIGNING_SECRET,
    )

    @app.command("/vilt")
    async def vilt(ack, body, respond, client):
        seen["command"] = body
        text = body["text"]
        if text == "slow-ack":
            await asyncio.sleep(0.2)
        await ack()
        if text.startswith("register"):
            if text == "register-slowly":
                await asyncio.sleep(0.15)
            await client.views_open(trigger_id=body["trigger_id"], view=MODAL)
        else:
            await respond(text=f"You said: {text}")

    @app.view("register")
    async def register(ack, view, body):
        seen["submission"] = body
        email = view["state"]["values"]["email"]["value"]["value"]
        if email == "wrong-key":
            await ack(response_action="errors", errors={"nope": "no such block"})
        elif "@" not in email:
            await ack(response_action="errors", errors={"email": "That is not an email address"})
        else:
            await ack()

    @app.action("approve")
    async def approve(ack, body, respond):
        seen["action"] = body
        await ack()
        await respond(replace_original=True, text=f"Approved by <@{body['user']['id']}>")

    @app.event("app_home_opened")
    async def home(event, client, body, request):
        seen["event"] = event
        seen.setdefault("deliveries", []).append(
            (body["event_id"], request.headers.get("x-slack-retry-num", [None])[0])
        )
        await client.views_publish(user_id=event["user"], view=HOME)

    handler = AsyncSlackRequestHandler(app)

    async def endpoint(request: Request):
        return await handler.handle(request)

    return Starlette(routes=[Route("/slack/events", endpoint, methods=["POST"])])


@pytest.fixture
def seen():
    return {}


@pytest.fixture
async def sender(api_url, standin, seen):
    bolt = make_bolt_app(api_url, seen)
    transport = httpx.ASGITransport(app=bolt)
    async with httpx.AsyncClient(transport=transport) as http:
        yield SlackSender("http://viltbot.test", SIGNING_SECRET, http, standin=standin)


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text().strip()


def test_slash_form_reproduces_the_fixture_byte_for_byte():
    expected = fixture_text("slash_command.form.txt")
    fields = dict(parse_qsl(expected, keep_blank_values=True))
    rebuilt = slash_form(
        token=fields["token"],
        team_id=fields["team_id"],
        team_domain=fields["team_domain"],
        enterprise_id=fields["enterprise_id"],
        enterprise_name=fields["enterprise_name"],
        channel_id=fields["channel_id"],
        channel_name=fields["channel_name"],
        user_id=fields["user_id"],
        user_name=fields["user_name"],
        command=fields["command"],
        text=fields["text"],
        api_app_id=fields["api_app_id"],
        response_url=fields["response_url"],
        trigger_id=fields["trigger_id"],
    )
    assert rebuilt == expected


def test_payload_form_round_trips():
    payload = json.loads(fixture_text("block_actions.json"))
    body = payload_form(payload)
    assert body.startswith("payload=%7B%22type%22%3A%22block_actions%22")
    assert json.loads(dict(parse_qsl(body))["payload"]) == payload


async def test_slash_command_reaches_bolt_and_respond_lands_in_the_standin(sender, standin, seen):
    response = await sender.slash("location list #onboarding", ADA, TEAM, channel_id=TRAINING)
    assert response.status_code == 200
    responded = await standin.wait_for(RESPONSE_URL)
    assert responded[0].args["text"] == "You said: location list #onboarding"
    assert responded[0].team_id == TEAM
    sent = dict(parse_qsl(sender.last_body, keep_blank_values=True))
    fixture_keys = set(dict(parse_qsl(fixture_text("slash_command.form.txt"))))
    assert fixture_keys - {"enterprise_id", "enterprise_name"} == set(sent)
    assert sent["user_name"] == "ada" and sent["channel_name"] == "training"
    assert sent["team_domain"] == "vilt-one" and sent["response_url"].startswith(standin.root_url)
    assert seen["command"]["trigger_id"] == sent["trigger_id"]
    assert standin.violations == []


async def test_forged_and_stale_requests_are_refused(sender, standin, seen):
    assert (await sender.slash("hi", ADA, TEAM, forge=True)).status_code == 401
    assert (await sender.slash("hi", ADA, TEAM, stale=True)).status_code == 401
    assert (await sender.app_home_opened(ADA, TEAM, forge=True)).status_code == 401
    assert seen == {}


async def test_modal_round_trip(sender, standin, seen):
    await sender.slash("register", ADA, TEAM)
    (opened,) = await standin.wait_for("views.open")
    sent_view = opened.args["view"]
    stored = opened.response["view"]

    refused = await sender.view_submission(sent_view, {"email": "nope"}, user_id=ADA, team_id=TEAM)
    assert refused.json() == {
        "response_action": "errors",
        "errors": {"email": "That is not an email address"},
    }
    accepted = await sender.view_submission(
        sent_view, {"email": "ada@example.com"}, user_id=ADA, team_id=TEAM
    )
    assert accepted.status_code == 200 and accepted.content == b""

    payload = seen["submission"]
    fixture = json.loads(fixture_text("view_submission.json"))
    assert set(fixture) <= set(payload)
    assert set(fixture["view"]) <= set(payload["view"])
    assert payload["view"]["id"] == stored["id"] and payload["view"]["hash"] == stored["hash"]
    assert payload["view"]["private_metadata"] == "session-42"
    assert payload["view"]["state"]["values"] == {
        "email": {"value": {"type": "email_text_input", "value": "ada@example.com"}},
        "note": {"value": {"type": "plain_text_input", "value": None}},
    }
    assert standin.view_user(stored["id"]) == ADA
    assert standin.violations == [] and sender.violations == []


async def test_a_required_input_left_empty_cannot_be_submitted(sender, standin):
    await sender.slash("register", ADA, TEAM)
    (opened,) = await standin.wait_for("views.open")
    with pytest.raises(ValueError, match="required input 'email' is empty"):
        await sender.view_submission(opened.args["view"], {"note": "hi"}, user_id=ADA, team_id=TEAM)


async def test_block_action_on_a_posted_message(sender, standin, seen, client):
    await client.chat_postMessage(channel=GENERAL, text="Ada wants to join", blocks=APPROVAL)
    (message,) = standin.messages(GENERAL)
    response = await sender.block_action("approve", message=message, user_id=ADA, team_id=TEAM)
    assert response.status_code == 200
    await standin.wait_for(RESPONSE_URL)
    assert standin.messages(GENERAL)[0]["text"] == f"Approved by <@{ADA}>"

    payload = seen["action"]
    fixture = json.loads(fixture_text("block_actions.json"))
    assert set(fixture) <= set(payload)
    assert set(fixture["container"]) == set(payload["container"])
    assert payload["container"]["message_ts"] == message["ts"]
    assert payload["channel"] == {"id": GENERAL, "name": "general"}
    action = payload["actions"][0]
    assert set(fixture["actions"][0]) <= set(action)
    assert (action["block_id"], action["value"], action["style"]) == ("decide", "reg-7", "primary")
    assert "channel" not in payload["message"]
    assert standin.violations == []


async def test_block_action_needs_an_existing_action_id(sender, standin, client):
    await client.chat_postMessage(channel=GENERAL, text="x", blocks=APPROVAL)
    (message,) = standin.messages(GENERAL)
    with pytest.raises(ValueError, match="no element with action_id 'reject'"):
        await sender.block_action("reject", message=message, user_id=ADA, team_id=TEAM)


async def test_app_home_opened_event(sender, standin, seen):
    response = await sender.app_home_opened(ADA, TEAM)
    assert response.status_code == 200
    (published,) = await standin.wait_for("views.publish")
    assert published.args["user_id"] == ADA
    envelope = sender.last_payload
    schema = json.loads(EVENTS_SPEC.read_text())["components"]["schemas"]["GenericEventWrapper"]
    jsonschema.validate(envelope, schema)
    assert envelope["authorizations"][0]["user_id"] == BOT_USER
    assert seen["event"]["tab"] == "home" and seen["event"]["channel"].startswith("D0")
    # the next app_home_opened carries the published view, as on Slack
    await sender.app_home_opened(ADA, TEAM)
    assert sender.last_payload["event"]["view"]["id"] == published.response["view"]["id"]


async def test_url_verification(sender):
    response = await sender.url_verification("abc123")
    assert response.status_code == 200 and response.json() == {"challenge": "abc123"}


async def test_slow_ack_and_bad_view_ack_are_reported(sender, standin):
    sender.ack_timeout = 0.1
    await sender.slash("slow-ack", ADA, TEAM)
    assert len(standin.violations) == 1 and "Slack gives up after 0.1s" in standin.violations[0]
    standin.reset()
    sender.ack_timeout = 3.0
    await sender.slash("register", ADA, TEAM)
    (opened,) = await standin.wait_for("views.open")
    await sender.view_submission(
        opened.args["view"], {"email": "wrong-key"}, user_id=ADA, team_id=TEAM
    )
    assert standin.violations == ["view_submission ack: errors key 'nope' is not an input block_id"]


async def test_trigger_ids_expire_like_on_slack(sender, standin):
    standin.trigger_ttl = 0.1
    await sender.slash("register-slowly", ADA, TEAM)
    (opened,) = await standin.wait_for("views.open")
    assert opened.error == "expired_trigger_id"


def test_build_state_shapes_values_by_element_type():
    blocks = [
        {
            "type": "input",
            "block_id": "session",
            "label": {"type": "plain_text", "text": "Session"},
            "element": {
                "type": "static_select",
                "action_id": "pick",
                "options": [
                    {"text": {"type": "plain_text", "text": "Monday"}, "value": "mon"},
                    {"text": {"type": "plain_text", "text": "Tuesday"}, "value": "tue"},
                ],
            },
        },
        {
            "type": "input",
            "block_id": "when",
            "label": {"type": "plain_text", "text": "Date"},
            "element": {"type": "datepicker", "action_id": "date", "initial_date": "2024-12-02"},
        },
        {
            "type": "input",
            "block_id": "who",
            "label": {"type": "plain_text", "text": "Who"},
            "element": {"type": "multi_users_select", "action_id": "users"},
        },
        {
            "type": "actions",
            "block_id": "extras",
            "elements": [
                {
                    "type": "checkboxes",
                    "action_id": "flags",
                    "options": [{"text": {"type": "mrkdwn", "text": "Remind"}, "value": "remind"}],
                },
                {"type": "button", "action_id": "go", "text": {"type": "plain_text", "text": "Go"}},
            ],
        },
    ]
    state = build_state(blocks, {"session": {"pick": "tue"}, "users": [ADA], "flags": ["remind"]})
    assert state["values"] == {
        "session": {
            "pick": {
                "type": "static_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": "Tuesday"},
                    "value": "tue",
                },
            }
        },
        "when": {"date": {"type": "datepicker", "selected_date": "2024-12-02"}},
        "who": {"users": {"type": "multi_users_select", "selected_users": [ADA]}},
        "extras": {
            "flags": {
                "type": "checkboxes",
                "selected_options": [
                    {"text": {"type": "mrkdwn", "text": "Remind"}, "value": "remind"}
                ],
            }
        },
    }
    with pytest.raises(ValueError, match="no option with value 'sun'"):
        build_state(blocks, {"pick": "sun"})
    with pytest.raises(ValueError, match="no block_id or action_id 'colour'"):
        build_state(blocks, {"colour": "red"})
    with pytest.raises(ValueError, match="required input 'session' is empty"):
        build_state(blocks, {}, check_required=True)


async def test_event_redelivery_carries_retry_headers(sender, standin, seen):
    await sender.event(
        {"type": "app_home_opened", "user": ADA, "tab": "home"}, TEAM, event_id="Ev0A"
    )
    await sender.event(
        {"type": "app_home_opened", "user": ADA, "tab": "home"}, TEAM, event_id="Ev0A", retry_num=1
    )
    await standin.wait_for("views.publish", count=2)
    assert seen["deliveries"] == [("Ev0A", None), ("Ev0A", "1")]
