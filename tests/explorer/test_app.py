"""The explorer over HTTP (no browser): pages, validation, security, saved insights,
the cache and the database banner, on DuckDB and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from shoplens.engines import connect
from shoplens.engines.base import redact
from shoplens.explorer.pages import nav

from .conftest import SECRET, client_for


def test_every_page_renders_without_the_password(client: TestClient, shop_url: str) -> None:
    for href, title in nav():
        r = client.get(href)
        assert r.status_code == 200, href
        assert f"<h1>{title}</h1>" in r.text
        assert redact(shop_url) in r.text
        assert SECRET not in r.text
        assert r.headers["content-security-policy"].startswith("default-src 'self'")


@pytest.mark.parametrize(("path", "expected"), [
    ("/trends?interval=fortnight", "interval: Input should be"),
    ("/funnels?step=action:view", "steps: List should have at least 2 items"),
    ("/trends?q=%7Bbad", "q: not a JSON document"),
    ("/retention?intervals=lots", "total_intervals: Input should be a valid integer"),
    ("/trends?q=%7B%22kind%22%3A%22paths%22%7D", "cannot open on the trends page"),
    ("/trends?event=view&math=sum", "math 'sum' needs math_property"),
])
def test_a_hand_edited_url_shows_a_readable_error(client: TestClient, path: str,
                                                  expected: str) -> None:
    r = client.get(path)
    assert r.status_code == 400
    assert expected in r.text.replace("&#39;", "'")
    assert "Traceback" not in r.text and 'id="result"' not in r.text


def test_the_api_takes_only_valid_query_documents(client: TestClient) -> None:
    run = "/api/run"
    assert client.post(run, content="{}", headers={"content-type": "text/plain"}).status_code == 400
    bad = client.post(run, json={"query": {"kind": "trends", "series": [{"event": "view"}],
                                           "sql": "DROP TABLE events"}})
    assert bad.status_code == 400 and "sql: Extra inputs are not permitted" in bad.json()["error"]
    assert "use one of trends" in client.post(run, json={"query": {"kind": "sql"}}).json()["error"]
    assert client.post(run, json={"query": {"kind": "trends", "series": [{}]},
                                  "job": "../x"}).status_code == 400
    assert client.post("/api/cancel", json={"job": "nothing-running"}).json() == {"cancelled": False}
    assert client.get("/api/csv?kind=etc").status_code == 400


def test_no_request_reaches_the_file_system(client: TestClient) -> None:
    assert client.get("/assets/app.js").status_code == 200
    assert client.get("/assets/plotly.min.js").headers["content-type"].startswith("text/javascript")
    for path in ("/assets/..%2F__init__.py", "/assets/%2e%2e/settings.py", "/assets/context.py",
                 "/../../etc/passwd", "/assets/templates%2Fbase.html.j2"):
        assert client.get(path).status_code == 404, path


def test_overview_numbers_are_the_databases(client: TestClient, shop_url: str) -> None:
    body = client.get("/api/overview").json()
    counts = dict(body["counts"])
    with connect(shop_url, init=False, read_only=True) as engine:
        assert counts["Events"] == engine.scalar("SELECT count(*) FROM events")
        assert counts["Users"] == engine.scalar("SELECT count(*) FROM users")
        types = dict(engine.fetch_all("SELECT event_type, count(*) FROM events GROUP BY 1"))
    assert {t: n for t, n in body["event_types"]} == types
    assert {k["key"] for k in body["kpis"]} >= {"dau", "wau", "mau", "revenue", "aov"}
    assert client.get("/api/overview").json()["cached"] is True


def test_forms_offer_the_datas_vocabulary(client: TestClient, shop_url: str) -> None:
    with connect(shop_url, init=False, read_only=True) as engine:
        countries = {r[0] for r in engine.fetch_all("SELECT DISTINCT country FROM users")}
        raw = engine.fetch_all("SELECT raw_event FROM events GROUP BY 1 ORDER BY count(*) DESC")
    values = client.get("/api/values?property=user.country").json()["values"]
    assert set(values) == countries - {None}
    assert client.get("/api/values?property=users;DROP").json()["values"] == []
    # any other property of the catalogue: its values through a breakdown of the model
    from shoplens.explorer.runs import NotAvailable, insight_runner

    try:
        insight_runner()
    except NotAvailable:
        return
    weekdays = client.get("/api/values?property=time.weekday").json()["values"]
    assert 1 < len(weekdays) <= 7 and set(weekdays) <= {str(d) for d in range(1, 8)}
    page = client.get("/trends").text
    assert f'<option value="{raw[0][0]}">' in page and 'value="action:purchase"' in page


def test_saved_insights_live_in_their_own_file(client: TestClient, shop_url: str,
                                               tmp_path_factory: pytest.TempPathFactory) -> None:
    with connect(shop_url, init=False, read_only=True) as engine:
        before = engine.fetch_all("SELECT count(*) FROM information_schema.tables")
    query = {"kind": "funnels", "steps": [{"event": "action:view"}, {"event": "action:purchase"}],
             "window": "7d"}
    r = client.post("/api/saved", json={"name": "View → buy", "query": query,
                                        "dashboard": "Weekly"})
    assert r.status_code == 201, r.text
    saved = r.json()
    assert client.post("/api/saved", json={"name": "x", "query": {"kind": "funnels"}}
                       ).status_code == 400
    page = client.get("/saved").text
    assert "View → buy" in page and "Weekly" in page
    board = next(d for d in client.app.state.explorer.store.dashboards() if d.name == "Weekly")
    tiles = client.get(f"/saved?dashboard={board.id}").text
    assert tiles.count('class="tile"') == len(board.insights)
    assert client.get("/saved?dashboard=nope").status_code == 404
    store = client.app.state.explorer.store.path
    doc = json.loads(store.read_text())
    assert SECRET not in store.read_text()
    assert any(i["id"] == saved["id"] for i in doc["databases"][redact(shop_url)]["insights"])
    with connect(shop_url, init=False, read_only=True) as engine:
        assert engine.fetch_all("SELECT count(*) FROM information_schema.tables") == before
    assert client.post("/api/saved/delete", json={"id": saved["id"]}).json() == {"deleted": True}


def test_the_app_cannot_write_the_database(shop_url: str) -> None:
    from shoplens.explorer.datasource import DataSource

    with DataSource(shop_url).engine() as engine, pytest.raises(Exception, match=r"(?i)read.only"):
        engine.execute("CREATE TABLE explorer_was_here (x INTEGER)")


def test_a_runner_that_would_write_is_stopped_with_a_reason(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The explorer only reads: a runner that tries to build a table (on the real, read-only
    connection) gets a 409 that says so and what to run, and nothing is written."""
    import shoplens.explorer.runs as runs

    def writing_runner(engine: object, query: object) -> None:
        engine.execute("CREATE TABLE explorer_scratch (x INTEGER)")  # type: ignore[attr-defined]

    monkeypatch.setattr(runs, "insight_runner", lambda: writing_runner)
    doc = {"kind": "funnels", "steps": [{"event": "action:view"}, {"event": "action:purchase"}],
           "window": "3d"}
    r = client.post("/api/run", json={"query": doc})
    assert r.status_code == 409
    assert "only reads" in r.json()["error"] and "shoplens events categorize" in r.json()["error"]
    with client.app.state.explorer.source.engine() as engine:
        assert not engine.table_exists("explorer_scratch")


def test_alerts_page_equals_the_python_api(client: TestClient, shop_url: str) -> None:
    from shoplens.alerts import detect
    from shoplens.alerts.params import AlertParams
    from shoplens.llm import LLMSettings

    shell = client.get("/alerts")
    assert shell.status_code == 200 and 'data-src="/alerts?part=body"' in shell.text
    body = client.get("/alerts?part=body").text
    with connect(shop_url, init=False, read_only=True) as engine:
        report = detect(engine, AlertParams(llm=LLMSettings(provider="offline"))).to_dict()
    for m in report["metrics"]:
        assert f'<tr data-metric="{m["metric"]}">' in body
        assert f'data-value="{m["anomalies"]}"' in body
    if report["anomalies"]:
        table = body[body.index('id="anomalies"'):]
        assert table[:table.index("</table>")].count("<tr>") - 1 == len(report["anomalies"])
    else:
        assert "Nothing unusual" in body or report["data_quality"]


def test_customer_value_page_reads_the_table_clv_wrote(shop_duckdb: str, tmp_path: Path) -> None:
    import shutil

    import pandas as pd
    import pyarrow as pa

    from shoplens.clv.writeback import TABLE_COLUMNS, ensure_table

    path = tmp_path / "valued.duckdb"
    shutil.copy(shop_duckdb.removeprefix("duckdb:"), path)
    url = f"duckdb:{path}"
    client = client_for(url, tmp_path / "s.json", pool_idle=0)
    assert "shoplens clv" in client.get("/value?part=body").text  # not run yet
    rows = pd.DataFrame({
        "user_id": ["u1", "u2", "u3"], "frequency": [3, 0, 1], "recency": [20.0, 0.0, 5.0],
        "t": [30.0, 30.0, 30.0], "monetary_value": [50.0, 0.0, 20.0],
        "expected_purchases": [1.5, 0.1, 0.4], "p_alive": [0.9, 0.2, 0.6],
        "expected_spend": [48.0, 30.0, 22.0], "clv": [70.5, 3.0, 8.25],
        "churn_risk": [False, True, False], "model": "bg_nbd", "time_unit": "W",
        "horizon_days": 365.0, "as_of": pd.Timestamp("2024-03-01").date(),
        "run_id": "run-1", "updated_at": pd.Timestamp("2024-03-01")})[TABLE_COLUMNS]
    with connect(url) as engine:
        ensure_table(engine)
        engine.append_arrow("customer_value", pa.Table.from_pandas(rows, preserve_index=False))
    body = client.get("/value?part=body").text
    assert ">3</div>" in body and "81.75" in body and "1 (33.3%)" in body
    first = body.index('id="top-customers"')
    assert body.index("u1", first) < body.index("u3", first) < body.index("u2", first)
    assert body.count('data-figure="') == 2


def test_a_form_runs_in_place_and_answers_its_url(client: TestClient) -> None:
    """What the page posts when a field changes: its form's fields, not a reload."""
    form = "event=action:purchase&math=total&interval=week&breakdown=user.country&from=all"
    r = client.post("/api/run", json={"kind": "trends", "form": form})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["query"]["breakdowns"][0]["property"] == "user.country"
    assert body["url"].startswith("/trends?") and "breakdown=user.country" in body["url"]
    assert "payload" not in body and body["figures"] and body["table"]["rows"]
    same = client.post("/api/run", json={"query": body["query"]}).json()
    assert same["cached"] is True and same["table"] == body["table"]
    bad = client.post("/api/run", json={"kind": "trends", "form": "interval=fortnight"})
    assert bad.status_code == 400 and "interval" in bad.json()["error"]
    assert client.post("/api/run", json={"kind": "sql", "form": ""}).status_code == 400
