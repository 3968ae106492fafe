"""The report's growth section, collected from the tiny shop (tests/insights/shop.py):
net revenue FR 90 - 90 = 0 (u1), DE 60 + 200 = 260 (u2); channels newsletter (u2) and
google (u1)."""

from __future__ import annotations

from pathlib import Path

from shoplens.engines import Engine
from shoplens.report.collectors import ReportContext, collect_section


def test_growth_section(shop_engine: Engine, tmp_path: Path) -> None:
    g = collect_section("growth", ReportContext(engine=shop_engine, out=tmp_path))
    assert g.available, g.reason
    assert [(r.value, r.revenue, r.buyers) for r in g.by_country] == [
        ("DE", 260.0, 1), ("FR", 0.0, 1)]
    assert [(r.value, r.revenue, r.buyers) for r in g.by_channel] == [
        ("newsletter", 260.0, 1), ("google", 0.0, 1)]
    assert [(p.date, p.new, p.dormant) for p in g.lifecycle] == [
        ("2026-01-05", 2, 0), ("2026-01-12", 1, -1), ("2026-01-19", 1, -2)]
    # the last 28 days end 01-21: u1 on 3 days, u2 on 2, u3 and u5 on 1
    assert [p.users for p in g.stickiness[:4]] == [2, 1, 1, 0]
    assert {r.value: r.size for r in g.retention_by_channel} == {"google": 2, "newsletter": 1,
                                                                 "O'Hara ads": 1}


def test_partial_last_week_is_marked(shop_engine: Engine, tmp_path: Path) -> None:
    """The data ends on Wednesday 01-21: the lifecycle's last week is partial (drawn pale,
    said in the title); a range ending on a Sunday is not."""
    from shoplens.report.growth_charts import _partial_last

    g = collect_section("growth", ReportContext(engine=shop_engine, out=tmp_path))
    assert g.lifecycle_until == "2026-01-21" and _partial_last(g)
    assert not _partial_last(g.model_copy(update={"lifecycle_until": "2026-01-25"}))
