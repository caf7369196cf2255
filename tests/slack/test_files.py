"""Safe download: the token goes only to Slack (or SLACK_API_URL's host); sizes are capped."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.errors import DownloadError
from bot.slack.files import FileHosts, download
from tests.fakes.slack_api import FakeSlackAPI

TOKEN = "xoxb-memo-token"


class Server:
    """A server on its own port that records what reaches it; `redirect_to` makes it redirect."""

    def __init__(self, redirect_to: str | None = None) -> None:
        self.seen: list[dict[str, str]] = []
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append(dict(self.headers))
                if redirect_to is not None:
                    self.send_response(302)
                    self.send_header("Location", redirect_to)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = b"RIFF....WAVE"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.root = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.url = f"{self.root}/file.wav"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def fake(fake_slack: FakeSlackAPI) -> FakeSlackAPI:
    return fake_slack


@pytest.fixture
def elsewhere() -> Iterator[Server]:
    server = Server()
    yield server
    server.server.shutdown()


def stored(fake: FakeSlackAPI, content: bytes, mimetype: str = "audio/mp4") -> str:
    return str(fake.add_file("F1", content, "memo.m4a", mimetype, "m4a")["url_private_download"])


def test_downloads_from_the_slack_api_host_with_the_token(fake: FakeSlackAPI) -> None:
    url = stored(fake, b"\x00\x01audio-bytes")
    assert (
        download(url, TOKEN, FileHosts(fake.url), max_bytes=1000, declared_size=None)
        == b"\x00\x01audio-bytes"
    )
    assert fake.calls("file_download")[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_a_url_outside_slack_is_refused_without_sending_the_token(
    fake: FakeSlackAPI, elsewhere: Server
) -> None:
    with pytest.raises(DownloadError) as refused:
        download(elsewhere.url, TOKEN, FileHosts(fake.url), max_bytes=1000, declared_size=None)
    assert refused.value.code == "foreign_host" and elsewhere.seen == []


def test_a_redirect_outside_slack_is_not_followed(elsewhere: Server) -> None:
    api = Server(redirect_to=elsewhere.url)  # plays the Slack API host, redirecting away
    try:
        with pytest.raises(DownloadError) as refused:
            download(
                f"{api.root}/files/F1/memo.m4a",
                TOKEN,
                FileHosts(f"{api.root}/api/"),
                max_bytes=1000,
                declared_size=None,
            )
    finally:
        api.server.shutdown()
    assert refused.value.code == "foreign_host"
    assert len(api.seen) == 1 and elsewhere.seen == []  # the token never left for the other host


def test_only_slack_file_hosts_over_https_and_the_api_host_are_trusted() -> None:
    hosts = FileHosts("http://127.0.0.1:8080/api/")
    assert hosts.allows("https://files.slack.com/files-pri/T1-F1/memo.m4a")
    assert hosts.allows("http://127.0.0.1:8080/files/F1/memo.m4a")
    assert not hosts.allows("http://127.0.0.1:8081/files/F1/memo.m4a")
    assert not hosts.allows("https://files.slack.com.evil.example/x")
    assert not hosts.allows("http://files.slack.com/x")  # never the token over plain HTTP
    assert not hosts.allows("https://example.com/files.slack.com/x")


def test_a_declared_size_over_the_limit_is_refused_before_downloading(fake: FakeSlackAPI) -> None:
    url = stored(fake, b"x" * 10)
    with pytest.raises(DownloadError) as refused:
        download(url, TOKEN, FileHosts(fake.url), max_bytes=5, declared_size=200 * 1024 * 1024)
    assert refused.value.code == "too_large" and fake.calls("file_download") == []


def test_streaming_stops_past_the_limit(fake: FakeSlackAPI) -> None:
    url = stored(fake, b"x" * 5000)
    with pytest.raises(DownloadError) as refused:
        download(url, TOKEN, FileHosts(fake.url), max_bytes=1000, declared_size=None)
    assert refused.value.code == "too_large"


def test_a_login_page_is_an_error_not_audio() -> None:
    with FakeSlackAPI(valid_tokens=[TOKEN]) as strict:
        url = stored(strict, b"x")
        with pytest.raises(DownloadError) as refused:
            download(url, "xoxb-revoked", FileHosts(strict.url), max_bytes=1000, declared_size=None)
    assert refused.value.code == "login_page"
