"""Funnel and patterns on the hand-made shop (events_shop.py), counted by hand, on both engines."""

from __future__ import annotations

import json

import pytest
from events_shop import seed

from shoplens.engines import Engine
from shoplens.events.funnel import funnel
from shoplens.events.patterns import PatternParams, patterns
from shoplens.events.taxonomy import categorize


@pytest.fixture
def shop(engine: Engine) -> Engine:
    seed(engine)
    categorize(engine)
    return engine


def test_funnel(shop: Engine) -> None:
    steps = {s.stage: s for s in funnel(shop)}
    # an ordered funnel, checkout optional: 7 sessions browse (s1..s4 and u5's three
    # gap-sessions; s5 only wishlists, it never entered); 5 go on to consideration (not
    # s4 nor u5's third, view -> purchase); s1 alone goes through checkout; s1, s3 and
    # u5's first convert. Users: u1, u2 (across its two sessions), u5 convert; u3 browses
    assert [(s.stage, s.sessions, s.users) for s in steps.values()] == [
        ("browse", 7, 4), ("consideration", 5, 3), ("checkout", 1, 1), ("conversion", 3, 3)]
    assert steps["consideration"].session_rate_from_previous == round(5 / 7, 4)
    # conversion over consideration (checkout is optional), and over browse
    assert steps["conversion"].session_rate_from_previous == 0.6
    assert steps["conversion"].session_rate_from_start == round(3 / 7, 4)


def test_untracked_stage_is_skipped(engine: Engine) -> None:
    from events_shop import ROWS
    seed(engine, [r for r in ROWS if r[2] != "begin_checkout"])
    categorize(engine)
    steps = {s.stage: s for s in funnel(engine)}
    assert not steps["checkout"].tracked and steps["checkout"].sessions == 0
    # s1, s3 and u5's first session convert of the 5 that reached consideration
    assert steps["conversion"].session_rate_from_previous == round(3 / 5, 4)


def test_one_tracked_stage_counts_who_had_it(engine: Engine) -> None:
    from events_shop import _t
    # one funnel stage in the data (consideration; login is "other"): u1 carts in two
    # gap-sessions without ids, u3 in s1; u2's s9 only logs in, so it never reached it
    seed(engine, [("u1", None, "add_to_cart", "p1", _t(1, 10, 0)),
                  ("u1", None, "add_to_cart", "p2", _t(1, 12, 0)),
                  ("u2", "s9", "login", None, _t(1, 11, 0)),
                  ("u3", "s1", "add_to_cart", "p1", _t(1, 13, 0))])
    categorize(engine)
    tracked = [(s.stage, s.sessions, s.users) for s in funnel(engine) if s.tracked]
    assert tracked == [("consideration", 3, 2)]


def test_patterns(shop: Engine) -> None:
    doc = patterns(shop)
    paths = {p["path"]: p["sessions"] for p in doc["session_paths"]}
    assert paths == {
        "browse > consideration > conversion": 2,      # s3, u5's first gap-session
        "browse > consideration > checkout": 1,        # s1
        "browse > consideration > removal": 1,         # s2
        "browse > consideration > (exit)": 1,          # u5's second gap-session
        "browse > conversion > (exit)": 1,             # u5's third
        "browse > (exit)": 1,                          # s4
        "consideration > (exit)": 1,                   # s5
    }
    tr = {(t["from"], t["to"]): (t["count"], t["share"]) for t in doc["transitions"]}
    assert tr[("browse", "consideration")] == (5, 0.5)
    assert tr[("browse", "browse")] == (3, 0.3)
    assert tr[("conversion", "(exit)")] == (4, 1.0)
    assert tr[("consideration", "removal")] == (1, 0.125)
    assert doc["dropoffs"] == {"sessions": 8, "converted_sessions": 4, "dropped_after": [
        {"stage": "consideration", "sessions": 3, "share_of_sessions": 0.375},
        {"stage": "browse", "sessions": 1, "share_of_sessions": 0.125}]}
    st = {(r["from"], r["to"]): r for r in doc["step_times"]}
    # browse->consideration: 120, 60, 120, 600, 300 s
    assert st[("browse", "consideration")]["sessions"] == 5
    assert st[("browse", "consideration")]["median_seconds"] == 120.0
    assert st[("browse", "consideration")]["mean_seconds"] == 240.0
    assert st[("checkout", "conversion")]["median_seconds"] == 120.0
    assert doc["repeat_purchases"] == {
        "buyers": 3, "purchase_sessions": 4, "repeat_buyers": 1, "repeat_rate": 0.3333,
        "intervals": 1, "p25_days": 7.07, "median_days": 7.07, "p75_days": 7.07,
        "mean_days": 7.07}   # u5: d1 08:20 -> d8 10:01 = 7 d 1 h 41 min
    ca = doc["cart_abandonment"]
    assert (ca["cart_sessions"], ca["abandoned_sessions"], ca["recovered_sessions"]) == (5, 2, 2)
    # recovered after 22.03 h (s2 -> s3) and 167.93 h (u5): median 94.98 h
    assert ca["median_hours_to_recovery"] == 94.98
    b = {x["name"]: x["users"] for x in doc["behaviours"]}
    assert b == {"hesitant_checkout": 0, "price_sensitive_browsing": 1, "quick_deciders": 3,
                 "wishlist_collectors": 1}


def test_pattern_parameters_are_bound(shop: Engine) -> None:
    doc = patterns(shop, PatternParams(recovery_days=1, hesitant_sessions=1, n_steps=2,
                                       quick_seconds=1200, price_spread=4.0))
    assert doc["cart_abandonment"]["recovered_sessions"] == 1       # only s2 within a day
    b = {x["name"]: x["users"] for x in doc["behaviours"]}
    assert b["hesitant_checkout"] == 2                               # u2 and u5
    assert b["quick_deciders"] == 3                                  # u5's 20-minute session too
    assert b["price_sensitive_browsing"] == 0                        # 30/10 < 4
    assert {p["path"] for p in doc["session_paths"]} >= {"browse > consideration",
                                                          "consideration > (exit)"}


def test_patterns_cli(shop: Engine, db_url: str, cli) -> None:  # type: ignore[no-untyped-def]
    shop.close()
    res = cli("events", "patterns", "--db", db_url, "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["cart_abandonment"]["abandoned_sessions"] == 2
    res = cli("events", "patterns", "--db", db_url)
    assert res.exit_code == 0 and "browse > consideration > conversion" in res.stdout
    # the text output has the drop-offs and step times the JSON has
    text = " ".join(res.stdout.split())
    assert "Drop-offs: 8 sessions, 4 converted" in text
    assert "│ consideration │ 3 │ 37.5% │" in text and "│ browse │ 1 │ 12.5% │" in text
    assert "Step times" in text
    assert "│ browse │ consideration │ 5 │ 2.0 min │" in text  # median 120 s


def test_materialised_and_inline_staging_agree(shop: Engine) -> None:
    """patterns() reads one temporary copy of the staged events; each function alone
    computes them inline. Same numbers, and the temporary table is gone afterwards."""
    from shoplens.events import patterns as p

    params = PatternParams()
    together = patterns(shop, params)
    alone = {
        "session_paths": p.session_paths(shop, params),
        "transitions": p.transition_matrix(shop, params),
        "dropoffs": p.dropoffs(shop, params),
        "step_times": p.step_times(shop, params),
        "repeat_purchases": p.repeat_purchases(shop, params),
        "cart_abandonment": p.cart_abandonment(shop, params),
        "behaviours": p.behaviours(shop, params),
    }
    assert together == alone
    assert not shop.table_exists("shoplens_staged_events")
