"""Amounts and quantities of mapped files: decimal comma or point, thousands separators,
currency signs.

European exports (``;``-separated, ``1,50``) write a decimal comma; others a point,
sometimes with thousands separators (``1,234.50``). The separator is detected from the
amount columns' values: commas before one to two final digits and no point-decimal value
anywhere mean a decimal comma; values of both kinds in one file stop the load and ask for
``decimal:`` in the mapping instead of guessing.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from shoplens.errors import InputError

# three digits after the only separator (1,234 / 1.500) could be either: counted as neither
_COMMA = r"^[-+]?[0-9]{1,3}(\.[0-9]{3})+,[0-9]+$|^[-+]?[0-9]*,([0-9]{1,2}|[0-9]{4,})$"
_POINT = r"^[-+]?[0-9]{1,3}(,[0-9]{3})+\.[0-9]+$|^[-+]?[0-9]*\.([0-9]{1,2}|[0-9]{4,})$"
#: what is stripped before parsing: currency signs and codes, blanks
_NOISE = r"[^0-9,.+\-]"


def _clean(v: str) -> str:
    return f"regexp_replace({v}, '{_NOISE}', '', 'g')"


def detect_decimal(con: duckdb.DuckDBPyConnection, table: str,
                   raws: Sequence[tuple[str, str]], *, file: str) -> tuple[str, str | None]:
    """``","`` or ``"."`` for the amount columns ``raws`` (SQL, column name), and a note
    when a decimal comma was detected."""
    comma = point = 0
    example: dict[str, tuple[str, str]] = {}
    for raw, column in raws:
        v = _clean(raw)
        row = con.execute(
            f"SELECT count(*) FILTER (WHERE regexp_matches({v}, '{_COMMA}')), "
            f"count(*) FILTER (WHERE regexp_matches({v}, '{_POINT}')), "
            f"any_value({raw}) FILTER (WHERE regexp_matches({v}, '{_COMMA}')), "
            f"any_value({raw}) FILTER (WHERE regexp_matches({v}, '{_POINT}')) FROM {table}"
        ).fetchone()
        assert row is not None
        comma += row[0]
        point += row[1]
        if row[2] is not None:
            example.setdefault(",", (row[2], column))
        if row[3] is not None:
            example.setdefault(".", (row[3], column))
    if comma and point:
        (c_val, c_col), (p_val, p_col) = example[","], example["."]
        raise InputError(
            f"amounts use both a decimal comma ({c_val!r} in {c_col!r}) and a decimal point "
            f"({p_val!r} in {p_col!r}); declare decimal: ',' or decimal: '.' in the mapping",
            file=file)
    if comma:
        val, column = example[","]
        return ",", f"{column}: decimal comma ({val!r})"
    return ".", None


def money_sql(v: str, decimal: str) -> str:
    """SQL: the amount in the text ``v`` as DECIMAL(18, 4), NULL when unparsable."""
    clean = _clean(v)
    if decimal == ",":
        clean = f"replace(replace({clean}, '.', ''), ',', '.')"
        return f"TRY_CAST(NULLIF({clean}, '') AS DECIMAL(18, 4))"
    clean = f"replace({clean}, ',', '')"
    # most amounts are plain numbers: the cast alone reads them, the regular expression
    # (signs, codes, thousands separators) runs only on the others
    return (f"coalesce(TRY_CAST({v} AS DECIMAL(18, 4)), "
            f"TRY_CAST(NULLIF({clean}, '') AS DECIMAL(18, 4)))")


def integer_sql(v: str, decimal: str) -> str:
    """SQL: a whole number (``3``, ``3.0``, ``3,0``), NULL otherwise."""
    d = money_sql(v, decimal).replace("DECIMAL(18, 4)", "DECIMAL(38, 6)")
    return f"CASE WHEN {d} = trunc({d}) AND abs({d}) < 2147483648 THEN CAST({d} AS INTEGER) END"
