"""A hand-made ReportData with every section filled, for rendering tests.

The numbers are literal test inputs (not computed from data): rendering tests check
that what is in the model is what the page, the PDF and results.json show.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from shoplens.report.collectors.cohorts import weighted_average
from shoplens.report.model import (
    AlertSection,
    BenchmarkSection,
    BenchRow,
    BreakdownRow,
    ClvSection,
    CohortRow,
    CohortSection,
    FunnelSection,
    FunnelStep,
    GrowthSection,
    Insight,
    InsightSection,
    Kpi,
    KpiSection,
    LifecyclePoint,
    Overview,
    PathRow,
    PathsSection,
    Point,
    ReportData,
    RetentionRow,
    RfmRow,
    SegmentRow,
    SegmentSection,
    StickinessPoint,
)


def sample_report() -> ReportData:
    start = date(2024, 1, 1)
    days = [start + timedelta(days=i) for i in range(120)]
    dau = [Point(x=d, y=200 + (i % 7) * 15 + i) for i, d in enumerate(days)]
    cohorts = [
        CohortRow(cohort="2024-01-01", size=1200, values=[1.0, 0.42, 0.31, 0.25, 0.22]),
        CohortRow(cohort="2024-02-01", size=1100, values=[1.0, 0.40, 0.0, 0.24, None]),
        CohortRow(cohort="2024-03-01", size=900, values=[1.0, 0.45, None, None, None]),
    ]
    return ReportData(
        title="ShopLens report",
        generated_at=datetime(2024, 5, 1, 12, 0),
        database="duckdb:test.duckdb",
        engine="duckdb",
        overview=Overview(users=3200, products=800, sessions=40_000, events=500_000, orders=9000,
                          searches=12_000, first_event=datetime(2024, 1, 1),
                          last_event=datetime(2024, 4, 29, 23, 0), days=120,
                          event_types={"view": 450_000, "cart": 40_000, "purchase": 10_000}),
        kpis=KpiSection(
            kpis=[Kpi(key="dau", label="DAU (mean)", value=287.5),
                  Kpi(key="revenue", label="Revenue", value=1_234_567.5, unit="currency"),
                  Kpi(key="conversion", label="Session conversion", value=0.031, unit="%")],
            series={"dau": dau,
                    "revenue_month": [Point(x=date(2024, m, 1), y=1000.0 * m) for m in range(1, 5)]},
            revenue_by_category=[{"category": "electronics.smartphone", "revenue": 5000.0},
                                 {"category": "apparel.shoes", "revenue": 2500.0},
                                 {"category": "furniture.living_room.sofa", "revenue": 500.0}]),
        benchmark=BenchmarkSection(rows=[
            BenchRow(metric="wau", engine="duckdb", naive_ms=120.0, optimized_ms=4.0, speedup=30.0,
                     rows_equal=True),
            BenchRow(metric="revenue_by_category", engine="duckdb", naive_ms=80.0,
                     optimized_ms=10.0, speedup=8.0, rows_equal=True)], repeat=3),
        cohorts=CohortSection(cohort_by="signup", period="month", offset_unit="week",
                              measure="users", cohorts=cohorts, average=weighted_average(cohorts)),
        growth=GrowthSection(
            by_country=[BreakdownRow(value="FR", revenue=5200.0, buyers=310),
                        BreakdownRow(value="DE", revenue=2100.0, buyers=150),
                        BreakdownRow(value=None, revenue=300.0, buyers=20)],
            by_channel=[BreakdownRow(value="google", revenue=4000.0, buyers=260),
                        BreakdownRow(value="newsletter", revenue=3600.0, buyers=220)],
            retention_by_channel=[RetentionRow(value="google", size=900, rates=[1.0, 0.3, 0.2]),
                                  RetentionRow(value="newsletter", size=700,
                                               rates=[1.0, 0.4, None])],
            retention_period="week", lifecycle_interval="week",
            lifecycle=[LifecyclePoint(date=f"2024-01-{d:02d}", new=100 + d, returning=40 + d,
                                      resurrecting=10, dormant=-(20 + d)) for d in (1, 8, 15)],
            stickiness=[StickinessPoint(intervals=k, users=500 // k, share=0.5 / k)
                        for k in range(1, 29)],
            stickiness_note="users active on N of the 28 days 2024-04-02 .. 2024-04-29"),
        funnel=FunnelSection(basis="sessions", steps=[
            FunnelStep(stage="view", count=40_000, from_previous=None, from_first=1.0),
            FunnelStep(stage="cart", count=8000, from_previous=0.2, from_first=0.2),
            FunnelStep(stage="purchase", count=2000, from_previous=0.25, from_first=0.05)],
            cart_abandonment=0.75),
        paths=PathsSection(paths=[PathRow(path=["view", "view", "cart"], count=900, share=0.09),
                                  PathRow(path=["view", "purchase"], count=300, share=0.03)]),
        segments=SegmentSection(method="kmeans", k=2, k_criterion="silhouette", k_score=0.41,
                                users=3200, segments=[
            SegmentRow(name="tech_enthusiasts", size=2000, share=0.625, revenue_share=0.8,
                       traits={"affinity_electronics": 2.1}),
            SegmentRow(name="bargain_hunters", size=1200, share=0.375, revenue_share=0.2,
                       traits={"price_band": -1.4})],
            rfm=[RfmRow(segment="Champions", users=300, share=0.09),
                 RfmRow(segment="Hibernating", users=2900, share=0.91)]),
        insights=InsightSection(provider="offline", insights=[Insight(
            title="Carts are abandoned", finding="75% of carts never become orders.",
            evidence={"cart_abandonment": 0.75}, recommendation="Send a reminder e-mail.",
            priority="high", expected_impact="more orders")]),
        clv=ClvSection(
            model="BG/NBD", time_unit="week", horizon_days=90.0, as_of=date(2024, 4, 30),
            params=[{"model": "BG/NBD", "name": "r", "value": 0.243, "unit": "dimensionless",
                     "meaning": "shape of the Gamma distribution of purchase rates"}],
            totals={"customers": 3200, "repeat_customers": 1100, "expected_purchases": 812.5,
                    "clv": 40210.0, "at_risk_customers": 640, "at_risk_past_value": 51000.0},
            at_risk=[{"user_id": "u7", "calibration_value": 1999.0, "frequency": 9,
                      "p_alive": 0.12, "clv": 31.0}]),
        alerts=AlertSection(
            since="2024-04-17", date_to="2024-04-30", sensitivity="medium", fired=True,
            anomalies=[{"day": "2024-04-24", "label": "purchases", "kind": "drop",
                        "actual": 610, "expected": 1040,
                        "message": "Purchases on 2024-04-24 were 41 % below the expected 1,040 "
                                   "(interval 905–1,170); 83 % of the gap comes from "
                                   "country = DE."}],
            data_quality=[{"message": "No add-to-cart events since 2024-04-28 (about 150 a day "
                                      "before): the tracker may have stopped."}]),
    )
