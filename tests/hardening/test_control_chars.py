"""NUL bytes and other control characters: the row is quarantined with the reason on
every engine (PostgreSQL cannot store NUL; on DuckDB ``abc\\0`` would be a session of
its own), whatever the container."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shoplens.engines import Engine
from shoplens.ingest import load

from .data import REES, rees_row


def _reasons(engine: Engine) -> list[tuple]:
    return engine.fetch_all("SELECT line, field, reason, raw FROM quarantine ORDER BY line")


def test_csv_with_nul_and_escape_characters(engine: Engine, tmp_path: Path) -> None:
    rows = [rees_row(session="abc"), rees_row(session="abc\0"), rees_row(brand="ac\x1b[31mme"),
            rees_row(user="u\x07"), rees_row(session="abc", product="2")]
    path = tmp_path / "nul.csv"
    path.write_bytes(("\n".join(",".join(r) for r in [REES, *rows]) + "\n").encode())
    report = load(engine, [path])
    assert report.rows_loaded == 2 and report.rows_quarantined == 3
    got = _reasons(engine)
    assert [(line, field) for line, field, _, _ in got] == [
        (3, "user_session"), (4, "brand"), (5, "user_id")]
    assert [reason for _, _, reason, _ in got] == [
        f"control character U+{c} in the value (not allowed in text)"
        for c in ("0000", "001B", "0007")]
    assert "\0" not in got[0][3] and "\ufffd" in got[0][3]
    assert engine.fetch_all("SELECT DISTINCT session_id FROM events") == [("abc",)]


def test_json_lines_and_parquet(engine: Engine, tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    shop.mkdir()
    (shop / "users.csv").write_text("user_id,signup_date,country\n1,2024-01-01,FR\n")
    (shop / "products.csv").write_text("product_id,category,price,brand,name\n10,a.b,5.00,x,y\n")
    (shop / "events.csv").write_text("user_id,event_type,product_id,timestamp,session_id\n"
                                     "1,viewed,10,2024-01-02 10:00:00,s1\n")
    lines = [{"user_id": "1", "search_query": "phone\u0000case", "clicked_product_ids": [],
              "timestamp": "2024-01-02T09:59:00"},
             {"user_id": "1", "search_query": "phone", "clicked_product_ids": [],
              "timestamp": "2024-01-02T09:58:00"}]
    (shop / "search_logs.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    report = load(engine, [shop])
    assert report.rows_quarantined == 1
    (line, field, reason, _), = _reasons(engine)
    assert (line, field) == (1, "search_query") and "U+0000" in reason
    table = pa.table({c: [v, v] for c, v in zip(REES, rees_row(user="p1"), strict=True)})
    table = table.set_column(REES.index("brand"), "brand", pa.array(["ok", "b\0d"]))
    pq.write_table(table, tmp_path / "rows.parquet")
    report = load(engine, [tmp_path / "rows.parquet"])
    assert report.rows_loaded == 1 and report.rows_quarantined == 1


@pytest.mark.parametrize("strict", [True])
def test_strict_names_the_character(engine: Engine, tmp_path: Path, strict: bool) -> None:
    from shoplens.errors import InputError

    path = tmp_path / "nul.csv"
    path.write_bytes(("\n".join(",".join(r) for r in [REES, rees_row(session="s\0")]) + "\n")
                     .encode())
    with pytest.raises(InputError, match=r"line 2, field 'user_session': control character "
                                         r"U\+0000"):
        load(engine, [path], strict=strict)


@settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet=st.characters(max_codepoint=0x2FF), max_size=40),
       encoding=st.sampled_from(["utf-8", "utf-16", "latin-1"]))
def test_the_byte_scan_finds_every_control_character(text: str, encoding: str) -> None:
    # a file whose bytes hold none is loaded without checking each value for them: the
    # scan must never miss one, in any encoding the CSV reader accepts
    import re

    from shoplens.ingest.sources import has_control_bytes
    from shoplens.ingest.validation import CONTROL_CHARS

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        try:
            path.write_bytes(text.encode(encoding))
        except UnicodeEncodeError:
            return
        found = has_control_bytes(path, chunk=7)  # values straddle the chunks
    if re.search(CONTROL_CHARS, text):
        assert found
    elif encoding != "utf-16":  # UTF-16 code units of other characters hold such bytes
        assert not found


def test_one_control_character_deep_in_a_large_file(engine: Engine, tmp_path: Path) -> None:
    rows = [rees_row(session=f"s{i}", product=str(i)) for i in range(3000)]
    rows[2500] = rees_row(session="s2500\x01", product="2500")
    path = tmp_path / "deep.csv"
    path.write_bytes(("\n".join(",".join(r) for r in [REES, *rows]) + "\n").encode())
    clean = tmp_path / "clean.csv"
    clean.write_bytes(("\n".join(",".join(r) for r in [REES, *rows[:2000]]) + "\n").encode())
    first = load(engine, [clean])
    assert (first.rows_loaded, first.rows_quarantined) == (2000, 0)
    report = load(engine, [path])
    assert (report.rows_loaded, report.rows_quarantined, report.rows_already_present) == \
        (999, 1, 2000)
    (line, field, reason, _raw), = _reasons(engine)
    assert (line, field, reason) == (2502, "user_session",
                                     "control character U+0001 in the value (not allowed in text)")


def test_mapped_csv_quarantines_control_characters(engine: Engine, tmp_path: Path) -> None:
    from shoplens.ingest.mapping import mapping_from_dict

    mapping = mapping_from_dict({"format": "events", "fields": {
        "user_id": "user_id", "event": "event_type", "event_time": "event_time",
        "session_id": "user_session", "product_id": "product_id", "price": "price"}}, "test")
    rows = [rees_row(session="s1"), rees_row(session="s2\x1f", product="2")]
    path = tmp_path / "mapped.csv"
    path.write_bytes(("\n".join(",".join(r) for r in [REES, *rows]) + "\n").encode())
    report = load(engine, [path], mapping=mapping)
    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)
    assert [r[:3] for r in _reasons(engine)] == [
        (3, "user_session", "control character U+001F in the value (not allowed in text)")]
