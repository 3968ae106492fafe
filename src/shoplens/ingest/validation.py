"""Vectorized parsing and validation: SQL building blocks run by the scratch DuckDB.

Every format turns its source relation (all columns as text, plus ``_line``) into the
normalized rows of one kind with one SELECT built here. A row that fails a check keeps
flowing, with ``_reason`` / ``_field`` / ``_raw`` set, so bad rows are split off by a filter
instead of a per-row Python loop. The first failing check (in the order listed) names the
reason.

Only column names taken from a file's header and constants written in this package are
put into SQL text, names quoted as identifiers; data values never are.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass

#: output columns holding a time or date: a value outside the plausible window (bound as
#: ``$time_min`` / ``$time_max`` when the SELECT runs) is quarantined, whatever the format
TIME_OUTPUTS = ("event_time", "ts", "order_time", "signup_date")
#: control characters no value may hold (tab, line feed and carriage return may: a quoted
#: CSV field can span lines). PostgreSQL cannot store NUL in text at all, and on DuckDB
#: ``abc\0`` would be another id than ``abc``: such a row is quarantined on every engine.
CONTROL_CHARS = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]"
#: whether the SELECTs built now check every value for control characters
_CHECK_CONTROL: ContextVar[bool] = ContextVar("check_control", default=True)


@contextlib.contextmanager
def control_checks(needed: bool) -> Iterator[None]:
    """Build the validating SELECTs of the body with (or, for a file whose bytes hold no
    control character, without) the per-value control-character checks."""
    token = _CHECK_CONTROL.set(needed)
    try:
        yield
    finally:
        _CHECK_CONTROL.reset(token)


def ident(name: str) -> str:
    """A quoted SQL identifier (file headers may hold spaces, quotes, anything)."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """A SQL string literal for a constant written in this package or a header name."""
    return "'" + text.replace("'", "''") + "'"


def nz(expr: str) -> str:
    """Trimmed text, empty as NULL.

    ``trim`` builds a new string for every value (about a sixth of a validating
    SELECT's CPU when every column went through it); most values have nothing to trim,
    so it runs only where it can change something. DuckDB's ``trim`` strips the space
    and the Unicode space separators (U+00A0, U+3000, ...): an ASCII value that neither
    starts nor ends with a space is already trimmed, and a value with any non-ASCII
    character (``strlen``, bytes, exceeds ``length``, characters) takes ``trim``."""
    return (f"CASE WHEN prefix({expr}, ' ') OR suffix({expr}, ' ') OR strlen({expr}) <> "
            f"length({expr}) THEN NULLIF(trim({expr}), '') ELSE NULLIF({expr}, '') END")


def money(expr: str) -> str:
    return f"TRY_CAST({nz(expr)} AS DECIMAL(18, 4))"


def integer(expr: str) -> str:
    """A whole number written as ``3`` or ``3.0`` (Parquet doubles); NULL otherwise."""
    d = f"TRY_CAST({nz(expr)} AS DECIMAL(38, 6))"
    return f"CASE WHEN {d} = trunc({d}) AND abs({d}) < 2147483648 THEN CAST({d} AS INTEGER) END"


def ident_text(expr: str) -> str:
    """An identifier as text: trimmed, ``17850.0`` (a float export of an integer id) as
    ``17850``."""
    # the regular expression only where a dot makes it possible (most ids have none)
    return (f"CASE WHEN contains({expr}, '.') THEN regexp_replace({nz(expr)}, "
            f"'^(-?[0-9]+)\\.0+$', '\\1') ELSE {nz(expr)} END")


def timestamp(expr: str, formats: Sequence[str] = ()) -> str:
    """UTC timestamp from text: the listed strptime formats first (fast path), then any
    ISO 8601 form with an optional zone offset, converted to UTC."""
    v = nz(expr)
    parts = []
    if formats:
        # the first format alone first: a file mostly sticks to one spelling
        parts.append(f"try_strptime({v}, {lit(formats[0])})")
    if len(formats) > 1:
        parts.append(f"try_strptime({v}, [{', '.join(lit(f) for f in formats[1:])}])")
    parts.append(f"(TRY_CAST({v} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')")
    return f"coalesce({', '.join(parts)})"


def epoch_or_timestamp(expr: str) -> str:
    """Trackers also write Unix epochs: 9-10 digits are seconds (a fraction allowed), 13
    milliseconds (RetailRocket, Segment's ``_ms`` columns), 16 microseconds (Google
    Analytics 4's ``event_timestamp``), 19 nanoseconds; anything else is read as a time."""
    v = nz(expr)
    return (
        f"CASE WHEN regexp_full_match({v}, '[0-9]{{13}}') THEN make_timestamp(CAST({v} AS BIGINT) * 1000)"
        f" WHEN regexp_full_match({v}, '[0-9]{{16}}') THEN make_timestamp(CAST({v} AS BIGINT))"
        f" WHEN regexp_full_match({v}, '[0-9]{{19}}') THEN make_timestamp(CAST({v} AS BIGINT) // 1000)"
        f" WHEN regexp_full_match({v}, '[0-9]{{9,10}}(\\.[0-9]+)?')"
        f" THEN make_timestamp(CAST(CAST({v} AS DOUBLE) * 1000000 AS BIGINT))"
        f" ELSE {timestamp(expr)} END"
    )


def mapped(expr: str, mapping: Mapping[str, str], *, lower: bool = True) -> str:
    """CASE mapping of known spellings (constants) to canonical values; NULL otherwise."""
    key = f"lower(trim({expr}))" if lower else f"trim({expr})"
    whens = " ".join(f"WHEN {lit(k)} THEN {lit(v)}" for k, v in mapping.items())
    # the value as written first (no string is built for it), then normalized
    return f"CASE {expr} {whens} ELSE CASE {key} {whens} END END"


def csv_line(columns: Sequence[str]) -> str:
    """The source row rebuilt as one CSV line (RFC 4180 quoting), for the quarantine."""
    cells = []
    for c in columns:
        q = ident(c)
        cells.append(
            f"CASE WHEN {q} IS NULL THEN '' WHEN regexp_matches({q}, '[\",\\r\\n]') "
            f"THEN '\"' || replace({q}, '\"', '\"\"') || '\"' ELSE {q} END"
        )
    return f"concat_ws(',', {', '.join(cells)})" if cells else "''"


def quoted(expr: str) -> str:
    """A value inside a reason text, truncated so a reason stays one readable line."""
    return f"'\"' || left(coalesce({expr}, ''), 60) || '\"'"


def _control_characters(renames: Mapping[str, str | None]) -> list[Check]:
    """One check per source column the layout reads, first in line: a control character
    (NUL above all) in any of them quarantines the row, naming the character."""
    pattern = lit(CONTROL_CHARS)
    return [
        Check(f"regexp_matches({name}, {pattern})", actual,
              f"'control character U+' || format('{{:04X}}', unicode(regexp_extract({name}, "
              f"{pattern}))) || ' in the value (not allowed in text)'")
        for name, actual in renames.items() if actual
    ]


def _plausible_times(renames: Mapping[str, str | None], parsed: Mapping[str, str],
                     outputs: Mapping[str, str]) -> list[Check]:
    """A year-9999 or year-0001 time parses, but no shop's event happened then (and
    such values overflow date arithmetic downstream): quarantine it, naming the window."""
    found = []
    for name in TIME_OUTPUTS:
        expr = outputs.get(name)
        if expr is None:
            continue
        source = re.search(r"\bf_\w+", parsed.get(expr, expr))
        field = renames.get(source.group(0)) if source else None
        found.append(Check(
            f"({expr} < $time_min OR {expr} > $time_max)", field,
            f"'implausible time ' || {quoted(f'CAST({expr} AS VARCHAR)')} || "
            "' (accepted: ' || strftime($time_min, '%Y-%m-%d') || ' to ' || "
            "strftime($time_max, '%Y-%m-%d %H:%M') || ' UTC)'"))
    return found


@dataclass(frozen=True)
class Check:
    """One rule: rows where ``cond`` holds are bad, for ``reason`` (a SQL text expression),
    in the source column ``field``."""

    cond: str
    field: str | None
    reason: str


def build_select(
    source: str,
    renames: Mapping[str, str | None],
    parsed: Mapping[str, str],
    outputs: Mapping[str, str],
    checks: Sequence[Check],
    raw: str,
    control: Mapping[str, str] | None = None,
) -> str:
    """Assemble the validating SELECT.

    ``source`` is the relation with the file's columns (text) and ``_line``; ``renames``
    maps canonical ``f_*`` names to the file's column (or None when absent); ``parsed``
    defines ``v_*`` values over those; ``outputs`` are the normalized columns; ``raw`` is
    the expression that rebuilds the source row for the quarantine. ``control`` maps
    further text expressions over the source (a mapping's fields) to the column each
    reads, checked for control characters like the renamed columns.
    """
    values = {**renames, **(control or {})}
    checks = [*(_control_characters(values) if _CHECK_CONTROL.get() else ()), *checks,
              *_plausible_times(renames, parsed, outputs)]
    rename_sql = ", ".join(
        f"{ident(actual) if actual else 'CAST(NULL AS VARCHAR)'} AS {name}"
        for name, actual in renames.items()
    )
    parsed_sql = ", ".join(f"{expr} AS {name}" for name, expr in parsed.items())
    reason = "CASE " + " ".join(f"WHEN {c.cond} THEN {c.reason}" for c in checks) + " END" \
        if checks else "CAST(NULL AS VARCHAR)"
    field = "CASE " + " ".join(
        f"WHEN {c.cond} THEN {lit(c.field) if c.field else 'CAST(NULL AS VARCHAR)'}" for c in checks
    ) + " END" if checks else "CAST(NULL AS VARCHAR)"
    out_sql = ", ".join(f"{expr} AS {name}" for name, expr in outputs.items())
    return (
        f"WITH s AS (SELECT *{', ' + rename_sql if rename_sql else ''} FROM ({source}) AS src), "
        f"p AS (SELECT *{', ' + parsed_sql if parsed_sql else ''} FROM s), "
        f"r AS (SELECT *, {reason} AS _reason FROM p) "
        f"SELECT {out_sql}, _line, _reason, "
        f"CASE WHEN _reason IS NOT NULL THEN {field} END AS _field, "
        # the raw row keeps its control characters as U+FFFD: the quarantine table is
        # text on every engine
        f"CASE WHEN _reason IS NOT NULL THEN regexp_replace({raw}, {lit(CONTROL_CHARS)}, "
        "'\uFFFD', 'g') END AS _raw FROM r"
    )
