"""RFM quintile scores and segments: literal cases and properties."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from shoplens.segments.rfm import NO_PURCHASE, quintile_score, rfm_scores, rfm_segment, rfm_table


def test_quintiles_literal() -> None:
    s = pd.Series([10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    assert quintile_score(s).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert quintile_score(s, ascending=False).tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    # ties share the score of the lowest rank in the tie
    assert quintile_score(pd.Series([1, 1, 1, 1, 1, 1, 2, 3, 4, 5])).tolist() == [1] * 6 + [4, 4, 5, 5]


def test_segments_literal() -> None:
    assert rfm_segment(5, 5) == "champions"
    assert rfm_segment(4, 4) == "loyal_customers"
    assert rfm_segment(5, 2) == "potential_loyalists"
    assert rfm_segment(5, 1) == "new_customers"
    assert rfm_segment(4, 1) == "promising"
    assert rfm_segment(3, 3) == "need_attention"
    assert rfm_segment(3, 1) == "about_to_sleep"
    assert rfm_segment(1, 5) == "cant_lose_them"
    assert rfm_segment(2, 3) == "at_risk"
    assert rfm_segment(1, 1) == "hibernating"


def test_scores_and_table() -> None:
    frame = pd.DataFrame(
        {
            "recency_days": [1, 2, 3, 4, 5, 100, 7],
            "frequency": [5, 4, 3, 2, 1, 9, 0],
            "monetary": [500.0, 400, 300, 200, 100, 900, 0],
        },
        index=pd.Index(list("abcdefg"), name="user_id"),
    )
    s = rfm_scores(frame)
    assert s.loc["g", "rfm_segment"] == NO_PURCHASE and pd.isna(s.loc["g", "r_score"])
    assert (s.loc["a", "r_score"], s.loc["a", "f_score"], s.loc["a", "m_score"]) == (5, 4, 4)
    assert s.loc["a", "rfm_segment"] == "champions"
    assert (s.loc["f", "r_score"], s.loc["f", "f_score"]) == (1, 5)
    assert s.loc["f", "rfm_segment"] == "cant_lose_them"
    table = rfm_table(frame, s).set_index("rfm_segment")
    assert table["users"].sum() == 7
    assert table["revenue_share"].sum() == 1.0 or abs(table["revenue_share"].sum() - 1) < 1e-12
    assert table.loc["cant_lose_them", "revenue"] == 900


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=50), min_size=1, max_size=60))
def test_quintile_properties(values: list[int]) -> None:
    s = pd.Series(values, dtype="float64")
    q = quintile_score(s)
    assert q.between(1, 5).all()
    order = s.sort_values(kind="stable").index
    assert q[order].is_monotonic_increasing  # larger value, never a lower score
    for v in set(values):
        assert q[s == v].nunique() == 1  # ties, one score
