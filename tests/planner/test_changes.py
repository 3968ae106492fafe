"""The planner's rollups follow the catalogue and the users: a product moved to another
category, a brand renamed, a user moved to another country (by a load)."""

from __future__ import annotations

from datetime import date

from shoplens.engines import Engine
from shoplens.ingest.hooks import LoadScope, run_post_load
from shoplens.insights.planner.check import both_forms, canonical, rows_of_both
from shoplens.insights.schema import TrendsQuery
from shoplens.metrics import rollups
from shoplens.metrics.catalogue import ProductChange, rename_brand, update_catalogue
from shoplens.metrics.queries import metric_query
from shoplens.metrics.synthetic import write_shop

BY_CATEGORY = TrendsQuery.model_validate({
    "series": [{"event": "action:view"}, {"math": "sum", "math_property": "revenue"}],
    "interval": "month", "breakdowns": [{"property": "product.category"}]})
BY_BRAND = TrendsQuery.model_validate({"series": [{}], "interval": "week",
                                       "breakdowns": [{"property": "product.brand"}]})
#: both read rollup_session_hour (an hour breakdown; distinct users of one event)
BY_HOUR = TrendsQuery.model_validate({
    "series": [{"event": "action:view", "math": "avg", "math_property": "event.price"},
               {"math": "sum", "math_property": "revenue"}],
    "interval": "month", "breakdowns": [{"property": "time.hour"}]})
VIEWERS_BY_COUNTRY = TrendsQuery.model_validate({
    "series": [{"event": "action:view", "math": "unique_users"}], "interval": "quarter",
    "breakdowns": [{"property": "user.country", "limit": 3}]})
WAU_BY_COUNTRY = TrendsQuery.model_validate({
    "series": [{"math": "unique_users"}], "interval": "week",
    "breakdowns": [{"property": "user.country", "limit": 3}]})


def test_catalogue_and_user_changes_reach_the_planner(engine: Engine) -> None:
    write_shop(engine, 3_000, days=40, seed=11)
    rollups.rebuild(engine)
    busiest = engine.scalar("SELECT product_id FROM events WHERE event_type = 'view' "
                            "GROUP BY product_id ORDER BY COUNT(*) DESC, product_id LIMIT 1")
    update_catalogue(engine, [ProductChange(product_id=busiest, category="garden.tools",
                                            price=1)])
    source, planned, raw = rows_of_both(engine, BY_CATEGORY)
    assert source == "rollups" and planned == raw
    assert any(r[2] == "garden.tools" for r in planned)
    before = rows_of_both(engine, BY_HOUR)[2]
    update_catalogue(engine, [ProductChange(product_id=busiest, price=12345)])
    source, planned, raw = rows_of_both(engine, BY_HOUR)
    assert source == "rollups" and planned == raw and raw != before
    rename_brand(engine, "apple", "Apple")
    source, planned, raw = rows_of_both(engine, BY_BRAND)
    assert source == "rollups" and planned == raw
    assert {r[2] for r in planned} >= {"Apple"} and "apple" not in {r[2] for r in planned}
    # a users file moves the most active user to another country
    user = engine.scalar("SELECT user_id FROM events GROUP BY user_id "
                         "ORDER BY COUNT(*) DESC, user_id LIMIT 1")
    with engine.transaction():
        engine.execute("UPDATE users SET country = 'IS' WHERE user_id = :u", {"u": user})
        run_post_load(engine, LoadScope(load_id=9, tables=frozenset({"users"})))
    _country_reaches_the_planner(engine, "IS")
    assert engine.scalar("SELECT COUNT(*) FROM rollup_dims_pending") == 0


def _country_reaches_the_planner(engine: Engine, country: str) -> None:
    """Both country queries come from the rollups, equal the raw answer and show ``country``."""
    for query in (WAU_BY_COUNTRY, VIEWERS_BY_COUNTRY):
        source, planned, raw = rows_of_both(engine, query)
        assert source == "rollups" and planned == raw
        assert country in {r[2] for r in planned}


def test_a_rollup_an_older_version_lacks_is_built_before_the_planner_reads_it(
        engine: Engine) -> None:
    write_shop(engine, 2_000, days=20, seed=3)
    rollups.rebuild(engine)
    engine.execute("DROP TABLE rollup_session_hour")  # the database of an older version
    assert rows_of_both(engine, VIEWERS_BY_COUNTRY)[0] == "raw"
    rollups.ensure_fresh(engine)  # what `shoplens metrics` and every load run first
    source, planned, raw = rows_of_both(engine, VIEWERS_BY_COUNTRY)
    assert source == "rollups" and planned == raw and raw


def test_users_loaded_after_their_events_reach_the_planner(engine: Engine) -> None:
    """A users file that arrives after the events it describes: the rollups derived
    those users without a country; the load lists them and their days are derived again."""
    write_shop(engine, 3_000, days=40, seed=13)
    # the most active user is not in the users table yet when the rollups are built
    user, country = engine.fetch_all(
        "SELECT u.user_id, u.country FROM users AS u JOIN events AS e ON e.user_id = u.user_id "
        "GROUP BY u.user_id, u.country ORDER BY COUNT(*) DESC, u.user_id LIMIT 1")[0]
    engine.execute("DELETE FROM users WHERE user_id = :u", {"u": user})
    rollups.rebuild(engine)
    assert engine.scalar("SELECT COUNT(*) FROM rollup_dims_pending") == 0
    with engine.transaction():
        engine.execute("INSERT INTO users (user_id, country) VALUES (:u, 'IS')", {"u": user})
        run_post_load(engine, LoadScope(load_id=9, tables=frozenset({"users"})))
    _country_reaches_the_planner(engine, "IS")
    assert country != "IS"


#: ranges of a shop of 2024-01-01 .. 2024-07-18: whole quarters (with whole months and
#: days around them) or none
QUARTER_RANGES = {(date(2024, 1, 1), date(2024, 6, 30)): True,
                  (date(2024, 2, 10), date(2024, 7, 15)): True,
                  (date(2024, 1, 1), date(2024, 3, 31)): True,
                  (date(2024, 1, 5), date(2024, 3, 30)): False}


def _top_products_read_quarters(engine: Engine) -> None:
    """Top products over each range: the raw rows, read from quarter rows exactly where
    the range holds a whole quarter."""
    for (first, last), quarters in QUARTER_RANGES.items():
        query = metric_query("top_products", first=first, last=last, top_n=2)
        raw, planned = both_forms(engine, query)
        assert planned is not None
        assert ("'quarter'" in planned.sql()) == quarters, (first, last)
        rows = canonical(planned.fetch_df(engine))
        assert rows == canonical(raw.fetch_df(engine)) and len(rows) == 3  # 2 and "other"


def test_top_products_over_whole_quarters_read_quarter_rows(engine: Engine) -> None:
    write_shop(engine, 3_000, days=200, seed=7)
    rollups.rebuild(engine)
    _top_products_read_quarters(engine)
    # a re-categorization and a list-price change move the quarter rows' revenue
    busiest = engine.scalar("SELECT product_id FROM events WHERE event_type = 'purchase' "
                            "GROUP BY product_id ORDER BY COUNT(*) DESC, product_id LIMIT 1")
    update_catalogue(engine, [ProductChange(product_id=busiest, price=99999, category="z")])
    _top_products_read_quarters(engine)


def test_rollups_of_an_older_layout_are_rebuilt(engine: Engine) -> None:
    """Rollups derived before the quarter rows existed: the planner reads the raw events
    until the next load or ``ensure_fresh`` rebuilds them."""
    write_shop(engine, 2_000, days=200, seed=9)
    rollups.rebuild(engine)
    query = metric_query("top_products", first=date(2024, 1, 1), last=date(2024, 6, 30),
                         top_n=5)
    # the database of the version before the layout was stored
    engine.execute("DELETE FROM rollup_revenue_product WHERE grain = 'quarter'")
    engine.execute("DROP TABLE rollup_state")
    engine.execute("CREATE TABLE rollup_state (events_covered BIGINT NOT NULL, "
                   "events_fp TEXT NOT NULL, built_at TIMESTAMP NOT NULL)")
    engine.execute("INSERT INTO rollup_state VALUES (1, 'x', CURRENT_TIMESTAMP)")
    assert rows_of_both(engine, query)[0] == "raw"
    rollups.ensure_fresh(engine)
    source, planned, raw = rows_of_both(engine, query)
    assert source == "rollups" and planned == raw and raw
    # a stored layout other than this version's
    engine.execute("DELETE FROM rollup_revenue_product WHERE grain = 'quarter'")
    engine.execute("UPDATE rollup_state SET layout = 1")
    assert rows_of_both(engine, query)[0] == "raw"
    rollups.ensure_fresh(engine)
    source, planned, raw = rows_of_both(engine, query)
    assert source == "rollups" and planned == raw and raw
