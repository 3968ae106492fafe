"""Planning a mapped load: read the files, join them, resolve and check the mapping.

Everything here runs before the load writes anything: a column the file does not have, a
date format that reads no row, an ambiguous day/month order or mixed decimal separators
stop the load with one error naming the file and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from shoplens.errors import ConfigError, InputError
from shoplens.ingest.detect import Planned
from shoplens.ingest.layout import Layout, Options
from shoplens.ingest.mapping import build
from shoplens.ingest.mapping.columns import base_column, column_sql
from shoplens.ingest.mapping.dates import check_declared, detect
from shoplens.ingest.mapping.items import ITEM_COLUMN, exploded, item_fields, revenue_mismatches
from shoplens.ingest.mapping.numbers import detect_decimal
from shoplens.ingest.mapping.reading import ReadFile, read_into
from shoplens.ingest.mapping.spec import CUSTOMER_FIELDS, PRODUCT_FIELDS, FileSpec, Mapping
from shoplens.ingest.sources import JSONL_SUFFIXES, PARQUET_SUFFIXES, SourceFile
from shoplens.ingest.validation import control_checks, ident, nz

#: order-level fields an export may leave empty on an order's later lines
ORDER_LEVEL = ("user_id", "order_time", "country", "currency")
#: fields whose values are amounts (decimal separator detection)
AMOUNTS = ("amount", "unit_price", "price", "quantity")


@dataclass(frozen=True)
class MappedSource(SourceFile):
    """A file read through a mapping: its rows are a scratch table, not the file."""

    sql: str = ""
    #: the files its rows are read (and joined) from
    raw_files: tuple[Path, ...] = ()

    def relation(self) -> str:
        return self.sql

    def may_hold_control_characters(self) -> bool:
        """As for a plain CSV, over every file the rows come from (any of them not
        plain delimited text, or holding a control byte, keeps the per-value checks)."""
        return not self.raw_files or any(
            f.suffix.lower() in (*PARQUET_SUFFIXES, *JSONL_SUFFIXES)
            or SourceFile(path=f, container="csv", columns=()).may_hold_control_characters()
            for f in self.raw_files)

    def params(self) -> dict[str, Any]:
        return {}


def _path(base: Path | None, spec: FileSpec | None, role: str) -> Path | None:
    if spec is None or spec.path is None:
        return None
    p = Path(spec.path)
    if not p.is_absolute() and base is not None:
        p = base / p
    return p


def _joined(con: duckdb.DuckDBPyConnection, lines: ReadFile, joins: dict[str, tuple[ReadFile, FileSpec]],
            table: str, notes: list[str]) -> tuple[str, ...]:
    """``lines`` left-joined with the orders/customers/products files on their keys (first
    row per key); a joined file's column ``c`` is ``role.c``, and ``c`` where the lines
    have no such column."""
    names = list(lines.columns)
    select = [f"l.{ident(c)}" for c in lines.columns]
    sql_from = f"{lines.table} AS l"
    visible = {c: f"l.{ident(c)}" for c in lines.columns}
    for role in ("orders", "customers", "products"):
        if role not in joins:
            continue
        rf, spec = joins[role]
        key = base_column(spec.key or "", rf.columns)
        if key is None:
            raise InputError(f"the mapping joins the {role} file on {spec.key!r}, which it "
                             f"does not have; its columns: {', '.join(rf.columns)}", file=rf.name)
        on_ref = spec.joins or spec.key or ""
        on = base_column(on_ref, [*visible])
        if on is None:
            raise InputError(f"the mapping joins the {role} file on the lines' column {on_ref!r}, "
                             f"which they do not have; their columns: {', '.join(visible)}",
                             file=lines.name)
        dups = con.execute(f"SELECT count(*) - count(DISTINCT {nz(ident(key))}) FROM {rf.table}"
                           ).fetchone()[0]  # type: ignore[index]
        if dups:
            notes.append(f"{rf.name}: {dups:,} repeated {key!r} value(s); the first row of each "
                         "is joined")
        alias = role[0]
        sql_from += (
            f" LEFT JOIN (SELECT * FROM {rf.table} QUALIFY row_number() OVER (PARTITION BY "
            f"{nz(ident(key))} ORDER BY _line) = 1) AS {alias} "
            f"ON {nz(visible[on])} = {nz(f'{alias}.{ident(key)}')}")
        for c in rf.columns:
            select.append(f"{alias}.{ident(c)} AS {ident(f'{role}.{c}')}")
            names.append(f"{role}.{c}")
            if c not in visible:
                select.append(f"{alias}.{ident(c)} AS {ident(c)}")
                names.append(c)
                visible[c] = f"{alias}.{ident(c)}"
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT {', '.join(select)}, l._line "
                f"FROM {sql_from} ORDER BY l._line")
    return tuple(names)


def _filled(m: Mapping, table: str, columns: tuple[str, ...]) -> str:
    """The relation, order-level columns filled from the order's other lines."""
    if m.format != "orders" or not m.columns_of("order_id"):
        return f"SELECT * FROM {table}"
    order = base_column(m.columns_of("order_id")[0], columns)
    if order is None:
        return f"SELECT * FROM {table}"
    fills = []
    for f in ORDER_LEVEL:
        for ref in m.columns_of(f):
            c = base_column(ref, columns)
            if c is not None and c != order and ident(c) not in " ".join(fills):
                fills.append(f"coalesce({nz(ident(c))}, max({nz(ident(c))}) OVER "
                             f"(PARTITION BY {nz(ident(order))})) AS {ident(c)}")
    if not fills:
        return f"SELECT * FROM {table}"
    return f"SELECT * REPLACE ({', '.join(fills)}) FROM {table}"


def _repeats(m: Mapping, relation: str, columns: tuple[str, ...]) -> str:
    """A transactions file without order ids cannot tell a second purchase of the same
    amount on the same day from a copy of the line: each repeat of a line is numbered
    (``_repeat``: 1, 2, ...) and enters the line's id, so repeats are purchases, and
    loading the same file again still adds nothing."""
    if m.format != "orders" or m.columns_of("order_id"):
        return relation
    cells = ", ".join(ident(c) for c in columns)
    return (f"SELECT *, row_number() OVER (PARTITION BY {cells} ORDER BY _line) AS _repeat "
            f"FROM ({relation}) AS r")


def _refund_copies(m: Mapping, relation: str, columns: tuple[str, ...], file: str) -> str:
    """Rows that are bought-then-refunded orders once more, as ``_refund_copy``."""
    rule = m.refund
    if m.format != "orders" or not (rule.column and rule.keeps_purchase):
        return relation
    matches = rule.matches_sql(column_sql(rule.column, columns, file=file, field="refund"))
    return (f"SELECT *, false AS _refund_copy FROM ({relation}) AS r UNION ALL "
            f"SELECT *, true AS _refund_copy FROM ({relation}) AS r WHERE {matches}")


def resolve(con: duckdb.DuckDBPyConnection, m: Mapping, table: str, relation: str,
            columns: tuple[str, ...], fields: dict[str, list[str]], *, file: str,
            time_field: str | None, notes: list[str], decimal: str | None,
            items: bool = False) -> build.Resolved:
    """Each field's columns as SQL; the date format and decimal separator from the data.

    With ``items`` the relation has one row per array element (``_item``): the fields may
    read the element, and the data is looked at through the relation."""
    scope = (*columns, ITEM_COLUMN) if items else columns
    if items:
        table = f"({relation}) AS _rows"
    exprs = {f: [column_sql(ref, scope, file=file, field=f) for ref in refs]
             for f, refs in fields.items() if refs}
    sources = {f: refs[0] for f, refs in fields.items() if refs}
    formats: tuple[str, ...] = ()
    if time_field and time_field in exprs:
        raw = exprs[time_field][0]
        column = sources[time_field]
        if m.date_formats:
            formats = tuple(m.date_formats)
            check_declared(con, table, raw, formats, column=column, file=file)
        else:
            reading = detect(con, table, raw, column=column, file=file)
            formats = reading.formats
            if reading.note:
                notes.append(f"{file}: {reading.note}")
    if decimal is None:
        raws = [(exprs[f][0], sources[f]) for f in AMOUNTS if f in exprs]
        decimal, note = detect_decimal(con, table, raws, file=file) if raws else (".", None)
        if note:
            notes.append(f"{file}: {note}")
    return build.Resolved(relation=relation, columns=columns, exprs=exprs, sources=sources,
                          time_formats=formats, decimal=decimal, items=items)


def _layout(name: str, fmt: str, kind: str, sql: str, sessionize: bool) -> Layout:
    return Layout(name=name, format=fmt, kind=kind, fields={}, required=(),
                  detect=lambda cols, src: False, build=lambda src, r, opts: sql,
                  sessionize_without="f_session" if sessionize else None,
                  describe=f"a declared {fmt} mapping")


def plan_mapped(paths: list[Path], m: Mapping, con: duckdb.DuckDBPyConnection,
                notes: list[str], opts: Options, mapping_dir: Path | None = None) -> list[Planned]:
    """The planned files of a mapped load (lines files, then customers/products files)."""
    m.check()
    folders = [p for p in paths if p.is_dir()]
    base = folders[0] if folders else mapping_dir
    line_paths = [p for p in paths if not p.is_dir()]
    declared = _path(base, m.files.get("lines"), "lines")
    if declared is not None:
        line_paths = [declared]
    if not line_paths:
        raise ConfigError("name the file to load, or the lines file in the mapping's "
                          "files: lines: path:")
    name = m.preset or "mapping"
    planned: list[Planned] = []
    joins: dict[str, tuple[ReadFile, FileSpec]] = {}
    for role in ("orders", "customers", "products"):
        spec = m.files.get(role)
        p = _path(base, spec, role)
        if spec is not None:
            if p is None:
                raise ConfigError(f"the {role} file of the mapping needs a path")
            joins[role] = (read_into(con, p, spec, f"mapped_{role}"), spec)
    for i, path in enumerate(line_paths):
        lines = read_into(con, path, m.lines_spec(), f"mapped_lines_{i}")
        table = f"mapped_rel_{i}"
        columns = _joined(con, lines, joins, table, notes) if joins else lines.columns
        if not joins:
            table = lines.table
        relation = _refund_copies(m, _repeats(m, _filled(m, table, columns), columns), columns,
                                  lines.name)
        if m.format == "orders" and not m.columns_of("order_id"):
            repeats = con.execute(f"SELECT count(*) FILTER (WHERE _repeat > 1), "
                                  f"min(_line) FILTER (WHERE _repeat > 1) FROM ({relation}) AS r"
                                  ).fetchone()
            if repeats and repeats[0]:
                notes.append(f"{lines.name}: {repeats[0]:,} line(s) repeat an earlier line "
                             f"exactly (first: line {repeats[1]}); without order ids they are "
                             "loaded as further purchases, not as duplicates")
        if m.items is not None:
            array = column_sql(m.items.column, columns, file=lines.name, field="items")
            relation = exploded(relation, array)
        fields = item_fields(m)
        time_field = "order_time" if m.format == "orders" else "event_time"
        r = resolve(con, m, table, relation, columns, fields, file=lines.name,
                    time_field=time_field, notes=notes, decimal=m.lines_spec().decimal,
                    items=m.items is not None)
        if m.items is not None:
            rows, items = con.execute(f"SELECT count(DISTINCT _line), count(*) FROM ({relation}) "
                                      "AS r").fetchone()  # type: ignore[misc]
            if items > rows:
                notes.append(f"{lines.name}: {rows:,} rows hold {items:,} items; each item is "
                             "loaded (and counted) as a row of its own")
            n, line, items_sum, revenue = revenue_mismatches(con, relation, r.exprs, r.decimal)
            if n:
                notes.append(
                    f"{lines.name}: {n:,} row(s) whose items' price x quantity do not add up "
                    f"to their revenue (first: line {line}, items {items_sum}, revenue "
                    f"{revenue}); revenue is counted from the items")

        def columns_sql(ref: str, _cols: tuple[str, ...] = columns, _f: str = lines.name) -> str:
            return column_sql(ref, _cols, file=_f, field="a rule of the mapping")

        src = MappedSource(path=path, container="mapped", columns=columns, sql=relation,
                           raw_files=(path, *(rf.path for rf, _spec in joins.values())))
        checks = control_checks(src.may_hold_control_characters())
        if m.format == "orders":
            with checks:
                sql = build.order_lines_sql(m, r, opts, columns_sql)
            layout = _layout(name, "orders", "order_lines", sql, False)
        else:
            refs_used = [ref for refs in fields.values() for ref in refs]
            if m.items is not None:
                refs_used.append(m.items.column)
            used = {base_column(ref, columns) for ref in refs_used}
            used |= {base_column(ref.split(".")[0].split("[")[0], columns) for ref in refs_used}
            extras = [c for c in columns if c not in used and "." not in c]
            with checks:
                sql = build.events_sql(m, r, extras, opts, columns_sql)
            layout = _layout(name, "events", "events", sql, not r.one("session_id"))
        planned.append(Planned(src, layout, {"f_session": r.src("session_id")}))
    for role, kind, known in (("customers", "users", CUSTOMER_FIELDS),
                              ("products", "products", PRODUCT_FIELDS)):
        if role not in joins:
            continue
        rf, spec = joins[role]
        key_field = "user_id" if role == "customers" else "product_id"
        fields = {f: [spec.fields[f]] for f in known if spec.fields.get(f)}
        fields.setdefault(key_field, [spec.key or ""])
        unknown = sorted(set(spec.fields) - set(known))
        if unknown:
            raise ConfigError(f"unknown {role} field(s) {', '.join(unknown)} in the mapping; "
                              f"known: {', '.join(known)}")
        r = resolve(con, m.model_copy(update={"date_format": None}), rf.table,
                    f"SELECT * FROM {rf.table}", rf.columns, fields, file=rf.name,
                    time_field="signup_date" if role == "customers" else None, notes=notes,
                    decimal=spec.decimal)
        src = MappedSource(path=rf.path, container="mapped", columns=rf.columns,
                           sql=f"SELECT * FROM {rf.table}", raw_files=(rf.path,))
        with control_checks(src.may_hold_control_characters()):
            sql = (build.customers_sql(r, m.hash_user_id) if role == "customers"
                   else build.products_sql(r))
        planned.insert(0, Planned(src, _layout(f"{name}-{role}", "orders", kind, sql, False), {}))
    return planned
