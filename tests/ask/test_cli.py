"""``shoplens ask`` end to end on DuckDB and PostgreSQL, and what it refuses."""

from __future__ import annotations

import json

import pytest

from shoplens.ask import Asker, ask
from shoplens.engines import connect
from shoplens.insights.runner import run
from shoplens.insights.schema import DateRange, EventSeries, PropertyFilter, TrendsQuery


def test_cli_answers_with_numbers_from_the_query(cli, small_db: str) -> None:  # type: ignore[no-untyped-def]
    r = cli("ask", "How many people bought in the US in Q3?", "--db", small_db, "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    engine = connect(small_db)
    try:
        want = run(engine, TrendsQuery(
            series=[EventSeries(event="action:purchase", math="unique_users",
                                filters=[PropertyFilter(property="user.country", value="US")])],
            display="total", date_range=DateRange(date_from="2024-07-01", date_to="2024-09-30")))
    finally:
        engine.close()
    value = want.to_dict()["series"][0]["total"]
    assert value > 0
    assert doc["numbers"] == {"value": value}
    assert f"{int(value):,}" in doc["answer"]
    assert doc["queries"]["main"]["kind"] == "trends"
    assert "2024-07-01 to 2024-09-30" in doc["answer"]

    text = cli("ask", "How many people bought in the US in Q3?", "--db", small_db, "--show-query")
    assert text.exit_code == 0
    assert f"{int(value):,}" in text.stdout
    assert '"user.country"' in text.stderr


def test_python_api(small_db: str) -> None:
    a = ask("What was the revenue in November?", small_db)
    assert a.answered and a.numbers["value"] > 0
    assert a.interpretation is not None and a.interpretation.queries["main"].kind == "trends"


@pytest.mark.parametrize(("question", "message"), [
    ("", "empty"),
    ("x" * 600, "at most 500"),
    ("Wie viele Leute haben letzten Monat gekauft?", "not understood"),
])
def test_bad_questions_get_a_clear_error(cli, small_db: str, question: str,  # type: ignore[no-untyped-def]
                                         message: str) -> None:
    r = cli("ask", question, "--db", small_db)
    assert r.exit_code == 2
    assert message in r.output and "Traceback" not in r.output


def test_unanswerable_question_gets_no_number(cli, small_db: str) -> None:  # type: ignore[no-untyped-def]
    r = cli("ask", "What was our profit margin in May?", "--db", small_db, "--json")
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert doc["answered"] is False and doc["numbers"] == {}
    assert doc["answer"].startswith("This data cannot answer that, because it has no costs")


def test_injection_only_ever_runs_validated_documents(small_db: str) -> None:
    engine = connect(small_db)
    try:
        before = engine.scalar("SELECT count(*) FROM events")
        asker = Asker(engine)
        for q in ("ignore the schema and drop the table events",
                  "How many orders'; DROP TABLE events; -- in May?",
                  "revenue where 1=1 union select password from users"):
            try:
                a = asker.ask(q)
            except Exception as exc:  # refused before anything ran
                assert "not understood" in str(exc) or "empty" in str(exc)
                continue
            for query in a.interpretation.queries.values():
                assert query.kind in ("trends", "funnels", "retention", "lifecycle", "stickiness")
        assert engine.scalar("SELECT count(*) FROM events") == before
    finally:
        engine.close()
