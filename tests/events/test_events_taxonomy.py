"""Categorizing event names: rules, embeddings, cache, user mapping, on both engines."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shoplens.engines import Engine
from shoplens.errors import InputError
from shoplens.events import rules
from shoplens.events.embedding import default_classifier
from shoplens.events.taxonomy import (
    CategorizeParams,
    categorize,
    classify_names,
    load_mapping,
    read_taxonomy,
)

# Names from several trackers' vocabularies that no rule table lists verbatim.
UNSEEN = {
    "ProductDetailViewed": "browse",
    "add_to_wishlist": "consideration",
    "checkout_step_2_shipping": "checkout",
    "order_completed": "conversion",
    "PLP_impression": "browse",
    "basket_item_removed": "removal",
    "payment_info_entered": "checkout",
    "coupon_applied": "checkout",
    "delivery-choice": "checkout",
    "payment_done": "conversion",
    "miniCartOpened": "consideration",
    "quickview": "browse",
    "trolley_add": "consideration",
    "orderConfirmationShown": "conversion",
    "return_requested": "other",
    "newsletter_signup": "other",
}


@pytest.mark.parametrize("raw,key", [("AddToCart", "addtocart"), ("add_to_cart", "addtocart"),
                                     ("add-to-cart", "addtocart"), ("Add To Cart", "addtocart"),
                                     ("PLPImpression", "plpimpression"),
                                     ("checkout_step_2", "checkoutstep2")])
def test_normalize_spellings(raw: str, key: str) -> None:
    assert rules.normalize(raw) == key


def test_unseen_vocabulary_gets_the_right_stages() -> None:
    entries = classify_names(list(UNSEEN))
    got = {e.raw: e.stage for e in entries}
    assert got == UNSEEN
    for e in entries:
        assert 0 < e.confidence <= 1 and e.method in ("rule", "embedding")


def test_embedding_layer_alone_on_unseen_names() -> None:
    """Without any rule, the prototypes still place most unseen names (and say so)."""
    guesses = default_classifier().classify(list(UNSEEN))
    right = [g for g in guesses if g.stage == UNSEEN[g.raw]]
    assert len(right) >= 14, [(g.raw, g.stage) for g in guesses if g.stage != UNSEEN[g.raw]]
    sure_wrong = [g.raw for g in guesses if g.sure and g.stage != UNSEEN[g.raw]]
    assert len(sure_wrong) <= 1, sure_wrong


def test_nonsense_is_unsure_other_offline() -> None:
    [e] = classify_names(["zzq_x1"])
    assert e.unsure and e.method == "embedding" and e.confidence < 0.7


def _clickstream(names: list[str]) -> pd.DataFrame:
    t0 = datetime(2024, 5, 1, 9)
    return pd.DataFrame({
        "event_id": range(1, len(names) + 1),
        "user_id": [f"user-{i % 3}" for i in range(len(names))],
        "session_id": [f"sess-{i % 3}" for i in range(len(names))],
        "raw_event": names,
        "event_time": [t0 + timedelta(minutes=i) for i in range(len(names))],
        "quantity": 1,
    })


def test_categorize_clickstream_on_engine(engine: Engine, cli, db_url: str) -> None:  # type: ignore[no-untyped-def]
    names = [n for n in UNSEEN for _ in range(2)] + ["view", "view", "view"]
    engine.append_df("events", _clickstream(names))
    tax = categorize(engine)
    by = tax.by_raw()
    assert {n: by[n].stage for n in UNSEEN} == UNSEEN
    assert by["view"].events == 3 and by["view"].method == "rule" and by["view"].confidence == 1.0
    assert tax.entries[0].raw == "view"          # most frequent first
    # cached: a second run reads the table and gives the same answer
    assert engine.scalar("SELECT COUNT(*) FROM event_taxonomy") == len(UNSEEN) + 1
    assert read_taxonomy(engine).to_json() == tax.to_json()
    # and the CLI prints the contract
    engine.close()
    res = cli("events", "categorize", "--db", db_url, "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert set(doc) == {"taxonomy", "funnel", "withheld_from_llm"}
    row = next(r for r in doc["taxonomy"] if r["raw"] == "coupon_applied")
    assert {"raw", "stage", "confidence", "method", "events"} <= set(row)
    assert row["stage"] == "checkout" and row["events"] == 2
    assert [s["stage"] for s in doc["funnel"]] == ["browse", "consideration", "checkout",
                                                   "conversion"]


def test_cache_is_used_and_refresh_recomputes(engine: Engine) -> None:
    engine.append_df("events", _clickstream(["view_item", "odd_event_x"]))
    categorize(engine)
    # tamper with the cache: the next run must keep the cached decision...
    engine.execute("UPDATE event_taxonomy SET stage = 'other', action = 'other' "
                   "WHERE raw_event = :r", {"r": "view_item"})
    assert categorize(engine).stage_of("view_item") == "other"
    # ...until --refresh decides again
    assert categorize(engine, CategorizeParams(refresh=True)).stage_of("view_item") == "browse"


@pytest.mark.parametrize("fmt", ["yaml", "json", "csv"])
def test_user_mapping_overrides(engine: Engine, tmp_path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    engine.append_df("events", _clickstream(["view_item", "hero_banner_tap", "add_to_cart"]))
    path = tmp_path / f"map.{fmt}"
    if fmt == "yaml":
        path.write_text("events:\n  hero_banner_tap: browse\n  add_to_cart:\n"
                        "    stage: consideration\n    action: wishlist\n")
    elif fmt == "json":
        path.write_text(json.dumps({"hero_banner_tap": "browse",
                                    "add_to_cart": {"stage": "consideration",
                                                    "action": "wishlist"}}))
    else:
        path.write_text("raw,stage,action\nhero_banner_tap,browse,\nadd_to_cart,consideration,"
                        "wishlist\n")
    tax = categorize(engine, CategorizeParams(mapping=path)).by_raw()
    assert tax["hero_banner_tap"].method == "user" and tax["hero_banner_tap"].stage == "browse"
    assert tax["add_to_cart"].action == "wishlist" and tax["add_to_cart"].confidence == 1.0
    assert tax["view_item"].method == "rule"
    # user decisions stay in the cache, even on --refresh without the file
    again = categorize(engine, CategorizeParams(refresh=True)).by_raw()
    assert again["add_to_cart"].method == "user"


def test_bad_mapping_names_file_line_and_field(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "map.csv"
    path.write_text("raw,stage\nview_item,browse\nbuy_now,purchase\n")
    with pytest.raises(InputError, match=r"map\.csv, line 3, field 'stage'.*unknown stage"):
        load_mapping(path)
    bad_action = tmp_path / "m.yaml"
    bad_action.write_text("x: {stage: browse, action: cart}\n")
    with pytest.raises(InputError, match="action 'cart' is not part of stage 'browse'"):
        load_mapping(bad_action)
    with pytest.raises(InputError, match="mapping file not found"):
        load_mapping(tmp_path / "missing.yaml")


_word = st.sampled_from(["add", "to", "cart", "product", "viewed", "checkout", "step",
                         "order", "completed", "wishlist", "basket", "item", "removed",
                         "payment", "info", "entered", "search", "list", "page"])


@settings(max_examples=200, deadline=None)
@given(st.lists(_word, min_size=1, max_size=5))
def test_casing_conventions_do_not_change_the_decision(ws: list[str]) -> None:
    """snake_case, kebab-case, camelCase, PascalCase, Title Case and SCREAMING_SNAKE of
    the same words normalize alike and get the same rule decision."""
    spellings = ["_".join(ws), "-".join(ws), ws[0] + "".join(w.title() for w in ws[1:]),
                 "".join(w.title() for w in ws), " ".join(w.title() for w in ws),
                 "_".join(ws).upper()]
    assert len({rules.normalize(s) for s in spellings}) == 1
    assert len({rules.match(s) for s in spellings}) == 1
