"""The sandbox page in a real browser: Debian's chromium, headless, driven by Playwright, against
the real sandbox (the bot, its workers and jobs, the Slack stand-in). Each step's screenshot is
saved under `test-artifacts/sandbox/`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from bot.services.business_days import BusinessCalendar
from sandbox.runner import Sandbox
from tests.sandbox.browser import (
    MEMO_MS,
    REPLY_MS,
    Shots,
    chromium_available,
    create_deal,
    image_loaded,
    launch,
    message_with,
    messages,
    open_page,
    send,
    shown_for,
)
from tests.transcription.audiogen import EN_MEMO, espeak_available, espeak_wav

pytestmark = pytest.mark.skipif(not chromium_available(), reason="the browser tests drive /usr/bin/chromium")

ALEX, MORGAN = "U0ALEX", "U0MORGAN"
ALEX_DM, MORGAN_DM = "D0ALEX", "D0MORGAN"


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = launch(playwright)
    yield chromium
    chromium.close()


@pytest.fixture
def problems() -> Iterator[list[str]]:
    """Script errors and refused page-API calls; a test fails if any is left at its end."""
    found: list[str] = []
    yield found
    assert found == []


@pytest.fixture
def page(browser: Browser, sandbox: Sandbox, problems: list[str]) -> Iterator[Page]:
    """The page as Alex."""
    opened = open_page(browser, sandbox.url, ALEX, problems)
    yield opened
    opened.context.close()


@pytest.fixture
def shots(page: Page, request: pytest.FixtureRequest) -> Shots:
    return Shots(page, request.node.name)


def test_slash_command_creates_a_deal_and_shows_its_card(page: Page, shots: Shots) -> None:
    shots.take("opened")
    card, number = create_deal(
        page, "Globex renewal company:Globex amount:50k stage:proposal", "Globex renewal"
    )

    expect(card).to_contain_text("Only visible to you")
    expect(card.locator(".bk-fields")).to_contain_text("Globex")
    expect(card.locator(".bk-fields")).to_contain_text("$50,000")
    expect(card.locator(".bk-fields .mention")).to_have_text("@Alex Rivera")
    expect(card.get_by_role("button", name="Edit")).to_be_visible()
    assert number > 0
    shots.take("card")


def test_edit_modal_shows_a_field_error_then_saves(page: Page, shots: Shots) -> None:
    card, number = create_deal(page, "Initech pilot company:Initech amount:20k", "Initech pilot")

    card.get_by_role("button", name="Edit").click()
    modal = page.get_by_test_id("modal")
    expect(modal).to_be_visible(timeout=REPLY_MS)
    expect(modal.locator("[data-block-id=name] input")).to_have_value("Initech pilot")
    expect(modal.locator("[data-block-id=amount] input")).to_have_value(re.compile(r"^20000"))
    shots.take("modal")

    modal.locator("[data-block-id=amount] input").fill("abc")
    page.get_by_test_id("modal-submit").click()
    error = modal.locator("[data-block-id=amount] [data-testid=field-error]")
    expect(error).to_be_visible(timeout=REPLY_MS)
    expect(error).to_contain_text("abc")
    expect(modal.get_by_test_id("field-error").filter(has_text=re.compile(r"\S"))).to_have_count(1)
    shots.take("field-error")

    modal.locator("[data-block-id=amount] input").fill("75k")
    page.get_by_test_id("modal-submit").click()
    expect(modal).to_be_hidden(timeout=REPLY_MS)
    updated = message_with(page, "$20,000 → $75,000")  # the card's history line
    expect(updated).to_be_visible(timeout=REPLY_MS)
    expect(updated.locator(".bk-header")).to_have_text(f"#{number} Initech pilot")
    expect(updated.locator(".bk-fields")).to_contain_text("$75,000")
    shots.take("updated")


@pytest.mark.skipif(not espeak_available(), reason="espeak-ng speaks the test memo")
def test_voice_memo_gets_a_threaded_transcript_and_a_suggestion_applies(
    page: Page, shots: Shots, tmp_path: Path
) -> None:
    page.get_by_test_id(f"channel-{ALEX_DM}").click()
    _, number = create_deal(page, "Globex expansion company:Globex amount:10k", "Globex expansion")
    memo = espeak_wav(EN_MEMO, tmp_path / "memo.wav")

    page.get_by_test_id("composer").fill(f"Memo for #{number}")
    page.get_by_test_id("upload-input").set_input_files(str(memo))
    shared = messages(page).filter(has=page.locator("audio")).last
    expect(shared).to_be_visible(timeout=REPLY_MS)
    expect(shared).to_contain_text(f"Memo for #{number}")
    shots.take("uploaded")

    parent_ts = shared.get_attribute("data-ts")
    reply = page.locator(f"[data-testid=message][data-thread-ts='{parent_ts}']").filter(
        has_text=f"Voice memo saved to #{number}"
    )
    expect(reply).to_be_visible(timeout=MEMO_MS)
    expect(reply.locator("blockquote")).to_contain_text(re.compile("Globex", re.I))
    shots.take("transcript")

    apply = reply.get_by_role("button", name="Apply").first
    expect(apply).to_be_visible()
    apply.click()
    confirmed = message_with(page, "updated from the voice memo")
    expect(confirmed).to_be_visible(timeout=REPLY_MS)
    expect(confirmed).to_contain_text(f"#{number}")
    shots.take("applied")


def test_app_home_lists_the_users_deals(page: Page, shots: Shots) -> None:
    create_deal(page, "Umbrella rollout company:Umbrella amount:120k stage:qualified", "Umbrella rollout")

    page.get_by_test_id("tab-home").click()
    home = page.get_by_test_id("home-view")
    expect(home).to_contain_text("Umbrella rollout", timeout=REPLY_MS)
    expect(home.get_by_role("button", name="New deal")).to_be_visible()
    expect(page.get_by_test_id("composer")).to_be_hidden()
    shots.take("home")


def test_app_home_buttons_open_the_deal_modal(page: Page, shots: Shots) -> None:
    create_deal(page, "Vandelay import company:Vandelay amount:8k", "Vandelay import")
    page.get_by_test_id("tab-home").click()
    row = page.get_by_test_id("home-view").locator(".bk-section", has_text="Vandelay import")
    expect(row).to_be_visible(timeout=REPLY_MS)

    row.get_by_role("button", name="Edit").click()
    modal = page.get_by_test_id("modal")
    expect(modal).to_be_visible(timeout=REPLY_MS)
    expect(modal.locator("[data-block-id=name] input")).to_have_value("Vandelay import")
    shots.take("modal")
    page.get_by_test_id("modal-close").click()
    expect(modal).to_be_hidden(timeout=REPLY_MS)


def test_digest_run_from_the_time_control_shows_the_chart(page: Page, shots: Shots) -> None:
    create_deal(page, "Hooli pilot company:Hooli amount:40k stage:negotiation", "Hooli pilot")

    page.get_by_test_id("user-switch").select_option(MORGAN)
    shown_for(page, MORGAN)
    page.get_by_test_id("time-job").select_option("digest")
    as_of = datetime.now() + timedelta(days=1)
    page.get_by_test_id("time-as-of").fill(as_of.strftime("%Y-%m-%dT09:00"))
    page.get_by_test_id("time-run").click()
    expect(page.get_by_test_id("time-summary")).to_contain_text(re.compile(r"digest", re.I), timeout=REPLY_MS)
    expect(page.get_by_test_id(f"channel-{MORGAN_DM}")).to_have_class(re.compile(r"\bunread\b"))
    shots.take("ran")

    page.get_by_test_id(f"channel-{MORGAN_DM}").click()
    expect(message_with(page, "Pipeline")).to_be_visible(timeout=REPLY_MS)
    chart = messages(page).locator(".file-image img, .bk-image img").last
    expect(chart).to_be_visible(timeout=REPLY_MS)
    chart.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete", arg=chart.element_handle(), timeout=REPLY_MS)
    assert image_loaded(chart)
    shots.take("chart")


def test_user_text_is_shown_literally_never_as_markup(page: Page, shots: Shots) -> None:
    name = "<!channel> <b>x</b> & <@U0HANA>"
    card, number = create_deal(page, name, "<b>x</b>")

    header = card.locator(".bk-header").first
    expect(header).to_have_text(f"#{number} {name}")
    assert header.locator("*").count() == 0  # text only: no element was made from the name
    expect(page.locator("#messages b", has_text=re.compile(r"^x$"))).to_have_count(0)
    expect(card.locator(".mention", has_text="Hana")).to_have_count(0)
    expect(card.locator(".mention", has_text="channel")).to_have_count(0)
    shots.take("literal")


def test_unknown_slash_command_is_refused_clearly_and_the_text_is_kept(
    page: Page, shots: Shots, problems: list[str]
) -> None:
    typo = "/dael new Typo Inc"
    box = page.get_by_test_id("composer")
    box.fill(typo)
    box.press("Enter")

    expect(page.locator("#toast")).to_contain_text("/dael is not a valid command", timeout=REPLY_MS)
    expect(box).to_have_value(typo)
    shots.take("refused")
    assert len(problems) == 1 and "/sandbox/api/command -> 400" in problems[0]
    problems.clear()  # the one refusal this test expects


def test_message_formatting_is_rendered_from_mrkdwn(page: Page, shots: Shots) -> None:
    page.get_by_test_id("composer").fill("R&D update: *signed* _today_ ~maybe~ `PO-42` :tada:")
    page.get_by_test_id("send").click()

    message = message_with(page, "R&D update")
    expect(message).to_be_visible(timeout=REPLY_MS)
    expect(message.locator(".msg-author")).to_have_text("Alex Rivera")
    expect(message.locator("b")).to_have_text("signed")
    expect(message.locator("i")).to_have_text("today")
    expect(message.locator("s")).to_have_text("maybe")
    expect(message.locator("code")).to_have_text("PO-42")
    expect(message.locator(".mk")).to_contain_text("🎉")
    expect(message.locator(".mk")).not_to_contain_text(":tada:")
    shots.take("formatted")


@pytest.mark.skipif(not espeak_available(), reason="the memo pipeline is the same as for uploads")
def test_record_button_uploads_a_microphone_memo_and_the_bot_replies(
    playwright: Playwright, sandbox: Sandbox, request: pytest.FixtureRequest
) -> None:
    chromium = launch(playwright, microphone=True)
    try:
        problems: list[str] = []
        page = open_page(chromium, sandbox.url, ALEX, problems)
        shots = Shots(page, request.node.name)
        page.get_by_test_id(f"channel-{ALEX_DM}").click()
        record = page.get_by_test_id("record")
        record.click()
        expect(record).to_have_class(re.compile(r"\brecording\b"))
        shots.take("recording")
        page.wait_for_timeout(2000)  # let the fake microphone beep for a moment
        record.click()

        shared = messages(page).filter(has=page.locator("audio")).last
        expect(shared).to_be_visible(timeout=REPLY_MS)
        expect(shared.locator(".file-name")).to_have_text(re.compile(r"^voice-memo-.*\.(webm|ogg|m4a)$"))
        parent_ts = shared.get_attribute("data-ts")
        reply = page.locator(f"[data-testid=message][data-thread-ts='{parent_ts}']")
        expect(reply.first).to_be_visible(timeout=MEMO_MS)
        shots.take("reply")
        assert problems == []
    finally:
        chromium.close()


def test_reminders_run_as_of_a_later_date_remind_the_owner_of_stale_deals(page: Page, shots: Shots) -> None:
    create_deal(page, "Soylent trial company:Soylent amount:15k", "Soylent trial")

    page.get_by_test_id("time-job").select_option("remind")
    later = datetime.now() + timedelta(days=30)
    japan = BusinessCalendar("JP")  # the sandbox's team is in Tokyo: a holiday sends no reminder
    while not japan.is_business_day(later.date()):
        later += timedelta(days=1)
    page.get_by_test_id("time-as-of").fill(later.strftime("%Y-%m-%dT10:00"))
    page.get_by_test_id("time-run").click()
    expect(page.get_by_test_id("time-summary")).to_contain_text(re.compile(r"remind", re.I), timeout=REPLY_MS)

    page.get_by_test_id(f"channel-{ALEX_DM}").click()
    reminder = message_with(page, "need an update")
    expect(reminder).to_be_visible(timeout=REPLY_MS)
    expect(reminder).to_contain_text("Soylent trial")
    expect(reminder.get_by_role("button", name="Log update")).to_be_visible()
    shots.take("reminder")

    reminder.get_by_role("button", name="Log update").click()
    modal = page.get_by_test_id("modal")
    expect(modal).to_be_visible(timeout=REPLY_MS)
    expect(modal.locator("textarea")).to_be_visible()
    shots.take("note-modal")
    page.get_by_test_id("modal-close").click()
    expect(modal).to_be_hidden(timeout=REPLY_MS)


def test_language_switch_translates_the_page_and_the_bot(page: Page, shots: Shots) -> None:
    page.get_by_test_id("locale-switch").select_option("ja")
    expect(page.get_by_test_id("tab-home")).to_contain_text("アプリホーム", timeout=REPLY_MS)
    expect(page.get_by_test_id("composer")).to_have_attribute("placeholder", "#sales へのメッセージ")

    send(page, "/deal help")
    expect(message_with(page, "Slackで案件管理")).to_be_visible(timeout=REPLY_MS)
    shots.take("japanese")
