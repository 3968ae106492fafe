"""The generated shop behaves like a shop: funnel rates, season, growth, churn that
flattens, power-law popularity, price bands."""

from __future__ import annotations

import duckdb
import pytest


def rows(db: duckdb.DuckDBPyConnection, sql: str) -> dict:
    return dict(db.execute(sql).fetchall())


def test_funnel_rates_are_plausible(db: duckdb.DuckDBPyConnection) -> None:
    n = rows(db, "SELECT event_type, count(*) FROM events GROUP BY 1")
    view_to_cart = n["add-to-cart"] / n["viewed"]
    cart_to_purchase = n["purchased"] / n["add-to-cart"]
    cart_to_remove = n["remove-from-cart"] / n["add-to-cart"]
    assert 0.05 <= view_to_cart <= 0.15
    assert 0.30 <= cart_to_purchase <= 0.60
    assert 0.05 <= cart_to_remove <= 0.50
    assert cart_to_purchase + cart_to_remove < 1, "some carts are simply abandoned"


def test_weekends_are_busier(db: duckdb.DuckDBPyConnection) -> None:
    per_day = rows(db, """SELECT isodow(timestamp) >= 6, count(*) / count(DISTINCT timestamp::DATE)
                          FROM events GROUP BY 1""")
    assert per_day[True] > 1.1 * per_day[False]


def test_november_and_december_peak(db: duckdb.DuckDBPyConnection) -> None:
    """Per active user (so that the shop's growth does not explain it away)."""
    ev = rows(db, "SELECT month(timestamp), count(*) / count(DISTINCT user_id) FROM events GROUP BY 1")
    buys = rows(db, """SELECT month(timestamp), count(*) / count(DISTINCT user_id) FROM events
                       WHERE event_type = 'purchased' GROUP BY 1""")
    summer = sum(ev[m] for m in range(2, 9)) / 7
    assert min(ev[11], ev[12]) > 1.2 * summer
    assert min(buys[11], buys[12]) > 1.3 * sum(buys[m] for m in range(2, 9)) / 7


def test_signups_grow_over_the_period(db: duckdb.DuckDBPyConnection) -> None:
    half = rows(db, "SELECT month(signup_date) > 6, count(*) FROM users GROUP BY 1")
    assert half[True] > 1.3 * half[False]
    assert half[False] > 0.2 * (half[True] + half[False]), "spread over the whole period"


def test_cohort_retention_falls_then_flattens(db: duckdb.DuckDBPyConnection) -> None:
    r = rows(db, """
        WITH c AS (SELECT user_id, date_trunc('month', signup_date) AS c FROM users
                   WHERE signup_date < DATE '2024-05-01'),
             a AS (SELECT DISTINCT user_id,
                          date_diff('month', c, date_trunc('month', timestamp)) AS k
                   FROM events JOIN c USING (user_id))
        SELECT k, count(*) / (SELECT count(*) FROM c) FROM a WHERE k <= 7 GROUP BY k""")
    assert r[0] == 1.0
    assert 0.15 <= r[1] <= 0.6
    assert r[1] > r[2] > r[3]
    assert r[1] - r[3] > 0.1, "early churn is steep"
    assert abs(r[7] - r[5]) < 0.06, "and then the curve flattens"
    assert r[7] > 0.08, "at a plateau of loyal shoppers"


def test_product_popularity_is_a_power_law(db: duckdb.DuckDBPyConnection) -> None:
    """Within each large category the top tenth of products draws a large share of views."""
    shares = db.execute("""
        WITH v AS (SELECT category, product_id, count(*) AS n FROM ev
                   WHERE event_type = 'viewed' GROUP BY ALL),
             r AS (SELECT *, row_number() OVER (PARTITION BY category ORDER BY n DESC) AS rk,
                          count(*) OVER (PARTITION BY category) AS np,
                          sum(n) OVER (PARTITION BY category) AS total FROM v)
        SELECT category, sum(n) FILTER (WHERE rk <= np / 10) / any_value(total)
        FROM r GROUP BY category HAVING any_value(np) >= 50""").fetchall()
    assert len(shares) >= 5
    assert all(0.35 <= share <= 0.9 for _, share in shares), shares


def test_price_bands_follow_the_persona(db: duckdb.DuckDBPyConnection) -> None:
    """Where in its category's price range a viewed product lies (0 cheapest, 1 dearest)."""
    pos = rows(db, """
        WITH pr AS (SELECT product_id,
                           percent_rank() OVER (PARTITION BY category ORDER BY price) AS pr
                    FROM products)
        SELECT persona, avg(pr) FROM ev JOIN pr USING (product_id)
        WHERE event_type = 'viewed' GROUP BY 1""")
    assert pos["bargain_hunter"] < 0.35
    assert pos["tech_enthusiast"] > 0.5
    assert pos["bargain_hunter"] < min(v for k, v in pos.items() if k != "bargain_hunter") - 0.1


def test_time_of_day_follows_the_persona(db: duckdb.DuckDBPyConnection) -> None:
    day = rows(db, """SELECT persona, avg((hour(timestamp) BETWEEN 8 AND 15)::INT) FROM ev
                      GROUP BY 1""")
    evening = rows(db, """SELECT persona, avg((hour(timestamp) >= 19)::INT) FROM ev GROUP BY 1""")
    assert day["home_maker"] > 0.45 > day["tech_enthusiast"]
    assert evening["tech_enthusiast"] > evening["home_maker"]


@pytest.mark.parametrize("top", ["electronics", "computers", "appliances", "apparel",
                                 "furniture", "sport", "kids", "accessories"])
def test_every_department_sells(db: duckdb.DuckDBPyConnection, top: str) -> None:
    (n,) = db.execute("SELECT count(*) FROM ev WHERE event_type = 'purchased' AND top = ?",
                      [top]).fetchone()
    assert n > 0
