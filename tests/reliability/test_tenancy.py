"""Tenancy and authorization: nobody reads or changes what is not theirs, whatever they send.

Two workspaces share one database, each served by its own `dealbot serve` app (the real bolt app
over HTTP, one fake Slack per workspace, its `auth.test` naming its workspace). Team B's people
(even one whose user id collides with team A's deal owner, and team B's manager) try every way in
to team A's deals: `/deal` by number and by name, list and find, every button and every form with
a tampered deal id. Members of team A try buttons and forms carrying a deal id of another rep or
another team. A Slack Connect partner (another organization in a shared channel) tries the same.
Each attempt must get "not found" or a polite refusal, never a name from the other team, and the
database must be byte-for-byte what it was.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from bot.i18n import t
from bot.ids import Action, Block, Callback
from bot.slack.values import MemoApplyButton
from storage.db import Database
from storage.memos import MemoJob
from storage.models import Base, Deal
from tests.conftest import MANAGER, OTHER_REP, REP, TEAM
from tests.e2e.conftest import SIGNING_SECRET, Bot, make_bot
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_client import JSON, Response, SlackClient, plain_text_input
from tests.reliability.hostile import Capture
from tests.slack_text import text_of

RIVAL = "T0RIVAL"  # a second workspace sharing the database
PARTNER = "T0PARTNER"  # another organization's workspace, met in a Slack Connect channel
PARTNER_USER = "U0PARTNER"
SHARED_CHANNEL = "C0SHARED"

# What team A's deals say; none of it may reach anyone outside team A.
SECRETS = ("Acme", "Zenith", "Globex", "50,000", "CFO agreed")
NOT_FOUND = "No deal matches"
NOT_ALLOWED = "Only the owner"
OUTSIDER = t("en", "error.outsider")

Dump = dict[str, list[tuple[Any, ...]]]
FormValues = dict[str, Any]  # a view's state.values: block id → action id → value


# Bookkeeping every signed request writes by design (replay protection), not anyone's data.
NOT_DATA = frozenset({"seen_requests"})


def dump(db: Database) -> Dump:
    """Every row of every data table, in primary key order."""
    with db.read() as session:
        return {
            table.name: [tuple(row) for row in session.execute(select(table).order_by(*table.primary_key))]
            for table in Base.metadata.sorted_tables
            if table.name not in NOT_DATA
        }


@dataclass
class Tenants:
    a: Bot
    b: Bot
    memo_job: int  # a voice memo of team A's rep, waiting for its deal


def fake_for(team_id: str) -> FakeSlackAPI:
    fake = FakeSlackAPI().start()
    for user, name in ((REP, "rep"), (OTHER_REP, "other"), (MANAGER, "boss"), (PARTNER_USER, "partner")):
        fake.add_user(user, name)
    auth = {"ok": True, "url": "https://x.slack.com/", "team": team_id, "user": "dealbot"}
    fake.set_response("auth.test", {**auth, "team_id": team_id, "user_id": "U0BOT", "bot_id": "B0BOT"})
    return fake


def command(bot: Bot, text: str, user: str = REP) -> dict[str, Any]:
    response = bot.slack.command(text, user_id=user)
    assert response.status == 200, response.body
    assert response.json is not None, response.body
    return response.json


def share_memo(bot: Bot, file_id: str, user: str, **envelope: Any) -> Response:
    """A `message/file_share` event for an audio clip; `envelope` overrides outer fields."""
    event = {
        "type": "message",
        "subtype": "file_share",
        "channel": SHARED_CHANNEL,
        "channel_type": "channel",
        "user": user,
        "text": "about #1",
        "ts": f"1732400{len(file_id):03d}.000200",
        "files": [{"id": file_id, "name": "memo.m4a", "mimetype": "audio/mp4", "filetype": "m4a", "size": 9}],
    }
    event.update(envelope.pop("event", {}))
    capture = Capture(bot.url, SIGNING_SECRET, api_url=bot.api.url)
    capture.event(event)
    payload = {**capture.last().payload, **envelope}
    return bot.slack.post(json.dumps(payload).encode(), JSON)


@pytest.fixture
def tenants(db: Database, database_url: str) -> Iterator[Tenants]:
    fake_a, fake_b = fake_for(TEAM), fake_for(RIVAL)
    try:
        for a in make_bot(fake_a, db, database_url):
            for b in make_bot(fake_b, db, database_url):
                b = dataclasses.replace(
                    b, slack=SlackClient(b.url, SIGNING_SECRET, RIVAL, api_url=fake_b.url)
                )
                command(a, "new Acme Secret Renewal company:Zenith amount:$50,000 stage:proposal")
                command(a, "note #1 CFO agreed to the budget")
                command(a, "new Globex Expansion", user=OTHER_REP)
                assert share_memo(a, "F0AMEMO", REP).status == 200
                with db.read() as session:
                    job = session.scalars(select(MemoJob.id)).one()
                fake_a.reset()
                yield Tenants(a, b, job)
    finally:
        fake_a.stop()
        fake_b.stop()
    assert fake_a.errors == [] and fake_b.errors == []


# --- what one attempt looks like from the outside ------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    label: str
    send: Callable[[Bot], Response]


def said(bot: Bot, since: int, response: Response) -> str:
    """Everything the app told anyone after call `since`: Web API calls, response_urls, the reply."""
    calls = bot.api.calls()[since:]
    return "\n".join([response.body, *(json.dumps(call.args, ensure_ascii=False) for call in calls)])


def outcome(bot: Bot, attempt: Attempt) -> tuple[str, set[str]]:
    """What the person was told, and which Web API methods the app called."""
    since = len(bot.api.calls())
    response = attempt.send(bot)
    assert response.status == 200, (attempt.label, response.status, response.body)
    methods = {call.method for call in bot.api.calls()[since:]}
    return said(bot, since, response), methods


def leaks(text: str, typed: str = "") -> list[str]:
    """Team A's words in `text`, except those the person typed themselves (echoed in "not found")."""
    return [word for word in SECRETS if word in text and word.casefold() not in typed.casefold()]


def run_all(bot: Bot, attempts: list[Attempt], expected: str) -> list[str]:
    """Each attempt's problems: a leaked word, a missing answer, a modal opened."""
    problems = []
    for attempt in attempts:
        told, methods = outcome(bot, attempt)
        if leaks(told, attempt.label):
            problems.append(f"{attempt.label}: leaked {leaks(told, attempt.label)}")
        if expected not in told:
            problems.append(f"{attempt.label}: expected {expected!r}, was told {told[:300]!r}")
        if "views.open" in methods:
            problems.append(f"{attempt.label}: opened a modal")
    return problems


def slash(text: str, user: str) -> Attempt:
    return Attempt(f"/deal {text} by {user}", lambda bot: bot.slack.command(text, user_id=user))


def button(action: str, value: str, user: str) -> Attempt:
    return Attempt(
        f"{action}={value} by {user}", lambda bot: bot.slack.block_action(action, value, user_id=user)
    )


def form(callback: str, values: FormValues, meta: dict[str, Any], user: str) -> Attempt:
    return Attempt(
        f"{callback} {meta} by {user}",
        lambda bot: bot.slack.view_submission(callback, values, user, private_metadata=json.dumps(meta)),
    )


NOTE_FORM: FormValues = {Block.NOTE: {"value": plain_text_input("pwned")}}
LOST_FORM: FormValues = {Block.REASON: {"value": plain_text_input("pwned")}}
SNOOZE_FORM: FormValues = {
    Block.SNOOZE_FOR: {"value": {"type": "static_select", "selected_option": {"value": "1w"}}}
}
EDIT_FORM: FormValues = {
    Block.NAME: {"value": plain_text_input("Pwned")},
    Block.STAGE: {"value": {"type": "static_select", "selected_option": {"value": "won"}}},
}
DEAL_BUTTONS = (Action.SHOW, Action.EDIT, Action.NOTE, Action.WON, Action.LOST, Action.SNOOZE)
DEAL_FORMS: tuple[tuple[str, FormValues], ...] = (
    (Callback.EDIT_DEAL, EDIT_FORM),
    (Callback.NOTE, NOTE_FORM),
    (Callback.LOST, LOST_FORM),
    (Callback.SNOOZE, SNOOZE_FORM),
)
REFS = ("#1", "1", "#2", "acme", "Acme Secret Renewal", "ACME SECRET", "glob")


def writes_by_ref(ref: str, user: str) -> list[Attempt]:
    return [
        slash(f"show {ref}", user),
        slash(f"update {ref} stage:won amount:1", user),
        slash(f"note {ref} pwned" if ref.startswith(("#", "1")) else f'note "{ref}" pwned', user),
        slash(f"won {ref}", user),
        slash(f"lost {ref}" if ref.startswith(("#", "1")) else f'lost "{ref}" pwned', user),
    ]


def tampered_payloads(deal_id: int, user: str) -> list[Attempt]:
    """Every button and form of a deal, aimed at `deal_id`."""
    attempts = [button(action, str(deal_id), user) for action in DEAL_BUTTONS]
    attempts += [
        button(Action.PICK, f"{deal_id}:show x", user),
        button(Action.PICK, f"{deal_id}:won x", user),
        button(Action.PICK, f"{deal_id}:note x pwned", user),
        button(Action.MEMO_APPLY, MemoApplyButton(deal=deal_id, field="stage", value="won").encode(), user),
        button(
            Action.MEMO_APPLY, MemoApplyButton(deal=deal_id, field="amount", value="1 USD").encode(), user
        ),
    ]
    attempts += [
        form(callback, values, {"deal_id": deal_id, "version": 1}, user) for callback, values in DEAL_FORMS
    ]
    return attempts


# --- two workspaces, one database ---------------------------------------------------------------


def test_the_references_used_below_do_find_the_deals_inside_their_own_team(tenants: Tenants) -> None:
    """The control: each reference team B tries is one that works for team A."""
    for ref in REFS:
        shown = text_of(command(tenants.a, f"show {ref}"))
        assert ("Acme" in shown or "Globex" in shown) and NOT_FOUND not in shown, ref


def test_another_team_finds_no_deal_by_number_or_name_and_changes_nothing(tenants: Tenants) -> None:
    before = dump(tenants.a.db)
    attempts = [attempt for ref in REFS for user in (REP, MANAGER) for attempt in writes_by_ref(ref, user)]
    assert run_all(tenants.b, attempts, NOT_FOUND) == []
    assert len(attempts) == 70
    assert dump(tenants.a.db) == before


def test_another_teams_lists_and_searches_show_none_of_its_deals(tenants: Tenants) -> None:
    before = dump(tenants.a.db)
    queries: tuple[str, ...] = (
        "list",
        "list all",
        "list stale",
        "list stage:proposal",
        f"list owner:<@{REP}>",
        "list mine",
    )
    queries += ("find acme", "find zenith", "find secret", "find glob", "find ac", "find e")
    problems = []
    for user in (REP, MANAGER):
        for query in queries:
            reply = command(tenants.b, query, user)
            shown = text_of(reply)
            if leaks(shown) or Action.SHOW in json.dumps(reply) or "No deals here" not in shown:
                problems.append(f"/deal {query} by {user}: {shown[:200]!r}")
    assert problems == []
    assert dump(tenants.a.db) == before


def test_another_teams_buttons_and_forms_with_a_deal_id_of_this_team_find_nothing(tenants: Tenants) -> None:
    before = dump(tenants.a.db)
    attempts = [a for deal_id in (1, 2) for user in (REP, MANAGER) for a in tampered_payloads(deal_id, user)]
    assert run_all(tenants.b, attempts, NOT_FOUND) == []
    assert len(attempts) == 60
    assert dump(tenants.a.db) == before


def test_another_teams_home_tab_lists_none_of_this_teams_deals(tenants: Tenants) -> None:
    tenants.b.slack.event({"type": "app_home_opened", "user": REP, "channel": "D0REP", "tab": "home"})
    [published] = tenants.b.api.wait_for("views.publish")
    assert leaks(text_of(published.args["view"])) == []
    assert "You have no open deals" in text_of(published.args["view"])


def test_another_team_cannot_file_or_take_this_teams_voice_memo(tenants: Tenants) -> None:
    before = dump(tenants.a.db)
    job = tenants.memo_job
    attempts = [button(Action.MEMO_DEAL, f"{job}:1", user) for user in (REP, MANAGER)]
    assert run_all(tenants.b, attempts, "already saved") == []
    # A new-deal form carrying team A's memo job makes team B's deal, without the memo.
    tenants.b.slack.view_submission(
        Callback.NEW_DEAL,
        {Block.NAME: {"value": plain_text_input("Rival deal")}},
        REP,
        private_metadata=json.dumps({"memo_job_id": job}),
    )
    after = dump(tenants.a.db)
    with tenants.b.db.read() as session:
        rival = session.scalars(select(Deal).where(Deal.team_id == RIVAL)).one()
        assert rival.name == "Rival deal" and rival.notes == []
    assert after["memo_jobs"] == before["memo_jobs"] and after["notes"] == before["notes"]


def test_a_member_pressing_a_button_with_another_teams_deal_id_is_told_not_found(tenants: Tenants) -> None:
    command(tenants.b, "new Rival Confidential amount:9k")
    with tenants.b.db.read() as session:
        rival_id = session.scalars(select(Deal.id).where(Deal.team_id == RIVAL)).one()
    before = dump(tenants.a.db)
    attempts = [a for user in (REP, MANAGER) for a in tampered_payloads(rival_id, user)]
    problems = run_all(tenants.a, attempts, NOT_FOUND)
    told = "\n".join(json.dumps(call.args) for call in tenants.a.api.calls())
    assert problems == [] and "Rival" not in told and "Confidential" not in told
    assert len(attempts) == 30
    assert dump(tenants.a.db) == before


# --- tampered payloads inside one team ----------------------------------------------------------


def test_a_tampered_deal_id_of_another_reps_deal_gets_the_refusal_naming_who_can(tenants: Tenants) -> None:
    before = dump(tenants.a.db)
    reads = (f"{Action.SHOW}=", f"{Action.PICK}=1:show")
    attempts = [a for a in tampered_payloads(1, OTHER_REP) if not a.label.startswith(reads)]
    problems = run_all(tenants.a, attempts, NOT_ALLOWED)
    assert problems == []
    told = "\n".join(json.dumps(call.args) for call in tenants.a.api.calls())
    assert f"<@{REP}>" in told and f"<@{MANAGER}>" in told
    assert len(attempts) == 13
    assert dump(tenants.a.db) == before


# --- Slack Connect: a person from another organization in a shared channel ---------------------


def as_partner(bot: Bot, user: str, build: Callable[[SlackClient], Response]) -> Response:
    """The request Slack sends when a person of the partner organization does this in our app:
    `team.id` (and a form's `app_installed_team_id`) name our workspace, `user.team_id` theirs."""
    capture = Capture(bot.url, SIGNING_SECRET, api_url=bot.api.url)
    build(capture)
    payload = capture.last().payload
    payload["user"] = {"id": user, "username": "partner", "name": "partner", "team_id": PARTNER}
    if "channel" in payload:
        payload["channel"] = {"id": SHARED_CHANNEL, "name": "ext-partner"}
        payload["container"]["channel_id"] = SHARED_CHANNEL
    return bot.slack.interaction(payload)


def partner_button(action: str, value: str, user: str) -> Attempt:
    def send(bot: Bot) -> Response:
        return as_partner(bot, user, lambda client: client.block_action(action, value, user_id=user))

    return Attempt(f"partner {action}={value} by {user}", send)


def partner_form(callback: str, values: FormValues, user: str) -> Attempt:
    def send(bot: Bot) -> Response:
        meta = '{"deal_id": 1}'
        return as_partner(
            bot, user, lambda client: client.view_submission(callback, values, user, private_metadata=meta)
        )

    return Attempt(f"partner {callback} by {user}", send)


def partner_attempts(user: str) -> list[Attempt]:
    attempts = [partner_button(action, "1", user) for action in DEAL_BUTTONS]
    attempts += [
        partner_button(Action.PICK, "1:won x", user),
        partner_button(Action.MEMO_APPLY, MemoApplyButton(deal=1, field="stage", value="won").encode(), user),
        partner_button(Action.MEMO_DEAL, "1:1", user),
        partner_button(Action.MEMO_NEW_DEAL, "1", user),
        partner_button(Action.NEW, "", user),
    ]
    attempts += [partner_form(callback, values, user) for callback, values in DEAL_FORMS]
    attempts.append(partner_form(Callback.NEW_DEAL, {Block.NAME: {"value": plain_text_input("X")}}, user))
    return attempts


def test_a_slack_connect_partner_is_politely_refused_every_button_and_form(tenants: Tenants) -> None:
    before = dump(tenants.a.db)
    attempts = [a for user in (PARTNER_USER, REP, MANAGER) for a in partner_attempts(user)]
    assert run_all(tenants.a, attempts, OUTSIDER.split(".")[0]) == []
    assert {call.method for call in tenants.a.api.calls()} - {"auth.test"} == {"response_url"}
    assert len(attempts) == 48
    assert dump(tenants.a.db) == before


def test_a_partners_form_is_refused_next_to_its_first_field(tenants: Tenants) -> None:
    response = as_partner(
        tenants.a,
        PARTNER_USER,
        lambda c: c.view_submission(
            Callback.NOTE, NOTE_FORM, PARTNER_USER, private_metadata='{"deal_id": 1}'
        ),
    )
    assert response.json == {"response_action": "errors", "errors": {Block.NOTE: OUTSIDER}}


def test_a_slash_command_for_a_workspace_this_bot_does_not_serve_is_refused(tenants: Tenants) -> None:
    before = dump(tenants.a.db)
    stranger = SlackClient(tenants.a.url, SIGNING_SECRET, PARTNER, api_url=tenants.a.api.url)
    for text in ("show #1", "list all", "find acme", "new Partner deal", "won #1"):
        reply = stranger.command(text, user_id=PARTNER_USER)
        assert reply.json == {"response_type": "ephemeral", "text": OUTSIDER}, text
    assert dump(tenants.a.db) == before


def test_a_partners_voice_memo_in_a_shared_channel_is_not_turned_into_a_note(tenants: Tenants) -> None:
    before = dump(tenants.a.db)
    ext = {"is_ext_shared_channel": True, "team_id": PARTNER}
    for number, user in enumerate((PARTNER_USER, REP, MANAGER)):
        file_id = f"F0PARTNER{number}"
        shared = share_memo(
            tenants.a, file_id, user, event={"user_team": PARTNER, "source_team": PARTNER}, **ext
        )
        assert shared.status == 200
        # `file_shared` in a shared channel does not say whose the file is: skipped.
        capture = Capture(tenants.a.url, SIGNING_SECRET, api_url=tenants.a.api.url)
        capture.event(
            {"type": "file_shared", "file_id": file_id, "user_id": user, "channel_id": SHARED_CHANNEL}
        )
        envelope = {**capture.last().payload, **ext}
        assert tenants.a.slack.post(json.dumps(envelope).encode(), JSON).status == 200
    assert dump(tenants.a.db) == before
    assert tenants.a.api.calls("reactions.add") == [] and tenants.a.api.calls("files.info") == []


def test_a_members_voice_memo_in_a_channel_another_organization_started_is_filed_under_our_team(
    tenants: Tenants,
) -> None:
    # Slack puts the channel's originating workspace in the envelope's team_id; ours is in
    # `authorizations`, and the rep's own in `user_team`.
    shared = share_memo(
        tenants.a,
        "F0OURS",
        REP,
        event={"user_team": TEAM, "source_team": TEAM},
        is_ext_shared_channel=True,
        team_id=PARTNER,
    )
    assert shared.status == 200
    with tenants.a.db.read() as session:
        job = session.scalars(select(MemoJob).where(MemoJob.file_id == "F0OURS")).one()
    assert (job.team_id, job.user_id) == (TEAM, REP)
    assert len(tenants.a.api.calls("reactions.add")) == 1


def test_a_member_in_a_shared_channel_still_uses_every_button(tenants: Tenants) -> None:
    tenants.a.slack.block_action(Action.SHOW, "1", user_id=REP, channel_id=SHARED_CHANNEL)
    [card] = tenants.a.api.wait_for("response_url")
    assert "Acme Secret Renewal" in text_of(card.args)
    tenants.a.slack.block_action(Action.EDIT, "1", user_id=REP, channel_id=SHARED_CHANNEL)
    assert len(tenants.a.api.wait_for("views.open")) == 1
