"""``Engine.fetch_arrow_bulk`` returns exactly the query's rows (in any order), on both
engines: on PostgreSQL each column comes packed by the server (``engines.pg_bulk``),
integers of every width and text of any bytes; a NULL or another type falls back to the
row-by-row fetch with the same result."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoplens.engines import Engine, pg_bulk

TABLE = "CREATE TABLE IF NOT EXISTS bulk (i BIGINT, n INTEGER, s SMALLINT, t TEXT)"
SCHEMA = pa.schema([("i", pa.int64()), ("n", pa.int32()), ("s", pa.int16()), ("t", pa.string())])
rows = st.lists(st.fixed_dictionaries({
    "i": st.integers(-2**63, 2**63 - 1),
    "n": st.integers(-2**31, 2**31 - 1),
    "s": st.integers(-2**15, 2**15 - 1),
    "t": st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
}), max_size=40)


def _rows(table: pa.Table) -> list[tuple]:
    return sorted(zip(*(c.to_pylist() for c in table.columns), strict=True), key=repr)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=rows)
def test_bulk_fetch_returns_every_row(engine: Engine, data: list[dict]) -> None:
    engine.execute(TABLE)
    engine.execute("DELETE FROM bulk")
    engine.append_arrow("bulk", pa.Table.from_pylist(data, schema=SCHEMA))
    got = engine.fetch_arrow_bulk("SELECT i, n, s, t, t || '/x' AS u FROM bulk WHERE n <> :v",
                                  {"v": 7})
    assert got.column_names == ["i", "n", "s", "t", "u"]
    want = [(r["i"], r["n"], r["s"], r["t"], r["t"] + "/x") for r in data if r["n"] != 7]
    assert _rows(got) == sorted(want, key=repr)


def test_bulk_fetch_with_nulls_and_other_types(engine: Engine) -> None:
    """A NULL, or a column the packing does not cover, still returns every row."""
    engine.execute(TABLE)
    engine.append_arrow("bulk", pa.Table.from_pylist(
        [{"i": 1, "n": None, "s": 2, "t": None}, {"i": 3, "n": 4, "s": None, "t": "é"}],
        schema=SCHEMA))
    got = engine.fetch_arrow_bulk("SELECT i, n, s, t, i > 1 AS b FROM bulk")
    assert _rows(got) == sorted([(1, None, 2, None, False), (3, 4, None, "é", True)], key=repr)


def test_postgres_packs_integers_and_text() -> None:
    """The packed form is chosen for integer and text columns of a UTF-8 server only."""
    assert pg_bulk.plan([20, 23, 21, 25, 1043], "UTF8") == [8, 4, 2, 0, 0]
    assert pg_bulk.plan([20, 25], "LATIN1") is None
    assert pg_bulk.plan([20, 16], "UTF8") is None  # boolean


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_postgres_bulk_fetch_is_one_packed_row(engine: Engine, monkeypatch) -> None:
    """The rows are not read one by one through the driver (that is the slow path)."""
    engine.execute(TABLE)
    engine.append_arrow("bulk", pa.Table.from_pylist(
        [{"i": i, "n": i, "s": 1, "t": f"u{i}"} for i in range(1000)], schema=SCHEMA))

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("fetched row by row")

    monkeypatch.setattr(engine, "_fetch_arrow", refuse)
    got = engine.fetch_arrow_bulk("SELECT i, t FROM bulk")
    assert got.num_rows == 1000 and sorted(got.column("t").to_pylist()) == sorted(
        f"u{i}" for i in range(1000))
