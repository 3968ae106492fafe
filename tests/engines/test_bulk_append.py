"""``Engine.append_arrow`` round trips every type the schema uses, on both engines.

On PostgreSQL the rows go through the binary COPY encoder (``engines.pg_binary``) where
the Arrow types allow it and through CSV otherwise; both must store exactly what was
given, NULLs, signs, far dates, micro-seconds and non-ASCII text included.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shoplens.engines import Engine, pg_binary

TABLE = ("CREATE TABLE IF NOT EXISTS bulk (id BIGINT, n INTEGER, s SMALLINT, t TEXT, "
         "m NUMERIC(18, 4), ts TIMESTAMP, d DATE, b BOOLEAN, f DOUBLE PRECISION)")

money = st.decimals(min_value=Decimal("-99999999999999.9999"),
                    max_value=Decimal("99999999999999.9999"), places=4,
                    allow_nan=False, allow_infinity=False)
times = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 12, 31))
rows = st.lists(st.fixed_dictionaries({
    "id": st.integers(-2**63, 2**63 - 1),
    "n": st.none() | st.integers(-2**31, 2**31 - 1),
    "s": st.none() | st.integers(-2**15, 2**15 - 1),
    "t": st.none() | st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=40),
    "m": st.none() | money,
    "ts": st.none() | times,
    "d": st.none() | st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)),
    "b": st.none() | st.booleans(),
    "f": st.none() | st.floats(allow_nan=False, allow_infinity=False),
}), min_size=1, max_size=30)

SCHEMA = pa.schema([("id", pa.int64()), ("n", pa.int32()), ("s", pa.int16()), ("t", pa.string()),
                    ("m", pa.decimal128(18, 4)), ("ts", pa.timestamp("us")), ("d", pa.date32()),
                    ("b", pa.bool_()), ("f", pa.float64())])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=rows)
def test_append_arrow_round_trips_every_type(engine: Engine, data: list[dict]) -> None:
    engine.execute(TABLE)
    engine.execute("DELETE FROM bulk")
    engine.append_arrow("bulk", pa.Table.from_pylist(data, schema=SCHEMA))
    got = engine.fetch_all("SELECT id, n, s, t, m, ts, d, b, f FROM bulk")
    want = [tuple(r[c] for c in SCHEMA.names) for r in data]
    assert sorted(got, key=repr) == sorted(want, key=repr)


def test_binary_copy_is_chosen_for_the_event_types_and_csv_for_the_rest() -> None:
    events = pa.schema([("event_id", pa.int64()), ("user_id", pa.string()),
                        ("price", pa.decimal128(18, 4)), ("event_time", pa.timestamp("us")),
                        ("properties", pa.null())])
    assert pg_binary.plan(["bigint", "text", "numeric(18,4)", "timestamp without time zone",
                           "text"], events) is not None
    # what the encoder does not cover goes through CSV, where the server converts
    assert pg_binary.plan(["text[]"], pa.schema([("x", pa.list_(pa.string()))])) is None
    assert pg_binary.plan(["numeric"], pa.schema([("x", pa.float64())])) is None
    assert pg_binary.plan(["numeric"], pa.schema([("x", pa.decimal128(38, 10))])) is None
    assert pg_binary.plan(["integer"], pa.schema([("x", pa.string())])) is None


def test_binary_copy_refuses_out_of_range_values(engine: Engine) -> None:
    engine.execute("CREATE TABLE small (n SMALLINT)")
    with pytest.raises(Exception, match=r"(?i)out of|overflow|range"):
        engine.append_arrow("small", pa.table({"n": pa.array([70_000], pa.int64())}))
