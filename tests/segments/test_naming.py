"""Names come from profiles, never from cluster numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from shoplens.segments.naming import assign_names, score_matrix


def _z(rows: dict[int, dict[str, float]]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index").fillna(0.0)


def _case() -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    labels = np.array([0] * 10 + [1] * 10 + [2] * 10)
    aff = pd.DataFrame(
        {
            "aff_electronics": [0.9] * 10 + [0.1] * 10 + [0.3] * 10,
            "aff_apparel": [0.05] * 10 + [0.8] * 10 + [0.3] * 10,
        }
    )
    z = _z(
        {
            0: {"log_n_events": 0.5, "share_cheap": -0.3},
            1: {"log_n_events": 0.4, "share_cheap": -0.2},
            2: {"log_n_events": -2.0, "log_n_sessions": -2.0, "log_active_days": -1.8, "log_frequency": -1.0},
        }
    )
    return z, aff, labels


def test_names_follow_profiles() -> None:
    z, aff, labels = _case()
    scores = score_matrix(z, aff, labels, None, None)
    names = assign_names(scores, {0: [], 1: [], 2: []}, z)
    assert names == {0: "tech_enthusiasts", 1: "fashion_lovers", 2: "occasional_browsers"}


def test_relabelling_clusters_keeps_names_with_their_users() -> None:
    z, aff, labels = _case()
    perm = {0: 7, 1: 3, 2: 5}
    z2 = z.rename(index=perm)
    labels2 = np.array([perm[c] for c in labels])
    names = assign_names(score_matrix(z2, aff, labels2, None, None), {7: [], 3: [], 5: []}, z2)
    assert names == {7: "tech_enthusiasts", 3: "fashion_lovers", 5: "occasional_browsers"}


def test_a_second_segment_like_a_named_one_is_qualified_not_duplicated() -> None:
    labels = np.array([0] * 10 + [1] * 10)
    aff = pd.DataFrame({"aff_electronics": [0.9] * 10 + [0.85] * 10, "aff_apparel": [0.1] * 10 + [0.15] * 10})
    aff.loc[0, "aff_electronics"] = 0.2  # spread, so the category signal is defined
    z = _z({0: {"log_monetary": 1.5}, 1: {"log_monetary": -1.0}})
    names = assign_names(score_matrix(z, aff, labels, None, None), {0: [], 1: ["low_monetary"]}, z)
    assert sorted(names.values())[0] != sorted(names.values())[1]
    assert all(not n[-1].isdigit() for n in names.values())
