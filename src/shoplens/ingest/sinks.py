"""Where normalized rows go: one sink per kind of row.

A sink receives batches of good rows (Arrow, with ``_line``), drops exact duplicates
within the load into the quarantine, remembers what the derived tables need (users,
products, sessions, orders) in the scratch database, and appends the rows to the target
through ``Engine.append_arrow``. Rows that may already be in the target (their time lies
in the range the target already holds) are appended to a staging table instead and
inserted by one anti-join at the end, so a re-load adds nothing while a load of new data
pays nothing for the check.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from shoplens.errors import InputError
from shoplens.ingest.context import LoadContext
from shoplens.ingest.derived import compact as _compact
from shoplens.ingest.derived import derived_orders_sql
from shoplens.ingest.seen import SeenIds, as_int64, sorted_if_unique
from shoplens.ingest.transactions import Transactions

EVENT_COLS = ("event_id", "user_id", "session_id", "event_type", "raw_event", "product_id",
              "price", "quantity", "event_time", "properties")
ITEM_COLS = ("item_id", "order_id", "line_no", "product_id", "description", "quantity",
             "unit_price", "is_refund")
SEARCH_COLS = ("search_id", "user_id", "search_query", "clicked_product_ids", "ts")


def _with_load_id(table: pa.Table, load_id: int) -> pa.Table:
    return table.append_column("load_id", pa.repeat(pa.scalar(load_id, pa.int64()), table.num_rows))


def drop_duplicates(ctx: LoadContext, kind: str, id_col: str, file_no: int,
                    batch: pa.Table, what: str = "exact duplicate of line") -> pa.Table:
    """Quarantine rows whose id was seen earlier in this load; remember the rest.

    The raw text of a duplicate is its first occurrence's; the quarantine keeps the
    duplicate's normalized values as JSON.
    """
    sc = ctx.scratch
    sc.execute(f"CREATE TABLE IF NOT EXISTS seen_{kind} (id BIGINT, file INTEGER, line BIGINT)")
    seen = ctx.seen_ids.setdefault(kind, SeenIds())
    col = batch.column(id_col)
    ordered = None

    def remember(name: str) -> None:
        # the table is where a later duplicate finds its earlier line
        sc.execute(f"INSERT INTO seen_{kind} SELECT {id_col}, $file, _line FROM {name}",
                   {"file": file_no})

    with sc.registered(batch) as name:
        # most batches hold no duplicate: a check in time of the batch's own size (see
        # shoplens.ingest.seen), or past its capacity two counts, spare them the joins
        if seen.overflowed or col.null_count:
            clean = not sc.one(
                f"SELECT (SELECT count(*) FROM (SELECT 1 FROM {name} GROUP BY {id_col} "
                f"HAVING count(*) > 1)) + (SELECT count(*) FROM seen_{kind} s SEMI JOIN "
                f"{name} b ON s.id = b.{id_col})")[0]
        else:
            ordered = sorted_if_unique(as_int64(col))  # None: a repeat within the batch
            clean = ordered is not None and not seen.any_seen(ordered)
        if clean:
            if ordered is not None:
                seen.add(ordered, ordered=True)
            remember(name)
            return batch
        dups = sc.sql(
            f"WITH f AS (SELECT {id_col} AS id, min(_line) AS first FROM {name} "
            f"GROUP BY {id_col} HAVING count(*) > 1), "
            f"s AS (SELECT s.id, s.file, s.line FROM seen_{kind} s SEMI JOIN {name} b "
            f"ON s.id = b.{id_col}), "
            f"d AS (SELECT b.*, coalesce(s.file, $file) AS _dup_file, "
            f"coalesce(s.line, f.first) AS _dup_line FROM {name} b "
            f"LEFT JOIN s ON s.id = b.{id_col} LEFT JOIN f ON f.id = b.{id_col} "
            f"WHERE s.id IS NOT NULL OR b._line > f.first) "
            f"SELECT _line, CAST(NULL AS VARCHAR) AS _field, "
            f"$what || ' ' || _dup_line || CASE WHEN _dup_file <> $file "
            f"THEN ' of ' || list_extract($files, _dup_file + 1) ELSE '' END AS _reason, "
            f"CAST(to_json(x) AS VARCHAR) AS _raw FROM (SELECT * EXCLUDE (_dup_file, _dup_line) "
            f"FROM d) AS x, (SELECT _dup_file, _dup_line, _line AS l2 FROM d) AS y "
            f"WHERE x._line = y.l2 ORDER BY _line",
            {"file": file_no, "what": what, "files": ctx.files},
        )
        if dups.num_rows:
            ctx.quarantine.add(file_no, dups)
            batch = batch.filter(
                pc.invert(pc.is_in(batch.column("_line"), value_set=dups.column("_line"))))
    with sc.registered(batch) as name:
        remember(name)
    kept = batch.column(id_col)
    seen.add(as_int64(kept.filter(pc.is_valid(kept))))
    return batch


class StagedTable:
    """A target-side staging table for rows that may already be present."""

    def __init__(self, ctx: LoadContext, target: str, id_col: str, cols: tuple[str, ...]) -> None:
        self.ctx, self.target, self.id_col, self.cols = ctx, target, id_col, cols
        self.name = f"_shoplens_stage_{target}"
        self.created = False

    def append(self, file_no: int, data: pa.Table) -> None:
        if data.num_rows == 0:
            return
        eng = self.ctx.engine
        if not self.created:
            self.ctx.sync()
            eng.execute(f"DROP TABLE IF EXISTS {self.name}")
            eng.execute(f"CREATE TEMPORARY TABLE {self.name} AS SELECT *, CAST(0 AS INT) AS "
                        f"stage_file FROM {self.target} WHERE 1 = 0")
            self.created = True
        self.ctx.append(self.name, data.append_column(
            "stage_file", pa.repeat(pa.scalar(file_no, pa.int32()), data.num_rows)))

    def commit(self) -> None:
        """Insert the staged rows not yet in the target; count the others per file."""
        if not self.created:
            return
        eng, t, s, i = self.ctx.engine, self.target, self.name, self.id_col
        for file_no, n in eng.fetch_all(
            f"SELECT stage_file, count(*) FROM {s} WHERE {i} IN (SELECT {i} FROM {t}) "
            f"GROUP BY stage_file"
        ):
            self.ctx.already_present[t][int(file_no)] += int(n)
        eng.execute(f"DELETE FROM {s} WHERE {i} IN (SELECT {i} FROM {t})")
        cols = ", ".join((*self.cols, "load_id"))
        eng.execute(f"INSERT INTO {t} ({cols}) SELECT {cols} FROM {s}")

    def drop(self) -> None:
        if self.created:
            self.ctx.engine.execute(f"DROP TABLE IF EXISTS {self.name}")


def compact(ctx: LoadContext, *tables: str) -> None:
    _compact(ctx, *tables)


class EventsSink:
    """Events: dedupe, early-event check, users/products/sessions, append."""

    def __init__(self, ctx: LoadContext) -> None:
        self.ctx = ctx
        self.stage = StagedTable(ctx, "events", "event_id", EVENT_COLS)
        self.range: tuple[Any, Any] | None = None
        self.started = False
        self.check_signups = False
        self.transactions = Transactions(ctx)

    def _start(self) -> None:
        self.started = True
        eng, sc = self.ctx.engine, self.ctx.scratch
        self.ctx.sync()
        lo, hi = eng.fetch_all("SELECT min(event_time), max(event_time) FROM events")[0]
        self.range = None if lo is None else (lo, hi)
        if eng.scalar("SELECT count(*) FROM users WHERE signup_date IS NOT NULL"):
            known = eng.fetch_arrow(
                "SELECT user_id, signup_date FROM users WHERE signup_date IS NOT NULL")
            with sc.registered(known) as name:
                sc.execute(f"INSERT INTO signups SELECT user_id, CAST(signup_date AS DATE) "
                           f"FROM {name} WHERE user_id NOT IN (SELECT user_id FROM signups)")
        self.check_signups = bool(sc.one("SELECT count(*) FROM signups")[0])

    def feed(self, file_no: int, batch: pa.Table, *, mirrored: bool = False) -> None:
        """Take a batch of good events; ``mirrored`` marks the purchase and refund events
        mirrored from order lines (their orders come from the lines, not from the
        events)."""
        if not self.started:
            self._start()
        ctx, sc = self.ctx, self.ctx.scratch
        batch = drop_duplicates(ctx, "event", "event_id", file_no, batch)
        if not mirrored:
            batch = self.transactions.drop_repeats(file_no, batch)
        if batch.num_rows == 0:
            return
        if self.range is not None:
            t = batch.column("event_time")
            lo = pa.scalar(self.range[0], t.type)
            hi = pa.scalar(self.range[1], t.type)
            maybe_present = pc.and_(pc.greater_equal(t, lo), pc.less_equal(t, hi))
        else:
            maybe_present = None
        with sc.registered(batch) as name:
            if self.check_signups:
                n, first = sc.one(
                    f"SELECT count(*), min(_line) FROM {name} b JOIN signups s "
                    f"ON s.user_id = b.user_id WHERE b.event_time < s.signup_date")
                if n:
                    if ctx.strict:
                        raise InputError("event before the user's signup date (strict mode: "
                                         "nothing was loaded)", file=ctx.files[file_no],
                                         line=int(first), field="timestamp")
                    ctx.early_events += int(n)
                    if ctx.early_first is None:
                        ctx.early_first = (ctx.files[file_no], int(first))
            sc.execute(
                f"INSERT INTO acc_users SELECT user_id, NULL, max(u_country), "
                f"min(event_time), max(event_time), 1 FROM {name} GROUP BY user_id")
            sc.execute(
                # Attributes other than the price are the product's, not the event's: any
                # non-empty value will do (max is the cheapest); the price is the latest.
                f"INSERT INTO acc_products SELECT product_id, max(p_category), "
                f"max(p_category_id), arg_max(price, event_time) FILTER (WHERE price IS NOT NULL "
                f"AND event_type IS DISTINCT FROM 'refund'), max(p_brand), max(p_name), "
                f"max(event_time), 1 FROM {name} WHERE product_id IS NOT NULL GROUP BY product_id")
            direct_filter = "" if maybe_present is None else \
                "AND NOT (event_time BETWEEN $lo AND $hi)"
            params = {} if maybe_present is None else {"lo": self.range[0], "hi": self.range[1]}
            sc.execute(
                f"INSERT INTO acc_sessions SELECT session_id, min(user_id), min(event_time), "
                f"max(event_time), count(*) FROM {name} WHERE session_id IS NOT NULL "
                f"{direct_filter} GROUP BY session_id", params)
            if not mirrored:
                sc.execute(derived_orders_sql(name))
        compact(ctx, "acc_users", "acc_products", "acc_sessions",
                *(() if mirrored else ("acc_orders",)))
        ctx.saw_times(batch.column("event_time"))
        out = _with_load_id(batch.select(EVENT_COLS), ctx.load_id)
        if maybe_present is None:
            ctx.append("events", out)
        else:
            ctx.append("events", out.filter(pc.invert(maybe_present)))
            self.stage.append(file_no, out.filter(maybe_present))
        ctx.tables.add("events")

    def finish(self) -> None:
        """Insert staged rows not yet present; their sessions join the session merge."""
        if not self.stage.created:
            return
        self.stage.commit()
        eng = self.ctx.engine
        eng.execute(
            "INSERT INTO _shoplens_sessions_in SELECT session_id, min(user_id), min(event_time), "
            f"max(event_time), count(*) FROM {self.stage.name} WHERE session_id IS NOT NULL "
            "GROUP BY session_id")
        self.stage.drop()


class OrderLinesSink:
    """Order lines: items and orders, mirrored into purchase/refund events."""

    def __init__(self, ctx: LoadContext, events: EventsSink) -> None:
        self.ctx = ctx
        self.events = events
        self.stage = StagedTable(ctx, "order_items", "item_id", ITEM_COLS)

    def feed(self, file_no: int, batch: pa.Table) -> None:
        ctx, sc = self.ctx, self.ctx.scratch
        batch = drop_duplicates(ctx, "order_item", "item_id", file_no, batch)
        if batch.num_rows == 0:
            return
        with sc.registered(batch) as name:
            sc.execute(
                f"INSERT INTO acc_orders SELECT order_id, min(user_id), min(order_time), "
                f"any_value(country), bool_or(is_refund) FROM {name} GROUP BY order_id")
            sc.execute(
                f"INSERT INTO acc_products SELECT product_id, NULL, NULL, "
                f"arg_max(unit_price, order_time) FILTER (WHERE NOT is_refund), NULL, "
                f"arg_max(description, order_time) FILTER (WHERE description IS NOT NULL), "
                f"max(order_time), 1 FROM {name} GROUP BY product_id")
            items = sc.sql(f"SELECT item_id, order_id, CAST(_line AS INTEGER) AS line_no, "
                           f"product_id, description, quantity, unit_price, is_refund "
                           f"FROM {name}")
            events = sc.sql(
                f"SELECT CAST(hash('order_event', item_id) >> 1 AS BIGINT) AS event_id, user_id, "
                f"order_id AS session_id, "
                f"CASE WHEN is_refund THEN 'refund' ELSE 'purchase' END AS event_type, "
                f"CASE WHEN is_refund THEN 'cancellation' ELSE 'purchase' END AS raw_event, "
                f"product_id, unit_price AS price, quantity, order_time AS event_time, "
                f"CAST(NULL AS VARCHAR) AS properties, CAST(NULL AS VARCHAR) AS p_category, "
                f"CAST(NULL AS VARCHAR) AS p_category_id, CAST(NULL AS VARCHAR) AS p_brand, "
                f"description AS p_name, country AS u_country, "
                f"CAST(NULL AS VARCHAR) AS o_order_id, _line "
                f"FROM {name} WHERE user_id IS NOT NULL")
        compact(ctx, "acc_products", "acc_orders")
        ctx.saw_times(batch.column("order_time"))
        self.stage.append(file_no, _with_load_id(items, ctx.load_id))
        ctx.tables.update(("orders", "order_items"))
        if events.num_rows:
            self.events.feed(file_no, events, mirrored=True)

    def finish(self) -> None:
        self.stage.commit()
        self.stage.drop()


class SearchSink:
    def __init__(self, ctx: LoadContext) -> None:
        self.ctx = ctx
        self.stage = StagedTable(ctx, "search_logs", "search_id", SEARCH_COLS)

    def feed(self, file_no: int, batch: pa.Table) -> None:
        ctx, sc = self.ctx, self.ctx.scratch
        batch = drop_duplicates(ctx, "search", "search_id", file_no, batch)
        if batch.num_rows == 0:
            return
        with sc.registered(batch) as name:
            sc.execute(f"INSERT INTO acc_users SELECT DISTINCT user_id, NULL, NULL, NULL, NULL, 2 "
                       f"FROM {name}")
        ctx.saw_times(batch.column("ts"))
        self.stage.append(file_no, _with_load_id(batch.select(SEARCH_COLS), ctx.load_id))
        ctx.tables.add("search_logs")

    def finish(self) -> None:
        self.stage.commit()
        self.stage.drop()


class UsersSink:
    """The platform's users file: authoritative signup date and country."""

    def __init__(self, ctx: LoadContext) -> None:
        self.ctx = ctx

    def feed(self, file_no: int, batch: pa.Table) -> None:
        ctx, sc = self.ctx, self.ctx.scratch
        with sc.registered(batch) as name:
            keyed = sc.sql(f"SELECT *, CAST(hash(user_id) >> 1 AS BIGINT) AS _key FROM {name}")
        batch = drop_duplicates(ctx, "user", "_key", file_no, keyed, "duplicate user id, first at line")
        with sc.registered(batch) as name:
            sc.execute(f"INSERT INTO file_keys SELECT 'users', user_id, $file FROM {name}",
                       {"file": file_no})
            sc.execute(f"INSERT INTO acc_users SELECT user_id, signup_date, country, NULL, NULL, 0 "
                       f"FROM {name}")
            sc.execute(f"DELETE FROM signups WHERE user_id IN (SELECT user_id FROM {name})")
            sc.execute(f"INSERT INTO signups SELECT user_id, signup_date FROM {name} "
                       f"WHERE signup_date IS NOT NULL")
        ctx.tables.add("users")


class ProductsSink:
    """The platform's products file: authoritative catalogue attributes."""

    def __init__(self, ctx: LoadContext) -> None:
        self.ctx = ctx

    def feed(self, file_no: int, batch: pa.Table) -> None:
        ctx, sc = self.ctx, self.ctx.scratch
        with sc.registered(batch) as name:
            keyed = sc.sql(f"SELECT *, CAST(hash(product_id) >> 1 AS BIGINT) AS _key FROM {name}")
        batch = drop_duplicates(ctx, "product", "_key", file_no, keyed,
                                "duplicate product id, first at line")
        with sc.registered(batch) as name:
            sc.execute(f"INSERT INTO file_keys SELECT 'products', product_id, $file FROM {name}",
                       {"file": file_no})
            sc.execute(f"INSERT INTO acc_products SELECT product_id, category, category_id, price, "
                       f"brand, name, NULL, 0 FROM {name}")
        ctx.tables.add("products")
