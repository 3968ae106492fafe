"""Derived tables every load maintains incrementally: users, products, sessions.

What a load saw is gathered in the scratch database (see :mod:`shoplens.ingest.sinks`),
reduced to one row per key, moved to a temporary table on the target and merged there
with portable SQL: existing rows are updated where something changed, new rows inserted.

Notes
-----
- ``users.first_seen`` is the earliest event or order time of the user; a user seen only
  in events gets ``signup_date`` NULL. The users file (platform layout) is authoritative
  for ``signup_date`` and ``country``; otherwise the latest non-empty country wins.
- ``products``: the products file is authoritative; otherwise the latest non-empty value
  from the events (category = REES46 ``category_code``, else ``category_id``; price = the
  latest price paid on a non-refund event; name = an order line's description).
- ``sessions``: start, end and number of events; a load adds its events' counts to the
  sessions they belong to (events already present are not counted twice).
- ``orders``: the orders of order lines, and for purchase events that are not mirrored
  from order lines (a clickstream, GA4, Segment: a source without an orders table) one
  derived order per session and UTC day with a purchase, the definition the revenue
  metrics count orders by (:func:`shoplens.metrics.revenue.revenue`): ``order_id`` is
  ``<session_id>@<YYYY-MM-DD>``, ``user_id`` the session's user, ``order_time`` its
  first purchase that day, ``is_refund`` false. Purchases without a session make no
  order (the metrics count none). A purchase that carries the shop's transaction id
  (GA4 ``ecommerce.transaction_id``, an events mapping's ``order_id``) belongs to the
  order of that id instead (:mod:`shoplens.ingest.transactions`). An order already
  present is kept as it is.
"""

from __future__ import annotations

import pyarrow as pa

from shoplens.ingest.context import LoadContext

FAR_FUTURE = "TIMESTAMP '9999-12-31 00:00:00'"
#: scratch accumulators are reduced once they exceed this many rows
COMPACT_ROWS = 3_000_000


#: an incoming user row changes the target's row ``{t}``
_USER_CHANGED = (
    "(i.signup_date IS NOT NULL AND {t}.signup_date IS DISTINCT FROM i.signup_date) OR "
    "(i.country IS NOT NULL AND {t}.country IS DISTINCT FROM i.country) OR "
    "(i.first_seen IS NOT NULL AND ({t}.first_seen IS NULL OR i.first_seen < {t}.first_seen))")


def _latest(col: str) -> str:
    """The newest non-empty value; a file row (no time) beats any event."""
    return f"arg_max({col}, coalesce(ts, {FAR_FUTURE})) FILTER (WHERE {col} IS NOT NULL) AS {col}"


#: per scratch accumulator: its key, whether it keeps one row per key *and source* (``src``:
#: 0 a users/products file, 1 events, 2 searches) until the end, whether the target's
#: rows carry the ``load_id``, and its aggregates. ``{final}`` parts differ between the
#: reduction during the load (:data:`REDUCE`, schema-preserving) and the final one
#: (:data:`FINAL`, the target's columns): ``(during, at the end)``.
_ACCUMULATORS: dict[str, tuple[str, bool, bool, tuple[str, ...]]] = {
    "acc_users": ("user_id", True, True, (
        "{signup} AS signup_date", _latest("country"), "min(first_seen) AS first_seen")),
    "acc_products": ("product_id", True, True, tuple(
        _latest(c) for c in ("category", "category_id", "price", "brand", "name"))),
    "acc_sessions": ("session_id", False, False, (
        "min(user_id) AS user_id", "min(session_start) AS session_start",
        "max(session_end) AS session_end", "{n_events} AS n_events")),
    "acc_orders": ("order_id", False, True, (
        "min(user_id) AS user_id", "min(order_time) AS order_time",
        "any_value(country) AS country", "bool_or(is_refund) AS is_refund")),
}
#: the parts that differ: (during the load, at the end)
_PARTS = {"signup": ("max(signup_date)", "max(signup_date) FILTER (WHERE src = 0)"),
          "n_events": ("sum(n_events)", "CAST(sum(n_events) AS INTEGER)")}


def _reduction(acc: str, *, final: bool) -> str:
    """One row per key (and source, during the load) of a scratch accumulator."""
    key, per_source, has_load, aggregates = _ACCUMULATORS[acc]
    parts = {name: forms[final] for name, forms in _PARTS.items()}
    cols = [key, *(a.format(**parts) for a in aggregates)]
    if not final:
        if per_source:
            return (f"SELECT {', '.join(cols)}, max(ts) AS ts, src FROM {acc} "
                    f"GROUP BY {key}, src")
        return f"SELECT {', '.join(cols)} FROM {acc} GROUP BY {key}"
    if has_load:
        cols.append("CAST($load AS BIGINT) AS load_id")
    where = f" WHERE {key} IS NOT NULL" if per_source else ""
    return f"SELECT {', '.join(cols)} FROM {acc}{where} GROUP BY {key}"


#: schema-preserving reductions of the scratch accumulators (one row per key and source)
REDUCE = {acc: _reduction(acc, final=False) for acc in _ACCUMULATORS}
#: the final reduction of each accumulator: one row per key, in the target's columns
FINAL = {acc.removeprefix("acc_"): _reduction(acc, final=True) for acc in _ACCUMULATORS}


def reduce_all(ctx: LoadContext) -> dict[str, pa.Table]:
    """The final users, products, sessions and orders of the load, from the scratch
    accumulators (once every file is read). The loader computes them while the target
    still writes the last batches, so this scratch work overlaps with the target's."""
    return {name: ctx.scratch.sql(sql, {"load": ctx.load_id} if "$load" in sql else None)
            for name, sql in FINAL.items()}


def compact(ctx: LoadContext, *tables: str) -> None:
    for t in tables:
        ctx.scratch.compact(t, REDUCE[t], limit=COMPACT_ROWS)


def derived_orders_sql(batch: str) -> str:
    """Gather the orders of a batch of purchase events (not mirrored from order lines)
    into ``acc_orders``: a purchase's own transaction id where it has one
    (:mod:`shoplens.ingest.transactions`), else one derived order per session and UTC
    day."""
    return (
        "INSERT INTO acc_orders SELECT coalesce(o_order_id, session_id || '@' || "
        "strftime(event_time, '%Y-%m-%d')), min(user_id), min(event_time), max(u_country), "
        f"false FROM {batch} WHERE event_type = 'purchase' "
        "AND (o_order_id IS NOT NULL OR session_id IS NOT NULL) GROUP BY 1")


def merge_orders(ctx: LoadContext, orders: pa.Table) -> int:
    """Insert the load's orders (from order lines, or derived from purchase events) that
    the target does not hold yet."""
    eng = ctx.engine
    if orders.num_rows == 0:
        return 0
    ctx.tables.add("orders")
    if _is_empty(ctx, "orders"):
        with eng.deferred_keys("orders"):
            eng.append_arrow("orders", orders)
        return orders.num_rows
    _temp_like(ctx, "_shoplens_orders_in", "orders", orders)
    eng.execute(
        "INSERT INTO orders (order_id, user_id, order_time, country, is_refund, load_id) "
        "SELECT order_id, user_id, order_time, country, is_refund, load_id "
        "FROM _shoplens_orders_in i WHERE NOT EXISTS "
        "(SELECT 1 FROM orders o WHERE o.order_id = i.order_id)")
    eng.execute("DROP TABLE IF EXISTS _shoplens_orders_in")
    return orders.num_rows


def _temp_like(ctx: LoadContext, name: str, table: str, data: pa.Table | None) -> None:
    eng = ctx.engine
    eng.execute(f"DROP TABLE IF EXISTS {name}")
    eng.execute(f"CREATE TEMPORARY TABLE {name} AS SELECT * FROM {table} WHERE 1 = 0")
    if data is not None and data.num_rows:
        eng.append_arrow(name, data)


def _is_empty(ctx: LoadContext, table: str) -> bool:
    return not ctx.engine.fetch_all(f"SELECT 1 FROM {table} LIMIT 1")


def prepare_sessions(ctx: LoadContext) -> None:
    """Create the target-side collector the staged events add their sessions to."""
    _temp_like(ctx, "_shoplens_sessions_in", "sessions", None)


def merge_sessions(ctx: LoadContext, acc: pa.Table) -> int:
    eng = ctx.engine
    staged = eng.scalar("SELECT count(*) FROM _shoplens_sessions_in")
    if not staged and acc.num_rows and _is_empty(ctx, "sessions"):
        # a first load: nothing to merge with
        with eng.deferred_keys("sessions"):
            eng.append_arrow("sessions", acc)
        eng.execute("DROP TABLE IF EXISTS _shoplens_sessions_in")
        ctx.tables.add("sessions")
        return acc.num_rows
    if acc.num_rows:
        eng.append_arrow("_shoplens_sessions_in", acc)
    n = eng.scalar("SELECT count(*) FROM _shoplens_sessions_in")
    if n:
        eng.execute(
            "CREATE TEMPORARY TABLE _shoplens_sessions_new AS SELECT session_id, "
            "min(user_id) AS user_id, min(session_start) AS session_start, "
            "max(session_end) AS session_end, sum(n_events) AS n_events "
            "FROM _shoplens_sessions_in GROUP BY session_id")
        eng.execute(
            "UPDATE sessions SET "
            "session_start = CASE WHEN n.session_start < sessions.session_start "
            "THEN n.session_start ELSE sessions.session_start END, "
            "session_end = CASE WHEN n.session_end > sessions.session_end "
            "THEN n.session_end ELSE sessions.session_end END, "
            "n_events = CAST(sessions.n_events + n.n_events AS INTEGER) "
            "FROM _shoplens_sessions_new AS n WHERE sessions.session_id = n.session_id")
        eng.execute(
            "INSERT INTO sessions (session_id, user_id, session_start, session_end, n_events) "
            "SELECT session_id, user_id, session_start, session_end, CAST(n_events AS INTEGER) "
            "FROM _shoplens_sessions_new AS n WHERE NOT EXISTS "
            "(SELECT 1 FROM sessions s WHERE s.session_id = n.session_id)")
        eng.execute("DROP TABLE IF EXISTS _shoplens_sessions_new")
        ctx.tables.add("sessions")
    eng.execute("DROP TABLE IF EXISTS _shoplens_sessions_in")
    return int(n or 0)


def _classify(ctx: LoadContext, table: str, key: str, incoming: str, changed: str) -> None:
    """Before a merge: how many incoming rows are new and how many change an existing
    row, for the table and for each users/products file of the load (its rows are new,
    updates, or identical to what the target holds)."""
    eng = ctx.engine
    inserted, updated = eng.fetch_all(
        f"SELECT COALESCE(SUM(CASE WHEN t.{key} IS NULL THEN 1 ELSE 0 END), 0), "
        f"COALESCE(SUM(CASE WHEN t.{key} IS NOT NULL AND ({changed}) THEN 1 ELSE 0 END), 0) "
        f"FROM {incoming} AS i LEFT JOIN {table} AS t ON t.{key} = i.{key}")[0]
    ctx.merged[table] = {"inserted": int(inserted), "updated": int(updated)}
    keys = ctx.scratch.sql("SELECT key, file FROM file_keys WHERE kind = $kind", {"kind": table})
    if not keys.num_rows:
        return
    eng.execute("DROP TABLE IF EXISTS _shoplens_file_keys")
    eng.execute("CREATE TEMPORARY TABLE _shoplens_file_keys (key TEXT, file INTEGER)")
    eng.append_arrow("_shoplens_file_keys", keys)
    for file_no, new, upd, same in eng.fetch_all(
        f"SELECT k.file, SUM(CASE WHEN t.{key} IS NULL THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN t.{key} IS NOT NULL AND ({changed}) THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN t.{key} IS NOT NULL AND NOT ({changed}) THEN 1 ELSE 0 END) "
        f"FROM _shoplens_file_keys AS k JOIN {incoming} AS i ON i.{key} = k.key "
        f"LEFT JOIN {table} AS t ON t.{key} = k.key GROUP BY k.file"):
        ctx.file_merge[int(file_no)] = {"inserted": int(new or 0), "updated": int(upd or 0),
                                        "unchanged": int(same or 0)}
    eng.execute("DROP TABLE IF EXISTS _shoplens_file_keys")


def merge_users(ctx: LoadContext, acc: pa.Table) -> int:
    eng = ctx.engine
    if not acc.num_rows:
        return 0
    ctx.tables.add("users")
    if _is_empty(ctx, "users"):
        with eng.deferred_keys("users"):
            eng.append_arrow("users", acc)
        ctx.merged["users"] = {"inserted": acc.num_rows, "updated": 0}
        return acc.num_rows
    _temp_like(ctx, "_shoplens_users_in", "users", acc)
    _classify(ctx, "users", "user_id", "_shoplens_users_in", _USER_CHANGED.format(t="t"))
    eng.execute(
        "UPDATE users SET signup_date = coalesce(i.signup_date, users.signup_date), "
        "country = coalesce(i.country, users.country), "
        "first_seen = CASE WHEN users.first_seen IS NULL OR i.first_seen < users.first_seen "
        "THEN coalesce(i.first_seen, users.first_seen) ELSE users.first_seen END "
        "FROM _shoplens_users_in AS i WHERE users.user_id = i.user_id AND ("
        + _USER_CHANGED.format(t="users") + ")")
    eng.execute(
        "INSERT INTO users (user_id, signup_date, country, first_seen, load_id) "
        "SELECT user_id, signup_date, country, first_seen, load_id FROM _shoplens_users_in AS i "
        "WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.user_id = i.user_id)")
    eng.execute("DROP TABLE IF EXISTS _shoplens_users_in")
    ctx.tables.add("users")
    return acc.num_rows


def merge_products(ctx: LoadContext, acc: pa.Table) -> int:
    eng = ctx.engine
    if not acc.num_rows:
        return 0
    ctx.tables.add("products")
    if _is_empty(ctx, "products"):
        with eng.deferred_keys("products"):
            eng.append_arrow("products", acc)
        ctx.merged["products"] = {"inserted": acc.num_rows, "updated": 0}
        return acc.num_rows
    _temp_like(ctx, "_shoplens_products_in", "products", acc)
    cols = ("category", "category_id", "price", "brand", "name")
    sets = ", ".join(f"{c} = coalesce(i.{c}, products.{c})" for c in cols)
    _classify(ctx, "products", "product_id", "_shoplens_products_in", " OR ".join(
        f"(i.{c} IS NOT NULL AND t.{c} IS DISTINCT FROM i.{c})" for c in cols))
    changed = " OR ".join(
        f"(i.{c} IS NOT NULL AND products.{c} IS DISTINCT FROM i.{c})" for c in cols)
    eng.execute(f"UPDATE products SET {sets} FROM _shoplens_products_in AS i "
                f"WHERE products.product_id = i.product_id AND ({changed})")
    eng.execute(
        "INSERT INTO products (product_id, category, category_id, price, brand, name, load_id) "
        "SELECT product_id, category, category_id, price, brand, name, load_id "
        "FROM _shoplens_products_in AS i "
        "WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.product_id = i.product_id)")
    eng.execute("DROP TABLE IF EXISTS _shoplens_products_in")
    ctx.tables.add("products")
    return acc.num_rows


def sessionize_sql(staged: str, gap_minutes: int = 30) -> str:
    """Sessions by inactivity for events without a session column: a new session starts
    after ``gap_minutes`` without an event of the user; its id is derived from the user
    and the session's first event time, so a re-load derives the same ids."""
    return (
        f"WITH o AS (SELECT *, CASE WHEN lag(event_time) OVER w IS NULL OR event_time - "
        f"lag(event_time) OVER w > INTERVAL {int(gap_minutes)} MINUTE THEN 1 ELSE 0 END AS _new "
        f"FROM {staged} WINDOW w AS (PARTITION BY user_id ORDER BY event_time, _line)), "
        f"n AS (SELECT *, sum(_new) OVER (PARTITION BY user_id ORDER BY event_time, _line "
        f"ROWS UNBOUNDED PRECEDING) AS _sno FROM o), "
        f"s AS (SELECT *, min(event_time) OVER (PARTITION BY user_id, _sno) AS _sstart FROM n) "
        f"SELECT * EXCLUDE (session_id, _new, _sno, _sstart), "
        f"'s-' || lower(hex(hash('session', user_id, _sstart))) AS session_id "
        f"FROM s ORDER BY _line"
    )
