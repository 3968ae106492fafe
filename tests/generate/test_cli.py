"""``shoplens generate`` end to end: the command, its JSON, its errors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from shoplens.generate import GenerateParams, generate


def digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_cli_writes_what_the_api_writes(cli, tmp_path: Path) -> None:
    r = cli("generate", "--users", "400", "--months", "2", "--seed", "5", "--start", "2023-11-01",
            "--out", tmp_path / "cli")
    assert r.exit_code == 0, r.output
    assert "events" in r.stdout and "purchased" in r.stdout
    summary = generate(GenerateParams(users=400, months=2, seed=5, start="2023-11-01"),
                       tmp_path / "api")
    assert digests(tmp_path / "cli") == digests(tmp_path / "api")
    assert f"{summary.events:,}" in r.stdout


def test_cli_json_summary_matches_the_files(cli, tmp_path: Path) -> None:
    r = cli("generate", "--users", "300", "--months", "3", "--out", tmp_path, "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    lines = (tmp_path / "events.csv").read_text().splitlines()
    assert doc["events"] == len(lines) - 1 == sum(doc["event_counts"].values())
    assert doc["users"] == 300
    assert doc["start"] == "2024-01-01" and doc["end"] == "2024-04-01"
    assert len((tmp_path / "search_logs.jsonl").read_text().splitlines()) == doc["searches"]
    assert sorted(Path(f).name for f in doc["files"]) == sorted(p.name for p in tmp_path.iterdir())


def test_cli_parquet(cli, tmp_path: Path) -> None:
    r = cli("generate", "--users", "200", "--months", "1", "--out", tmp_path, "--parquet")
    assert r.exit_code == 0, r.output
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".parquet"] * 5


def test_cli_events_target(cli, tmp_path: Path) -> None:
    r = cli("generate", "--events", "60000", "--out", tmp_path, "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert 54_000 <= doc["events"] <= 66_000


@pytest.mark.parametrize(("args", "message"), [
    (["--users", "0"], "--users"),
    (["--months", "0"], "--months"),
    (["--events", "5"], "--events"),
    (["--start", "2024-13-01"], "YYYY-MM-DD"),
])
def test_cli_rejects_bad_options(cli, tmp_path: Path, args: list[str], message: str) -> None:
    r = cli("generate", *args, "--out", tmp_path / "x")
    assert r.exit_code == 2
    assert message in r.output
    assert not (tmp_path / "x").exists(), "nothing is written"


def test_cli_rejects_a_file_as_out(cli, tmp_path: Path) -> None:
    f = tmp_path / "file.txt"
    f.write_text("keep me")
    r = cli("generate", "--users", "10", "--months", "1", "--out", f)
    assert r.exit_code == 2
    assert "not a folder" in r.output
    assert f.read_text() == "keep me"
