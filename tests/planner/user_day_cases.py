"""Random retention, lifecycle and stickiness queries over the generated shop
(hypothesis strategies): series the user-day rollup answers, and some it does not."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from shoplens.insights.schema import LifecycleQuery, RetentionQuery, StickinessQuery

ANY: dict[str, Any] = {}
ACTIVE = {"filters": [{"property": "event.event_type", "operator": "neq", "value": "refund"}]}
PURCHASES = {"filters": [{"property": "event_type", "value": "purchase"}]}
COVERED = [ANY, ACTIVE, PURCHASES]
RAW_ONLY = [{"event": "action:purchase"}, {"event": "viewed"},
            {"filters": [{"property": "user.country", "value": "FR"}]},
            {"filters": [{"property": "event.event_type", "value": "refund"}]}]
SERIES = st.sampled_from(COVERED + COVERED + RAW_ONLY)
RANGES = [{}, {"date_from": "2024-01-01", "date_to": "2024-03-10"},
          {"date_from": "2024-01-08", "date_to": "2024-02-25"},
          {"date_from": "2024-01-10", "date_to": "2024-02-20"},
          {"date_from": "-21d"}, {"date_from": "2024-01-15T06:00:00"},
          {"date_from": "2024-01-03", "timezone": "Europe/Paris"}]
QUERY_FILTERS = [[], [], [], [{"property": "user.country", "operator": "neq", "value": "US"}]]
UNITS = st.sampled_from(["day", "week", "month"])


retention_queries = st.builds(
    lambda start, ret, period, offset, n, rtype, measure, cells, by, censor, rng, flt:
    RetentionQuery.model_validate({
        "start_event": start, "return_event": ret, "period": period,
        "offset_period": offset, "total_intervals": n,
        "retention_type": "first_time" if by == "signup" else rtype, "measure": measure,
        "accumulation": cells, "cohort_by": by, "censoring": censor, "date_range": rng,
        "filters": flt}),
    SERIES, SERIES, UNITS, st.one_of(st.none(), UNITS), st.integers(1, 6),
    st.sampled_from(["first_time", "recurring"]),
    st.sampled_from(["users", "users", "orders", "revenue"]),
    st.sampled_from([None, "period", "on_or_after", "up_to"]),
    st.sampled_from(["start_event", "start_event", "signup"]),
    st.sampled_from(["started", "observed"]), st.sampled_from(RANGES),
    st.sampled_from(QUERY_FILTERS))

lifecycle_queries = st.builds(
    lambda s, i, r, f: LifecycleQuery.model_validate({
        "series": s, "interval": i, "date_range": r, "filters": f}),
    SERIES, UNITS, st.sampled_from(RANGES), st.sampled_from(QUERY_FILTERS))

stickiness_queries = st.builds(
    lambda s, i, r, f: StickinessQuery.model_validate({
        "series": s, "interval": i, "date_range": r, "filters": f}),
    st.lists(SERIES, min_size=1, max_size=2), UNITS, st.sampled_from(RANGES),
    st.sampled_from(QUERY_FILTERS))
