"""The explorer in a real browser (Debian's Chromium through Playwright): every page is
opened and looked at, a breakdown and a date range are changed through the form, and
the numbers on the page are checked against the Python API for the same query.

Screenshots go to ``$SHOPLENS_SCREENSHOTS`` (default: the test's temporary folder).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from shoplens.engines import connect
from shoplens.explorer.runs import table_of

from .browser import CHROMIUM, TABLE, launch, serving, settle

pytestmark = pytest.mark.browser
playwright_api = pytest.importorskip("playwright.sync_api")
if not Path(CHROMIUM).exists():
    pytest.skip("chromium is not installed", allow_module_level=True)

SEGMENTS = ("bargain_hunters", "loyal_regulars", "window_shoppers")


def _insights_run() -> Any:
    from shoplens.explorer.runs import NotAvailable, insight_runner

    try:
        return insight_runner()
    except NotAvailable:
        pytest.skip("shoplens.insights.runner.run is not in this tree yet")


def _write_segments(url: str) -> dict[str, int]:
    """Segments as ``shoplens segment`` stores them (its writer, fixed assignments), and the
    event taxonomy as ``shoplens events categorize`` stores it (funnels of actions read it)."""
    from shoplens.events.taxonomy import ensure_categorized
    from shoplens.segments.store import write_db

    with connect(url) as engine:
        ensure_categorized(engine)
        users = [r[0] for r in engine.fetch_all("SELECT user_id FROM users ORDER BY user_id")]
        rows = pd.DataFrame({
            "user_id": users, "segment": [SEGMENTS[i % 3] for i in range(len(users))],
            "cluster": [i % 3 for i in range(len(users))], "method": "kmeans",
            "rfm_segment": ["champions" if i % 4 == 0 else "at_risk" for i in range(len(users))],
            "r_score": 3, "f_score": 2, "m_score": 4, "traits": "[]", "run_id": "test-run",
            "updated_at": pd.Timestamp("2024-03-01")})
        write_db(engine, rows, {"run_id": "test-run", "created_at": pd.Timestamp("2024-03-01"),
                                "method": "kmeans", "k": 3, "seed": 1, "n_users": len(users),
                                "summary": {}})
        _write_customer_value(engine, users)
    counts = rows["segment"].value_counts()
    return {str(k): int(v) for k, v in counts.items()}


def _write_customer_value(engine: Any, users: list[str]) -> None:
    """A ``customer_value`` table as ``shoplens clv`` writes it (its writer's layout; made-up
    values: the page only reads the table)."""
    import numpy as np
    import pyarrow as pa

    from shoplens.clv.writeback import TABLE_COLUMNS, ensure_table

    rng = np.random.default_rng(3)
    n = len(users)
    p_alive = rng.beta(2, 2, n)
    rows = pd.DataFrame({
        "user_id": users, "frequency": rng.poisson(2, n), "recency": rng.uniform(0, 8, n),
        "t": 8.0, "monetary_value": rng.gamma(2, 30, n),
        "expected_purchases": rng.gamma(1, 0.8, n), "p_alive": p_alive,
        "expected_spend": rng.gamma(2, 30, n), "clv": rng.gamma(1.2, 60, n),
        "churn_risk": p_alive < 0.3, "model": "bg_nbd", "time_unit": "W",
        "horizon_days": 365.0, "as_of": pd.Timestamp("2024-02-29").date(),
        "run_id": "test-run", "updated_at": pd.Timestamp("2024-03-01")})[TABLE_COLUMNS]
    ensure_table(engine)
    engine.append_arrow("customer_value", pa.Table.from_pandas(rows, preserve_index=False))


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("SHOPLENS_SCREENSHOTS") or tmp_path_factory.mktemp("screens"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def segmented(shop_duckdb: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    import shutil

    path = tmp_path_factory.mktemp("browser-db") / "shop.duckdb"
    shutil.copy(shop_duckdb.removeprefix("duckdb:"), path)
    url = f"duckdb:{path}"
    return url, _write_segments(url)


@pytest.fixture(scope="module")
def server(segmented: tuple[str, dict], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("serve")
    with serving(segmented[0], folder / "explorer.json", folder / "serve.log") as base:
        yield base


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with playwright_api.sync_playwright() as pw:
        browser = launch(pw)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(server: str, chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    pg = context.new_page()
    pg.problems = []  # type: ignore[attr-defined]
    pg.on("pageerror", lambda e: pg.problems.append(str(e)))  # type: ignore[attr-defined]
    yield pg
    context.close()


def _number(v: Any) -> Any:
    if v in (None, ""):
        return None
    if isinstance(v, bool) or v in ("true", "false"):
        return v in (True, "true")
    try:
        return round(float(v), 6)
    except (TypeError, ValueError):
        return str(v)


def _python_rows(url: str, doc: dict[str, Any]) -> list[list[Any]]:
    from shoplens.insights import parse_query

    run = _insights_run()
    with connect(url, init=False, read_only=True) as engine:
        result = run(engine, parse_query(doc))
    return [[_number(v) for v in row] for row in table_of(result.frame)["rows"]]


def _page_rows(pg: Any) -> list[list[Any]]:
    if pg.locator("#result button.more-rows").count():
        pg.click("#result button.more-rows")
    return [[_number(v) for v in row] for row in pg.evaluate(TABLE)]


def _shown_query(pg: Any) -> dict[str, Any]:
    return json.loads(pg.get_attribute("#result", "data-query"))


def test_overview_shows_the_databases_numbers(page: Any, server: str, segmented: tuple,
                                              shots: Path) -> None:
    page.goto(server + "/")
    assert settle(page) == "done"
    with connect(segmented[0], init=False, read_only=True) as engine:
        events = engine.scalar("SELECT count(*) FROM events")
        users = engine.scalar("SELECT count(*) FROM users")
    assert page.get_attribute('.kpi[data-key="Events"] .value', "data-value") == str(events)
    assert page.get_attribute('.kpi[data-key="Users"] .value', "data-value") == str(users)
    assert page.locator(".js-plotly-plot").count() == 2
    page.screenshot(path=str(shots / "overview.png"), full_page=True)
    assert page.problems == []


@pytest.mark.parametrize("kind", ["trends", "funnels", "retention", "lifecycle", "stickiness",
                                  "paths"])
def test_each_insight_page_equals_the_python_api(page: Any, server: str, segmented: tuple,
                                                 shots: Path, kind: str) -> None:
    page.goto(f"{server}/{kind}")
    state = settle(page)
    page.screenshot(path=str(shots / f"{kind}.png"), full_page=True)
    assert page.problems == []
    _insights_run()
    if "is not part of this ShopLens yet" in page.inner_text("#result"):
        pytest.skip(f"the {kind} runner is not in this tree yet")
    assert state == "done", page.inner_text("#result .message")
    assert page.locator("#result .js-plotly-plot").count() >= 1
    assert page.locator("details.sql pre").count() >= 1
    assert _page_rows(page) == _python_rows(segmented[0], _shown_query(page))


@pytest.mark.parametrize("key", ["value", "alerts"])
def test_customer_value_and_alerts_pages(page: Any, server: str, shots: Path, key: str) -> None:
    page.goto(f"{server}/{key}")
    assert settle(page) == "done", page.inner_text("#panel")
    assert page.locator("#panel .body > *").count() >= 1
    page.screenshot(path=str(shots / f"{key}.png"), full_page=True)
    assert page.problems == []


def _cli_json(url: str, doc: dict[str, Any], folder: Path) -> dict[str, Any]:
    import subprocess
    import sys

    from .browser import SRC

    query = folder / "query.json"
    query.write_text(json.dumps(doc))
    # the server's read-only pool frees the DuckDB file once idle (docs/explorer.md): a
    # writer's "Could not set lock" before then is expected, anything else is a failure
    for _ in range(20):
        out = subprocess.run([sys.executable, "-m", "shoplens.cli.app", "query", str(query),
                              "--json", "--db", url], capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(SRC)})
        if out.returncode == 0 or "lock" not in out.stderr.lower():
            break
        time.sleep(0.5)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_trends_breakdown_and_date_range_through_the_form(page: Any, server: str,
                                                          segmented: tuple, shots: Path,
                                                          tmp_path: Path) -> None:
    _insights_run()
    page.goto(f"{server}/trends")
    settle(page)
    page.select_option('select[name="math"]', "unique_users")
    page.fill('input[name="breakdown"]', "user.country")
    page.fill('input[name="from"]', "2024-01-15")
    page.fill('input[name="to"]', "2024-02-10")
    page.select_option('select[name="interval"]', "week")
    page.click("#run")
    page.wait_for_url("**/trends?**breakdown=user.country**")
    assert settle(page) == "done"
    doc = _shown_query(page)
    assert doc["breakdowns"][0]["property"] == "user.country"
    assert doc["date_range"]["date_from"] == "2024-01-15" and doc["interval"] == "week"
    assert _page_rows(page) == _python_rows(segmented[0], doc)
    # the chart's lines are the series `shoplens query --json` prints for the same document
    plotted = page.evaluate("() => document.querySelector('#result .js-plotly-plot').data"
                            ".map(t => t.y)")
    cli = _cli_json(segmented[0], doc, tmp_path)
    assert plotted == [[p["value"] for p in s["points"]] for s in cli["series"]]
    # the facts line says where the answer was read, as the JSON's "source" does
    facts = page.inner_text("#result .facts")
    assert {"rollups": "from rollups", "raw": "from the raw events",
            "mixed": "from rollups and the raw events"}[cli["source"]] in facts, facts
    page.screenshot(path=str(shots / "trends-breakdown.png"), full_page=True)
    # the link reproduces the view
    url = page.url
    page.goto(url)
    settle(page)
    assert _shown_query(page) == doc
    # the CSV is the same table
    csv_link = page.get_attribute("#result a.csv", "href")
    body = page.request.get(server + csv_link).text()
    assert body.splitlines()[0].split(",")[0] == page.inner_text("#result table th")
    with page.expect_download() as download:
        page.click("#result button.png")
    png = Path(download.value.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_malformed_url_shows_a_readable_error(page: Any, server: str, shots: Path) -> None:
    page.goto(f"{server}/retention?period=fortnight&intervals=x")
    text = page.inner_text("#query-error")
    assert "period" in text and "total_intervals" in text and "Traceback" not in page.content()
    page.screenshot(path=str(shots / "malformed-url.png"), full_page=True)


def test_segments_browse_search_and_members(page: Any, server: str, segmented: tuple,
                                            shots: Path) -> None:
    sizes = segmented[1]
    page.goto(f"{server}/segments")
    cells = page.eval_on_selector_all(
        "#segment-sizes tbody tr", "rows => rows.map(r => [r.cells[0].innerText, "
        "r.cells[1].dataset.value])")
    assert {name: int(n) for name, n in cells} == sizes
    page.click("text=loyal_regulars")
    page.wait_for_selector("#members")
    assert f"({sizes['loyal_regulars']:,})" in page.inner_text("#members h2")
    page.fill('input[name="search"]', "window")
    page.click("form.search button")
    page.wait_for_selector("#search-results")
    assert page.inner_text("#search-results h2").startswith(f"{sizes['window_shoppers']} match")
    page.screenshot(path=str(shots / "segments.png"), full_page=True)


def test_save_an_insight_and_open_its_dashboard(page: Any, server: str, shots: Path) -> None:
    _insights_run()
    page.goto(f"{server}/trends?interval=week&from=all&event=action:purchase")
    assert settle(page) == "done"
    page.fill("form.save input[name=name]", "Weekly purchases")
    page.fill("form.save input[name=dashboard]", "Board")
    page.click("form.save button")
    page.wait_for_selector("text=saved ✓")
    page.goto(f"{server}/saved")
    page.click("#dashboards a")
    assert settle(page) == "done"
    assert page.locator("article.tile .js-plotly-plot").count() == 1
    page.screenshot(path=str(shots / "dashboard.png"), full_page=True)


def test_the_explorer_on_postgresql(shop_postgres: str, chromium: Any, tmp_path: Path,
                                    shots: Path) -> None:
    from .conftest import SECRET

    with serving(shop_postgres, tmp_path / "e.json", tmp_path / "serve.log") as base:
        pg = chromium.new_page(viewport={"width": 1280, "height": 900})
        pg.goto(base + "/")
        assert settle(pg) == "done"
        with connect(shop_postgres, init=False) as engine:
            events = engine.scalar("SELECT count(*) FROM events")
        assert pg.get_attribute('.kpi[data-key="Events"] .value', "data-value") == str(events)
        assert SECRET not in pg.content()
        pg.screenshot(path=str(shots / "postgres-overview.png"), full_page=True)
        _insights_run()
        pg.goto(base + "/trends?event=action:purchase&math=unique_users&interval=week&from=all")
        assert settle(pg) == "done"
        assert _page_rows(pg) == _python_rows(shop_postgres, _shown_query(pg))
        pg.screenshot(path=str(shots / "postgres-trends.png"), full_page=True)
        pg.close()
