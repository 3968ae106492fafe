"""The report's alert section, collected from a generated shop and rendered."""

from __future__ import annotations

from pathlib import Path

from shoplens.engines import Engine
from shoplens.report.collectors import ReportContext, collect_section


def test_alert_section_is_collected_and_rendered(shop: Engine, labels, tmp_path: Path) -> None:
    from shoplens.report.build import write_report
    from shoplens.report.collectors import new_report

    section = collect_section("alerts", ReportContext(engine=shop, out=tmp_path))
    assert section.available, section.reason
    assert section.fired  # the country's outage in the last four weeks
    days = {a["day"] for a in section.anomalies}
    assert labels["country_outage"]["start"] in days
    report = new_report(shop)
    report.alerts = section
    files = write_report(report, tmp_path / "report")
    html = files.html.read_text()
    assert 'id="alerts"' in html and labels["country_outage"]["start"] in html
