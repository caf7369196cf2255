"""The weekly digest as a Slack message (Block Kit) and as plain text (`dealbot digest --dry-run`).

One content builder turns a `Digest` into titled parts of lines; a `_Style` decides how user
text, people and emphasis are written (Slack mrkdwn: escaped, `<@U…>` mentions, `*bold*`;
plain text: as typed, `@U…`). `digest_blocks` and `digest_text` only lay those parts out, so
the two always say the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.money import Money
from bot.pipeline import Pipeline
from bot.views.blocks import Block, context, divider, header, section
from bot.views.format import SECTION_TEXT, Display, clip, mention, safe

if TYPE_CHECKING:
    from bot.services.digest import Amounts, DealRef, Digest, Listing, Slip, StageMove

MAX_BLOCKS = 50
MAX_LINES = 8  # deal/rep lines per part; the rest is summed up as "…and N more"
NAME_LIMIT = 80
REASON_LIMIT = 120
BULLET = "• "


def message(display: Display, key: str, /, **params: object) -> str:
    """A digest message in the display's language (the main catalogs hold the `digest.*` keys)."""
    return display.t(key, **params)


# --- styles and parts ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Style:
    bold: Callable[[str], str]
    user: Callable[[str], str]
    text: Callable[[str | None, int], str]  # user-typed text, clipped to a length


MRKDWN = _Style(bold=lambda text: f"*{text}*", user=mention, text=safe)
PLAIN = _Style(
    bold=lambda text: text, user=lambda user_id: f"@{user_id}", text=lambda text, n: clip(text or "", n)
)


@dataclass(frozen=True)
class _Part:
    """A titled list of lines; `more` lines were left out (shown as "…and N more")."""

    title: str
    lines: tuple[str, ...] = ()
    more: int = 0


@dataclass(frozen=True)
class _Writer:
    """Writes digest values for one display and one style."""

    d: Display
    style: _Style

    def t(self, key: str, /, **params: object) -> str:
        return message(self.d, key, **params)

    def amounts(self, amounts: Amounts) -> str:
        """Each currency on its own: `$185,000 / ¥5,800,000`, never one sum."""
        if not amounts:
            return "—"
        return " / ".join(self.money(money) for money in amounts)

    def money(self, money: Money | None) -> str:
        return "—" if money is None else self.d.money(money.minor, money.currency)

    def deal(self, deal: DealRef) -> str:
        return f"#{deal.id} {self.style.text(deal.name, NAME_LIMIT)}"

    def owner(self, deal: DealRef) -> str:
        return self.style.user(deal.owner)

    def part(self, title: str, lines: Sequence[str], total: int | None = None) -> _Part:
        """Up to MAX_LINES of `lines`; `total` counts the lines there are in all (default: all given)."""
        shown = tuple(lines[:MAX_LINES])
        return _Part(self.style.bold(title), shown, (len(lines) if total is None else total) - len(shown))


# --- content ---------------------------------------------------------------------------------


def _content(digest: Digest, w: _Writer) -> list[list[_Part]]:
    """The digest's parts, in groups (a divider goes between groups)."""
    return [
        [_pipeline_part(digest, w), _forecast_part(digest, w)],
        _change_parts(digest, w),
        [_reps_part(digest, w)],
        [_closing_part(digest, w), _attention_part(digest, w)],
    ]


def _pipeline_part(digest: Digest, w: _Writer) -> _Part:
    totals = digest.pipeline
    lines = [
        BULLET
        + w.t(
            "digest.stage_line",
            stage=w.d.stage(row.stage),
            count=row.count,
            amount=w.amounts(row.amounts),
            weighted=w.amounts(row.weighted),
        )
        for row in totals.stages
    ]
    lines.append(w.t("digest.total", amount=w.amounts(totals.amounts)))
    lines.append(w.style.bold(w.t("digest.weighted", amount=w.amounts(totals.weighted))))
    return _Part(w.style.bold(w.t("digest.pipeline", count=totals.count)), tuple(lines))


def _forecast_part(digest: Digest, w: _Writer) -> _Part:
    lines = [
        BULLET
        + w.t(
            "digest.month_line",
            month=row.month or w.t("digest.no_close_date"),
            count=row.count,
            amount=w.amounts(row.weighted),
        )
        for row in digest.forecast
    ]
    return w.part(w.t("digest.forecast"), lines or [w.t("digest.none")])


def _change_parts(digest: Digest, w: _Writer) -> list[_Part]:
    changes = digest.changes
    title = w.t("digest.changes", date=w.d.date(digest.since.astimezone(w.d.tz).date()))
    if changes.empty:
        return [_Part(w.style.bold(title), (w.t("digest.no_changes"),))]
    sections: list[tuple[str, Listing[DealRef] | Listing[StageMove] | Listing[Slip], Callable[..., str]]] = [
        ("digest.new", changes.new, lambda deal: _new_line(deal, w)),
        ("digest.advanced", changes.advanced, lambda move: _move_line(move, w)),
        ("digest.regressed", changes.regressed, lambda move: _move_line(move, w)),
        ("digest.slipped", changes.slipped, lambda slip: _slip_line(slip, w)),
        ("digest.won", changes.won, lambda deal: _won_line(deal, w)),
        ("digest.lost", changes.lost, lambda deal: _lost_line(deal, w)),
    ]
    parts = [_Part(w.style.bold(title))]
    for key, listing, line in sections:
        if listing.total:
            heading = w.t(key, count=listing.total, amount=w.amounts(listing.amounts))
            parts.append(w.part(heading, [line(item) for item in listing.items], listing.total))
    return parts


def _new_line(deal: DealRef, w: _Writer) -> str:
    return f"{BULLET}{w.deal(deal)} · {w.d.stage(deal.stage)} · {w.money(deal.amount)} · {w.owner(deal)}"


def _move_line(move: StageMove, w: _Writer) -> str:
    stages = f"{w.d.stage(move.old)} → {w.d.stage(move.new)}"
    return f"{BULLET}{w.deal(move.deal)}: {stages} · {w.money(move.deal.amount)} · {w.owner(move.deal)}"


def _slip_line(slip: Slip, w: _Writer) -> str:
    dates = f"{w.d.date(slip.old)} → {w.d.date(slip.new)}"
    return f"{BULLET}{w.deal(slip.deal)}: {dates} · {w.money(slip.deal.amount)} · {w.owner(slip.deal)}"


def _won_line(deal: DealRef, w: _Writer) -> str:
    return f"{BULLET}{w.deal(deal)} · {w.money(deal.amount)} · {w.owner(deal)}"


def _lost_line(deal: DealRef, w: _Writer) -> str:
    reason = w.style.text(deal.lost_reason, REASON_LIMIT) if deal.lost_reason else w.t("digest.no_reason")
    return f"{_won_line(deal, w)} — {reason}"


def _reps_part(digest: Digest, w: _Writer) -> _Part:
    lines = [
        BULLET
        + w.t(
            "digest.rep_line",
            owner=w.style.user(rep.owner),
            count=rep.open_count,
            amount=w.amounts(rep.amounts),
            stale=rep.stale_count,
            days=f"{rep.median_idle_days:.1f}",
        )
        for rep in digest.reps
    ]
    return w.part(w.t("digest.reps"), lines or [w.t("digest.none")])


def _closing_part(digest: Digest, w: _Writer) -> _Part:
    listing = digest.closing_soon
    title = w.t(
        "digest.closing",
        days=digest.closing_window_days,
        count=listing.total,
        amount=w.amounts(listing.amounts),
    )
    lines = [
        f"{BULLET}{w.d.date(deal.close_date)} · {w.deal(deal)} · {w.d.stage(deal.stage)} · "
        f"{w.money(deal.amount)} · {deal.probability}% · {w.owner(deal)}"
        for deal in listing.items
    ]
    return _listing_part(w, title, lines, listing.total)


def _attention_part(digest: Digest, w: _Writer) -> _Part:
    listing = digest.needs_attention
    title = w.t("digest.attention", days=digest.attention_days, count=listing.total)
    lines = [
        f"{BULLET}{w.deal(deal)} · {w.t('digest.idle', days=(digest.as_of - deal.last_activity_at).days)}"
        f" · {w.money(deal.amount)} · {w.owner(deal)}"
        for deal in listing.items
    ]
    return _listing_part(w, title, lines, listing.total)


def _listing_part(w: _Writer, title: str, lines: list[str], total: int) -> _Part:
    return w.part(title, lines, total) if total else w.part(title, [w.t("digest.none")])


# --- layout ----------------------------------------------------------------------------------


def _period(digest: Digest, d: Display) -> str:
    start = d.date(digest.since.astimezone(d.tz).date())
    return message(d, "digest.period", start=start, end=d.date(digest.today), tz=str(d.tz))


def _part_text(part: _Part, w: _Writer, limit: int) -> str:
    """Title and lines, dropping lines (counted in "…and N more") to stay within `limit`."""
    lines = list(part.lines)
    more = part.more
    while True:
        tail = [w.t("digest.more", count=more)] if more else []
        text = "\n".join([part.title, *lines, *tail])
        if len(text) <= limit or not lines:
            return clip(text, limit)
        lines.pop()
        more += 1


def digest_blocks(digest: Digest, display: Display, pipeline: Pipeline) -> list[Block]:
    """The digest as Block Kit blocks: at most 50, every text within Slack's limits.

    `pipeline` is part of the views' common signature; the stage order already comes with
    the digest (`digest.pipeline.stages`).
    """
    w = _Writer(display, MRKDWN)
    blocks: list[Block] = [
        header(message(display, "digest.title")),
        context(_period(digest, display)),
    ]
    for group in _content(digest, w):
        blocks.append(divider())
        blocks.extend(section(_part_text(part, w, SECTION_TEXT)) for part in group)
    footer = context(message(display, "digest.footer"))
    return [*blocks[: MAX_BLOCKS - 1], footer]


def digest_text(digest: Digest, display: Display, pipeline: Pipeline) -> str:
    """The same digest as plain text, e.g. for `dealbot digest --dry-run`."""
    w = _Writer(display, PLAIN)
    title = message(display, "digest.title")
    chunks = [f"{title}\n{_period(digest, display)}"]
    for group in _content(digest, w):
        chunks.extend(_part_text(part, w, SECTION_TEXT) for part in group)
    chunks.append(message(display, "digest.footer"))
    return "\n\n".join(chunks) + "\n"
