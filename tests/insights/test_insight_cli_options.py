"""The insight commands' options on the tiny shop (tests/insights/shop.py), DuckDB and
PostgreSQL: the retention cohort options mirror RetentionQuery, bad values name their
option, and trends/retention/lifecycle/stickiness share the issue's option set.

Signup days: u1 2025-12-01, u4 2026-01-02 (no events), u2 01-06, u3 01-13; u5 has no
user row (first event 01-20). Purchases (orders): u1 01-05, u2 01-06 and 01-21.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

import shoplens as sl


def cells(stdout: str) -> list[tuple[str, int, list[Any]]]:
    return [(c["cohort"], c["size"], c["values"]) for c in json.loads(stdout)["cohorts"]]


def test_signup_cohorts_counting_orders(cli: Any, shop_url: str) -> None:
    r = cli("retention", "--cohort-by", "signup", "--interval", "week", "--intervals", "3",
            "--return-event", "action:purchase", "--math", "orders", "--json", "--db", shop_url)
    assert r.exit_code == 0, r.output
    # the range's cohorts: u2 (W1), u3 (W2), u5 (first event, W3); u1 and u4 signed up
    # before the range
    assert cells(r.stdout) == [("2026-01-05", 1, [1.0, 0.0, 1.0]),
                               ("2026-01-12", 1, [0.0, 0.0, None]),
                               ("2026-01-19", 1, [0.0, None, None])]
    assert json.loads(r.stdout)["anchor_sources"] == {
        "signup_date": 2, "first_seen": 0, "first_event": 1}


def test_observed_window_up_to_cells(cli: Any, shop_url: str) -> None:
    """Every earlier signup is a cohort, censored (its entry is outside the window); the
    week of 01-19 is not wholly observed (data ends 01-21)."""
    r = cli("retention", "--cohort-by", "signup", "--interval", "week", "--intervals", "3",
            "--return-event", "action:purchase", "--measure", "orders",
            "--accumulation", "up_to", "--censoring", "observed", "--json", "--db", shop_url)
    assert r.exit_code == 0, r.output
    assert cells(r.stdout) == [("2025-12-01", 1, [None, None, None]),
                               ("2025-12-29", 1, [None, None, None]),
                               ("2026-01-05", 1, [1.0, 1.0, None]),
                               ("2026-01-12", 1, [0.0, None, None]),
                               ("2026-01-19", 1, [None, None, None])]
    api = sl.retention(shop_url, cohort_by="signup", period="week", total_intervals=3,
                       return_event="action:purchase", measure="orders",
                       accumulation="up_to", censoring="observed").to_dict()
    assert [(c["cohort"], c["size"], c["values"]) for c in api["cohorts"]] == cells(r.stdout)


def test_offset_period_and_accumulation_match_the_query_document(cli: Any, shop_url: str
                                                                 ) -> None:
    r = cli("retention", "--interval", "week", "--offset-period", "day", "--intervals", "3",
            "--json", "--db", shop_url)
    assert r.exit_code == 0, r.output
    # day 0 is each member's entry day; nobody came back the next two days
    assert cells(r.stdout) == [("2026-01-05", 2, [2.0, 0.0, 0.0]),
                               ("2026-01-12", 1, [1.0, 0.0, 0.0]),
                               ("2026-01-19", 1, [1.0, 0.0, None])]
    r = cli("retention", "--interval", "week", "--intervals", "3", "--accumulation",
            "on_or_after", "--json", "--db", shop_url)
    doc = sl.query({"kind": "retention", "period": "week", "total_intervals": 3,
                    "accumulation": "on_or_after"}, shop_url).to_dict()
    assert cells(r.stdout) == [(c["cohort"], c["size"], c["values"]) for c in doc["cohorts"]]
    assert cells(r.stdout)[0] == ("2026-01-05", 2, [2.0, 2.0, 1.0])


@pytest.mark.parametrize(("args", "words"), [
    (("retention", "--censoring", "soon"), "invalid --censoring 'soon'"),
    (("retention", "--math", "pizza"), "invalid --measure 'pizza'"),
    (("retention", "--cohort-by", "birthday"), "invalid --cohort-by 'birthday'"),
    (("retention", "--offset-period", "year"), "invalid --offset-period 'year'"),
    (("retention", "--accumulation", "all"), "invalid --accumulation 'all'"),
    (("retention", "--intervals", "0"), "invalid --intervals 0"),
    (("retention", "--cohort-by", "signup", "--type", "recurring"), "--type 'first_time'"),
    (("trends", "--math", "mode"), "invalid --math 'mode'"),
    (("trends", "--interval", "fortnight"), "invalid --interval 'fortnight'"),
    (("stickiness", "--math", "sum"), "--math 'sum': stickiness counts users"),
    (("lifecycle", "--interval", "hour"), "invalid --interval 'hour'"),
    (("lifecycle", "--breakdown", "user.country"), "--breakdown: a lifecycle is not split"),
])
def test_bad_option_values_name_the_option(cli: Any, shop_url: str, args: tuple[str, ...],
                                           words: str) -> None:
    r = cli(*args, "--db", shop_url)
    assert r.exit_code == 2, r.output
    assert words in r.output
    assert r.output.count("error:") == 1 and "Traceback" not in r.output


@pytest.mark.parametrize("command", ["trends", "retention", "lifecycle", "stickiness"])
def test_every_insight_command_has_the_common_options(cli: Any, command: str) -> None:
    r = cli(command, "--help", env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    for option in ("--event", "--math", "--where", "--breakdown", "--from", "--to",
                   "--interval", "--json"):
        assert option in r.output, (command, option)


def test_query_reads_standard_input_and_prints_its_schema(cli: Any, shop_url: str) -> None:
    r = cli("query", "--schema")
    assert r.exit_code == 0
    kinds = json.dumps(json.loads(r.stdout))
    assert all(k in kinds for k in ("retention", "lifecycle", "stickiness", "trends"))
    doc = {"kind": "retention", "period": "week", "total_intervals": 3,
           "censoring": "observed"}
    from typer.testing import CliRunner

    from shoplens.cli.app import app

    r = CliRunner().invoke(app, ["query", "-", "--json", "--db", shop_url],
                           input=json.dumps(doc))
    assert r.exit_code == 0, r.output
    assert cells(r.stdout)[0] == ("2026-01-05", 2, [2.0, 1.0, None])


@pytest.mark.parametrize("kind", ["retention", "lifecycle", "stickiness"])
def test_engine_that_cannot_answer_fails_before_running(shop_engine: Any, kind: str) -> None:
    """An engine declaring regex unsupported (DuckDB itself runs regexes: the error can
    only come from the check before running) fails naming the option and the engine."""
    from typing import ClassVar

    from shoplens.errors import UnsupportedOperationError
    from shoplens.insights.runner import run

    class NoRegex(type(shop_engine)):  # type: ignore[misc]
        insight_unsupported: ClassVar[dict[str, str]] = {"regex": "a regular expression"}

    shop_engine.__class__, cls = NoRegex, shop_engine.__class__
    try:
        with pytest.raises(UnsupportedOperationError,
                           match=rf"filters \(utm_source regex\): a regular expression"
                                 rf".*not supported on the {cls.name} engine"):
            run(shop_engine, {"kind": kind, "filters": [
                {"property": "utm_source", "operator": "regex", "value": "g"}]})
    finally:
        shop_engine.__class__ = cls
