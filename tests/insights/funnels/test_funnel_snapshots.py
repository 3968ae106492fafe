"""The SQL each funnel variant and paths render per engine, compared with the files under
snapshots/ (a change to a query shows up in review). Update them with
``SHOPLENS_UPDATE_SNAPSHOTS=1 pytest tests/insights/funnels/test_funnel_snapshots.py``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlglot import exp

from shoplens.engines import Engine, connect
from shoplens.engines.sql import transpile
from shoplens.insights.funnels.runner import prepare
from shoplens.insights.funnels.time_to_convert import time_to_convert
from shoplens.insights.funnels.trends import trends
from shoplens.insights.paths.query import PathsContext, paths_query
from shoplens.insights.properties import Catalogue
from shoplens.insights.schema import FunnelsQuery, PathsQuery

from .conftest import frame

SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("SHOPLENS_UPDATE_SNAPSHOTS") == "1"
DIALECTS = ("duckdb", "postgres")
STEPS = [{"event": "home"}, {"event": "coupon", "optional": True, "window": "1h"},
         {"event": "cart", "window": "10m",
          "filters": [{"property": "event.price", "operator": "gt", "value": 100}]}]
EXCLUDE = [{"event": "search", "from_step": 0, "to_step": 2}]


def _funnel(doc: dict, view: Callable | None = None) -> Callable[[Engine], exp.Expression]:
    def build(engine: Engine) -> exp.Expression:
        variant, _ = prepare(engine, FunnelsQuery.model_validate(doc))
        if view is time_to_convert:
            return time_to_convert(variant)[0]
        return view(variant) if view else variant.steps_query()
    return build


def _paths(engine: Engine) -> exp.Expression:
    q = PathsQuery(start="home", steps=5, groupings=["product*"], exclude=["search"])
    return paths_query(PathsContext(q, Catalogue(engine)))


BUILDERS: dict[str, Callable[[Engine], exp.Expression]] = {
    "ordered": _funnel({"steps": STEPS, "exclusions": EXCLUDE}),
    "ordered_breakdown": _funnel({"steps": STEPS[::2], "breakdowns": [{"property": "user.country"}],
                                  "attribution": "last_touch", "count_by": "sessions"}),
    "strict": _funnel({"steps": STEPS, "order": "strict"}),
    "any": _funnel({"steps": [{"event": "home"}, {"event": "cart"}], "order": "any"}),
    "trends": _funnel({"steps": STEPS[::2], "view": "trends"}, trends),
    "time_to_convert": _funnel({"steps": STEPS, "view": "time_to_convert", "from_step": 0},
                               time_to_convert),
    "paths": _paths,
}


@pytest.fixture(scope="module")
def vocab_engine() -> Iterator[Engine]:
    engine = connect("duckdb:///:memory:")
    engine.append_df("events", frame([("u", n, i) for i, n in enumerate(
        ("home", "coupon", "cart", "search", "product_1"))]))
    yield engine
    engine.close()


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_rendered_sql_matches_snapshot(vocab_engine: Engine, dialect: str, name: str) -> None:
    tree = BUILDERS[name](vocab_engine)
    rendered = transpile(tree.sql("postgres"), dialect) + "\n"
    path = SNAPSHOTS / dialect / f"{name}.sql"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"missing snapshot {path}; run with SHOPLENS_UPDATE_SNAPSHOTS=1"
    assert rendered == path.read_text(encoding="utf-8")
    # every value is bound: no event name or threshold appears in the SQL text
    for value in (r"'home'", r"'cart'", r"'coupon'", r"\b100\b"):
        assert not re.search(value, rendered), value


def test_no_stale_snapshots() -> None:
    expected = {f"{d}/{n}.sql" for d in DIALECTS for n in BUILDERS}
    assert {str(p.relative_to(SNAPSHOTS)) for p in SNAPSHOTS.rglob("*.sql")} == expected
