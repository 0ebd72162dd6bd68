"""Slack stand-in methods for files: files.upload and the getUploadURLExternal / complete flow."""

from __future__ import annotations

from typing import Any

from sandbox.slack.core import CallContext, StandInCore
from sandbox.slack.records import Channel, SlackError, UploadedFile, Workspace
from sandbox.slack.shapes import file_json


class FileMethods(StandInCore):
    """Uploads, the upload URLs the stand-in serves, and sharing files into channels."""

    def _files_upload(self, ctx: CallContext) -> dict[str, Any]:
        # files.upload was retired by Slack in 2025; kept because older code paths still call it.
        ws, args = ctx.workspace, ctx.args
        content = args.get("content")
        if content is None:
            content = args.get("file")
        if content is None:
            raise SlackError("no_file_data")
        data = content if isinstance(content, bytes) else str(content).encode("utf-8")
        channels = self._share_targets(ws, args, "channels")
        filename = str(args.get("filename") or "file.txt")
        upload = UploadedFile(
            id=self.new_id("F"),
            team_id=ws.team_id,
            filename=filename,
            title=str(args.get("title") or filename),
            content=data,
            length=len(data),
            uploaded=True,
            completed=True,
            initial_comment=args.get("initial_comment"),
        )
        self.files[upload.id] = upload
        self._share(ws, upload, channels, args)
        return {"file": self._file_json(upload)}

    def _files_get_upload_url(self, ctx: CallContext) -> dict[str, Any]:
        ws, args = ctx.workspace, ctx.args
        try:
            length = int(args.get("length", ""))
        except ValueError:
            raise SlackError("invalid_arguments") from None
        upload = UploadedFile(
            id=self.new_id("F"),
            team_id=ws.team_id,
            filename=str(args.get("filename", "")),
            title=str(args.get("filename", "")),
            length=length,
        )
        self.files[upload.id] = upload
        return {"upload_url": f"{ctx.root}upload/v1/{upload.id}", "file_id": upload.id}

    def _files_complete_upload(self, ctx: CallContext) -> dict[str, Any]:
        ws, args = ctx.workspace, ctx.args
        entries = args.get("files")
        if not isinstance(entries, list) or not entries:
            raise SlackError("invalid_arguments")
        uploads: list[UploadedFile] = []
        for entry in entries:
            upload = self.files.get(str(entry.get("id"))) if isinstance(entry, dict) else None
            if upload is None or upload.team_id != ws.team_id or not upload.uploaded:
                raise SlackError("file_not_found")
            if entry.get("title"):
                upload.title = str(entry["title"])
            uploads.append(upload)
        channels = self._share_targets(ws, args, "channel_id")
        for upload in uploads:
            upload.completed = True
            upload.initial_comment = args.get("initial_comment")
            self._share(ws, upload, channels, args)
        return {"files": [self._file_json(u) for u in uploads]}

    def _share_targets(self, ws: Workspace, args: dict[str, Any], key: str) -> list[Channel]:
        ids = [c.strip() for c in str(args.get(key) or "").split(",") if c.strip()]
        if key != "channels" and args.get("channels"):
            ids += [c.strip() for c in str(args["channels"]).split(",") if c.strip()]
        return [self._resolve_postable(ws, channel_id) for channel_id in ids]

    def _share(
        self, ws: Workspace, upload: UploadedFile, channels: list[Channel], args: dict[str, Any]
    ) -> None:
        for channel in channels:
            upload.channels.append(channel.id)
            message = self._new_message(
                ws, {"text": args.get("initial_comment") or "", "thread_ts": args.get("thread_ts")}
            )
            message["files"] = [{"id": upload.id, "name": upload.filename, "title": upload.title}]
            message["upload"] = True
            self._messages.setdefault((ws.team_id, channel.id), []).append(message)

    def _file_json(self, upload: UploadedFile) -> dict[str, Any]:
        bot_user_id = self.workspaces[upload.team_id].bot_user_id
        return file_json(upload, bot_user_id=bot_user_id, created=self._ts_micros // 1_000_000)
