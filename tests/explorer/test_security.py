"""The token guard, the loopback default and the refusal to listen openly without a token."""

from __future__ import annotations

from pathlib import Path

import pytest

from shoplens.errors import ConfigError
from shoplens.explorer import check_bind, is_loopback

from .conftest import client_for

TOKEN = "a-long-random-token-for-tests"


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.8.0.1", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("0.0.0.0", False), ("192.168.1.10", False), ("::", False),
    ("example.com", False)])
def test_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_an_open_host_needs_a_token() -> None:
    with pytest.raises(ConfigError, match="SHOPLENS_TOKEN"):
        check_bind("0.0.0.0", None)
    with pytest.raises(ConfigError, match="at least 16"):
        check_bind("0.0.0.0", "short")
    check_bind("0.0.0.0", TOKEN)
    check_bind("127.0.0.1", None)


def test_serve_refuses_to_start_openly_without_a_token(cli: object,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHOPLENS_TOKEN", raising=False)
    r = cli("serve", "--host", "0.0.0.0", "--db", "duckdb:///:memory:")  # type: ignore[operator]
    assert r.exit_code == 2
    assert "error:" in r.output and "SHOPLENS_TOKEN" in r.output


def test_every_request_carries_the_token(shop_duckdb: str, tmp_path: Path) -> None:
    client = client_for(shop_duckdb, tmp_path / "s.json", host="0.0.0.0", token=TOKEN)
    assert client.get("/").status_code == 401
    assert client.get("/api/status").status_code == 401
    assert client.post("/api/run", json={"query": {"kind": "trends", "series": [{}]}}
                       ).status_code == 401
    assert client.get("/", headers={"Authorization": "Bearer wrong-token-1234567"}
                      ).status_code == 401
    assert client.get("/", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    r = client.get(f"/trends?token={TOKEN}&interval=week", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/trends?interval=week"
    assert "httponly" in r.headers["set-cookie"].lower()
    assert client.get("/trends?interval=week").status_code == 200  # the cookie now


def test_a_loopback_server_answers_only_to_loopback_names(shop_duckdb: str, tmp_path: Path) -> None:
    client = client_for(shop_duckdb, tmp_path / "s.json")
    assert client.get("/", headers={"host": "attacker.example"}).status_code == 400
    assert client.get("/", headers={"host": "localhost:8050"}).status_code == 200
