"""What a load did, file by file."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field


class FileReport(BaseModel):
    """One file of a load.

    ``rows_read = rows_loaded + rows_updated + rows_quarantined + rows_already_present``:
    a row is either written as a new row, merged into an existing one it changed (users
    and products files), rejected with a reason (including exact duplicates within the
    load), or identical to a row an earlier load wrote.
    """

    path: str
    format: str
    layout: str
    sha256: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_updated: int = 0
    rows_quarantined: int = 0
    rows_already_present: int = 0
    skipped: str | None = None  # why the file was not read (already loaded)


class LoadReport(BaseModel):
    load_id: int | None
    files: list[FileReport] = Field(default_factory=list)
    tables: list[str] = Field(default_factory=list)  # tables the load wrote to
    #: users and products: rows inserted and existing rows updated by this load
    merged: dict[str, dict[str, int]] = Field(default_factory=dict)
    events_before_signup: int = 0
    warnings: list[str] = Field(default_factory=list)
    quarantine_csv: Path | None = None
    seconds: float = 0.0

    @property
    def rejected_files(self) -> list[str]:
        """Files read whose every row was quarantined."""
        return [f.path for f in self.files
                if not f.skipped and f.rows_read and f.rows_quarantined == f.rows_read]

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_updated(self) -> int:
        return sum(f.rows_updated for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    @property
    def rows_already_present(self) -> int:
        return sum(f.rows_already_present for f in self.files)

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds else 0.0
