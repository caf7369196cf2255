"""Every error dealbot raises on purpose, in one tree. Entry points turn them into words.

```
DealbotError                 a person should be told about it (handlers, CLI, workers)
├── ParseError               typed input cannot be read: `code` is a catalog key under `parse.`
├── DealNotFound             no deal of this team matches the reference
├── AmbiguousDeal            several deals match; `candidates` lists them
├── NotAllowed               the user may not change this deal; `deal` and `managers` say who may
├── DealChanged              someone saved the deal first; `current` holds its values now
├── InvalidChange            the change itself is not valid: `code` is a key under `invalid.`
├── StaleAction              a button or form carries a value dealbot did not issue (or no longer
│                            accepts): forged, garbled or from an old message
├── MemoUnavailable          the voice memo is filed already, or belongs to someone else
├── ImportRejected           a row (or the header) of an import cannot be read; nothing was written
└── AmbiguousTeam            several workspaces share the database: say which one
DeliveryFailed               Slack would not take a scheduled message (`error` is Slack's code)
DownloadError                a memo's audio could not be fetched (`code` under `memo.error.`)
AudioError                   the memo's audio cannot be used
├── AudioUnreadable          not decodable audio
├── AudioTooLong             longer than the configured limit
└── AudioEmpty               decodes, but holds no sound
ModelError                   the Whisper model cannot be found or trusted
├── UnknownModel             neither an offline model nor a local path
├── ModelNotInstalled        known, but the package carrying its weights is missing
└── ModelCorrupt             weights on disk do not match their record
TranscriptionError           the engine failed on audio that decoded fine
ConversionError              a file is not a CTranslate2 Whisper model the converter reads
UnknownEngine                WHISPER_ENGINE names no engine
```

Settings problems stop start-up before any of this runs (`bot.settings.SettingsError`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.models import Deal


class DealbotError(Exception):
    """Base of every error a person should be told about."""


class ParseError(DealbotError, ValueError):
    """Input that cannot be read.

    `code` is a catalog key under `parse.` (e.g. `bad_amount` → `parse.bad_amount`), `params`
    fill its placeholders, and `subcommand` says which usage line and example to show with it.
    """

    def __init__(self, code: str, subcommand: str | None = None, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.subcommand = subcommand
        self.params = params

    def __repr__(self) -> str:
        return f"ParseError({self.code!r}, subcommand={self.subcommand!r}, **{self.params!r})"


class DealNotFound(DealbotError):
    def __init__(self, reference: str) -> None:
        super().__init__(reference)
        self.reference = reference


class AmbiguousDeal(DealbotError):
    def __init__(self, reference: str, candidates: list[Deal]) -> None:
        super().__init__(reference)
        self.reference = reference
        self.candidates = candidates


class NotAllowed(DealbotError):
    def __init__(self, deal: Deal, managers: tuple[str, ...]) -> None:
        super().__init__(deal.id)
        self.deal = deal
        self.managers = managers


class DealChanged(DealbotError):
    def __init__(self, current: Deal) -> None:
        super().__init__(current.id)
        self.current = current


class InvalidChange(DealbotError):
    def __init__(self, code: str, field: str | None = None, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.field = field
        self.params = params


class StaleAction(DealbotError):
    """A value that came back through Slack (a button, a form's metadata) that dealbot cannot
    take: `what` names the kind of value, for the log."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


class MemoUnavailable(DealbotError):
    """`reason` is `filed` (someone filed it already) or `not_yours` (another rep's memo)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ImportRejected(DealbotError):
    """A row (or the header) cannot be imported; nothing was written.

    `row` is the line a person sees in a spreadsheet (the header is row 1), `column` the column
    at fault when there is one, `reason` a plain English sentence.
    """

    def __init__(self, row: int, column: str | None, reason: str) -> None:
        where = f"row {row}" if column is None else f"row {row}, column {column}"
        super().__init__(f"{where}: {reason}")
        self.row = row
        self.column = column
        self.reason = reason


class AmbiguousTeam(DealbotError):
    """Several workspaces share the database: the caller must say which one."""


class DeliveryFailed(Exception):
    """Slack would not take a scheduled message; `error` is Slack's code (or the transport error)."""

    def __init__(self, recipient: str, error: str) -> None:
        super().__init__(f"{recipient}: {error}")
        self.recipient = recipient
        self.error = error


class DownloadError(Exception):
    """The file could not be fetched; `code` is a catalog key under `memo.error.`."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


class AudioError(Exception):
    """Base class for audio problems that the rep should be told about."""


class AudioUnreadable(AudioError):
    """The input is not decodable audio (corrupt, not audio at all, or no audio stream)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"Could not read this file as audio: {reason}")


class AudioTooLong(AudioError):
    """The audio is longer than the configured limit; decoding stopped at the limit."""

    def __init__(self, minutes: float, limit: float) -> None:
        self.minutes = minutes
        self.limit = limit
        super().__init__(f"Audio is too long: at least {minutes:.1f} min, the limit is {limit:.1f} min")


class AudioEmpty(AudioError):
    """The file decodes but holds (next to) no sound samples."""

    def __init__(self) -> None:
        super().__init__("The audio file is empty")


class ModelError(RuntimeError):
    """Base class for model resolution problems."""


class UnknownModel(ModelError):
    """The name is neither an offline model nor an existing local path."""


class ModelNotInstalled(ModelError):
    """The name is known but the package that carries its weights is not installed."""


class ModelCorrupt(ModelError):
    """Weights on disk do not match what the package recorded."""


class TranscriptionError(RuntimeError):
    """The engine failed on audio that decoded fine (bug, model mismatch, out of memory)."""


class ConversionError(ValueError):
    """The file is not a CTranslate2 Whisper model this converter understands."""


class UnknownEngine(ValueError):
    """WHISPER_ENGINE names an engine dealbot does not have."""
