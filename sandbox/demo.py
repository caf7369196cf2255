"""The demo pipeline that `dealbot sandbox --demo` seeds: a few dozen deals with six weeks of history.

The deals are data (`DEALS`): who owns each, its size, its story as `days-ago:step` words, its
expected close and next-step dates relative to the seeding day, and its text in English and
Japanese. `seed_demo` plays every story through `DealService`, all deals together in time order,
on a clock set to each step's moment: deals, history events and notes get the timestamps they
would have had, and every rule the service keeps (history, stage probabilities, currencies)
holds. The two fields no command sets, source and competitors, are then written in one place.

Stories end at least a day before the seeding day, so nothing lies in the future; what the
digest, reminders and App Home show follows from the stories: deals created, advanced, slipped,
won and lost in the last week, deals untouched for two or three weeks (stale), fresh ones.
"""

from __future__ import annotations

import dataclasses
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Literal

from sqlalchemy import select, update

from bot.app import deal_service
from bot.pipeline import LOST, WON, Pipeline
from bot.services.deal_work import VoiceTranscript
from bot.services.deals import DealService
from bot.services.fields import Amount, DealFields
from bot.settings import Settings
from sandbox.people import ALEX, HANA, TEAM_ID
from storage.db import Database
from storage.enums import NoteKind, Source
from storage.models import Deal

SEED = 6  # the demo is the same every time (issue 6)
DEMO_STAGES = ("lead", "qualified", "proposal", "negotiation")  # the open stages stories use
NOTES = ("note", "voice")
WORKDAY_START = time(9)
WORKDAY_MINUTES = 9 * 60  # steps happen between 09:00 and 18:00, team time
SLIP_DAYS = (7, 14, 21, 28)  # how far a slipping close date moves
VOICE_ENGINE, VOICE_MODEL = "faster-whisper", "base"  # what transcribed the demo's voice notes
YEN_PER_DOLLAR = 100  # the Japanese demo's amounts: $50,000 is ¥5,000,000 (500万円)

Language = Literal["en", "ja"]


@dataclass(frozen=True)
class Words:
    """A deal's text in one language: company, deal name, and its next step or why it was lost."""

    company: str
    name: str
    next_step: str | None = None
    lost_reason: str | None = None


@dataclass(frozen=True)
class DemoDeal:
    owner: str
    usd: int  # size in US dollars (whole thousands)
    # what happened, oldest first: `40:lead` (created 40 days ago as a lead), a stage key
    # (moved there), `slip` (close date pushed out), `amount` (amount revised), `note`,
    # `voice` (a transcribed voice memo), `won`, `lost`
    story: str
    close_in: int  # expected close date, in days from the seeding day (negative: passed)
    due_in: int | None  # the next step's due date, in days from the seeding day
    en: Words
    ja: Words

    def words(self, language: Language) -> Words:
        return self.ja if language == "ja" else self.en


@dataclass(frozen=True)
class Step:
    days_ago: int
    action: str


def story_steps(story: str) -> list[Step]:
    """`"40:lead 32:qualified 3:slip"` → steps; a malformed story is a bug in `DEALS`."""
    steps = []
    for word in story.split():
        days, _, action = word.partition(":")
        steps.append(Step(int(days), action))
    known = {*DEMO_STAGES, *NOTES, "slip", "amount", WON, LOST}
    if not steps or steps[0].action not in DEMO_STAGES:
        raise ValueError(f"story {story!r} must start with the stage the deal was created in")
    for before, after in pairwise(steps):
        if after.days_ago > before.days_ago:
            raise ValueError(f"story {story!r} goes back in time")
    if steps[-1].days_ago < 1 or any(step.action not in known for step in steps):
        raise ValueError(f"story {story!r} has a step today or an unknown step")
    return steps


# fmt: off
DEALS: tuple[DemoDeal, ...] = (
    # --- leads ------------------------------------------------------------------------------------
    DemoDeal(ALEX.id, 50_000, "3:lead", 45, 4,
             Words("Harbor Point Dental Group", "Harbor Point scheduling suite",
                   "Discovery call with the office manager"),
             Words("株式会社みらい工業", "みらい工業 生産管理システム導入", "工場長へのヒアリング")),
    DemoDeal(HANA.id, 18_000, "2:lead", 60, 5,
             Words("Lumen Biotech", "Lumen lab inventory tracking", "Send the intro deck"),
             Words("さくら薬品株式会社", "さくら薬品 在庫管理クラウド", "会社紹介資料を送付")),
    DemoDeal(ALEX.id, 9_000, "5:lead 4:note", 40, 3,
             Words("Cascade Outdoor Co.", "Cascade web store integration", "Confirm budget and timeline"),
             Words("株式会社青空フーズ", "青空フーズ 受発注システム刷新", "予算と導入時期の確認")),
    DemoDeal(HANA.id, 22_000, "30:lead 22:note", 35, -15,
             Words("Pinecrest Credit Union", "Pinecrest member onboarding", "Follow up after the webinar"),
             Words("ひかり信用金庫", "ひかり信金 顧客オンボーディング", "セミナー後のフォロー")),
    DemoDeal(ALEX.id, 15_000, "16:lead", 30, -9,
             Words("Redwood Freight", "Redwood dispatch dashboard", "Book a demo"),
             Words("東海ロジスティクス株式会社", "東海ロジ 配車管理ダッシュボード", "デモ日程の調整")),
    DemoDeal(HANA.id, 27_000, "12:lead 4:voice", 50, 6,
             Words("Atlas Robotics", "Atlas field service app", "Demo for the ops team"),
             Words("株式会社ツバサ精機", "ツバサ精機 保守点検アプリ", "現場チーム向けデモ")),
    # --- qualified --------------------------------------------------------------------------------
    DemoDeal(ALEX.id, 36_000, "38:lead 30:qualified 3:note", 28, 5,
             Words("Bluewater Hotels", "Bluewater guest messaging", "Return the security questionnaire"),
             Words("湯けむりホテルズ株式会社", "湯けむりホテルズ 予約連携",
                   "セキュリティチェックシート回答")),
    DemoDeal(HANA.id, 42_000, "20:lead 4:qualified", 35, 7,
             Words("Kestrel Analytics", "Kestrel data warehouse add-on", "Technical deep dive"),
             Words("株式会社データリンク", "データリンク 分析基盤オプション", "技術説明会の実施")),
    DemoDeal(ALEX.id, 24_000, "26:lead 18:qualified", 21, -6,
             Words("Orchard Foods", "Orchard supplier portal", "Confirm the decision makers"),
             Words("北斗食品株式会社", "北斗食品 仕入先ポータル", "決裁者の確認")),
    DemoDeal(HANA.id, 31_000, "34:lead 27:qualified 19:slip", 20, -10,
             Words("Meridian Health Partners", "Meridian patient intake", "Re-engage the champion"),
             Words("医療法人めぐみ会", "めぐみ会 問診票デジタル化", "担当者へ再アプローチ")),
    DemoDeal(ALEX.id, 20_000, "9:lead 2:qualified", 40, 8,
             Words("Summit Legal LLP", "Summit document automation", "Scoping workshop"),
             Words("中央法律事務所", "中央法律 文書作成自動化", "要件定義ワークショップ")),
    DemoDeal(HANA.id, 58_000, "41:lead 35:qualified 24:note", -5, -20,
             Words("Granite Building Supply", "Granite quoting tool", "Call the CFO"),
             Words("大地建材株式会社", "大地建材 見積作成ツール", "経理部長に電話")),
    DemoDeal(ALEX.id, 14_000, "14:lead 6:qualified 1:note", 30, 3,
             Words("Vireo Education", "Vireo LMS rollout", "Draft the pilot plan"),
             Words("学校法人あおば学園", "あおば学園 学習管理システム", "トライアル計画の作成")),
    # --- proposal ---------------------------------------------------------------------------------
    DemoDeal(ALEX.id, 64_000, "40:lead 32:qualified 20:proposal 3:slip", 12, 2,
             Words("Northwind Logistics", "Northwind fleet tracking", "Send the revised proposal"),
             Words("株式会社北進運輸", "北進運輸 車両管理システム", "改訂版提案書の送付")),
    DemoDeal(HANA.id, 26_000, "36:lead 29:qualified 15:proposal 5:voice", 18, 4,
             Words("Ember Coffee Roasters", "Ember wholesale ordering", "Walk them through pricing"),
             Words("珈琲工房いろは", "いろは 卸受注システム", "価格表の説明")),
    DemoDeal(ALEX.id, 47_000, "28:lead 21:qualified 11:proposal", 16, -2,
             Words("Tidewater Insurance", "Tidewater claims portal", "Chase feedback on the proposal"),
             Words("潮見損害保険株式会社", "潮見損保 保険金請求ポータル", "提案へのフィードバックを催促")),
    DemoDeal(HANA.id, 33_000, "22:lead 14:qualified 2:proposal", 25, 6,
             Words("Quarry Labs", "Quarry analytics seats", "Proposal review call"),
             Words("株式会社クオリティラボ", "クオリティラボ 分析ライセンス追加", "提案内容のレビュー会議")),
    DemoDeal(ALEX.id, 120_000, "42:lead 37:qualified 26:proposal 17:amount", -8, -12,
             Words("Silverline Manufacturing", "Silverline MES upgrade", "Find the procurement contact"),
             Words("銀河製作所株式会社", "銀河製作所 MES更新", "購買担当者の紹介依頼")),
    DemoDeal(HANA.id, 19_000, "18:lead 10:qualified 6:proposal 1:note", 21, 2,
             Words("Beacon Property Management", "Beacon tenant app", "Answer the SSO questions"),
             Words("株式会社みなと不動産", "みなと不動産 入居者アプリ", "SSOに関する質問に回答")),
    DemoDeal(ALEX.id, 53_000, "31:lead 24:qualified 13:proposal 8:note", 14, -1,
             Words("Falcon Aerospace Parts", "Falcon quality tracking", "Set up a reference call"),
             Words("隼航空部品株式会社", "隼航空部品 品質管理システム", "導入事例の紹介")),
    # --- negotiation ------------------------------------------------------------------------------
    DemoDeal(ALEX.id, 85_000, "39:lead 33:qualified 23:proposal 12:negotiation 4:amount", 10, 3,
             Words("Acme Corp", "Acme renewal", "Send the legal redlines"),
             Words("株式会社あかつき商事", "あかつき商事 契約更新", "契約書の修正対応")),
    DemoDeal(HANA.id, 72_000, "35:lead 28:qualified 19:proposal 9:negotiation 2:slip", 12, 3,
             Words("Horizon Telecom", "Horizon support desk", "Final pricing approval"),
             Words("地平線テレコム株式会社", "地平線テレコム ヘルプデスク", "最終価格の社内承認")),
    DemoDeal(ALEX.id, 44_000, "27:lead 20:qualified 12:proposal 5:negotiation", 14, 4,
             Words("Juniper Retail", "Juniper POS integration", "Review the MSA"),
             Words("株式会社やまびこ百貨店", "やまびこ百貨店 POS連携", "基本契約書のレビュー")),
    DemoDeal(HANA.id, 150_000, "42:lead 36:qualified 25:proposal 16:negotiation", -3, -9,
             Words("Copperfield Bank", "Copperfield compliance module", "Escalate to the VP"),
             Words("若葉銀行", "若葉銀行 コンプライアンス管理", "部長へエスカレーション")),
    DemoDeal(ALEX.id, 38_000, "33:lead 25:qualified 17:proposal 10:negotiation 1:voice", 5, 1,
             Words("Stellar Media", "Stellar ad ops platform", "Send the order form"),
             Words("株式会社スターメディア", "スターメディア 広告運用基盤", "注文書の送付")),
    DemoDeal(HANA.id, 61_000, "24:lead 18:qualified 11:proposal 6:negotiation 3:note", 9, 2,
             Words("Maple Grove Clinics", "Maple Grove telehealth", "Security review sign-off"),
             Words("医療法人かえで会", "かえで会 オンライン診療", "セキュリティ審査の承認")),
    # --- won --------------------------------------------------------------------------------------
    DemoDeal(ALEX.id, 56_000, "41:lead 34:qualified 25:proposal 15:negotiation 4:won", -4, None,
             Words("Brightside Energy", "Brightside asset monitoring"),
             Words("株式会社あさひエネルギー", "あさひエネルギー 設備監視")),
    DemoDeal(HANA.id, 34_000, "38:lead 30:qualified 20:proposal 12:negotiation 2:won", -2, None,
             Words("Oakridge Schools", "Oakridge district licence"),
             Words("緑ヶ丘市教育委員会", "緑ヶ丘市 学校向けライセンス")),
    DemoDeal(ALEX.id, 90_000, "42:lead 35:qualified 27:proposal 18:negotiation 11:won", -11, None,
             Words("Polaris Shipping", "Polaris customs paperwork"),
             Words("北極星海運株式会社", "北極星海運 通関書類電子化")),
    DemoDeal(HANA.id, 21_000, "40:lead 31:qualified 22:proposal 14:won", -14, None,
             Words("Willow Senior Living", "Willow care scheduling"),
             Words("社会福祉法人やすらぎ", "やすらぎ 介護シフト管理")),
    DemoDeal(ALEX.id, 16_000, "30:lead 23:qualified 16:proposal 9:negotiation 6:amount 1:won", -1, None,
             Words("Evergreen Landscaping", "Evergreen crew app"),
             Words("株式会社ときわ造園", "ときわ造園 現場アプリ")),
    DemoDeal(HANA.id, 47_000, "39:lead 29:qualified 21:proposal 13:negotiation 8:won", -8, None,
             Words("Nimbus Cloud Hosting", "Nimbus partner portal"),
             Words("株式会社ニンバスクラウド", "ニンバス パートナーポータル")),
    # --- lost -------------------------------------------------------------------------------------
    DemoDeal(ALEX.id, 40_000, "36:lead 27:qualified 17:proposal 3:lost", 7, None,
             Words("Keystone Auto Group", "Keystone dealer CRM",
                   lost_reason="Went with a competitor on price"),
             Words("要石自動車販売株式会社", "要石自動車 販売店CRM", lost_reason="価格面で競合に決定")),
    DemoDeal(HANA.id, 29_000, "33:lead 24:qualified 10:lost", 20, None,
             Words("Riverbend Hospital", "Riverbend staff rostering",
                   lost_reason="Budget frozen until next fiscal year"),
             Words("川辺総合病院", "川辺総合病院 勤務表作成", lost_reason="来期まで予算凍結")),
    DemoDeal(ALEX.id, 66_000, "29:lead 21:qualified 13:proposal 7:negotiation 5:lost", 3, None,
             Words("Crescent Hospitality", "Crescent loyalty program",
                   lost_reason="Stayed with the incumbent vendor"),
             Words("三日月リゾート株式会社", "三日月リゾート 会員プログラム",
                   lost_reason="既存ベンダーを継続")),
    DemoDeal(HANA.id, 11_000, "25:lead 15:lost", 10, None,
             Words("Sparrow Design Studio", "Sparrow project tracking",
                   lost_reason="No decision: project shelved"),
             Words("株式会社すずめデザイン", "すずめデザイン 案件管理",
                   lost_reason="検討中止（プロジェクト凍結）")),
)

TEXT_NOTES: dict[Language, tuple[str, ...]] = {
    "en": (
        "Call with procurement: they want a 3-year term option.",
        "Champion confirmed the budget is approved for this quarter.",
        "Demo went well; IT asked about SSO and data residency.",
        "Sent the security questionnaire back.",
        "They are also talking to a competitor, so price will matter.",
        "Decision moved to next month's board meeting.",
    ),
    "ja": (
        "購買部と電話。3年契約のオプションを希望。",
        "キーパーソンから今期の予算は承認済みと連絡あり。",
        "デモは好評。情報システム部からSSOとデータの保管場所について質問あり。",
        "セキュリティチェックシートを返送済み。",
        "競合とも比較検討中。価格が決め手になりそう。",
        "決裁は来月の取締役会に持ち越し。",
    ),
}

VOICE_NOTES: dict[Language, tuple[str, ...]] = {
    "en": (
        "Just met with their ops lead. They liked the demo, the budget is around fifty thousand dollars "
        "and they want to close by the end of the month. Next step is to send the revised quote by Friday.",
        "Quick update after the call. Legal is reviewing the contract and they asked for net sixty "
        "payment terms. I think we can get it signed next week.",
        "Had lunch with our champion. The CFO is the one to convince, so I am setting up a call with "
        "her on Tuesday.",
    ),
    "ja": (
        "先ほど先方の部長と打ち合わせしました。デモの評価は良好で、予算は500万円程度、"
        "月末までに決めたいとのことです。金曜日までに見積もりを再提出します。",
        "電話の報告です。法務で契約書を確認中で、支払い条件を60日にしてほしいとの要望がありました。"
        "来週には締結できそうです。",
        "キーパーソンとランチをしました。決裁者は経理部長なので、火曜日に打ち合わせを設定します。",
    ),
}

LEAD_SOURCES: dict[Language, tuple[str, ...]] = {
    "en": ("Website inquiry", "Referral", "Trade show", "Outbound", "Partner"),
    "ja": ("Webお問い合わせ", "紹介", "展示会", "アウトバウンド", "パートナー"),
}

COMPETITORS: dict[Language, tuple[str, ...]] = {
    "en": ("Brightline CRM", "Corvid Systems", "Tallyho", "an in-house spreadsheet"),
    "ja": ("大和システム", "ネクスト電算", "東都ソフト", "社内Excel"),
}
# fmt: on


# --- seeding ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Op:
    """One thing a rep did to a deal, at a moment: what `seed_demo` asks the service to do."""

    moment: datetime
    deal: int  # index into DEALS
    step: int  # index into the deal's story
    action: str  # create | update | won | lost | note | voice
    source: str
    fields: DealFields  # what a create or update sets (empty for the other steps)
    text: str | None = None  # the note, or why the deal was lost
    seconds: float | None = None  # how long the voice memo was


class _Clock:
    """The service's clock while seeding: set to each step's moment before the step."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


def seed_demo(db: Database, settings: Settings, *, locale: str, today: date) -> int:
    """Seed the demo pipeline for the sandbox team, as of `today` (team time); the number of deals.

    Does nothing (and returns 0) when the team already has deals, so a restarted sandbox keeps
    what its users changed.
    """
    if locale not in ("en", "ja"):
        raise ValueError(f"the demo speaks en or ja, not {locale!r}")
    language: Language = "ja" if locale == "ja" else "en"
    with db.read() as session:
        if session.scalar(select(Deal.id).where(Deal.team_id == TEAM_ID).limit(1)) is not None:
            return 0
    rng = random.Random(SEED)
    planner = _Planner(settings, language, today, rng)
    ops = [op for index, deal in enumerate(DEALS) for op in planner.plan(index, deal)]
    extras = {index: planner.extras() for index in range(len(DEALS))}
    ops.sort(key=lambda op: (op.moment, op.deal, op.step))

    clock = _Clock(ops[0].moment)
    service = deal_service(db, settings, clock=clock)
    ids: dict[int, int] = {}  # DEALS index → deal id
    for op in ops:
        clock.moment = op.moment
        _play(service, op, ids, language)
    # Where a deal came from and whom it competes with: no command sets these, so SQL does,
    # without touching the deal's version or activity.
    with db.write() as session:
        for index, deal_id in ids.items():
            source, competitors = extras[index]
            session.execute(
                update(Deal)
                .where(Deal.id == deal_id, Deal.team_id == TEAM_ID)
                .values(source=source, competitors=competitors)
                .execution_options(synchronize_session=False)
            )
    return len(ids)


def _play(service: DealService, op: _Op, ids: dict[int, int], language: Language) -> None:
    """Do one step through the service, as the deal's owner."""
    owner = DEALS[op.deal].owner
    if op.action == "create":
        ids[op.deal] = service.create(TEAM_ID, owner, op.fields, source=Source(op.source)).deal.id
    elif op.action == "update":
        service.update(TEAM_ID, owner, ids[op.deal], op.fields, source=Source(op.source))
    elif op.action == WON:
        service.mark_won(TEAM_ID, owner, ids[op.deal], source=Source(op.source))
    elif op.action == LOST:
        service.mark_lost(TEAM_ID, owner, ids[op.deal], op.text, source=Source(op.source))
    else:
        voice = op.action == "voice"
        service.add_note(
            TEAM_ID,
            owner,
            ids[op.deal],
            op.text or "",
            source=Source(op.source),
            kind=NoteKind.VOICE if voice else NoteKind.TEXT,
            transcript=VoiceTranscript(language, op.seconds, VOICE_ENGINE, VOICE_MODEL) if voice else None,
        )


class _Planner:
    """Turns `DEALS` into `_Op`s: moments, amounts, dates and words, all drawn from one seeded RNG."""

    def __init__(self, settings: Settings, language: Language, today: date, rng: random.Random) -> None:
        self.settings = settings
        self.language = language
        self.today = today
        self.rng = rng
        self.currency = "JPY" if language == "ja" else "USD"
        self.stages = demo_stage_keys(settings.pipeline)

    def plan(self, index: int, deal: DemoDeal) -> list[_Op]:
        steps = story_steps(deal.story)
        moments = sorted(self._moment(step.days_ago) for step in steps)
        slips = [self.rng.choice(SLIP_DAYS) for step in steps if step.action == "slip"]
        close = self._day(deal.close_in - sum(slips))
        revised = any(step.action == "amount" for step in steps)
        amount = self._amount(self._revised_usd(deal.usd) if revised else deal.usd)
        words = deal.words(self.language)
        # The next step is set with the deal's last change of a field, so it is what the rep
        # planned most recently.
        last_change = max(i for i, step in enumerate(steps) if step.action not in (*NOTES, WON, LOST))
        ops: list[_Op] = []
        for i, (step, moment) in enumerate(zip(steps, moments, strict=True)):
            fields: DealFields | None = None
            text: str | None = None
            seconds: float | None = None
            if i == 0:
                action, source = "create", self._source("slash", "modal")
                fields = DealFields(
                    name=words.name,
                    company=words.company,
                    stage=self.stages[step.action],
                    amount=amount,
                    close_date=close,
                )
            elif step.action in DEMO_STAGES:
                action, source = "update", self._source("modal", "slash")
                fields = DealFields(stage=self.stages[step.action])
            elif step.action == "slip":
                action, source = "update", self._source("slash", "voice")
                close += timedelta(days=slips.pop(0))
                fields = DealFields(close_date=close)
            elif step.action == "amount":
                action, source = "update", self._source("modal", "voice")
                fields = DealFields(amount=self._amount(deal.usd))
            elif step.action in (WON, LOST):
                action, source, text = step.action, self._source("slash", "button"), words.lost_reason
            elif step.action == "note":
                action, source, text = "note", "slash", self.rng.choice(TEXT_NOTES[self.language])
            else:
                action, source, text = "voice", "voice", self.rng.choice(VOICE_NOTES[self.language])
                seconds = round(self.rng.uniform(25, 75), 1)
            if i == last_change and fields is not None and words.next_step and deal.due_in is not None:
                fields = dataclasses.replace(
                    fields, next_step=words.next_step, next_step_due=self._day(deal.due_in)
                )
            ops.append(_Op(moment, index, i, action, source, fields or DealFields(), text, seconds))
        return ops

    def extras(self) -> tuple[str, str | None]:
        """A deal's lead source and competitors (none for some)."""
        source = self.rng.choice(LEAD_SOURCES[self.language])
        rivals = self.rng.sample(COMPETITORS[self.language], self.rng.choice((0, 1, 1, 2)))
        return source, ", ".join(rivals) or None

    def _day(self, days_from_today: int) -> date:
        return self.today + timedelta(days=days_from_today)

    def _moment(self, days_ago: int) -> datetime:
        start = datetime.combine(self._day(-days_ago), WORKDAY_START, tzinfo=self.settings.tz)
        return start + timedelta(minutes=self.rng.randrange(WORKDAY_MINUTES))

    def _revised_usd(self, usd: int) -> int:
        """What the deal was first thought to be worth: a fifth more (discounted since) or less."""
        return round(usd * self.rng.choice((0.8, 1.25)) / 1000) * 1000

    def _amount(self, usd: int) -> Amount:
        major = usd * YEN_PER_DOLLAR if self.currency == "JPY" else usd
        return Amount(Decimal(major), self.currency)

    def _source(self, *sources: str) -> str:
        return self.rng.choice(sources)


def demo_stage_keys(pipeline: Pipeline) -> dict[str, str]:
    """The stories' four open stages on `pipeline`'s open stages (the same keys by default)."""
    keys = pipeline.open_keys
    last = len(DEMO_STAGES) - 1
    return {stage: keys[round(i * (len(keys) - 1) / last)] for i, stage in enumerate(DEMO_STAGES)}
