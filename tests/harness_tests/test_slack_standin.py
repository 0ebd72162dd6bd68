"""The Slack stand-in, driven by a real slack_sdk AsyncWebClient over loopback."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time

import httpx
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient
from starlette.applications import Starlette
from starlette.routing import Mount

from sandbox.slack.web_api import (
    RESPONSE_URL,
    UPLOAD_URL,
    SlackError,
    SlackStandIn,
    run_standin_server,
)
from tests.harness_tests.conftest import (
    ADA,
    BOT_USER,
    GENERAL,
    GRACE,
    OLD,
    OTHER_TEAM,
    OTHER_TOKEN,
    OUTSIDE,
    PRIVATE_IN,
    SECRET_ROOM,
    TEAM,
    TOKEN,
    TRAINING,
    WEB_API_SPEC,
    seed,
)

TS = re.compile(r"^\d{10}\.\d{6}$")
MODAL = {
    "type": "modal",
    "callback_id": "register",
    "title": {"type": "plain_text", "text": "Register"},
    "submit": {"type": "plain_text", "text": "Save"},
    "blocks": [
        {
            "type": "input",
            "block_id": "email",
            "label": {"type": "plain_text", "text": "Email"},
            "element": {"type": "email_text_input", "action_id": "value"},
        }
    ],
}
HOME = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}]}


async def error_of(awaitable) -> str:
    with pytest.raises(SlackApiError) as info:
        await awaitable
    return str(info.value.response["error"])


# ---------------------------------------------------------------- recording, ids, shapes


async def test_post_message_is_recorded_and_answered_like_slack(standin, client):
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Hello*"}}]
    first = await client.chat_postMessage(channel=GENERAL, text="Hello", blocks=blocks)
    second = await client.chat_postMessage(channel=GENERAL, text="Again")

    assert first["ok"] and first["channel"] == GENERAL
    assert TS.match(first["ts"]) and float(second["ts"]) > float(first["ts"])
    message = first["message"]
    assert message["user"] == BOT_USER and message["bot_id"].startswith("B0")
    assert message["blocks"][0]["block_id"]  # Slack fills in block_ids
    call = standin.calls_to("chat.postMessage")[0]
    assert call.args == {"channel": GENERAL, "text": "Hello", "blocks": blocks}
    assert call.token == TOKEN and call.team_id == TEAM and call.ok
    assert [m["text"] for m in standin.messages(GENERAL)] == ["Hello", "Again"]
    assert standin.violations == []


async def test_form_encoded_json_fields_are_decoded(standin, client):
    blocks = [{"type": "divider"}]
    await client.api_call(
        "chat.postMessage",
        data={"channel": GENERAL, "text": "form", "blocks": json.dumps(blocks)},
    )
    await client.api_call("chat.postMessage", params={"channel": GENERAL, "text": "query"})
    form_call, query_call = standin.calls_to("chat.postMessage")
    assert form_call.args["blocks"] == blocks
    assert query_call.args == {"channel": GENERAL, "text": "query"}
    assert form_call.token == TOKEN
    assert standin.violations == []


async def test_token_in_form_body_is_accepted(standin, api_url):
    bare = AsyncWebClient(base_url=api_url)
    answer = await bare.api_call("auth.test", data={"token": OTHER_TOKEN})
    assert answer["team_id"] == OTHER_TEAM
    assert standin.calls_to("auth.test")[0].token == OTHER_TOKEN


async def test_auth_test_and_team_info(client):
    auth = await client.auth_test()
    assert auth["team_id"] == TEAM and auth["user_id"] == BOT_USER
    assert auth["bot_id"].startswith("B0") and auth["team"] == "Vilt One"
    assert auth["url"] == "https://vilt-one.slack.com/"
    team = await client.team_info()
    assert team["team"]["id"] == TEAM and team["team"]["domain"] == "vilt-one"


async def test_bad_or_missing_token(api_url):
    assert await error_of(AsyncWebClient(token="xoxb-nope", base_url=api_url).auth_test()) == (
        "invalid_auth"
    )
    assert await error_of(AsyncWebClient(base_url=api_url).auth_test()) == "not_authed"


async def test_each_workspace_is_reached_with_its_own_token(standin, api_url):
    one = AsyncWebClient(token=TOKEN, base_url=api_url)
    two = AsyncWebClient(token=OTHER_TOKEN, base_url=api_url)
    await one.chat_postMessage(channel=GENERAL, text="one")
    await two.chat_postMessage(channel="C0TWOGEN01", text="two")
    # a channel of workspace one does not exist in workspace two
    assert await error_of(two.chat_postMessage(channel=GENERAL, text="x")) == "channel_not_found"
    teams = [(c.team_id, c.token) for c in standin.calls_to("chat.postMessage")]
    assert teams == [(TEAM, TOKEN), (OTHER_TEAM, OTHER_TOKEN), (OTHER_TEAM, OTHER_TOKEN)]


async def test_unknown_method(standin, client):
    assert await error_of(client.api_call("chat.teleport", json={"channel": GENERAL})) == (
        "unknown_method"
    )
    assert standin.violations == ["chat.teleport: no such method in the Slack Web API spec"]


async def test_method_in_spec_but_not_simulated_can_be_answered_with_on(standin, client):
    assert await error_of(client.reactions_add(channel=GENERAL, name="tada", timestamp="1.2")) == (
        "unknown_method"
    )
    standin.on("reactions.add", lambda call: {})
    assert (await client.reactions_add(channel=GENERAL, name="tada", timestamp="1.2"))["ok"]

    def refuse(call):
        raise SlackError("already_reacted")

    standin.on("reactions.add", refuse)
    assert await error_of(client.reactions_add(channel=GENERAL, name="x", timestamp="1")) == (
        "already_reacted"
    )


# ---------------------------------------------------------------- channels and messages


@pytest.mark.parametrize(
    ("channel", "error"),
    [
        (SECRET_ROOM, "not_in_channel"),
        (OUTSIDE, "not_in_channel"),
        (OLD, "is_archived"),
        ("C0NOSUCH01", "channel_not_found"),
    ],
)
async def test_post_where_the_bot_cannot(client, standin, channel, error):
    assert await error_of(client.chat_postMessage(channel=channel, text="hi")) == error
    assert standin.calls_to("chat.postMessage")[0].error == error
    assert standin.messages(channel) == []


async def test_public_channel_is_postable_with_chat_write_public(standin, client):
    standin.workspaces[TEAM].scopes += ("chat:write.public",)
    assert (await client.chat_postMessage(channel=OUTSIDE, text="hi"))["ok"]
    assert await error_of(client.chat_postMessage(channel=SECRET_ROOM, text="hi")) == (
        "not_in_channel"
    )


async def test_post_to_private_member_channel_and_to_a_user(client, standin):
    assert (await client.chat_postMessage(channel=PRIVATE_IN, text="hi"))["ok"]
    dm = await client.chat_postMessage(channel=ADA, text="psst")
    assert dm["channel"].startswith("D0")
    opened = await client.conversations_open(users=ADA)
    assert opened["channel"]["id"] == dm["channel"] and opened["already_open"]
    assert await error_of(client.chat_postMessage(channel=BOT_USER, text="me")) == "cannot_dm_bot"
    no_text = client.api_call("chat.postMessage", json={"channel": GENERAL})
    assert await error_of(no_text) == "no_text"


async def test_conversations_info_reports_channel_state(client):
    general = (await client.conversations_info(channel=GENERAL))["channel"]
    assert general["name"] == "general" and general["is_member"] and not general["is_private"]
    assert general["is_channel"] and general["is_general"]
    outside = (await client.conversations_info(channel=OUTSIDE))["channel"]
    assert outside["is_member"] is False
    private = await client.conversations_info(channel=PRIVATE_IN, include_num_members=True)
    assert private["channel"]["is_private"] and private["channel"]["num_members"] >= 1
    assert (await client.conversations_info(channel=OLD))["channel"]["is_archived"]
    # a private channel the bot is not in is invisible, like on Slack
    assert await error_of(client.conversations_info(channel=SECRET_ROOM)) == "channel_not_found"
    assert await error_of(client.conversations_info(channel="C0NOSUCH01")) == "channel_not_found"


async def test_conversations_join(client):
    joined = await client.conversations_join(channel=OUTSIDE)
    assert joined["channel"]["is_member"]
    assert (await client.chat_postMessage(channel=OUTSIDE, text="now I can"))["ok"]
    again = await client.conversations_join(channel=OUTSIDE)
    assert again["warning"] == "already_in_channel"
    assert await error_of(client.conversations_join(channel=PRIVATE_IN)) == (
        "method_not_supported_for_channel_type"
    )
    assert await error_of(client.conversations_join(channel=OLD)) == "is_archived"


async def test_update_and_delete(client, standin):
    posted = await client.chat_postMessage(channel=GENERAL, text="v1")
    updated = await client.chat_update(channel=GENERAL, ts=posted["ts"], text="v2")
    assert updated["ts"] == posted["ts"] and updated["text"] == "v2"
    assert standin.messages(GENERAL)[0]["text"] == "v2"
    assert await error_of(
        client.chat_update(channel=GENERAL, ts="1700000000.000001", text="x")
    ) == ("message_not_found")
    await client.chat_delete(channel=GENERAL, ts=posted["ts"])
    assert standin.messages(GENERAL) == []
    assert await error_of(client.chat_delete(channel=GENERAL, ts=posted["ts"])) == (
        "message_not_found"
    )


async def test_ephemeral(client, standin):
    answer = await client.chat_postEphemeral(channel=GENERAL, user=ADA, text="only you")
    assert TS.match(answer["message_ts"])
    assert standin.messages(GENERAL) == []
    assert await error_of(
        client.chat_postEphemeral(channel=GENERAL, user="U0NOBODY01", text="x")
    ) == ("user_not_found")


async def test_users_info_and_lookup(client):
    ada = (await client.users_info(user=ADA))["user"]
    assert ada["real_name"] == "Ada Lovelace" and ada["profile"]["email"] == "ada@example.com"
    assert ada["tz"] == "Europe/Oslo" and ada["is_bot"] is False and ada["deleted"] is False
    grace = (await client.users_lookupByEmail(email="grace@example.com"))["user"]
    assert grace["id"] == GRACE and grace["tz"] == "America/New_York"
    assert (await client.users_info(user="U0GONE0001"))["user"]["deleted"] is True
    assert (await client.users_info(user=BOT_USER))["user"]["is_bot"] is True
    assert await error_of(client.users_info(user="U0NOBODY01")) == "user_not_found"


# ---------------------------------------------------------------- views


async def test_views_open_update_with_hash(client, standin):
    opened = (await client.views_open(trigger_id="123.456.abc", view=MODAL))["view"]
    assert re.match(r"^V0[A-Z0-9]{9}$", opened["id"]) and opened["root_view_id"] == opened["id"]
    assert opened["callback_id"] == "register" and opened["state"] == {"values": {}}
    stale_hash = opened["hash"]
    updated = await client.views_update(view_id=opened["id"], hash=stale_hash, view=MODAL)
    assert updated["view"]["hash"] != stale_hash
    assert await error_of(
        client.views_update(view_id=opened["id"], hash=stale_hash, view=MODAL)
    ) == ("hash_conflict")
    assert await error_of(client.views_update(view_id="V0NOSUCH001", view=MODAL)) == "not_found"
    assert standin.view(opened["id"])["hash"] == updated["view"]["hash"]
    assert standin.violations == []


async def test_views_external_id_push_and_publish(client, standin):
    modal = {**MODAL, "external_id": "reg-42"}
    opened = (await client.views_open(trigger_id="1.2.a", view=modal))["view"]
    assert await error_of(client.views_open(trigger_id="1.2.b", view=modal)) == (
        "duplicate_external_id"
    )
    by_external = await client.views_update(external_id="reg-42", view=modal)
    assert by_external["view"]["id"] == opened["id"]
    pushed = (await client.views_push(trigger_id="1.2.c", view=MODAL))["view"]
    assert pushed["id"] != opened["id"]
    home = (await client.views_publish(user_id=ADA, view=HOME))["view"]
    assert home["type"] == "home" and standin.home_view(ADA)["id"] == home["id"]
    republished = await client.views_publish(user_id=ADA, view=HOME, hash=home["hash"])
    assert republished["view"]["id"] == home["id"]
    assert await error_of(client.views_publish(user_id=ADA, view=HOME, hash=home["hash"])) == (
        "hash_conflict"
    )
    assert standin.violations == []


async def test_registered_triggers_expire_and_are_single_use(client, standin):
    standin.register_trigger("9.9.fresh", TEAM, ADA)
    opened = await client.views_open(trigger_id="9.9.fresh", view=MODAL)
    assert standin.view_user(opened["view"]["id"]) == ADA
    assert await error_of(client.views_open(trigger_id="9.9.fresh", view=MODAL)) == (
        "exchanged_trigger_id"
    )
    standin.trigger_ttl = 0.01
    standin.register_trigger("9.9.old", TEAM, ADA)
    await asyncio.sleep(0.05)
    assert await error_of(client.views_open(trigger_id="9.9.old", view=MODAL)) == (
        "expired_trigger_id"
    )
    standin.register_trigger("9.9.other", OTHER_TEAM, "U0SOMEONE1")
    assert await error_of(client.views_open(trigger_id="9.9.other", view=MODAL)) == (
        "invalid_trigger_id"
    )


# ---------------------------------------------------------------- validation


async def test_unknown_argument_is_a_violation(standin, client):
    error = await error_of(
        client.api_call("chat.postMessage", json={"channel": GENERAL, "text": "x", "colour": "red"})
    )
    assert error == "invalid_arguments"
    assert standin.violations == ["chat.postMessage: unknown argument 'colour'"]
    call = standin.calls_to("chat.postMessage")[0]
    assert call.violations == standin.violations and not call.ok
    assert standin.messages(GENERAL) == []


async def test_missing_required_and_malformed_ids_are_violations(standin, client):
    await error_of(client.api_call("chat.postMessage", json={"text": "no channel"}))
    await error_of(client.chat_postMessage(channel="#general", text="by name"))
    await error_of(client.users_info(user="ada"))
    await error_of(client.chat_update(channel=GENERAL, ts="yesterday", text="x"))
    await error_of(client.api_call("views.open", json={"view": MODAL}))
    assert standin.violations == [
        "chat.postMessage: missing required argument 'channel'",
        "chat.postMessage: argument 'channel'='#general' does not match "
        "^[CGD][A-Z0-9]{8,}$ or ^[UW][A-Z0-9]{2,}$",
        "users.info: argument 'user'='ada' does not match ^[UW][A-Z0-9]{2,}$",
        "chat.update: argument 'ts'='yesterday' does not match ^\\d{10}\\.\\d{6}$",
        "views.open: one of trigger_id, interactivity_pointer is required",
    ]


async def test_newer_arguments_on_the_allow_list_pass(standin, client):
    await client.chat_postMessage(
        channel=GENERAL,
        text="with metadata",
        metadata={"event_type": "session_scheduled", "event_payload": {"id": "1"}},
    )
    await client.views_open(interactivity_pointer="123.abc", view=MODAL)
    assert standin.violations == []


async def test_invalid_blocks_are_violations(standin, client):
    too_long = [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    error = await error_of(client.chat_postMessage(channel=GENERAL, text="x", blocks=too_long))
    assert error == "invalid_arguments"
    assert standin.violations == [
        "chat.postMessage: blocks[0] (section): text attribute cannot exceed 3000 characters"
    ]
    standin.reset()
    await error_of(
        client.chat_postMessage(channel=GENERAL, text="x", blocks=[{"type": "divider"}] * 51)
    )
    await error_of(
        client.chat_postMessage(
            channel=GENERAL,
            text="x",
            blocks=[{"type": "sektion", "text": {"type": "mrkdwn", "text": "typo"}}],
        )
    )
    button = {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "action_id": "go"}
    await error_of(
        client.chat_postMessage(
            channel=GENERAL, text="x", blocks=[{"type": "actions", "elements": [button, button]}]
        )
    )
    assert standin.violations == [
        "chat.postMessage: blocks: 51 blocks, Slack allows at most 50",
        "chat.postMessage: blocks[0] (sektion): unknown block type 'sektion'",
        "chat.postMessage: blocks[0] (actions): duplicate action_id ['go']",
    ]
    assert standin.messages(GENERAL) == []


async def test_invalid_views_are_violations(standin, client):
    hundred_and_one = {**MODAL, "blocks": [{"type": "divider"}] * 101}
    await error_of(client.views_open(trigger_id="1.2.3", view=hundred_and_one))
    no_submit = {key: value for key, value in MODAL.items() if key != "submit"}
    await error_of(client.views_open(trigger_id="1.2.3", view=no_submit))
    opened = (await client.views_open(trigger_id="1.2.3", view=MODAL))["view"]
    await error_of(client.views_update(view_id=opened["id"], view=opened))  # sent back as received
    await error_of(client.views_publish(user_id=ADA, view=MODAL))
    assert "views.open: view: views must contain between 1 and 100 blocks" in standin.violations
    assert "views.open: view.blocks: 101 blocks, Slack allows at most 100" in standin.violations
    assert "views.open: view: a modal with input blocks needs a submit button" in standin.violations
    assert "views.update: view: 'hash' is set by Slack and must not be sent back" in (
        standin.violations
    )
    assert "views.publish: only 'home' views can be published, got 'modal'" in standin.violations


async def test_validation_can_be_switched_off(api_url, standin):
    standin.validate = False
    client = AsyncWebClient(token=TOKEN, base_url=api_url)
    answer = await client.api_call(
        "chat.postMessage", json={"channel": GENERAL, "text": "x", "z": 1}
    )
    assert answer["ok"] and standin.violations == []


# ---------------------------------------------------------------- faults


async def test_rate_limit_with_retry_after_is_honoured_by_slack_sdk(standin, api_url):
    standin.inject("chat.postMessage", status=429, retry_after=1)
    client = AsyncWebClient(
        token=TOKEN,
        base_url=api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    started = time.monotonic()
    answer = await client.chat_postMessage(channel=GENERAL, text="eventually")
    assert answer["ok"] and time.monotonic() - started >= 1.0
    limited, delivered = standin.calls_to("chat.postMessage")
    assert (
        limited.status == 429 and limited.fault == "status=429" and limited.error == "ratelimited"
    )
    assert delivered.ok and delivered.fault is None
    assert len(standin.messages(GENERAL)) == 1


async def test_rate_limit_surfaces_retry_after_without_a_retry_handler(standin, client):
    standin.inject("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as info:
        await client.chat_postMessage(channel=GENERAL, text="x")
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] == "7"
    assert info.value.response["error"] == "ratelimited"


async def test_error_and_server_error_injection(standin, client):
    standin.inject("conversations.info", error="channel_not_found", times=2)
    standin.inject("auth.test", status=500)
    assert await error_of(client.conversations_info(channel=GENERAL)) == "channel_not_found"
    assert await error_of(client.conversations_info(channel=GENERAL)) == "channel_not_found"
    assert (await client.conversations_info(channel=GENERAL))["ok"]
    with pytest.raises(SlackApiError) as info:
        await client.auth_test()
    assert info.value.response.status_code == 500
    assert (await client.auth_test())["ok"]
    faults = [c.fault for c in standin.calls]
    assert faults == [
        "error=channel_not_found",
        "error=channel_not_found",
        None,
        "status=500",
        None,
    ]


async def test_slow_answers(standin, client):
    standin.inject("users.info", delay=0.3)
    started = time.monotonic()
    assert (await client.users_info(user=ADA))["ok"]
    assert time.monotonic() - started >= 0.3
    assert standin.calls_to("users.info")[0].fault == "delay=0.3"


# ---------------------------------------------------------------- files, oauth, response urls


async def test_files_upload_v2_records_content(standin, client):
    answer = await client.files_upload_v2(
        channel=GENERAL,
        content="name,email\nAda,ada@example.com\n",
        filename="attendees.csv",
        title="Attendees",
        initial_comment="Attendance report",
    )
    file_id = answer["file"]["id"]
    assert file_id.startswith("F0")
    assert [c.method for c in standin.calls] == [
        "files.getUploadURLExternal",
        UPLOAD_URL,
        "files.completeUploadExternal",
    ]
    stored = standin.files[file_id]
    assert stored.text == "name,email\nAda,ada@example.com\n" and stored.title == "Attendees"
    assert stored.channels == [GENERAL] and stored.completed
    assert standin.messages(GENERAL)[0]["text"] == "Attendance report"
    assert standin.violations == []


async def test_legacy_files_upload_records_content(standin, client):
    answer = await client.api_call(
        "files.upload",
        data={"channels": GENERAL, "content": "hello", "filename": "a.txt", "title": "A"},
    )
    assert standin.files[answer["file"]["id"]].text == "hello"
    assert (
        await error_of(client.api_call("files.upload", data={"channels": OLD, "content": "x"}))
        == "is_archived"
    )


async def test_oauth_v2_access_for_a_multi_workspace_install(standin, api_url):
    standin.register_oauth_code(
        "code-two",
        OTHER_TEAM,
        client_id="111.222",
        client_secret="shh",
        installer_user_id="U0ADMIN002",
    )
    bare = AsyncWebClient(base_url=api_url)
    assert (
        await error_of(
            bare.oauth_v2_access(client_id="111.222", client_secret="wrong", code="code-two")
        )
        == "bad_client_secret"
    )
    install = await bare.oauth_v2_access(client_id="111.222", client_secret="shh", code="code-two")
    assert install["access_token"] == OTHER_TOKEN and install["token_type"] == "bot"
    assert install["team"] == {"id": OTHER_TEAM, "name": "Vilt Two"}
    assert install["authed_user"]["id"] == "U0ADMIN002" and install["bot_user_id"] == "U0VILTBOT2"
    assert "chat:write" in install["scope"].split(",")
    assert (
        await error_of(
            bare.oauth_v2_access(client_id="111.222", client_secret="shh", code="code-two")
        )
        == "invalid_code"
    )
    auth = await AsyncWebClient(token=install["access_token"], base_url=api_url).auth_test()
    assert auth["team_id"] == OTHER_TEAM
    assert standin.violations == []


async def test_response_url_posts_are_recorded_and_applied(standin, client):
    posted = await client.chat_postMessage(channel=GENERAL, text="Register?")
    url = standin.new_response_url(TEAM, channel_id=GENERAL, message_ts=posted["ts"], user_id=ADA)
    webhook = AsyncWebhookClient(url)
    replaced = await webhook.send(text="Registered!", replace_original=True)
    assert replaced.status_code == 200
    assert standin.messages(GENERAL)[0]["text"] == "Registered!"
    await webhook.send(text="Shared", response_type="in_channel")
    assert [m["text"] for m in standin.messages(GENERAL)] == ["Registered!", "Shared"]
    await webhook.send(delete_original=True)
    assert [m["text"] for m in standin.messages(GENERAL)] == ["Shared"]
    bad = await webhook.send(text="x", blocks=[{"type": "nope"}])
    assert bad.status_code == 400
    calls = standin.calls_to(RESPONSE_URL)
    assert [c.args.get("text") for c in calls] == ["Registered!", "Shared", None, "x"]
    assert calls[0].team_id == TEAM
    assert standin.violations == ["response_url.blocks[0] (nope): unknown block type 'nope'"]


# ---------------------------------------------------------------- harness helpers


async def test_wait_for_returns_when_calls_arrive(standin, client):
    async def later() -> None:
        await asyncio.sleep(0.05)
        await client.chat_postMessage(channel=GENERAL, text="one")
        await client.chat_postMessage(channel=TRAINING, text="two")

    task = asyncio.create_task(later())
    calls = await standin.wait_for(
        "chat.postMessage", count=1, where=lambda c: c.args["channel"] == TRAINING
    )
    await task
    assert [c.args["text"] for c in calls] == ["two"]


async def test_wait_for_times_out_listing_the_calls_seen(standin, client):
    await client.auth_test()
    with pytest.raises(AssertionError) as info:
        await standin.wait_for("views.open", timeout=0.1)
    message = str(info.value)
    assert "expected 1 call(s) to views.open" in message and "auth.test" in message


async def test_reset_keeps_seeds_unless_asked(standin, client):
    await client.chat_postMessage(channel=GENERAL, text="x")
    standin.inject("auth.test")
    standin.reset()
    assert standin.calls == [] and (await client.auth_test())["ok"]
    assert len(standin.messages(GENERAL)) == 1
    standin.reset(state=True)
    assert standin.workspaces == {} and standin.messages(GENERAL) == []
    assert await error_of(client.auth_test()) == "invalid_auth"


async def test_server_runs_in_the_current_loop_and_releases_its_port():
    standin = seed(SlackStandIn(WEB_API_SPEC))
    async with run_standin_server(standin) as base_url:
        assert re.match(r"^http://127\.0\.0\.1:\d+/api/$", base_url)
        assert standin.base_url == base_url
        assert (await AsyncWebClient(token=TOKEN, base_url=base_url).auth_test())["ok"]
        port = int(base_url.split(":")[2].split("/")[0])
    assert standin.base_url is None
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_standin_without_spec_still_checks_block_kit():
    standin = SlackStandIn()
    assert standin.spec is None and standin.validate
    assert standin._check_call("chat.postMessage", {"blocks": [{"type": "nope"}]})


async def test_mounted_under_a_prefix_and_raw_http_encodings(standin):
    outer = Starlette(routes=[Mount("/slack-sandbox", app=standin.app)])
    auth = {"Authorization": f"Bearer {TOKEN}"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=outer), base_url="http://sandbox.test"
    ) as http:
        answer = await http.post(
            "/slack-sandbox/api/files.getUploadURLExternal",
            data={"filename": "a.txt", "length": "5"},
            headers=auth,
        )
        upload_url = answer.json()["upload_url"]
        assert upload_url.startswith("http://sandbox.test/slack-sandbox/upload/v1/F0")
        uploaded = await http.post(
            "/slack-sandbox/api/files.upload",
            data={"channels": GENERAL, "title": "Report"},
            files={"file": ("report.csv", b"a,b\n1,2\n", "text/csv")},
            headers=auth,
        )
        file_id = uploaded.json()["file"]["id"]
        broken = await http.post(
            "/slack-sandbox/api/chat.postMessage",
            content=b"{not json",
            headers={**auth, "Content-Type": "application/json"},
        )
    assert standin.files[file_id].content == b"a,b\n1,2\n"
    assert standin.files[file_id].filename == "report.csv"
    assert broken.json()["error"] == "invalid_arguments"
    assert standin.violations[0] == "request body is not valid JSON"
