"""Referential integrity and time: nothing refers to what does not exist, and nobody acts
before signing up or outside the period."""

from __future__ import annotations

from datetime import date

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoplens.generate import GenerateParams, generate_tables


def one(db: duckdb.DuckDBPyConnection, sql: str) -> tuple:
    row = db.execute(sql).fetchone()
    assert row is not None
    return row


def test_no_event_before_signup(db: duckdb.DuckDBPyConnection) -> None:
    before, total = one(db, """
        SELECT count(*) FILTER (WHERE e.timestamp < u.signup_date), count(*)
        FROM events e JOIN users u USING (user_id)""")
    assert total > 100_000
    assert before == 0


def test_first_visit_is_on_the_signup_day(db: duckdb.DuckDBPyConnection) -> None:
    (mismatch,) = one(db, """
        SELECT count(*) FROM (SELECT user_id, min(timestamp)::DATE AS first FROM events
                              GROUP BY user_id) f
        JOIN users u USING (user_id) WHERE f.first <> u.signup_date""")
    assert mismatch == 0


def test_no_search_before_signup(db: duckdb.DuckDBPyConnection) -> None:
    (before,) = one(db, """SELECT count(*) FROM searches s JOIN users u USING (user_id)
                           WHERE s.timestamp < u.signup_date""")
    assert before == 0


def test_everything_inside_the_period(db: duckdb.DuckDBPyConnection) -> None:
    lo, hi = one(db, "SELECT min(timestamp), max(timestamp) FROM events")
    assert lo.year == 2024 and lo.month == 1
    assert hi.year == 2024 and hi.month == 12
    lo, hi = one(db, "SELECT min(signup_date), max(signup_date) FROM users")
    assert lo.isoformat() >= "2024-01-01" and hi.isoformat() <= "2024-12-31"


def test_every_reference_exists(db: duckdb.DuckDBPyConnection) -> None:
    (n,) = one(db, "SELECT count(*) FROM events WHERE user_id NOT IN (SELECT user_id FROM users)")
    assert n == 0
    (n,) = one(db, """SELECT count(*) FROM events
                      WHERE product_id NOT IN (SELECT product_id FROM products)""")
    assert n == 0
    (n,) = one(db, "SELECT count(*) FROM searches WHERE user_id NOT IN (SELECT user_id FROM users)")
    assert n == 0
    (n,) = one(db, """SELECT count(*) FROM (SELECT unnest(clicked_product_ids) AS p FROM searches)
                      WHERE p NOT IN (SELECT product_id FROM products)""")
    assert n == 0
    (n,) = one(db, "SELECT count(*) FROM users WHERE user_id NOT IN (SELECT user_id FROM personas)")
    assert n == 0


def test_a_session_belongs_to_one_user_and_is_short(db: duckdb.DuckDBPyConnection) -> None:
    users_per_session, longest_hours = one(db, """
        SELECT max(n), max(span) FROM (
            SELECT count(DISTINCT user_id) AS n,
                   date_diff('second', min(timestamp), max(timestamp)) / 3600 AS span
            FROM events GROUP BY session_id)""")
    assert users_per_session == 1
    assert longest_hours < 12


def test_funnel_order_inside_sessions(db: duckdb.DuckDBPyConnection) -> None:
    """A product is added to the cart only after it was viewed in the session, and
    removed or bought only after it was added."""
    (bad,) = one(db, """
        WITH firsts AS (
            SELECT session_id, product_id,
                   min(timestamp) FILTER (WHERE event_type = 'viewed') AS viewed,
                   min(timestamp) FILTER (WHERE event_type = 'add-to-cart') AS carted,
                   min(timestamp) FILTER (WHERE event_type IN ('purchased', 'remove-from-cart'))
                       AS settled
            FROM events GROUP BY ALL)
        SELECT count(*) FROM firsts
        WHERE (carted IS NOT NULL AND (viewed IS NULL OR carted < viewed))
           OR (settled IS NOT NULL AND (carted IS NULL OR settled < carted))""")
    assert bad == 0


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(users=st.integers(1, 400), months=st.integers(1, 14), seed=st.integers(0, 2**32),
       start=st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)))
def test_invariants_for_any_parameters(users: int, months: int, seed: int, start: date) -> None:
    data = generate_tables(GenerateParams(users=users, months=months, seed=seed, start=start,
                                          products=300))
    con = duckdb.connect()
    u, e, p, s = data.users, data.events, data.products, data.search_logs  # noqa: F841
    assert u.num_rows == users
    lo, hi = str(data.start), str(data.end)
    (bad,) = con.execute(f"""
        SELECT count(*) FROM e LEFT JOIN u USING (user_id) LEFT JOIN p USING (product_id)
        WHERE u.user_id IS NULL OR p.product_id IS NULL OR e.timestamp < u.signup_date
           OR e.timestamp < TIMESTAMP '{lo}' OR e.timestamp >= TIMESTAMP '{hi}'""").fetchone()
    assert bad == 0
    (bad,) = con.execute(f"""
        SELECT count(*) FROM s LEFT JOIN u USING (user_id)
        WHERE u.user_id IS NULL OR s.timestamp < u.signup_date
           OR s.timestamp >= TIMESTAMP '{hi}'""").fetchone()
    assert bad == 0
    (bad,) = con.execute(f"""SELECT count(*) FROM u WHERE signup_date < DATE '{lo}'
                             OR signup_date >= DATE '{hi}'""").fetchone()
    assert bad == 0
    # everyone's first session is the sign-up visit, so every user has events
    (active,) = con.execute("SELECT count(DISTINCT user_id) FROM e").fetchone()
    assert active == users
