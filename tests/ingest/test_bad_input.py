"""Broken input: clear errors naming file/line/field, exact quarantine counts, and
nothing written where nothing may be."""

from __future__ import annotations

from pathlib import Path

import pytest

from shoplens.engines import Engine
from shoplens.errors import InputError
from shoplens.ingest import load

from .helpers import counts, write_csv

REES = ["event_time", "event_type", "product_id", "category_id", "category_code", "brand",
        "price", "user_id", "user_session"]


def rees_row(t: str = "2019-10-01 00:00:00 UTC", kind: str = "view", product: str = "1",
             price: str = "10.00", user: str = "u1", session: str = "s1") -> tuple:
    return (t, kind, product, "2053013552326770905", "electronics.smartphone", "acme", price,
            user, session)


def nothing_written(engine: Engine) -> bool:
    return sum(counts(engine).values()) == 0


def test_missing_column_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    good = write_csv(tmp_path / "good.csv", REES, [rees_row()])
    header = [c for c in REES if c != "price"]
    bad = write_csv(tmp_path / "no_price.csv", header, [rees_row()[:6] + rees_row()[7:]])
    with pytest.raises(InputError) as err:
        load(engine, [good, bad])
    msg = str(err.value)
    assert msg.startswith(f"file {bad}, field 'price': missing required column 'price' for the "
                          "rees46 format")
    assert err.value.file == str(bad) and err.value.field == "price"
    assert nothing_written(engine)


def test_explicit_format_missing_column(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", ["user_id", "timestamp"], [("u1", "2024-01-01")])
    with pytest.raises(InputError, match=r"missing required column 'event' for the clickstream"):
        load(engine, [path], format="clickstream")
    with pytest.raises(InputError, match=r"cannot tell the format from the columns \(user_id, "
                                         r"timestamp\); name it with --format"):
        load(engine, [path])
    assert nothing_written(engine)


def test_unknown_format_and_unreadable_files(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", REES, [rees_row()])
    with pytest.raises(InputError, match=r"unknown format 'excel': use one of auto, platform-csv"):
        load(engine, [path], format="excel")
    garbage = tmp_path / "broken.parquet"
    garbage.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(InputError, match=rf"file {garbage}: cannot read the file"):
        load(engine, [garbage])
    with pytest.raises(InputError, match=r"no such file or folder"):
        load(engine, [tmp_path / "missing.csv"])
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match=r"the file is empty"):
        load(engine, [empty])
    # a row with more cells than the header: the file cannot be parsed
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(",".join(REES) + "\n" + ",".join(rees_row()) + "\n"
                      + ",".join(rees_row()) + ",extra,cells\n")
    with pytest.raises(InputError, match=rf"file {ragged}, line 3: the row has more cells than "
                                         "the header's 9"):
        load(engine, [path, ragged])
    assert nothing_written(engine)


BAD_ROWS = [
    rees_row(),                                               # line 2: good
    rees_row(t="2019-10-01 00:00:01 UTC"),                    # line 3: good
    rees_row(t="2019-10-01 25:00:00 UTC"),                    # line 4: bad time
    rees_row(t=""),                                           # line 5: missing time
    rees_row(kind="wishlist"),                                # line 6: unknown type
    rees_row(kind="purchase", price="-3.00"),                 # line 7: negative price
    rees_row(price="ten"),                                    # line 8: bad number
    rees_row(user=""),                                        # line 9: missing user
    rees_row(),                                               # line 10: duplicate of line 2
    rees_row(t="2019-10-01 00:00:01 UTC"),                    # line 11: duplicate of line 3
    rees_row(kind="purchase", price="0", user="u2"),          # line 12: good (free item)
]
EXPECTED_QUARANTINE = [
    (4, "event_time", 'unparsable time "2019-10-01 25:00:00 UTC"'),
    (5, "event_time", "missing time"),
    (6, "event_type", 'unknown event type "wishlist"'),
    (7, "price", 'negative price "-3.00"'),
    (8, "price", 'unparsable price "ten"'),
    (9, "user_id", "missing user id"),
    (10, None, "exact duplicate of line 2"),
    (11, None, "exact duplicate of line 3"),
]


def test_bad_rows_go_to_quarantine(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", REES, BAD_ROWS)
    report = load(engine, [path], quarantine_dir=tmp_path / "q")
    f = report.files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined, f.rows_already_present) == (11, 3, 8, 0)
    assert engine.fetch_all("SELECT line, field, reason FROM quarantine ORDER BY line") == \
        EXPECTED_QUARANTINE
    assert engine.scalar("SELECT count(DISTINCT file) FROM quarantine") == 1
    assert engine.scalar("SELECT min(load_id) FROM quarantine") == report.load_id
    raw = engine.scalar("SELECT raw FROM quarantine WHERE line = 6")
    assert raw == ("2019-10-01 00:00:00 UTC,wishlist,1,2053013552326770905,"
                   "electronics.smartphone,acme,10.00,u1,s1")
    assert counts(engine)["events"] == 3
    assert engine.fetch_all("SELECT rows_read, rows_loaded, rows_quarantined FROM loads") == [
        (11, 3, 8)]
    csv = report.quarantine_csv
    assert csv is not None and csv.parent == tmp_path / "q"
    lines = csv.read_text().splitlines()
    assert lines[0] == '"load_id","file","line","field","reason","raw"'
    assert len(lines) == 1 + 8


def test_quarantine_csv_beside_duckdb_file(tmp_path: Path) -> None:
    from shoplens.engines import connect

    db = tmp_path / "db" / "shop.duckdb"
    path = write_csv(tmp_path / "bad.csv", REES, BAD_ROWS)
    with connect(f"duckdb:{db}") as eng:
        report = load(eng, [path])
    assert report.quarantine_csv == db.parent / "shop.quarantine.load-1.csv"
    assert report.quarantine_csv.exists()


def test_strict_fails_on_first_bad_row_and_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "bad.csv", REES, BAD_ROWS)
    q = tmp_path / "q"
    with pytest.raises(InputError) as err:
        load(engine, [path], strict=True, quarantine_dir=q)
    assert str(err.value) == (f"file {path}, line 4, field 'event_time': unparsable time "
                              '"2019-10-01 25:00:00 UTC" (strict mode: nothing was loaded)')
    assert nothing_written(engine)
    assert not q.exists()
    # duplicates alone also fail a strict load
    dup = write_csv(tmp_path / "dup.csv", REES, [rees_row(), rees_row()])
    with pytest.raises(InputError, match=r"line 3: exact duplicate of line 2"):
        load(engine, [dup], strict=True)
    assert nothing_written(engine)


def test_cli_reports_errors_and_counts(cli, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    header = [c for c in REES if c != "user_session"]
    bad = write_csv(tmp_path / "nosession.csv", header, [rees_row()[:8]])
    res = cli("load", bad, "--db", db_url)
    assert res.exit_code == 2
    assert f"error: file {bad}, field 'user_session': missing required column 'user_session'" \
        in res.stderr
    path = write_csv(tmp_path / "bad.csv", REES, BAD_ROWS)
    res = cli("load", path, "--db", db_url, "--quarantine-dir", tmp_path / "q")
    assert res.exit_code == 0, res.output
    assert "detected rees46" in res.stderr
    total = next(line for line in res.stdout.splitlines() if "total" in line)
    # read, inserted, updated, quarantined, already present
    assert [c for c in total.replace("│", " ").split() if c.isdigit()] == ["11", "3", "0", "8", "0"]
    res = cli("load", path, "--db", db_url, "--strict")
    assert res.exit_code == 0  # identical file already loaded: skipped, nothing to fail on
    other = write_csv(tmp_path / "bad2.csv", REES, BAD_ROWS[2:])
    res = cli("load", other, "--db", db_url, "--strict")
    assert res.exit_code == 2
    assert "line 2, field 'event_time': unparsable time" in res.stderr
    res = cli("load", path, "--db", db_url, "--format", "nope")
    assert res.exit_code == 2 and "unknown format 'nope'" in res.stderr
