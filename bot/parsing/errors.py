"""The one error type the parsers raise: a catalog key plus its parameters."""

from __future__ import annotations


class ParseError(ValueError):
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
