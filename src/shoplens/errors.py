"""Errors ShopLens raises on purpose; the CLI prints them without a traceback."""

from __future__ import annotations


class ShopLensError(Exception):
    """Base class: a problem the user can fix, with a message that says how."""


class ConfigError(ShopLensError):
    """A bad option, URL or combination of options."""


class UnsupportedOperationError(ShopLensError):
    """An analysis option the selected engine cannot run (names both)."""


class ConnectionLostError(ShopLensError):
    """The database went away in the middle of the work (nothing unfinished was kept)."""


class BusyError(ShopLensError):
    """Another ShopLens process holds the lock this work needs (``--no-wait`` given)."""


class InputError(ShopLensError):
    """Bad input: names the file and, where known, the row and field."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 field: str | None = None) -> None:
        where = ", ".join(
            part
            for part in (
                f"file {file}" if file else "",
                f"line {line}" if line is not None else "",
                f"field {field!r}" if field else "",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.file = file
        self.line = line
        self.field = field
