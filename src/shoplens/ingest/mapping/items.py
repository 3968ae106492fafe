"""Rows that carry several products: one order line or product event per array element.

A GA4 BigQuery export writes a purchase as one row whose ``items`` array lists every
product bought (``item_id``, ``item_name``, ``item_brand``, ``item_category``, ``price``,
``quantity``); Segment's Ecommerce spec v2 writes "Order Completed" with
``properties.products[]``. The mapping's ``items`` names the array and the keys inside an
element; the row is then repeated once per element (``_item`` holds the element as JSON,
``_item_no`` its 1-based position), and each field reads the element's key first, the
row's own column after. A row with an empty or missing array stays one row.

The element's position enters the row id: two identical elements of one purchase (the
same product listed twice) are two lines, not a duplicate.
"""

from __future__ import annotations

import duckdb

from shoplens.ingest.mapping.columns import ITEM_COLUMN
from shoplens.ingest.mapping.numbers import integer_sql, money_sql
from shoplens.ingest.mapping.spec import Mapping

#: the 1-based position of the element (``_item``, JSON text) in its row's array (1 for a
#: row without elements)
ITEM_NO = "_item_no"
__all__ = ["ITEM_COLUMN", "ITEM_NO", "exploded", "item_fields", "revenue_mismatches"]


def exploded(relation: str, array_sql: str) -> str:
    """``relation`` with one row per element of the JSON array ``array_sql`` (SQL text).

    A value that is not a JSON array (empty, ``null``, an object, not JSON) counts as no
    elements: the row is kept once with ``_item`` NULL."""
    elements = (f"coalesce(CASE WHEN json_valid({array_sql}) THEN "
                f"CAST(json_extract({array_sql}, '$[*]') AS JSON[]) END, [])")
    return (
        f"SELECT * EXCLUDE (_items), CAST(_items[{ITEM_NO}] AS VARCHAR) AS {ITEM_COLUMN} FROM ("
        f"SELECT *, unnest(range(1, greatest(len(_items), 1) + 1)) AS {ITEM_NO} FROM ("
        f"SELECT *, {elements} AS _items FROM ({relation}) AS _rows) AS _listed) AS _each")


def item_fields(m: Mapping) -> dict[str, list[str]]:
    """Each field's column references: the element's keys first, then the row's columns."""
    fields = {f: m.columns_of(f) for f in m.fields}
    if m.items is None:
        return fields
    for name in m.items.fields:
        keys = [f"{ITEM_COLUMN}.{k}" for k in m.items.keys_of(name)]
        fields[name] = [*keys, *fields.get(name, [])]
    return fields


def revenue_mismatches(con: duckdb.DuckDBPyConnection, relation: str, exprs: dict[str, list[str]],
                       decimal: str) -> tuple[int, int | None, str | None, str | None]:
    """Rows whose declared ``revenue`` differs (by more than a cent) from the sum of their
    items' ``price * quantity``: how many, the first line, its items' sum and its revenue.

    Only rows with a revenue and at least one priced item are compared."""

    def first(name: str) -> str | None:
        got = exprs.get(name) or []
        if not got:
            return None
        return got[0] if len(got) == 1 else f"coalesce({', '.join(got)})"

    revenue, price, qty = first("revenue"), first("price"), first("quantity")
    if revenue is None or price is None:
        return 0, None, None, None
    q = f"coalesce({integer_sql(qty, decimal)}, 1)" if qty else "1"
    row = con.execute(
        f"WITH lines AS (SELECT _line, any_value({money_sql(revenue, decimal)}) AS revenue, "
        f"sum({money_sql(price, decimal)} * {q}) AS items FROM ({relation}) AS r "
        f"WHERE {ITEM_COLUMN} IS NOT NULL GROUP BY _line) "
        "SELECT count(*), min(_line), arg_min(CAST(items AS VARCHAR), _line), "
        "arg_min(CAST(revenue AS VARCHAR), _line) FROM lines "
        "WHERE revenue IS NOT NULL AND items IS NOT NULL AND abs(items - revenue) > 0.01"
    ).fetchone()
    assert row is not None
    return int(row[0]), row[1], row[2], row[3]
