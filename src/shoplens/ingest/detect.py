"""Which layout each input is: detected from the header (CSV), the schema (Parquet) or
the keys (JSON lines), or named by ``--format``. Everything here runs before anything is
written, so a missing column or an unknown format fails a load that wrote nothing."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from shoplens.errors import InputError
from shoplens.ingest.formats import FORMATS, LAYOUTS
from shoplens.ingest.layout import Layout
from shoplens.ingest.sources import PARQUET_SUFFIXES, SourceFile, inspect

PLATFORM_TABLES = ("users", "products", "events", "search_logs")
#: files of the generator a platform folder may hold that no importer reads
IGNORED_IN_FOLDER = ("personas", "anomalies")
_KIND_ORDER = {"users": 0, "products": 1}


@dataclass(frozen=True)
class Planned:
    src: SourceFile
    layout: Layout
    resolved: dict[str, str | None]


def check_format(fmt: str) -> None:
    if fmt != "auto" and fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}: use one of auto, {', '.join(FORMATS)}")


def folder_files(folder: Path, fmt: str, notes: list[str]) -> list[Path]:
    """The platform tables in a folder (CSV/JSON lines, or Parquet with --format parquet)."""
    files: list[Path] = []
    for table in PLATFORM_TABLES:
        csv_like = [folder / f"{table}.csv", folder / f"{table}.jsonl"]
        parquet = [folder / f"{table}.parquet"]
        order = parquet + csv_like if fmt == "parquet" else csv_like + parquet
        found = next((p for p in order if p.exists()), None)
        if found is not None:
            files.append(found)
    known = {p.name for p in files}
    for p in sorted(folder.iterdir()):
        stem = p.name.split(".")[0]
        if p.is_file() and p.name not in known and stem not in IGNORED_IN_FOLDER \
                and not p.name.startswith("."):
            notes.append(f"{p}: not part of the platform layout, not read")
    if not files:
        raise InputError(
            "the folder holds none of users, products, events, search_logs (.csv, .jsonl or "
            ".parquet) of the platform-csv layout", file=str(folder))
    return files


def choose_layout(src: SourceFile, fmt: str) -> Layout:
    cols = {c.lower().strip() for c in src.columns}
    if cols == {"user_id", "persona"}:
        raise InputError("this is the generator's personas file (the hidden truth for "
                         "checking segmentation); no importer reads it", file=src.name)
    if fmt == "parquet" and src.container != "parquet":
        raise InputError(f"--format parquet needs Parquet files (*{', *'.join(PARQUET_SUFFIXES)})",
                         file=src.name)
    candidates = LAYOUTS if fmt in ("auto", "parquet") else \
        tuple(lay for lay in LAYOUTS if lay.format == fmt)
    if len(candidates) == 1:
        return candidates[0]
    for layout in candidates:
        if layout.detect(cols, src):
            return layout
    if fmt == "platform-csv":
        stem = src.path.name.split(".")[0].lower()
        by_stem = {"users": "platform-users", "products": "platform-products",
                   "events": "platform-events", "search_logs": "platform-search"}
        for layout in candidates:
            if by_stem.get(stem) == layout.name:
                return layout
    # A clear near miss (most required columns of exactly one layout present) is reported
    # as its missing columns; anything vaguer asks for --format.
    lower = {c.lower() for c in src.columns}
    scored = sorted(
        ((sum(any(s.lower() in lower for s in lay.fields[f]) for f in lay.required)
          / len(lay.required), i) for i, lay in enumerate(candidates)), reverse=True)
    if scored and scored[0][0] >= 0.6 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return candidates[scored[0][1]]
    raise InputError(
        f"cannot tell the format from the columns ({', '.join(src.columns)}); "
        f"name it with --format ({', '.join(FORMATS)})", file=src.name)


def plan(paths: list[Path], fmt: str, con: duckdb.DuckDBPyConnection,
         notes: list[str]) -> list[Planned]:
    check_format(fmt)
    files: list[Path] = []
    for p in paths:
        if p.is_dir():
            if fmt not in ("auto", "platform-csv", "parquet"):
                raise InputError(f"a folder is read as the platform-csv layout, not as {fmt}",
                                 file=str(p))
            files.extend(folder_files(p, fmt, notes))
        else:
            files.append(p)
    seen: set[Path] = set()
    planned: list[Planned] = []
    for f in files:
        key = f.resolve()
        if key in seen:
            continue
        seen.add(key)
        src = inspect(f, con)
        layout = choose_layout(src, fmt)
        planned.append(Planned(src, layout, layout.resolve(src)))
    planned.sort(key=lambda p: _KIND_ORDER.get(p.layout.kind, 2))
    return planned
