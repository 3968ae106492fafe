"""Secrets never printed or written: one redaction for every credential form, used by
every message, log, report and JSON document."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shoplens.engines import connect
from shoplens.errors import ShopLensError
from shoplens.redact import redact

SECRET = "Hunter2-s3cret"

FORMS = [
    f"postgresql://ann:{SECRET}@db.example:5432/shop",
    f"postgresql://ann:{SECRET}%zz@db.example/shop",            # bad percent escape
    f"postgresql://ann:{SECRET}@x@db.example/shop",            # unencoded @
    f"postgresql://ann:p@{SECRET}@db.example/shop",
    f"postgresql://ann@db.example/shop?password={SECRET}",
    f"postgresql://ann@db.example/shop?sslmode=require&sslpassword={SECRET}",
    f"https://es.example:9200/?api_key={SECRET}",
    f"https://es.example/?token={SECRET}&x=1",
    f"https://es.example/?access_token={SECRET}",
    f"https://es.example/?X-Api-Key={SECRET}",
    f"host=db.example password={SECRET} dbname=shop",
    f"host=db.example password='{SECRET} with space' dbname=shop",
    f"host=db.example sslpassword = {SECRET}",
    f"https://{SECRET}@es.example:9200",                       # user-name-only credential
    f"https://elastic:{SECRET}@es.example:9200",
    f'{{"password": "{SECRET}", "user": "ann"}}',
    f"cannot connect to postgresql://ann:{SECRET}@h/db: FATAL: password authentication failed",
]


@pytest.mark.parametrize("text", FORMS)
def test_every_form_is_redacted(text: str) -> None:
    out = redact(text)
    assert SECRET not in out and "***" in out
    assert "db.example" in out or "es.example" in out or "ann" in out or "h/db" in out


def test_what_is_not_secret_stays() -> None:
    assert redact("postgresql://ann@db.example/shop") == "postgresql://ann@db.example/shop"
    assert redact("duckdb:/tmp/shop.duckdb") == "duckdb:/tmp/shop.duckdb"
    assert redact("file shop.csv, line 3: unparsable price") == \
        "file shop.csv, line 3: unparsable price"


def test_a_driver_quoting_part_of_the_url_is_redacted_given_the_url() -> None:
    url = f"postgresql://ann:abc@{SECRET}@db/shop"
    assert SECRET not in redact(f"failed to resolve host '{SECRET}@db'", url)


@settings(max_examples=60, deadline=None)
@given(password=st.text(alphabet="abcdefghXYZ0123456789!$&'()*+,;=:@%-._~", min_size=8,
                        max_size=24))
def test_any_password_in_a_url(password: str) -> None:
    for url in (f"postgresql://ann:{password}@db.example:5432/shop",
                f"postgresql://ann:{quote(password, safe='')}@db.example:5432/shop",
                f"postgresql://ann@db.example/shop?password={quote(password, safe='')}"):
        out = redact(f"error: cannot connect to {url}: refused", url)
        assert password not in out and quote(password, safe="") not in out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("kind", ["percent", "at", "query", "dsn", "query-bad-db"])
def test_postgres_connection_errors(kind: str, pg_server, shoplens) -> None:
    port = pg_server.port
    url = {
        "percent": f"postgresql://postgres:{SECRET}%zz@127.0.0.1:{port}/postgres",
        "at": f"postgresql://postgres:ab@{SECRET}@127.0.0.1:{port}/postgres",
        "query": f"postgresql://postgres@127.0.0.1:{port}/postgres?password={SECRET}&bogus=1",
        "dsn": f"host=127.0.0.1 port={port} password={SECRET} dbname=postgres",
        "query-bad-db": f"postgresql://postgres@127.0.0.1:{port}/nosuch?password={SECRET}",
    }[kind]
    with pytest.raises(ShopLensError) as err:
        connect(url)
    assert SECRET not in str(err.value)
    res = shoplens("metrics", "--db", url)
    assert res.exit_code == 2 and SECRET not in res.output and "error:" in res.stderr
    res = shoplens("--debug", "metrics", "--db", url)
    assert SECRET not in res.output


def test_search_user_name_credential(shoplens, tmp_path: Path) -> None:
    db = f"duckdb:{tmp_path / 'x.duckdb'}"
    for url in (f"https://{SECRET}@127.0.0.1:{_free_port()}",
                f"http://elastic:{SECRET}@127.0.0.1:{_free_port()}",
                f"http://127.0.0.1:{_free_port()}/?api_key={SECRET}",
                f"http://{SECRET}@127.0.0.1:notaport"):
        res = shoplens("search", "x", "--search", url, "--db", db)
        assert res.exit_code == 2 and SECRET not in res.output, res.output


def test_report_never_writes_a_secret(db_url: str, tmp_path: Path, shoplens) -> None:
    """results.json and index.html name the database and the search engine without their
    credentials (the password given as a query parameter too)."""
    sep = "&" if "?" in db_url else "?"
    url = f"{db_url}{sep}password={SECRET}" if db_url.startswith("postgresql") else db_url
    search = f"http://elastic:{SECRET}@127.0.0.1:{_free_port()}/?token={SECRET}"
    out = tmp_path / "report"
    res = shoplens("report", "--db", url, "--search", search, "--out", out, "--skip",
                   "benchmark,cohorts,paths,insights,funnel,kpis,overview")
    assert SECRET not in res.output
    for name in ("results.json", "index.html", "report-errors.log"):
        if (out / name).exists():
            assert SECRET not in (out / name).read_text(encoding="utf-8"), name
    doc = json.loads((out / "results.json").read_text())
    assert doc["database"].startswith(url.split("?")[0].split(":")[0])
