"""Driving the sandbox page in Debian's chromium with Playwright: launching, the page's stable
`data-testid` selectors, and step screenshots saved under `test-artifacts/sandbox/`.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, Locator, Page, Playwright, Response, ViewportSize, expect

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
# A microphone for the record button: chromium's fake device (a beep) and no permission prompt.
FAKE_MICROPHONE_ARGS = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "sandbox"
VIEWPORT: ViewportSize = {"width": 1400, "height": 900}

# How long to wait for the bot: a slash command answers at once, a voice memo is transcribed by
# the real model on a small shared machine first.
REPLY_MS = 30_000
MEMO_MS = 240_000

_DEAL_NUMBER = re.compile(r"#(\d+)")


def chromium_available() -> bool:
    return shutil.which(CHROMIUM) is not None


def launch(playwright: Playwright, *, microphone: bool = False) -> Browser:
    args = CHROMIUM_ARGS + (FAKE_MICROPHONE_ARGS if microphone else [])
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)


@dataclass
class Shots:
    """Screenshots of one test's steps: `test-artifacts/sandbox/<test>-<step>.png`."""

    page: Page
    test: str

    def take(self, step: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{self.test}-{step}.png"
        self.page.screenshot(path=str(path))
        return path


def open_page(browser: Browser, url: str, user: str, problems: list[str] | None = None) -> Page:
    """The sandbox page as `user`, ready once the sidebar lists #sales.

    Script errors and refused page-API calls are appended to `problems` when it is given.
    """
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    if problems is not None:
        page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
        page.on("response", lambda response: _refused(response, problems))
    page.goto(f"{url}?user={user}")
    expect(page.get_by_test_id("channel-C0SALES")).to_be_visible(timeout=REPLY_MS)
    shown_for(page, user)
    return page


def shown_for(page: Page, user: str) -> None:
    """Wait until the page shows `user`'s workspace (their first snapshot has arrived)."""
    expect(page.get_by_test_id("user-switch")).to_have_value(user)
    expect(page.locator("body")).to_have_attribute("data-shown-for", user, timeout=REPLY_MS)


def messages(page: Page) -> Locator:
    return page.get_by_test_id("message")


def message_with(page: Page, text: str | re.Pattern[str]) -> Locator:
    """The latest message showing `text`."""
    return messages(page).filter(has_text=text).last


def send(page: Page, text: str) -> None:
    """Type into the message box and press Enter, as a person would."""
    box = page.get_by_test_id("composer")
    box.fill(text)
    box.press("Enter")
    expect(box).to_have_value("")


def create_deal(page: Page, command_rest: str, name: str) -> tuple[Locator, int]:
    """`/deal new …` in the open channel; the bot's card for it and the new deal's number."""
    send(page, f"/deal new {command_rest}")
    card = messages(page).filter(has=page.locator(".bk-header", has_text=name)).last
    expect(card).to_be_visible(timeout=REPLY_MS)
    header = card.locator(".bk-header").first.inner_text()
    found = _DEAL_NUMBER.search(header)
    assert found is not None, header
    return card, int(found.group(1))


def image_loaded(image: Locator) -> bool:
    """The browser fetched and decoded the image (a broken one has no natural width)."""
    return bool(image.evaluate("img => img.complete && img.naturalWidth > 0"))


def _refused(response: Response, problems: list[str]) -> None:
    if "/sandbox/api/" in response.url and response.status >= 400:
        problems.append(f"{response.request.method} {response.url} -> {response.status}: {response.text()}")
