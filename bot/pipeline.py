"""Pipeline stages: their keys, order, default probabilities and which ones close a deal.

Stages are configuration (`DEALBOT_STAGES="lead:10,qualified:30,…"`); keys stay the English
words whatever the locale, and the catalogs give their display names.
"""

from __future__ import annotations

from dataclasses import dataclass

WON = "won"
LOST = "lost"


@dataclass(frozen=True)
class Stage:
    key: str
    probability: int  # default probability in percent, 0–100

    @property
    def is_closed(self) -> bool:
        return self.key in (WON, LOST)


@dataclass(frozen=True)
class Pipeline:
    stages: tuple[Stage, ...]

    @classmethod
    def default(cls) -> Pipeline:
        return cls(
            (
                Stage("lead", 10),
                Stage("qualified", 30),
                Stage("proposal", 50),
                Stage("negotiation", 70),
                Stage(WON, 100),
                Stage(LOST, 0),
            )
        )

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(stage.key for stage in self.stages)

    @property
    def open_keys(self) -> tuple[str, ...]:
        return tuple(stage.key for stage in self.stages if not stage.is_closed)

    @property
    def first(self) -> Stage:
        return self.stages[0]

    def get(self, key: str) -> Stage | None:
        key = key.strip().lower()
        return next((stage for stage in self.stages if stage.key == key), None)

    def index(self, key: str) -> int:
        return self.keys.index(key)


def parse_stage_spec(spec: str) -> Pipeline:
    """Parse `lead:10,qualified:30,…,won:100,lost:0`; won and lost are always present."""
    stages: list[Stage] = []
    for item in spec.split(","):
        if not item.strip():
            continue
        key, sep, prob = item.strip().partition(":")
        key = key.strip().lower()
        if not key.isidentifier():
            raise ValueError(f"stage {key!r} must be one lowercase word, e.g. 'lead:10'")
        try:
            probability = int(prob) if sep else 0
        except ValueError:
            raise ValueError(f"stage {key!r} needs a whole-number probability, e.g. '{key}:30'") from None
        if not 0 <= probability <= 100:
            raise ValueError(f"stage {key!r} probability must be between 0 and 100")
        if any(stage.key == key for stage in stages):
            raise ValueError(f"stage {key!r} is listed twice")
        stages.append(Stage(key, probability))
    keys = [stage.key for stage in stages]
    if WON not in keys:
        stages.append(Stage(WON, 100))
    if LOST not in keys:
        stages.append(Stage(LOST, 0))
    if all(stage.is_closed for stage in stages):
        raise ValueError("at least one open stage is needed besides won and lost")
    return Pipeline(tuple(stages))
