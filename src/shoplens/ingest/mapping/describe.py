"""``shoplens load --describe FILE``: a proposed mapping from the header and first rows.

A preset whose columns the file has is proposed as such. Otherwise each field is matched
to a column by common spellings of its name, then, for files without a header, by the
look of the values (dates, whole numbers, amounts, identifiers). The date format and
decimal separator are detected as a load would; an ambiguous day/month order is reported
in the proposal, for the user to settle.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from shoplens.errors import InputError
from shoplens.ingest.mapping.columns import find_column
from shoplens.ingest.mapping.dates import detect
from shoplens.ingest.mapping.numbers import detect_decimal
from shoplens.ingest.mapping.presets import documents, preset
from shoplens.ingest.mapping.reading import read_into
from shoplens.ingest.mapping.spec import FileSpec
from shoplens.ingest.validation import ident, nz

#: rows looked at
ROWS = 500
#: common spellings of each field's column, compared without case, blanks or punctuation
ALIASES: dict[str, tuple[str, ...]] = {
    "order_id": ("order_id", "orderid", "order", "order_number", "ordernumber", "invoice",
                 "invoiceno", "invoice_no", "transaction_id", "transactionid", "order_no"),
    "user_id": ("user_id", "userid", "customer_id", "customerid", "customer", "client_id",
                "clientid", "user", "member_id", "visitor_id", "visitorid", "email",
                "customer_email", "buyer", "account_id", "anonymous_id", "user_pseudo_id"),
    "order_time": ("order_date", "orderdate", "invoicedate", "invoice_date", "created_at",
                   "createdat", "date", "datetime", "timestamp", "purchase_date", "time",
                   "transaction_date", "order_time", "paid_at"),
    "event_time": ("event_time", "timestamp", "ts", "time", "event_timestamp", "datetime",
                   "created_at", "date", "occurred_at", "derived_tstamp"),
    "event": ("event", "event_name", "eventname", "event_type", "action", "type"),
    "session_id": ("session_id", "sessionid", "session", "user_session", "domain_sessionid"),
    "product_id": ("product_id", "productid", "sku", "item_id", "itemid", "stockcode",
                   "stock_code", "product_code", "product", "item", "article"),
    "product_name": ("product_name", "description", "item_name", "title", "product_title",
                     "name"),
    "quantity": ("quantity", "qty", "units", "item_quantity", "quantity_ordered", "count"),
    "unit_price": ("unit_price", "unitprice", "price", "item_price", "price_each"),
    "amount": ("amount", "sales", "total", "revenue", "line_total", "value", "subtotal",
               "net_sales", "sale_amount"),
    "country": ("country", "billing_country", "country_code", "shipping_country"),
    "currency": ("currency", "currency_code", "order_currency"),
    "category": ("category", "product_category", "item_category"),
    "brand": ("brand", "vendor", "manufacturer", "item_brand"),
}
ORDER_KEYS = ("order_id", "user_id", "order_time", "product_id", "product_name", "quantity",
              "unit_price", "amount", "country", "currency", "category", "brand")
EVENT_KEYS = ("user_id", "event", "event_time", "session_id", "product_id", "product_name",
              "quantity", "unit_price", "category", "brand", "country", "order_id")


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


@dataclass
class Proposal:
    """A proposed mapping and what was seen on the way."""

    path: str
    reading: str
    columns: list[str]
    mapping: dict[str, object]
    notes: list[str] = field(default_factory=list)
    sample: list[list[str | None]] = field(default_factory=list)


def _preset_score(columns: list[str]) -> tuple[float, str | None]:
    best, name = 0.0, None
    for key, doc in documents().items():
        refs: list[str] = []
        for v in (doc.get("fields") or {}).values():  # type: ignore[union-attr]
            refs.extend([v] if isinstance(v, str) else v)
        bases = {re.split(r"[.\[]", r)[0] for r in refs}
        if doc.get("columns"):
            continue  # header-less presets are proposed by the values, not the names
        if any(find_column(c, columns) is None for c in doc.get("signature") or []):  # type: ignore[union-attr]
            continue
        found = sum(find_column(b, columns) is not None for b in bases) / max(len(bases), 1)
        # a platform with a signature of its own beats a look-alike (RudderStack, Segment)
        found += 0.01 * len(doc.get("signature") or [])  # type: ignore[arg-type]
        if found > best:
            best, name = found, key
    return best, name


def _by_values(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> dict[str, str]:
    """For files without a header: time, quantity, amount and customer by their values."""
    out: dict[str, str] = {}
    for c in columns:
        v = nz(ident(c))
        row = con.execute(
            f"SELECT count({v}), count(*) FILTER (WHERE regexp_full_match({v}, '[0-9]{{8}}') "
            f"OR TRY_CAST({v} AS TIMESTAMP) IS NOT NULL OR regexp_full_match({v}, "
            f"'[0-9]{{1,2}}[/.][0-9]{{1,2}}[/.][0-9]{{2,4}}( .*)?') "
            # Unix epochs of 1990-2033 in seconds, milliseconds or microseconds (an id of
            # as many digits outside those years is not taken for a time)
            f"OR TRY_CAST({v} AS DOUBLE) BETWEEN 631152000 AND 2000000000 "
            f"OR TRY_CAST({v} AS DOUBLE) BETWEEN 631152000e3 AND 2000000000e3 "
            f"OR TRY_CAST({v} AS DOUBLE) BETWEEN 631152000e6 AND 2000000000e6), "
            f"count(*) FILTER (WHERE regexp_full_match({v}, '-?[0-9]{{1,4}}')), "
            f"count(*) FILTER (WHERE regexp_full_match({v}, '-?[0-9.,]*[.,][0-9]{{1,2}}')), "
            f"count(DISTINCT {v}) FROM {table}").fetchone()
        assert row is not None
        n, dates, ints, decimals, distinct = row
        if not n:
            continue
        if dates == n and "order_time" not in out:
            out["order_time"] = c
        elif decimals + ints == n and decimals and "amount" not in out:
            out["amount"] = c
        elif ints == n and "user_id" in out and "quantity" not in out and distinct < 50:
            out["quantity"] = c
        elif "user_id" not in out:
            out["user_id"] = c
    return out


def describe_file(path: Path) -> Proposal:
    """Read the first rows of ``path`` and propose a mapping for it."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    try:
        rf = read_into(con, path, FileSpec(), "describe_rows", limit=ROWS)
        columns = list(rf.columns)
        notes: list[str] = []
        sample = [list(r) for r in con.execute(
            f"SELECT {', '.join(ident(c) for c in columns)} FROM describe_rows LIMIT 3").fetchall()]
        score, name = _preset_score(columns) if rf.header else (0.0, None)
        if score >= 0.8 and name:
            doc: dict[str, object] = {"preset": name}
            notes.append(f"the columns match the {name} preset ({preset(name).description})")
            fields = {f: v for f, v in preset(name).fields.items()}
            items = preset(name).items
            if items is not None:
                notes.append(f"each element of {items.column} becomes a row of its own "
                             "(a purchase of three products is three purchase rows)")
        else:
            lower = {_key(c): c for c in columns}
            is_events = any(a in lower for a in ALIASES["event"])
            keys = EVENT_KEYS if is_events else ORDER_KEYS
            fields = {}
            taken: set[str] = set()
            for f in keys:
                for alias in ALIASES[f]:
                    c = lower.get(alias)
                    if c is not None and c not in taken:
                        fields[f if not (is_events and f == "unit_price") else "price"] = c
                        taken.add(c)
                        break
            if not rf.header or not fields:
                fields = {**_by_values(con, "describe_rows", columns), **fields}
            doc = {"format": "events" if is_events else "orders"}
            if not rf.header:
                doc["header"] = False
        if rf.delimiter and rf.delimiter != ",":
            doc["delimiter"] = {"\t": "tab", " ": "whitespace"}.get(rf.delimiter, rf.delimiter)
        doc["fields"] = fields
        time_field = "event_time" if "event_time" in fields else "order_time"
        time_col = fields.get(time_field)
        if isinstance(time_col, str) and find_column(time_col, columns):
            try:
                reading = detect(con, "describe_rows", nz(ident(find_column(time_col, columns) or "")),
                                 column=time_col, file=str(path))
                if reading.note:
                    notes.append(reading.note)
            except InputError as exc:
                notes.append(str(exc).split(": ", 1)[-1])
                doc["date_format"] = "SET ME, e.g. '%d/%m/%Y %H:%M' or '%m/%d/%Y %H:%M'"
        amounts = [(nz(ident(c)), c) for f in ("amount", "unit_price", "price")
                   if isinstance(c := fields.get(f), str) and find_column(c, columns)]
        try:
            decimal, note = detect_decimal(con, "describe_rows", amounts, file=str(path))
            if decimal == ",":
                doc["decimal"] = ","
            if note:
                notes.append(note)
        except InputError as exc:
            notes.append(str(exc).split(": ", 1)[-1])
        return Proposal(path=str(path), reading=rf.describe_reading(), columns=columns,
                        mapping=doc, notes=notes, sample=sample)
    finally:
        con.close()
