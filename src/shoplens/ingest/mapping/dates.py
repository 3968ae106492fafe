"""Date and time columns of mapped files: the format detected from the data, or declared.

Detection tries families of formats on the column's distinct values: ISO 8601 (with or
without a zone), ``YYYYMMDD``, month first (``12/1/2010 8:26``), day first
(``13.01.2023``), named months (``Jan 5, 2023 1:02:03 PM``) and Unix epochs (seconds,
milliseconds, microseconds, told apart by their number of digits). When every value
reads both day first and month first (no day above 12 anywhere), the order is
ambiguous: the load stops and asks for ``date_format`` instead of guessing. A declared
format that matches no row names the column and shows a value.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from shoplens.errors import InputError
from shoplens.ingest.mapping.spec import EPOCHS
from shoplens.ingest.validation import epoch_or_timestamp, lit

_TIMES = ("", " %H:%M", " %H:%M:%S", " %I:%M %p", " %I:%M:%S %p", "T%H:%M:%S", " %H:%M:%S.%f")


def _dmy(first: str, second: str, year: str) -> list[str]:
    return [f"{first}{s}{second}{s}{year}{t}" for s in "/.-" for t in _TIMES]


#: format families tried by detection; "iso" is DuckDB's own timestamp cast
FAMILIES: dict[str, list[str]] = {
    "iso": ["%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M:%S %Z", "%Y-%m-%d %H:%M:%S.%f",
            "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d"],
    "compact": ["%Y%m%d", "%Y%m%d%H%M%S", "%Y%m%d %H%M%S", "%Y%m%d %H:%M:%S", "%Y%m%d %H:%M"],
    "month first": _dmy("%m", "%d", "%Y") + _dmy("%m", "%d", "%y"),
    "day first": _dmy("%d", "%m", "%Y") + _dmy("%d", "%m", "%y"),
    "named month": ["%b %d, %Y %I:%M:%S %p", "%b %d, %Y %I:%M %p", "%b %d, %Y %H:%M:%S",
                    "%b %d, %Y", "%B %d, %Y", "%d %b %Y %H:%M:%S", "%d %b %Y %H:%M", "%d %b %Y",
                    "%d %B %Y", "%a, %d %b %Y %H:%M:%S %z", "%a %b %d %H:%M:%S %Y"],
}
#: values sampled by detection
SAMPLE = 20_000


@dataclass(frozen=True)
class DateReading:
    """How a column's times are read, and what detection found (for the load's notes)."""

    formats: tuple[str, ...]
    note: str | None = None


def _strptime(v: str, formats: list[str]) -> str:
    if not formats:
        return "CAST(NULL AS TIMESTAMP)"
    listed = "[" + ", ".join(lit(f) for f in formats) + "]"
    expr = f"try_strptime({v}, {listed})"
    return f"({expr} AT TIME ZONE 'UTC')" if any("%z" in f or "%Z" in f for f in formats) else expr


def time_sql(v: str, formats: tuple[str, ...] | list[str]) -> str:
    """SQL: the UTC timestamp of the text ``v`` (trimmed, NULL when empty), by ``formats``
    then ISO 8601."""
    parts: list[str] = []
    plain = [f for f in formats if f not in EPOCHS]
    iso_cast = f"(TRY_CAST({v} AS TIMESTAMPTZ) AT TIME ZONE 'UTC')"
    if plain and set(plain) <= set(FAMILIES["iso"]):
        # DuckDB's own cast reads ISO 8601 with or without a zone, the patterns of the
        # family only the slash-separated rest: the cast first, per row the cheapest
        parts.append(iso_cast)
    for f in formats:
        if f == "epoch":
            parts.append(epoch_or_timestamp(v))
        elif f == "epoch_s":
            parts.append(f"make_timestamp(TRY_CAST(TRY_CAST({v} AS DOUBLE) * 1000000 AS BIGINT))")
        elif f == "epoch_ms":
            parts.append(f"make_timestamp(TRY_CAST({v} AS BIGINT) * 1000)")
        elif f == "epoch_us":
            parts.append(f"make_timestamp(TRY_CAST({v} AS BIGINT))")
    # a %Y pattern reads "1/12/10" as the year 10: four-digit years only where the value
    # has four digits in a row, two-digit ones (%y) otherwise
    zoned = [f for f in plain if "%z" in f or "%Z" in f]
    naive = [f for f in plain if f not in zoned]
    four = [f for f in naive if "%Y" in f]
    other = [f for f in naive if "%Y" not in f]
    if four:
        parts.append(f"CASE WHEN regexp_matches({v}, '[0-9]{{4}}') THEN {_strptime(v, four)} END")
    if other:
        parts.append(_strptime(v, other))
    if zoned:
        parts.append(_strptime(v, zoned))
    if iso_cast not in parts:
        parts.append(iso_cast)
    return f"coalesce({', '.join(parts)})"


def _epoch_kind(values: list[str]) -> str | None:
    lengths = {len(v.split(".")[0]) for v in values if v.replace(".", "", 1).isdigit()}
    if len(lengths) and all(v.replace(".", "", 1).isdigit() for v in values):
        if lengths <= {9, 10}:
            return "epoch_s"
        if lengths == {13}:
            return "epoch_ms"
        if lengths == {16}:
            return "epoch_us"
        if lengths <= {9, 10, 13, 16, 19}:
            return "epoch"
    return None


def detect(con: duckdb.DuckDBPyConnection, table: str, raw: str, *, column: str,
           file: str) -> DateReading:
    """The format of the time column ``raw`` (SQL over ``table``), from its values."""
    values = [r[0] for r in con.execute(
        f"SELECT DISTINCT {raw} AS v FROM {table} WHERE {raw} IS NOT NULL LIMIT {SAMPLE}").fetchall()]
    if not values:
        raise InputError(f"the time column {column!r} is empty on every row", file=file,
                         field=column)
    epoch = _epoch_kind(values)
    if epoch and not all(len(v) == 8 for v in values):
        return DateReading((epoch,), f"{column}: Unix epochs ({epoch.removeprefix('epoch_') or 'by length'})")
    con.execute("CREATE OR REPLACE TEMP TABLE _shoplens_dates AS SELECT unnest($v) AS v", {"v": values})

    def matching(fmts: list[str]) -> int:
        return int(con.execute(
            f"SELECT count(*) FROM _shoplens_dates WHERE {time_sql('v', fmts)} IS NOT NULL"
        ).fetchone()[0])  # type: ignore[index]

    # ISO 8601 first, by DuckDB's own cast: when it reads every value no other family can
    # win, and the other families' dozens of patterns are not tried (seconds on 20,000
    # distinct values)
    counts = {"iso": matching(FAMILIES["iso"])}
    if counts["iso"] == len(values):
        con.execute("DROP TABLE _shoplens_dates")
        return DateReading(tuple(FAMILIES["iso"]), None)
    counts.update({name: matching(fmts) for name, fmts in FAMILIES.items() if name != "iso"})
    con.execute("DROP TABLE _shoplens_dates")
    best = max(counts.values())
    if best == 0:
        raise InputError(
            f"cannot tell the date format of column {column!r} (e.g. {values[0]!r}); declare "
            "it with date_format in the mapping (a strptime pattern such as '%d/%m/%Y %H:%M', "
            "or epoch_s, epoch_ms, epoch_us)", file=file, field=column)
    if counts["iso"] == best:
        return DateReading(tuple(FAMILIES["iso"]), None)
    if counts["month first"] == counts["day first"] == best:
        sample = next((v for v in values if any(ch in v for ch in "/.-")), values[0])
        raise InputError(
            f"the day/month order of column {column!r} is ambiguous: all {len(values):,} "
            f"distinct values (e.g. {sample!r}) read both day first and month first; declare "
            "date_format in the mapping ('%d/%m/%Y' or '%m/%d/%Y', with the time if any)",
            file=file, field=column)
    name = max(counts, key=lambda k: counts[k])
    note = None
    if name in ("month first", "day first"):
        other = "day first" if name == "month first" else "month first"
        proof = _proof(con, values, FAMILIES[name], FAMILIES[other])
        note = f"{column}: dates read {name} ({proof!r} cannot be {other})"
    if best < len(values):
        share = f"{best:,} of {len(values):,} distinct values"
        note = (note + "; " if note else f"{column}: ") + f"{share} match; the others are quarantined"
    return DateReading(tuple(FAMILIES[name]), note)


def _proof(con: duckdb.DuckDBPyConnection, values: list[str], chosen: list[str],
           other: list[str]) -> str:
    row = con.execute(
        f"SELECT v FROM (SELECT unnest($v) AS v) WHERE {time_sql('v', chosen)} IS NOT NULL "
        f"AND {time_sql('v', other)} IS NULL LIMIT 1", {"v": values}).fetchone()
    return row[0] if row else values[0]


def check_declared(con: duckdb.DuckDBPyConnection, table: str, raw: str,
                   formats: tuple[str, ...], *, column: str, file: str) -> None:
    """A declared format that reads no row of the column is an error naming both."""
    row = con.execute(
        f"SELECT count(*) FILTER (WHERE {time_sql(raw, formats)} IS NOT NULL), "
        f"any_value({raw}) FILTER (WHERE {raw} IS NOT NULL) FROM {table}").fetchone()
    assert row is not None
    if row[1] is not None and not row[0]:
        raise InputError(
            f"date_format {', '.join(formats)} matches no row of column {column!r} "
            f"(a value: {row[1]!r})", file=file, field=column)
