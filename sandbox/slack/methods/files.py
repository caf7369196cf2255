"""`files.info` and the external upload flow (`files.getUploadURLExternal`, the bytes posted to
the upload URL, then `files.completeUploadExternal` sharing the file into channels)."""

from __future__ import annotations

import mimetypes
from typing import Any

from sandbox.people import BOT_USER_ID
from sandbox.slack.http import Payload
from sandbox.slack.objects import bot_message, error
from sandbox.slack.state import PendingUpload, WorkspaceState


def info(state: WorkspaceState, args: dict[str, Any]) -> Payload:
    file_id = str(args.get("file", ""))
    if file_id not in state.files:
        return error("file_not_found")
    return {
        "ok": True,
        "file": state.file_object(file_id),
        "comments": [],
        "response_metadata": {"next_cursor": ""},
    }


def get_upload_url(state: WorkspaceState, args: dict[str, Any]) -> Payload:
    filename, length = args.get("filename"), str(args.get("length", ""))
    if not filename or not length.isdigit():
        return error("invalid_arguments", "[ERROR] missing required field: filename/length")
    file_id = state.new_id("F")
    state.uploads[file_id] = PendingUpload(str(filename), int(length), args.get("alt_txt"))
    return {"ok": True, "upload_url": f"{state.served_at}/upload/v1/{file_id}", "file_id": file_id}


def _share(state: WorkspaceState, file_id: str, channels: list[str], args: dict[str, Any]) -> None:
    for channel in channels:
        ts = state.next_ts()
        message = bot_message({"text": args.get("initial_comment", "")}, ts)
        message.update(upload=True, files=[state.file_object(file_id)])
        if args.get("thread_ts"):
            message["thread_ts"] = args["thread_ts"]
        state.channel_messages[(channel, ts)] = message
        state.add_share(file_id, channel, ts, BOT_USER_ID)


def complete_upload(state: WorkspaceState, args: dict[str, Any]) -> Payload:
    items = args.get("files")
    if not isinstance(items, list) or not items:
        return error("invalid_arguments", "[ERROR] missing required field: files")
    ids = [str(item.get("id", "")) if isinstance(item, dict) else "" for item in items]
    if any(state.uploads.get(i) is None or state.uploads[i].content is None for i in ids):
        return error("file_not_found")
    channels = [c for c in [args.get("channel_id"), *str(args.get("channels", "")).split(",")] if c]
    done = []
    for file_id, item in zip(ids, items, strict=True):
        upload = state.uploads.pop(file_id)
        ext = upload.filename.rpartition(".")[2].lower() if "." in upload.filename else "binary"
        mimetype = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
        title = item.get("title") or upload.filename
        extra = {"alt_txt": upload.alt_txt} if upload.alt_txt else None
        state.add_file(
            file_id,
            upload.content or b"",
            upload.filename,
            mimetype,
            ext,
            user=BOT_USER_ID,
            title=title,
            extra=extra,
        )
        _share(state, file_id, channels, args)
        done.append({"id": file_id, "title": title})
    return {"ok": True, "files": done}


METHODS = {
    "files.info": info,
    "files.getUploadURLExternal": get_upload_url,
    "files.completeUploadExternal": complete_upload,
}
