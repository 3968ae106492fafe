"""Search queries use the words of the categories a shopper looks at and buys from, in
the persona's own way of asking; clicked results come from those categories."""

from __future__ import annotations

import re
from itertools import pairwise

import duckdb
import pytest

from shoplens.generate.categories import CATEGORIES
from shoplens.generate.search import vocabulary

PHRASES = [(re.compile(rf"\b{re.escape(p)}\b"), c.code) for c in CATEGORIES for p in c.phrases]
PRICE_WORDS = re.compile(r"\b(cheap|sale|discount|under \d+|deal|clearance|best price|promo)\b")


def categories_of(query: str) -> set[str]:
    return {code for rx, code in PHRASES if rx.search(query)}


@pytest.mark.parametrize(("query", "category"), [
    ("gaming laptop", "computers.notebook"),
    ("4k tv 55 inch", "electronics.video.tv"),
    ("cheap running shoes", "apparel.shoes"),
    ("sofa grey", "furniture.living_room.sofa"),
    ("summer dress", "apparel.dress"),
])
def test_vocabulary_speaks_like_shoppers(query: str, category: str) -> None:
    voc = vocabulary()
    assert query in voc.queries
    assert category in categories_of(query)


def test_every_query_names_a_category(db: duckdb.DuckDBPyConnection) -> None:
    queries = [q for (q,) in db.execute("SELECT DISTINCT search_query FROM searches").fetchall()]
    assert len(queries) > 200
    assert all(categories_of(q) for q in queries)


def test_clicked_results_belong_to_the_searched_category(db: duckdb.DuckDBPyConnection) -> None:
    pairs = db.execute("""
        SELECT s.search_query, p.category
        FROM (SELECT search_query, unnest(clicked_product_ids) AS product_id FROM searches) s
        JOIN products p USING (product_id)""").fetchall()
    assert len(pairs) > 1_000
    wrong = [(q, c) for q, c in pairs if c not in categories_of(q)]
    assert not wrong, wrong[:5]


def test_clicked_results_are_viewed_right_after_the_search(db: duckdb.DuckDBPyConnection) -> None:
    (missing,) = db.execute("""
        SELECT count(*) FROM (SELECT user_id, timestamp, unnest(clicked_product_ids) AS product_id
                              FROM searches) s
        WHERE NOT EXISTS (SELECT 1 FROM events e
                          WHERE e.user_id = s.user_id AND e.product_id = s.product_id
                            AND e.event_type = 'viewed'
                            AND e.timestamp BETWEEN s.timestamp
                                                AND s.timestamp + INTERVAL 1 HOUR)""").fetchone()
    assert missing == 0


def test_search_words_match_what_users_buy(db: duckdb.DuckDBPyConnection) -> None:
    """For shoppers who both search and buy, the categories named in their searches are
    mostly the ones they buy from."""
    searched: dict[str, set[str]] = {}
    for user, query in db.execute("SELECT user_id, search_query FROM searches").fetchall():
        searched.setdefault(user, set()).update(categories_of(query))
    bought: dict[str, set[str]] = {}
    for user, cat in db.execute("SELECT user_id, category FROM ev "
                                "WHERE event_type = 'purchased'").fetchall():
        bought.setdefault(user, set()).add(cat)
    both = [u for u in bought if u in searched]
    assert len(both) > 300
    overlap = sum(bool(bought[u] & searched[u]) for u in both) / len(both)
    assert overlap > 0.8
    # purchases named in the buyer's own searches, over all purchased categories
    named = sum(len(bought[u] & searched[u]) for u in both) / sum(len(bought[u]) for u in both)
    assert named > 0.5


def test_personas_phrase_their_searches_differently(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.execute("""SELECT persona, search_query FROM searches JOIN personas USING (user_id)
                      """).fetchall()
    price: dict[str, list[bool]] = {}
    for persona, query in rows:
        price.setdefault(persona, []).append(bool(PRICE_WORDS.search(query)))
    rate = {p: sum(v) / len(v) for p, v in price.items()}
    assert rate["bargain_hunter"] > 0.6
    assert all(r < 0.15 for p, r in rate.items() if p != "bargain_hunter"), rate
    searches_per_user = dict(db.execute("""
        SELECT persona, count(*) / (SELECT count(*) FROM personas p2 WHERE p2.persona = p.persona)
        FROM searches JOIN personas p USING (user_id) GROUP BY 1""").fetchall())
    assert searches_per_user["occasional_browser"] < 0.3 * min(
        v for k, v in searches_per_user.items() if k != "occasional_browser")


def test_queries_and_clicks_are_clean(db: duckdb.DuckDBPyConnection) -> None:
    rows = db.execute("SELECT search_query, clicked_product_ids FROM searches").fetchall()
    for query, clicked in rows:
        words = query.split()
        assert all(a != b for a, b in pairwise(words)), query
        assert len(set(clicked)) == len(clicked), clicked
