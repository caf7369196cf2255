"""Downloading a shared file from Slack, safely.

The bot token goes only to Slack's file hosts or to the host of SLACK_API_URL (the stand-in
used in tests and the sandbox), over HTTPS or that same scheme; redirects are followed only
to those hosts; the size is checked before and while streaming; Slack's HTML login page (what
a bad token gets) is an error, not audio.
"""

from __future__ import annotations

import http.client
import urllib.parse
from dataclasses import dataclass

from bot.errors import DownloadError

SLACK_FILE_HOSTS = ("files.slack.com", "files-edge.slack.com", "files-origin.slack.com", "slack-files.com")
MAX_REDIRECTS = 5
CHUNK = 64 * 1024


@dataclass(frozen=True)
class FileHosts:
    """Where the token may be sent: Slack's file hosts plus the Web API's own host."""

    api_url: str

    def allows(self, url: str) -> bool:
        parts = urllib.parse.urlsplit(url)
        host = (parts.hostname or "").lower()
        api = urllib.parse.urlsplit(self.api_url)
        if host == (api.hostname or "").lower() and parts.port == api.port:
            return parts.scheme == api.scheme
        slack = host in SLACK_FILE_HOSTS or host.endswith(".slack-edge.com")
        return slack and parts.scheme == "https"


def download(url: str, token: str, hosts: FileHosts, *, max_bytes: int, declared_size: int | None) -> bytes:
    """The file's bytes. Raises DownloadError (refused host, too large, login page, HTTP error)."""
    if declared_size is not None and declared_size > max_bytes:
        raise DownloadError("too_large", size_mb=_mb(declared_size), limit_mb=_mb(max_bytes))
    for _ in range(MAX_REDIRECTS + 1):
        if not hosts.allows(url):
            # Never send the bot token anywhere else, whatever the event or a redirect says.
            raise DownloadError("foreign_host", host=urllib.parse.urlsplit(url).hostname or url)
        response, connection = _get(url, token)
        try:
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location") or ""
                url = urllib.parse.urljoin(url, location)
                continue
            if response.status != 200:
                raise DownloadError("http", status=response.status)
            content_type = (response.getheader("Content-Type") or "").lower()
            if content_type.startswith("text/html"):
                raise DownloadError("login_page")
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise DownloadError("too_large", size_mb=_mb(int(length)), limit_mb=_mb(max_bytes))
            return _read_capped(response, max_bytes)
        finally:
            connection.close()
    raise DownloadError("redirects")


def _get(url: str, token: str) -> tuple[http.client.HTTPResponse, http.client.HTTPConnection]:
    parts = urllib.parse.urlsplit(url)
    connection_type = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_type(parts.hostname or "", parts.port, timeout=60)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("GET", path or "/", headers={"Authorization": f"Bearer {token}"})
        return connection.getresponse(), connection
    except OSError as exc:
        connection.close()
        raise DownloadError("network", reason=str(exc)) from None


def _read_capped(response: http.client.HTTPResponse, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    received = 0
    while chunk := response.read(CHUNK):
        received += len(chunk)
        if received > max_bytes:
            raise DownloadError("too_large", size_mb=f"> {_mb(max_bytes)}", limit_mb=_mb(max_bytes))
        chunks.append(chunk)
    data = b"".join(chunks)
    if data.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
        raise DownloadError("login_page")
    return data


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"
