"""Purchase events that carry the shop's own order id: the order is that id, and a
purchase repeated under it is counted once.

Trackers record the id of the order a purchase completed: GA4 exports it as
``ecommerce.transaction_id``, Segment and RudderStack as ``properties.order_id``,
Snowplow as ``tr_orderid`` (an events mapping's ``order_id`` field). Where a purchase has
one, its order is that id instead of the derived ``<session_id>@<day>``
(:func:`shoplens.ingest.derived.derived_orders_sql`).

Notes
-----
GA4 sends some purchase events twice (a reloaded confirmation page, a retried hit): the
copies have other timestamps, so they are other rows, and their revenue would count twice.
A purchase row is a *repeat* when an earlier row (another line of the file, or of
another file of the load) holds a purchase of the same product under the same
transaction id; every row of a repeated line is quarantined, naming the transaction and
the first line. The rows of one line are never repeats of each other (a GA4 purchase of
the same product in two sizes is two items of one line), and a Snowplow order's
``transaction_item`` lines, one product each, are not repeats of each other either.

Across loads: a purchase under a transaction id that is already an order of an earlier
load is quarantined too (``already an order of load N``), unless the same event is
already in ``events`` (a re-load of the same rows is reported as already present, as
for any other row). Orders themselves are never counted twice: an order already present
is kept as it is.

GA4 writes ``(not set)`` where a purchase had no transaction id: such a purchase keeps
the derived order id, like one without the field.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from shoplens.ingest.context import LoadContext

#: placeholders trackers write for a missing transaction id (GA4)
NOT_SET = ("(not set)", "(not provided)", "not set")

_PURCHASES = "event_type = 'purchase' AND o_order_id IS NOT NULL"


def order_id_sql(expr: str) -> str:
    """SQL: a tracker's transaction id (trimmed text), NULL for GA4's placeholders."""
    listed = ", ".join("'" + v + "'" for v in NOT_SET)
    return f"CASE WHEN lower({expr}) IN ({listed}) THEN NULL ELSE {expr} END"


class Transactions:
    """The transaction ids of one load's purchases, to find repeated purchases."""

    def __init__(self, ctx: LoadContext) -> None:
        self.ctx = ctx
        self.started = False
        #: whether the target held orders when the first transaction id came
        self.known = False

    def _start(self) -> None:
        self.started = True
        ctx, sc = self.ctx, self.ctx.scratch
        sc.execute("CREATE TABLE tx_seen (order_id VARCHAR, product_id VARCHAR, file INTEGER, "
                   "line BIGINT)")
        ctx.sync()  # the background writer shares the engine
        orders = ctx.engine.fetch_arrow("SELECT order_id, load_id FROM orders")
        self.known = orders.num_rows > 0
        with sc.registered(orders) as name:
            sc.execute(f"CREATE TABLE tx_known AS SELECT CAST(order_id AS VARCHAR) AS order_id, "
                       f"CAST(load_id AS BIGINT) AS load_id FROM {name}")

    def drop_repeats(self, file_no: int, batch: pa.Table) -> pa.Table:
        """Quarantine the batch's repeated purchases (see the module notes); return the
        rest."""
        ids = batch.column("o_order_id")
        if ids.null_count == batch.num_rows:
            return batch
        if not self.started:
            self._start()
        sc = self.ctx.scratch
        params = {"file": file_no, "files": self.ctx.files}
        with sc.registered(batch) as name:
            # the first line of each (transaction, product) in this batch, and in the load
            sc.execute(
                f"CREATE OR REPLACE TEMP TABLE tx_batch AS SELECT o_order_id AS t, "
                f"coalesce(product_id, '') AS p, min(_line) AS line FROM {name} "
                f"WHERE {_PURCHASES} GROUP BY ALL")
            # a line is a repeat when any of its purchases is (all its rows go)
            repeats = sc.sql(
                f"WITH hit AS (SELECT b._line AS line, any_value(b.o_order_id) AS t, "
                f"min({{'file': coalesce(s.file, $file), 'line': coalesce(s.line, f.line)}}) "
                f"AS first FROM {name} b JOIN tx_batch f ON f.t = b.o_order_id "
                f"AND f.p = coalesce(b.product_id, '') "
                f"LEFT JOIN tx_seen s ON s.order_id = f.t AND s.product_id = f.p "
                f"WHERE b.event_type = 'purchase' AND CASE WHEN s.order_id IS NULL "
                f"THEN b._line <> f.line ELSE NOT (s.file = $file AND s.line = b._line) END "
                f"GROUP BY b._line) "
                f"SELECT b._line, CAST(NULL AS VARCHAR) AS _field, "
                f"'duplicate purchase of transaction \"' || left(h.t, 60) || "
                f"'\" (first at line ' || h.first.line || CASE WHEN h.first.file <> $file "
                f"THEN ' of ' || list_extract($files, h.first.file + 1) ELSE '' END || ')' "
                f"AS _reason, CAST(to_json(b) AS VARCHAR) AS _raw "
                f"FROM {name} b JOIN hit h ON h.line = b._line ORDER BY b._line",
                params)
            sc.execute("INSERT INTO tx_seen SELECT t, p, $file, line FROM tx_batch "
                       "ANTI JOIN tx_seen s ON s.order_id = t AND s.product_id = p",
                       {"file": file_no})
            earlier = self._earlier_orders(name) if self.known else None
        out = self._quarantine(file_no, batch, repeats)
        if earlier is not None and earlier.num_rows:
            earlier = earlier.filter(pc.is_in(earlier.column("_line"),
                                              value_set=out.column("_line")))
            if earlier.num_rows:
                out = self._quarantine(file_no, out, self._not_present(earlier))
        return out

    def _earlier_orders(self, name: str) -> pa.Table:
        """Purchases under a transaction id an earlier load made an order of."""
        return self.ctx.scratch.sql(
            f"SELECT b.event_id, b._line, CAST(NULL AS VARCHAR) AS _field, "
            f"'duplicate purchase of transaction \"' || left(b.o_order_id, 60) || "
            f"'\": already an order' || coalesce(' of load ' || k.load_id, '') AS _reason, "
            f"CAST(to_json(b) AS VARCHAR) AS _raw FROM {name} b "
            f"JOIN tx_known k ON k.order_id = b.o_order_id WHERE b.event_type = 'purchase'")

    def _not_present(self, rows: pa.Table) -> pa.Table:
        """``rows`` whose event is not in the target's ``events`` (a re-load of the same
        event is already present, not a repeat)."""
        ctx = self.ctx
        eng = ctx.engine
        ctx.sync()
        eng.execute("DROP TABLE IF EXISTS _shoplens_tx_check")
        eng.execute("CREATE TEMPORARY TABLE _shoplens_tx_check (event_id BIGINT)")
        eng.append_arrow("_shoplens_tx_check", rows.select(["event_id"]))
        present = eng.fetch_arrow(
            "SELECT c.event_id FROM _shoplens_tx_check c WHERE EXISTS "
            "(SELECT 1 FROM events e WHERE e.event_id = c.event_id)")
        eng.execute("DROP TABLE IF EXISTS _shoplens_tx_check")
        keep = pc.invert(pc.is_in(rows.column("event_id"),
                                  value_set=present.column("event_id").cast(pa.int64())))
        return rows.filter(keep).select(["_line", "_field", "_reason", "_raw"])

    def _quarantine(self, file_no: int, batch: pa.Table, rows: pa.Table) -> pa.Table:
        if not rows.num_rows:
            return batch
        self.ctx.quarantine.add(file_no, rows)
        return batch.filter(pc.invert(pc.is_in(batch.column("_line"),
                                               value_set=rows.column("_line"))))
