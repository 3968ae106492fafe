"""``user.segment`` and ``user.rfm_group`` once ``shoplens segments`` stored them."""

from __future__ import annotations

import datetime as dt

import pandas as pd

import shoplens as sl
from shoplens.engines import Engine, load_sql

from . import shop


def test_segment_properties(engine: Engine) -> None:
    shop.load(engine, typed=True)
    engine.execute_script(load_sql("shoplens.segments", "user_segments.sql"))
    now = dt.datetime(2026, 1, 22)
    engine.append_df("user_segments", pd.DataFrame({
        "user_id": ["u1", "u2"], "segment": ["loyal", "bargain_hunters"], "cluster": [0, 1],
        "method": ["kmeans"] * 2, "rfm_segment": ["champions", "at_risk"],
        "r_score": [5, 2], "f_score": [5, 2], "m_score": [4, 3], "traits": ["[]"] * 2,
        "run_id": ["r1"] * 2, "updated_at": [now] * 2}))
    r = sl.trends(engine, event="action:purchase", math="sum", math_property="revenue",
                  breakdown="user.segment", interval="month")
    assert {s["breakdown_value"]: s["total"] for s in r.to_dict()["series"]} == {
        "bargain_hunters": 260.0, "loyal": 90.0}
    r = sl.trends(engine, math="unique_users", where="rfm_group=champions", interval="month")
    assert r.to_dict()["series"][0]["total"] == 1.0
