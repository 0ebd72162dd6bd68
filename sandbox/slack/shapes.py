"""The JSON the Slack stand-in answers with: conversations, users, files, messages and views."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox.slack.blockkit import with_generated_ids
from sandbox.slack.records import Channel, UploadedFile, User, Workspace


def channel_json(
    channel: Channel, *, creator: str = "", num_members: int | None = None
) -> dict[str, Any]:
    """A conversation object as conversations.info returns it."""
    if channel.is_im:
        return {
            "id": channel.id,
            "created": channel.created,
            "is_archived": False,
            "is_im": True,
            "is_org_shared": False,
            "context_team_id": channel.team_id,
            "updated": channel.created * 1000,
            "user": channel.user,
            "is_user_deleted": False,
            "priority": 0,
        }
    data: dict[str, Any] = {
        "id": channel.id,
        "name": channel.name,
        "is_channel": not channel.is_private,
        "is_group": channel.is_private,
        "is_im": False,
        "is_mpim": False,
        "is_private": channel.is_private,
        "created": channel.created,
        "is_archived": channel.is_archived,
        "is_general": channel.name == "general",
        "unlinked": 0,
        "name_normalized": channel.name,
        "is_shared": False,
        "is_org_shared": False,
        "is_pending_ext_shared": False,
        "pending_shared": [],
        "context_team_id": channel.team_id,
        "updated": channel.created * 1000,
        "parent_conversation": None,
        "creator": creator,
        "is_ext_shared": False,
        "shared_team_ids": [channel.team_id],
        "pending_connected_team_ids": [],
        "is_member": channel.is_member,
        "topic": {"value": "", "creator": "", "last_set": 0},
        "purpose": {"value": "", "creator": "", "last_set": 0},
        "previous_names": [],
    }
    if num_members is not None:
        data["num_members"] = num_members
    return data


def user_json(user: User, workspace: Workspace | None) -> dict[str, Any]:
    """A user object as users.info returns it."""
    try:
        offset = datetime.now(ZoneInfo(user.tz)).utcoffset()
        tz_offset = int(offset.total_seconds()) if offset else 0
        tz_label = datetime.now(ZoneInfo(user.tz)).tzname() or user.tz
    except (ZoneInfoNotFoundError, ValueError):
        tz_offset, tz_label = 0, user.tz
    profile: dict[str, Any] = {
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": user.name,
        "display_name_normalized": user.name,
        "first_name": user.real_name.split(" ")[0],
        "last_name": " ".join(user.real_name.split(" ")[1:]),
        "title": "",
        "phone": "",
        "status_text": "",
        "status_emoji": "",
        "avatar_hash": "g0000000000",
        "image_48": "https://secure.gravatar.com/avatar/0.jpg?s=48",
        "image_72": "https://secure.gravatar.com/avatar/0.jpg?s=72",
        "team": user.team_id,
    }
    if user.email:
        profile["email"] = user.email
    if user.is_bot and workspace is not None:
        profile["bot_id"] = workspace.bot_id
        profile["api_app_id"] = workspace.app_id
    return {
        "id": user.id,
        "team_id": user.team_id,
        "name": user.name,
        "deleted": user.deleted,
        "color": "9f69e7",
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": tz_label,
        "tz_offset": tz_offset,
        "profile": profile,
        "is_admin": user.is_admin,
        "is_owner": False,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": 1_700_000_000,
        "is_email_confirmed": True,
        "who_can_share_contact_card": "EVERYONE",
    }


def file_json(upload: UploadedFile, *, bot_user_id: str, created: int) -> dict[str, Any]:
    """A file object as files.upload / files.completeUploadExternal return it."""
    extension = upload.filename.rsplit(".", 1)[-1].lower() if "." in upload.filename else "text"
    return {
        "id": upload.id,
        "created": created,
        "timestamp": created,
        "name": upload.filename,
        "title": upload.title,
        "mimetype": "text/plain"
        if extension in {"txt", "text", "csv"}
        else "application/octet-stream",
        "filetype": extension,
        "pretty_type": extension.upper(),
        "user": bot_user_id,
        "user_team": upload.team_id,
        "editable": False,
        "size": len(upload.content),
        "mode": "hosted",
        "is_external": False,
        "is_public": bool(upload.channels),
        "public_url_shared": False,
        "url_private": f"https://files.slack.com/files-pri/{upload.team_id}-{upload.id}/{upload.filename}",
        "permalink": f"https://example.slack.com/files/{upload.id}/{upload.filename}",
        "channels": list(upload.channels),
        "groups": [],
        "ims": [],
        "comments_count": 0,
    }


def message_content(args: dict[str, Any]) -> dict[str, Any]:
    """The content fields of a message (text, blocks with Slack-filled ids, attachments, metadata)."""
    content: dict[str, Any] = {"text": args.get("text") or ""}
    if args.get("blocks"):
        content["blocks"] = with_generated_ids(list(args["blocks"]))
    if args.get("attachments"):
        content["attachments"] = args["attachments"]
    if args.get("metadata"):
        content["metadata"] = args["metadata"]
    return content


def bot_message(workspace: Workspace, args: dict[str, Any], ts: str) -> dict[str, Any]:
    """A message posted by the bot, as chat.postMessage returns it."""
    message: dict[str, Any] = {
        "type": "message",
        "user": workspace.bot_user_id,
        "bot_id": workspace.bot_id,
        "app_id": workspace.app_id,
        "ts": ts,
        "team": workspace.team_id,
        "bot_profile": {
            "id": workspace.bot_id,
            "app_id": workspace.app_id,
            "name": workspace.bot_name,
            "icons": {"image_48": "https://a.slack-edge.com/80588/img/plugins/app/bot_48.png"},
            "deleted": False,
            "updated": 1_700_000_000,
            "team_id": workspace.team_id,
        },
        **message_content(args),
    }
    if args.get("thread_ts"):
        message["thread_ts"] = str(args["thread_ts"])
        message["parent_user_id"] = workspace.bot_user_id
    return message


def view_json(
    ws: Workspace,
    view: dict[str, Any],
    *,
    view_id: str,
    view_hash: str,
    previous_view_id: str | None = None,
    root_view_id: str | None = None,
) -> dict[str, Any]:
    """A view as Slack stores and returns it (id, hash, state, generated block_ids...)."""
    default_title = {"type": "plain_text", "text": "View Title"} if view["type"] == "home" else None
    return {
        "id": view_id,
        "team_id": ws.team_id,
        "type": view["type"],
        "blocks": with_generated_ids(list(view.get("blocks") or [])),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "state": {"values": {}},
        "hash": view_hash,
        "title": view.get("title", default_title),
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "close": view.get("close"),
        "submit": view.get("submit"),
        "previous_view_id": previous_view_id,
        "root_view_id": root_view_id or view_id,
        "app_id": ws.app_id,
        "external_id": view.get("external_id", ""),
        "app_installed_team_id": ws.team_id,
        "bot_id": ws.bot_id,
    }
