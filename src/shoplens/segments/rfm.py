"""Classic RFM: recency, frequency and monetary quintile scores and named segments.

Notes
-----
Only buyers (``frequency > 0``) are scored; others are ``no_purchase``. Each score is
the quintile of the user's value among buyers, tie-consistent: a user whose value is
tied with others gets the score of the lowest rank in the tie,
``score = 1 + floor(5 * (rank_min - 1) / n)`` (1..5). Recency is ranked descending
(fewer days since the last event = higher R). Segment names follow the widely used
R-by-F grid (e.g. Putler, "RFM analysis for successful customer segmentation"):

=========================== ===========================
R, F                        segment
=========================== ===========================
5, 4-5                      champions
3-4, 4-5                    loyal_customers
4-5, 2-3                    potential_loyalists
5, 1                        new_customers
4, 1                        promising
3, 3                        need_attention
3, 1-2                      about_to_sleep
1-2, 5                      cant_lose_them
1-2, 3-4                    at_risk
1-2, 1-2                    hibernating
=========================== ===========================
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NO_PURCHASE = "no_purchase"
RFM_SEGMENTS = (
    "champions",
    "loyal_customers",
    "potential_loyalists",
    "new_customers",
    "promising",
    "need_attention",
    "about_to_sleep",
    "cant_lose_them",
    "at_risk",
    "hibernating",
    NO_PURCHASE,
)


def quintile_score(values: pd.Series, *, ascending: bool = True) -> pd.Series:
    """1..5 by tie-consistent quintile (see module notes); higher value = higher score
    when ``ascending``."""
    n = len(values)
    if n == 0:
        return pd.Series([], dtype="int64", index=values.index)
    ranks = values.rank(method="min", ascending=ascending)
    return (1 + np.floor(5 * (ranks - 1) / n)).astype("int64")


def rfm_segment(r: int, f: int) -> str:
    if r == 5 and f >= 4:
        return "champions"
    if r >= 3 and f >= 4:
        return "loyal_customers"
    if r >= 4 and f in (2, 3):
        return "potential_loyalists"
    if r == 5 and f == 1:
        return "new_customers"
    if r == 4 and f == 1:
        return "promising"
    if r == 3 and f == 3:
        return "need_attention"
    if r == 3:
        return "about_to_sleep"
    if f == 5:
        return "cant_lose_them"
    if f >= 3:
        return "at_risk"
    return "hibernating"


def rfm_scores(frame: pd.DataFrame) -> pd.DataFrame:
    """``r_score, f_score, m_score, rfm_segment`` per user from ``recency_days``,
    ``frequency`` and ``monetary`` columns (index = user_id)."""
    out = pd.DataFrame(index=frame.index)
    out["r_score"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    out["f_score"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    out["m_score"] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    out["rfm_segment"] = NO_PURCHASE
    buyers = frame[frame["frequency"] > 0]
    if len(buyers):
        r = quintile_score(buyers["recency_days"].astype("float64"), ascending=False)
        f = quintile_score(buyers["frequency"].astype("float64"))
        m = quintile_score(buyers["monetary"].astype("float64"))
        out.loc[buyers.index, "r_score"] = r.astype("Int64")
        out.loc[buyers.index, "f_score"] = f.astype("Int64")
        out.loc[buyers.index, "m_score"] = m.astype("Int64")
        grid = np.array([[rfm_segment(a, b) for b in range(1, 6)] for a in range(1, 6)], dtype=object)
        out.loc[buyers.index, "rfm_segment"] = grid[r.to_numpy() - 1, f.to_numpy() - 1]
    return out


def rfm_table(frame: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """Per RFM segment: users, share of users, revenue share, mean recency/frequency/monetary."""
    df = frame[["recency_days", "frequency", "monetary"]].astype("float64").join(scores["rfm_segment"])
    total_rev = float(df["monetary"].sum())
    g = df.groupby("rfm_segment")
    table = pd.DataFrame(
        {
            "users": g.size(),
            "revenue": g["monetary"].sum(),
            "mean_recency_days": g["recency_days"].mean(),
            "mean_frequency": g["frequency"].mean(),
            "mean_monetary": g["monetary"].mean(),
        }
    )
    table["share_of_users"] = table["users"] / len(df)
    table["revenue_share"] = table["revenue"] / total_rev if total_rev else 0.0
    order = [s for s in RFM_SEGMENTS if s in table.index]
    return table.loc[order].reset_index().rename(columns={"index": "rfm_segment"})
