"""`shoplens events insights` and categorize through the real clients and the local server."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from shoplens.engines import Engine

from .fakellm import FakeLLM
from .test_providers import GOOD

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "events"))
from events_shop import ROWS, seed


def _seed_private(engine: Engine) -> list[str]:
    people = [f"person-{n}-4411" for n in range(5)]
    ids = dict(zip(["u1", "u2", "u3", "u4", "u5"], people, strict=True))
    seed(engine, [(ids[r[0]], r[1], r[2], r[3], r[4]) for r in ROWS])
    return people


@pytest.mark.parametrize("provider", ["openai", "gemini"])
def test_insights_cli_with_a_model(provider: str, engine: Engine, db_url: str, cli,  # type: ignore[no-untyped-def]
                                   fake_llm: FakeLLM, keys: dict, tmp_path: Path) -> None:
    people = _seed_private(engine)
    engine.close()
    fake_llm.queue(("json", "not json at all"), ("json", GOOD))
    base = fake_llm.url + ("/v1" if provider == "openai" else "")
    out = tmp_path / "res.json"
    res = cli("events", "insights", "--db", db_url, "--llm", provider, "--llm-model", "m-1",
              "--llm-base-url", base, "--out", out)
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert doc["provider"] == provider and doc["model"] == "m-1"
    assert doc["insights"] == json.loads(GOOD)["insights"]
    assert doc["funnel"][0]["sessions"] == 7           # the events shop: 7 sessions browse
    assert len(fake_llm.requests) == 2                 # invalid answer retried once
    sent = " ".join(fake_llm.prompts())
    assert '\\"abandoned_sessions\\":2' in sent        # the statistics were sent...
    for secret in [*people, *keys.values()]:            # ...but no user id, no key
        assert secret not in json.dumps([r.body for r in fake_llm.requests])
        assert secret not in res.output


def test_insights_cli_reports_a_model_failure(engine: Engine, db_url: str, cli,  # type: ignore[no-untyped-def]
                                              fake_llm: FakeLLM, keys: dict) -> None:
    seed(engine)
    engine.close()
    fake_llm.queue(("json", '{"insights": []}'))
    res = cli("events", "insights", "--db", db_url, "--llm", "openai", "--llm-base-url",
              fake_llm.url + "/v1")
    assert res.exit_code == 2
    assert "returned invalid JSON twice" in res.stderr and "insights" in res.stderr
    assert keys["OPENAI_API_KEY"] not in res.output


def test_unsure_names_go_to_the_llm(engine: Engine, fake_llm: FakeLLM, keys: dict) -> None:
    from shoplens.events.taxonomy import CategorizeParams, categorize
    from shoplens.llm import LLMSettings

    seed(engine, [("u1", "s1", "view_item", "p1", ROWS[0][4]),
                  ("u1", "s1", "zzq_x1", None, ROWS[1][4])])
    categorize(engine)  # offline first: the odd name is cached as an unsure guess
    fake_llm.queue(("json", json.dumps({"labels": [
        {"raw": "zzq_x1", "stage": "checkout", "confidence": 0.8}]})))
    settings = LLMSettings(provider="openai", base_url=fake_llm.url + "/v1", model="m-2")
    tax = categorize(engine, CategorizeParams(llm=settings)).by_raw()
    assert (tax["zzq_x1"].stage, tax["zzq_x1"].method) == ("checkout", "llm")
    assert tax["zzq_x1"].decided_by == "openai:m-2" and not tax["zzq_x1"].unsure
    assert tax["view_item"].method == "rule"
    assert len(fake_llm.requests) == 1
    body = json.dumps(fake_llm.requests[0].body)
    assert "zzq_x1" in body and "view_item" not in body   # only the unsure name is asked
    # decided names are cached: no second request
    categorize(engine, CategorizeParams(llm=settings))
    assert len(fake_llm.requests) == 1


def test_invented_evidence_is_sent_back(engine: Engine, fake_llm: FakeLLM, keys: dict) -> None:
    """A number that is nowhere in the statistics counts as invalid: retried once."""
    from shoplens.events.insights import InsightsParams, analyze
    from shoplens.llm import LLMSettings

    seed(engine)
    invented = json.loads(GOOD)
    invented["insights"][0]["evidence"] = {"abandonment_rate": 0.62, "cart_sessions": 5}
    fake_llm.queue(("json", json.dumps(invented)), ("json", GOOD))
    settings = LLMSettings(provider="openai", base_url=fake_llm.url + "/v1")
    doc = analyze(engine, InsightsParams(llm=settings))
    assert doc["insights"][0]["evidence"] == {"abandonment_rate": 0.4, "cart_sessions": 5}
    second = json.dumps(fake_llm.requests[1].body)
    assert "evidence.abandonment_rate: 0.62 is not a number from the statistics" in second


def test_evidence_check_accepts_percentages() -> None:
    from shoplens.events.insights import unsupported_evidence
    from shoplens.llm.schema import InsightsResponse

    answer = InsightsResponse.model_validate(json.loads(GOOD))
    answer.insights[0].evidence = {"rate_pct": 47.8, "rate": 0.4775, "n": 191, "note": "x"}
    assert unsupported_evidence(answer, {"a": {"rate": 0.4775, "n": [191]}}) == []
    answer.insights[0].evidence = {"n": 192}
    assert unsupported_evidence(answer, {"a": {"rate": 0.4775, "n": [191]}}) == [
        "insights.0.evidence.n: 192 is not a number from the statistics; quote the "
        "statistics exactly"]
