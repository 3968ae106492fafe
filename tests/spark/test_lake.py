"""The lake round trip (export from DuckDB, read by Spark and by any Parquet reader) and
loading straight into the lake through the importer, with its validation, quarantine and
idempotence."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from shoplens.engines import Engine, connect
from shoplens.lake.export import TABLES, ExportParams, export_lake


def spark_url(lake: Path) -> str:
    return f"spark://local[2]?lake={lake}&shuffle_partitions=2"


COUNTS = "SELECT count(*), count(DISTINCT user_id), sum(price), min(event_time), max(event_time) " \
         "FROM events"


def test_export_round_trip(duck_shop: Engine, spark_shop: Engine, tmp_path: Path) -> None:
    lake = spark_shop.lake.root
    days = sorted(p.name for p in (lake / "events").iterdir())
    assert days and all(d.startswith("event_date=20") for d in days)
    # every table on Spark equals DuckDB's, row for row
    for table in TABLES:
        cols = ", ".join(duck_shop.columns(table))
        sql = f"SELECT {cols} FROM {table} ORDER BY {cols.split(',')[0]}, {cols.split(',')[1]}"
        assert spark_shop.fetch_all(sql) == duck_shop.fetch_all(sql), table
    # any Parquet reader sees the same lake (hive partitions; staging folders hidden)
    glob = str(lake / "events" / "**" / "*.parquet")
    got = duckdb.sql(f"SELECT count(*), count(DISTINCT user_id), sum(price), min(event_time), "
                     f"max(event_time) FROM read_parquet('{glob}', hive_partitioning=true)"
                     ).fetchall()
    assert got == duck_shop.fetch_all(COUNTS)
    first = duckdb.sql(f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning=true) "
                       f"WHERE CAST(event_time AS DATE) <> event_date").fetchall()
    assert first == [(0,)]  # every row sits in its own day's folder


def test_export_replaces_the_lake_and_spark_exports_too(duck_shop: Engine, spark_context: None,
                                                         tmp_path: Path, cli: object) -> None:
    lake = tmp_path / "lake"
    url = f"duckdb:{duck_shop.path}"  # type: ignore[attr-defined]
    result = cli("export", "--lake", str(lake), "--db", url, "--json")  # type: ignore[operator]
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    again = json.loads(cli("export", "--lake", str(lake), "--db", url,  # type: ignore[operator]
                           "--json").stdout)
    assert doc["rows"] == again["rows"]
    assert doc["rows"]["events"] == duck_shop.scalar("SELECT count(*) FROM events")
    spark = connect(spark_url(lake))
    try:
        assert spark.fetch_all(COUNTS) == duck_shop.fetch_all(COUNTS)  # not doubled
        copy = export_lake(spark, ExportParams(lake=tmp_path / "copy"))  # Spark as the source
        assert copy.rows == doc["rows"]
    finally:
        spark.close()
    assert not list((lake / "_staging").iterdir())


def test_load_into_spark_like_duckdb(spark_context: None, rees46_sample: Path, tmp_path: Path,
                                     cli: object) -> None:
    """`shoplens load --db spark://…` validates, quarantines and de-duplicates as DuckDB."""
    bad = tmp_path / "bad.csv"
    lines = rees46_sample.read_text().splitlines()
    header, rows = lines[0], lines[1:41]
    broken = rows[5].split(",")
    broken[0] = "not a time"
    bad.write_text("\n".join([header, *rows[:5], ",".join(broken), *rows[6:]]) + "\n")
    results = {}
    for name, url in (("duckdb", f"duckdb:{tmp_path / 'd.duckdb'}"),
                      ("spark", spark_url(tmp_path / "lake"))):
        first = cli("load", str(bad), "--db", url, "--json")  # type: ignore[operator]
        assert first.exit_code == 0, first.output
        second = cli("load", str(bad), "--db", url, "--json")  # type: ignore[operator]
        assert second.exit_code == 0, second.output
        eng = connect(url)
        try:
            results[name] = (
                json.loads(first.stdout)["tables"],
                eng.fetch_all("SELECT count(*), count(DISTINCT event_id) FROM events"),
                eng.fetch_all("SELECT line, field, reason FROM quarantine ORDER BY line"),
                eng.fetch_all("SELECT user_id, first_seen FROM users ORDER BY user_id"),
                eng.fetch_all("SELECT session_id, n_events FROM sessions ORDER BY session_id"),
                eng.scalar("SELECT count(*) FROM loads"),
            )
        finally:
            eng.close()
    duck, spark = results["duckdb"], results["spark"]
    assert duck[1] == [(39, 39)]  # 40 rows, one quarantined; the re-load added nothing
    assert len(duck[2]) == 1 and duck[2][0][1] == "event_time"
    assert spark == duck


def test_failed_load_leaves_the_lake_untouched(spark_engine: Engine, rees46_sample: Path,
                                               tmp_path: Path) -> None:
    from shoplens.errors import ShopLensError
    from shoplens.ingest import load

    lines = rees46_sample.read_text().splitlines()[:20]
    missing = tmp_path / "strict.csv"
    missing.write_text("\n".join([*lines, "not a time" + lines[1][lines[1].index(","):]]) + "\n")
    before = sorted(p.relative_to(spark_engine.lake.root)
                    for p in spark_engine.lake.root.rglob("*") if p.is_file())
    with pytest.raises(ShopLensError):
        load(spark_engine, [missing], strict=True)
    after = sorted(p.relative_to(spark_engine.lake.root)
                   for p in spark_engine.lake.root.rglob("*") if p.is_file())
    assert after == before
    assert spark_engine.scalar("SELECT count(*) FROM events") == 0
