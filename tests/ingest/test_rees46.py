"""The real REES46 sample, end to end, through the Python API and the CLI."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pandas as pd

from shoplens.engines import Engine, connect
from shoplens.ingest import load

from .helpers import counts


def test_rees46_sample_counts(engine: Engine, rees46_sample: Path) -> None:
    df = pd.read_csv(rees46_sample, dtype=str)
    report = load(engine, [rees46_sample])
    assert [(f.format, f.rows_read, f.rows_loaded, f.rows_quarantined) for f in report.files] == [
        ("rees46", 1000, 1000, 0)]
    by_type = dict(engine.fetch_all("SELECT event_type, count(*) FROM events GROUP BY 1"))
    assert by_type == {"view": 987, "cart": 3, "purchase": 10}
    got = counts(engine)
    # independent counts from pandas, and the literal numbers they gave
    assert got["users"] == df["user_id"].nunique() == 330
    assert got["products"] == df["product_id"].nunique() == 534
    assert got["sessions"] == df["user_session"].nunique() == 372
    assert (got["events"], got["loads"], got["quarantine"]) == (1000, 1, 0)
    # sessions: start, end and size as pandas computes them
    df["t"] = pd.to_datetime(df["event_time"].str.removesuffix(" UTC"))
    exp = df.groupby("user_session").agg(start=("t", "min"), end=("t", "max"), n=("t", "size"))
    db = engine.fetch_df("SELECT session_id, session_start, session_end, n_events FROM sessions")
    db = db.set_index("session_id").sort_index()
    exp = exp.sort_index()
    assert (pd.to_datetime(db["session_start"]).values == exp["start"].values).all()
    assert (pd.to_datetime(db["session_end"]).values == exp["end"].values).all()
    assert db["n_events"].astype(int).tolist() == exp["n"].tolist()
    # products: category_code, else category_id; brand may be empty
    p = engine.fetch_all("SELECT category, category_id, brand FROM products "
                         "WHERE product_id = '44600062'")[0]
    assert p == ("2103807459595387724", "2103807459595387724", "shiseido")
    p = engine.fetch_all("SELECT category, brand FROM products WHERE product_id = '17200506'")[0]
    assert p == ("furniture.living_room.sofa", None)
    # every user is auto-created with no signup date and first_seen = first event
    first = df.groupby("user_id")["t"].min()
    users = engine.fetch_df("SELECT user_id, signup_date, first_seen FROM users").set_index("user_id")
    assert users["signup_date"].isna().all()
    assert (pd.to_datetime(users["first_seen"]).sort_index().values == first.sort_index().values).all()
    revenue = engine.scalar("SELECT sum(price * quantity) FROM events WHERE event_type = 'purchase'")
    exp_rev = sum(Decimal(p) for p in df.loc[df.event_type == "purchase", "price"])
    assert revenue == exp_rev


def test_reload_adds_nothing(engine: Engine, rees46_sample: Path, tmp_path: Path) -> None:
    load(engine, [rees46_sample])
    before = counts(engine)
    again = load(engine, [rees46_sample])
    assert again.files[0].skipped and again.load_id is None
    assert counts(engine) == before
    # the same rows under another name (a different file, same content plus one new row)
    lines = rees46_sample.read_text().splitlines()
    extra = "2019-10-02 00:00:00 UTC,view,44600062,2103807459595387724,,shiseido,35.79,541312140,new-session"
    copy = tmp_path / "copy.csv"
    copy.write_text("\n".join([*lines, extra]) + "\n")
    third = load(engine, [copy])
    f = third.files[0]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined, f.rows_already_present) == (1001, 1, 0, 1000)
    after = counts(engine)
    assert after["events"] == 1001 and after["sessions"] == 373 and after["users"] == 330
    assert engine.scalar("SELECT sum(n_events) FROM sessions") == 1001


def test_cli_load(cli, db_url: str, rees46_sample: Path) -> None:  # type: ignore[no-untyped-def]
    res = cli("load", rees46_sample, "--db", db_url)
    assert res.exit_code == 0, res.output
    assert "detected rees46" in res.stderr
    assert "1,000" in res.stdout and "quarantined" in res.stdout
    res = cli("load", rees46_sample, "--db", db_url, "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["rows_loaded"] == 0 and doc["files"][0]["skipped"]
    with connect(db_url) as eng:
        assert eng.scalar("SELECT count(*) FROM events") == 1000


def test_padded_values_load_as_the_plain_ones(engine: Engine, rees46_sample: Path,
                                              tmp_path: Path) -> None:
    """Values padded with spaces, no-break spaces (U+00A0) or ideographic spaces (U+3000)
    are trimmed (only such values take ``trim``, see ``validation.nz``): the padded file
    loads the same rows as the plain one, so a re-load of the plain file adds nothing."""
    lines = rees46_sample.read_text(encoding="utf-8").splitlines()[:41]
    pads = (" ", "\u00a0", "\u3000 ", "")
    padded = [lines[0]] + [
        ",".join(f"{pads[(i + j) % 4]}{v}{pads[(i + 2 * j) % 4]}" if v else v
                 for j, v in enumerate(line.split(",")))
        for i, line in enumerate(lines[1:])]
    assert all("," not in f for line in lines[1:] for f in line.split('"')[1::2])
    plain_file, padded_file = tmp_path / "plain.csv", tmp_path / "padded.csv"
    plain_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    padded_file.write_text("\n".join(padded) + "\n", encoding="utf-8")
    first = load(engine, [padded_file], quarantine_dir=tmp_path)
    assert (first.rows_loaded, first.rows_quarantined) == (40, 0)
    again = load(engine, [plain_file], quarantine_dir=tmp_path)
    assert (again.rows_loaded, again.files[0].rows_already_present) == (0, 40)
    assert engine.scalar("SELECT count(*) FROM products WHERE brand LIKE '% %' "
                         "OR category LIKE ' %'") == 0
