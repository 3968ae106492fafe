"""The validating SELECTs of mapped files: order lines, events, customers, products.

Each is assembled with :func:`shoplens.ingest.validation.build_select` like the built-in
formats, so mapped rows go through the same checks, quarantine, duplicate detection and
sinks: order lines become ``orders``/``order_items`` and are mirrored into purchase and
refund events; events feed ``events``, ``sessions``, ``users`` and ``products``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from shoplens.ingest.formats.common import (
    NULL_TEXT,
    event_outputs,
    known_event_type,
    optional_parsed,
    parsed_value,
    required_value,
)
from shoplens.ingest.ids import row_id
from shoplens.ingest.layout import Options
from shoplens.ingest.mapping.dates import time_sql
from shoplens.ingest.mapping.items import ITEM_NO
from shoplens.ingest.mapping.numbers import integer_sql, money_sql
from shoplens.ingest.mapping.spec import Mapping
from shoplens.ingest.transactions import order_id_sql
from shoplens.ingest.validation import Check, build_select, csv_line, lit, quoted

#: the product of an order line whose export names none (order-level exports)
NO_PRODUCT = "(no product)"


@dataclass(frozen=True)
class Resolved:
    """A mapping resolved against one relation: each field as SQL text over it (trimmed,
    NULL when empty), the source column each came from, and what the data told."""

    relation: str
    columns: tuple[str, ...]
    exprs: dict[str, list[str]] = field(default_factory=dict)  # field -> SQL, by preference
    sources: dict[str, str] = field(default_factory=dict)  # field -> the column reference
    time_formats: tuple[str, ...] = ()
    decimal: str = "."
    items: bool = False  # one row per array element: ``_item_no`` is part of the row id

    def one(self, name: str) -> str | None:
        got = self.exprs.get(name)
        return got[0] if got else None

    def first(self, name: str) -> str:
        """The first non-empty of the field's columns (NULL text when unmapped)."""
        got = self.exprs.get(name) or []
        if not got:
            return NULL_TEXT
        return got[0] if len(got) == 1 else f"coalesce({', '.join(got)})"

    def src(self, name: str) -> str | None:
        return self.sources.get(name)


def _control(r: Resolved) -> dict[str, str]:
    """Every mapped value (its text expression) and the column it reads: each is checked
    for control characters, as the built-in layouts check their columns."""
    return {expr: r.src(name) or name for name, exprs in r.exprs.items() for expr in exprs}


def _position(r: Resolved) -> tuple[str, ...]:
    """The array element's position, part of the row id when rows are items."""
    return (ITEM_NO,) if r.items else ()


def _user(m: Mapping, r: Resolved) -> str:
    user = r.first("user_id")
    if user == NULL_TEXT:
        return user
    # ids exported as floats (17850.0) are the integer (the regular expression only where a
    # dot makes it possible: most ids have none)
    user = (f"CASE WHEN contains({user}, '.') THEN regexp_replace({user}, '^(-?[0-9]+)\\.0+$', "
            f"'\\1') ELSE {user} END")
    if m.hash_user_id:
        # e-mail addresses are personal: keep a stable pseudonym instead
        user = f"'u-' || left(sha256(lower({user})), 20)"
    return user


def _excluded(m: Mapping, r: Resolved, columns_sql: Callable[[str], str]) -> list[Check]:
    checks = []
    for column, values in m.exclude.items():
        v = columns_sql(column)
        listed = ", ".join(lit(x.lower()) for x in values)
        checks.append(Check(f"lower({v}) IN ({listed})", column,
                            f"'excluded by the mapping: ' || {lit(column)} || ' is ' || {quoted(v)}"))
    return checks


def _refund(m: Mapping, columns_sql: Callable[[str], str], qty: str, amount: str) -> str:
    parts = []
    rule = m.refund
    if rule.column and rule.keeps_purchase:
        parts.append("_refund_copy")  # the copy the relation adds (see plan._refund_copies)
    elif rule.column:
        parts.append(rule.matches_sql(columns_sql(rule.column)))
    if rule.negative:
        parts.append(f"coalesce({qty} < 0, false) OR coalesce({amount} < 0, false)")
    return " OR ".join(f"({p})" for p in parts) if parts else "false"


def order_lines_sql(m: Mapping, r: Resolved, opts: Options,
                    columns_sql: Callable[[str], str]) -> str:
    """Order lines (one row per line, or per order for order-level exports)."""
    dec = r.decimal
    qty_raw, amount_raw, price_raw = r.first("quantity"), r.first("amount"), r.first("unit_price")
    parsed = {
        "v_user": _user(m, r),
        "v_time_raw": r.first("order_time"),
        "v_time": time_sql("v_time_raw", r.time_formats),
        "v_qty_raw": qty_raw,
        "v_qty_in": f"coalesce({integer_sql('v_qty_raw', dec)}, "
                    f"CASE WHEN v_qty_raw IS NULL THEN 1 END)",
        "v_amount_raw": amount_raw,
        "v_amount": money_sql("v_amount_raw", dec),
        "v_price_raw": price_raw,
        "v_price_in": money_sql("v_price_raw", dec),
        "v_refund": _refund(m, columns_sql, "v_qty_in", "coalesce(v_amount, v_price_in)"),
        "v_qty": "abs(v_qty_in)",
        # the unit price: declared, else the line amount over the quantity
        "v_price": "abs(coalesce(v_price_in, CAST(v_amount / NULLIF(abs(v_qty_in), 0) "
                   "AS DECIMAL(18, 4))))",
        "v_order": r.first("order_id") if r.one("order_id") else
        "'t-' || lower(hex(hash(v_user, v_time_raw)))",
        "v_product": f"coalesce({r.first('product_id')}, {r.first('product_name')}, {lit(NO_PRODUCT)})",
        "v_desc": r.first("product_name"),
        "v_country": f"upper({r.first('country')})",
        "v_currency": f"upper({r.first('currency')})",
    }
    unit = "v_price_raw" if r.one("unit_price") else "v_amount_raw"
    unit_src = r.src("unit_price") or r.src("amount")
    checks = [
        *_excluded(m, r, columns_sql),
        required_value("v_order", r.src("order_id"), "order id"),
        *parsed_value("v_time_raw", "v_time", r.src("order_time"), "time"),
        Check("v_qty_in IS NULL", r.src("quantity"), "'unparsable quantity ' || " + quoted("v_qty_raw")),
        Check("v_qty_in = 0", r.src("quantity"), "'zero quantity'"),
        *parsed_value(unit, "coalesce(v_price_in, v_amount)", unit_src, "amount"),
        Check("NOT v_refund AND (v_qty_in < 0 OR coalesce(v_price_in, v_amount) < 0)", unit_src,
              "'negative quantity or amount, and the mapping has no refund rule for it'"),
    ]
    if m.currency and r.one("currency"):
        checks.append(Check(f"v_currency IS NOT NULL AND v_currency <> {lit(m.currency.upper())}",
                            r.src("currency"),
                            f"'currency ' || {quoted('v_currency')} || ' is not the shop''s "
                            f"{m.currency.upper()}'"))
    if not opts.guest_orders:
        checks.append(Check("v_user IS NULL", r.src("user_id"),
                            "'missing customer id (the line cannot belong to a user; load with "
                            "guest orders to keep it)'"))
    outputs = {
        "item_id": row_id("order_item", "v_order", "v_product", "v_desc", "v_qty_in", "v_time",
                          "v_price", "v_user", "v_country", "v_refund", *_position(r),
                          *(() if r.one("order_id") else ("_repeat",))),
        "order_id": "v_order", "product_id": "v_product", "description": "v_desc",
        "quantity": "CAST(v_qty AS INTEGER)", "unit_price": "v_price", "is_refund": "v_refund",
        "order_time": "v_time", "user_id": "v_user", "country": "v_country",
    }
    return build_select(r.relation, {}, parsed, outputs, checks, csv_line(r.columns),
                        _control(r))


def events_sql(m: Mapping, r: Resolved, extras: list[str], opts: Options,
               columns_sql: Callable[[str], str]) -> str:
    """Events (one row per event)."""
    dec = r.decimal
    custom = {name: t for t, names in m.events.items() for name in names}
    known = known_event_type("v_event")
    if custom:
        whens = " ".join(f"WHEN {lit(k.lower())} THEN {lit(v)}" for k, v in custom.items())
        known = f"coalesce(CASE lower(v_event) {whens} END, {known})"
    session = r.first("session_id")
    if m.session_per_user and session != NULL_TEXT:
        session = f"CASE WHEN {session} IS NOT NULL THEN v_user || ':' || {session} END"
    props = NULL_TEXT
    if extras:
        pairs = ", ".join(f"{lit(c)}, {columns_sql(c)}" for c in extras)
        props = f"CAST(json_object({pairs}) AS VARCHAR)"
    parsed = {
        "v_user": _user(m, r),
        "v_time_raw": r.first("event_time"),
        "v_time": time_sql("v_time_raw", r.time_formats),
        "v_event": r.first("event"),
        "v_type": known,
        "v_product": r.first("product_id"),
        "v_session": session,
        "v_price_raw": r.first("price"),
        "v_price": money_sql("v_price_raw", dec),
        "v_qty_raw": r.first("quantity"),
        "v_qty": "1" if r.first("quantity") == NULL_TEXT else
        f"coalesce({integer_sql('v_qty_raw', dec)}, CASE WHEN v_qty_raw IS NULL THEN 1 END)",
        "v_props": props,
    }
    users = ", ".join(m.columns_of("user_id"))
    checks = [
        *_excluded(m, r, columns_sql),
        Check("v_user IS NULL", r.src("user_id"), f"'missing user id (none of {users} has a value)'"),
        *parsed_value("v_time_raw", "v_time", r.src("event_time"), "time"),
        required_value("v_event", r.src("event"), "event name"),
        optional_parsed("v_price_raw", "v_price", r.src("price"), "price"),
        Check("v_price < 0", r.src("price"), "'negative price ' || " + quoted("v_price_raw")),
        Check("v_qty IS NULL OR v_qty <= 0", r.src("quantity"),
              "'quantity must be a positive whole number, got ' || " + quoted("v_qty_raw")),
    ]
    outputs = event_outputs(
        user="v_user", session="v_session", event_type="v_type", raw_event="v_event",
        product="v_product", price="v_price", quantity="v_qty", time="v_time",
        properties="v_props", category=r.first("category"), brand=r.first("brand"),
        name=r.first("product_name"), country=f"upper({r.first('country')})",
        order_id=order_id_sql(r.first("order_id")),
    )
    if r.items:
        outputs["event_id"] = row_id("event", "v_user", "v_session", "v_event", "v_product",
                                     "v_price", "v_qty", "v_time", "v_props", *_position(r))
    return build_select(r.relation, {}, parsed, outputs, checks, csv_line(r.columns),
                        _control(r))


def customers_sql(r: Resolved, hash_user: bool) -> str:
    user = r.first("user_id")
    if hash_user:
        user = f"'u-' || left(sha256(lower({user})), 20)"
    parsed = {
        "v_user": f"regexp_replace({user}, '^(-?[0-9]+)\\.0+$', '\\1')",
        "v_signup_raw": r.first("signup_date"),
        "v_signup": f"CAST({time_sql('v_signup_raw', r.time_formats)} AS DATE)",
        "v_country": f"upper({r.first('country')})",
    }
    checks = [
        required_value("v_user", r.src("user_id"), "customer id"),
        optional_parsed("v_signup_raw", "v_signup", r.src("signup_date"), "signup date"),
    ]
    outputs = {"user_id": "v_user", "signup_date": "v_signup", "country": "v_country"}
    return build_select(r.relation, {}, parsed, outputs, checks, csv_line(r.columns),
                        _control(r))


def products_sql(r: Resolved) -> str:
    parsed = {
        "v_product": r.first("product_id"),
        "v_price_raw": r.first("price"),
        "v_price": money_sql("v_price_raw", r.decimal),
    }
    checks = [
        required_value("v_product", r.src("product_id"), "product id"),
        optional_parsed("v_price_raw", "v_price", r.src("price"), "price"),
    ]
    outputs = {"product_id": "v_product", "category": r.first("category"),
               "category_id": NULL_TEXT, "price": "v_price", "brand": r.first("brand"),
               "name": r.first("product_name")}
    return build_select(r.relation, {}, parsed, outputs, checks, csv_line(r.columns),
                        _control(r))
