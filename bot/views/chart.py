"""The digest's chart: pipeline amount and weighted forecast by open stage, as a PNG.

One panel per currency (the currency with most open deals first, at most `MAX_PANELS`):
amounts in different currencies are never drawn on one axis. Labels follow the display's
language; Japanese needs a CJK font, found through matplotlib's font manager (Debian:
`fonts-noto-cjk`), with DejaVu Sans as the fallback when none is installed.

Drawing uses matplotlib's object API on the Agg backend (no pyplot): figures are never
registered globally, and rc settings apply only inside `rc_context`, so nothing leaks
between calls or threads' charts.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager, rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from bot.money import Money
from bot.pipeline import Pipeline
from bot.views.digest import message
from bot.views.format import Display

if TYPE_CHECKING:
    from bot.services.digest import Amounts, Digest

MAX_PANELS = 4
WIDTH_IN = 8.0
PANEL_HEIGHT_IN = 3.2
DPI = 100
AMOUNT_COLOR = "#4a90d9"
WEIGHTED_COLOR = "#f5a623"
FALLBACK_FONT = "DejaVu Sans"
# Fonts with Japanese glyphs, best first (Linux packages, then macOS and Windows names).
CJK_FONTS = (
    "Noto Sans CJK JP",
    "Noto Sans JP",
    "IPAexGothic",
    "IPAGothic",
    "TakaoGothic",
    "Source Han Sans JP",
    "Hiragino Sans",
    "Yu Gothic",
    "MS Gothic",
    "Noto Sans CJK SC",
    "WenQuanYi Zen Hei",
)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The name of an installed font that has Japanese glyphs, or None."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def font_families() -> list[str]:
    """Font fallback list: a CJK font (if any) first, DejaVu Sans for whatever it lacks."""
    found = cjk_font()
    return [found, FALLBACK_FONT] if found else [FALLBACK_FONT]


def pipeline_chart_png(digest: Digest, display: Display, pipeline: Pipeline) -> bytes:
    """PNG bytes of the open pipeline by stage, one panel per currency.

    Stages come in the digest's order (`pipeline`'s open stages, as `build_digest` made them).
    """
    currencies = digest.currencies[:MAX_PANELS]
    with (
        rc_context(
            {"font.family": "sans-serif", "font.sans-serif": font_families(), "axes.unicode_minus": False}
        ),
        warnings.catch_warnings(),
    ):
        # Without a CJK font, Japanese glyphs are missing: draw anyway rather than warn per glyph.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
        figure = Figure(figsize=(WIDTH_IN, PANEL_HEIGHT_IN * max(1, len(currencies))), dpi=DPI)
        try:
            if currencies:
                axes = figure.subplots(len(currencies), 1, squeeze=False)[:, 0]
                for ax, currency in zip(axes, currencies, strict=True):
                    _panel(ax, digest, display, currency)
            else:
                _empty(figure, display)
            figure.tight_layout()
            buffer = io.BytesIO()
            figure.savefig(buffer, format="png", dpi=DPI)
            return buffer.getvalue()
        finally:
            figure.clear()


def _panel(ax: Axes, digest: Digest, display: Display, currency: str) -> None:
    stages = digest.pipeline.stages
    positions = range(len(stages))
    amounts = [_major(row.amounts, currency) for row in stages]
    weighted = [_major(row.weighted, currency) for row in stages]
    total = _total(digest.pipeline.amounts, currency)
    forecast = _total(digest.pipeline.weighted, currency)
    ax.bar(
        [x - 0.2 for x in positions],
        amounts,
        width=0.4,
        color=AMOUNT_COLOR,
        label=f"{message(display, 'digest.chart_amount')} {display.money(total.minor, currency)}",
    )
    ax.bar(
        [x + 0.2 for x in positions],
        weighted,
        width=0.4,
        color=WEIGHTED_COLOR,
        label=f"{message(display, 'digest.chart_weighted')} {display.money(forecast.minor, currency)}",
    )
    ax.set_xticks(list(positions), [display.stage(row.stage) for row in stages])
    ax.set_title(message(display, "digest.chart_title", currency=currency))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _pos: _tick(display, value, currency)))
    ax.spines[["top", "right"]].set_visible(False)
    ax.margins(y=0.3)  # headroom for the legend (bars stick to zero at the bottom)
    ax.legend(loc="upper center", ncols=2, frameon=False)


def _empty(figure: Figure, display: Display) -> None:
    ax = figure.subplots()
    ax.axis("off")
    ax.text(0.5, 0.5, message(display, "digest.chart_empty"), ha="center", va="center", fontsize=14)


def _total(amounts: Amounts, currency: str) -> Money:
    return next((money for money in amounts if money.currency == currency), Money(0, currency))


def _major(amounts: Sequence[Money], currency: str) -> float:
    return float(_total(tuple(amounts), currency).major)


def _tick(display: Display, value: float, currency: str) -> str:
    return display.money(Money.from_major(Decimal(str(float(value))), currency).minor, currency)
