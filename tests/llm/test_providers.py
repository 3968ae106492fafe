"""The real google-genai and openai clients against a local server in each wire format."""

from __future__ import annotations

import json
import time

import pytest

from shoplens.errors import ConfigError, UnsupportedOperationError
from shoplens.llm import LLMError, LLMSettings, complete_json, get_provider
from shoplens.llm.schema import InsightsResponse

from .fakellm import FakeLLM

GOOD = json.dumps({"insights": [{
    "title": "Carts are abandoned", "finding": "40% of cart sessions end without purchase.",
    "evidence": {"abandonment_rate": 0.4, "cart_sessions": 5},
    "recommendation": "Send a reminder email within a day.", "priority": "high",
    "expected_impact": "About 2 more orders a week."}]})
BROKEN = '{"insights": [{"title": "x", '          # cut off mid-object
WRONG_SHAPE = json.dumps({"insights": [{"title": "Carts", "finding": "short"}]})

PROVIDERS = ("gemini", "openai")


def _provider(name: str, fake: FakeLLM, **kw: object):  # type: ignore[no-untyped-def]
    base = fake.url if name == "gemini" else fake.url + "/v1"
    settings = LLMSettings(provider=name, base_url=base, timeout=kw.pop("timeout", 5.0),
                           backoff=0.05, **kw)  # type: ignore[arg-type]
    return get_provider(settings)


@pytest.mark.parametrize("name", PROVIDERS)
def test_good_json_is_validated(name: str, fake_llm: FakeLLM, keys: dict[str, str]) -> None:
    fake_llm.queue(("json", GOOD))
    p = _provider(name, fake_llm, model="m-test")
    answer = complete_json("stats here", InsightsResponse, provider=p)
    assert answer.insights[0].evidence == {"abandonment_rate": 0.4, "cart_sessions": 5}
    assert answer.insights[0].priority == "high"
    assert len(fake_llm.requests) == 1
    req = fake_llm.requests[0]
    if name == "gemini":
        assert req.path.endswith("/models/m-test:generateContent")
        assert req.headers["x-goog-api-key"] == keys["GEMINI_API_KEY"]
        assert req.body["generationConfig"]["responseMimeType"] == "application/json"
        assert "stats here" in req.body["contents"][0]["parts"][0]["text"]
    else:
        assert req.path == "/v1/chat/completions"
        assert req.headers["authorization"] == f"Bearer {keys['OPENAI_API_KEY']}"
        assert req.body["model"] == "m-test"
        assert req.body["response_format"] == {"type": "json_object"}
        assert req.body["messages"][-1]["content"] == "stats here"
    # the schema travels in the system instructions
    assert "expected_impact" in json.dumps(req.body)


@pytest.mark.parametrize("name", PROVIDERS)
def test_markdown_fenced_json_is_accepted(name: str, fake_llm: FakeLLM, keys: dict) -> None:
    fake_llm.queue(("json", f"```json\n{GOOD}\n```"))
    answer = complete_json("q", InsightsResponse, provider=_provider(name, fake_llm))
    assert answer.insights[0].title == "Carts are abandoned"


@pytest.mark.parametrize("name", PROVIDERS)
@pytest.mark.parametrize("bad", [BROKEN, WRONG_SHAPE])
def test_invalid_answer_is_retried_once_with_the_error(name: str, bad: str, fake_llm: FakeLLM,
                                                       keys: dict) -> None:
    fake_llm.queue(("json", bad), ("json", GOOD))
    answer = complete_json("q", InsightsResponse, provider=_provider(name, fake_llm))
    assert answer.insights[0].title == "Carts are abandoned"
    assert len(fake_llm.requests) == 2
    second = json.dumps(fake_llm.requests[1].body)
    assert "previous answer was not valid" in second
    assert ("not JSON" in second) if bad is BROKEN else ("does not fit the schema" in second)


@pytest.mark.parametrize("name", PROVIDERS)
def test_invalid_twice_is_a_clear_error(name: str, fake_llm: FakeLLM, keys: dict) -> None:
    fake_llm.queue(("json", WRONG_SHAPE))
    # valid JSON of the wrong shape: the message says so, not "invalid JSON"
    with pytest.raises(LLMError, match=r"returned JSON that does not fit the schema twice.*"
                                       r"insights\.0\.evidence"):
        complete_json("q", InsightsResponse, provider=_provider(name, fake_llm))
    assert len(fake_llm.requests) == 2
    fake_llm.queue(("json", BROKEN))
    with pytest.raises(LLMError, match=r"returned invalid JSON twice; last error: the answer is not JSON"):
        complete_json("q", InsightsResponse, provider=_provider(name, fake_llm))


@pytest.mark.parametrize("name", PROVIDERS)
def test_rate_limit_waits_retry_after_then_succeeds(name: str, fake_llm: FakeLLM,
                                                     keys: dict) -> None:
    fake_llm.queue(("429", 1), ("json", GOOD))
    p = _provider(name, fake_llm)
    answer = complete_json("q", InsightsResponse, provider=p)
    assert answer.insights
    assert p.last_call.attempts == 2
    assert p.last_call.waits == [1.0]          # Retry-After honoured, not the 0.05 s backoff
    gap = fake_llm.requests[1].at - fake_llm.requests[0].at
    assert gap >= 0.95


@pytest.mark.parametrize("name", PROVIDERS)
def test_persistent_rate_limit_gives_up_with_backoff(name: str, fake_llm: FakeLLM,
                                                      keys: dict) -> None:
    fake_llm.queue(("500", None))
    p = _provider(name, fake_llm, max_retries=3)
    with pytest.raises(LLMError, match=r"failed after 4 attempts \(HTTP 500, HTTP 500, HTTP 500"):
        p.generate("q")
    assert len(fake_llm.requests) == 4
    w = p.last_call.waits
    assert len(w) == 3 and w[0] < w[1] < w[2]   # exponential backoff: 0.05, 0.1, 0.2 (+jitter)
    assert 0.05 <= w[0] <= 0.06 and 0.2 <= w[2] <= 0.22


@pytest.mark.parametrize("name", PROVIDERS)
def test_timeout_is_retried_then_reported(name: str, fake_llm: FakeLLM, keys: dict) -> None:
    fake_llm.queue(("sleep", 2.0))
    p = _provider(name, fake_llm, timeout=1.0, max_retries=1)
    t0 = time.monotonic()
    with pytest.raises(LLMError, match=r"failed after 2 attempts") as err:
        p.generate("q")
    assert time.monotonic() - t0 < 6
    assert len(fake_llm.requests) == 2
    assert "timeout" in str(err.value).lower() or "Timeout" in str(err.value)


@pytest.mark.parametrize("name", PROVIDERS)
def test_timeout_then_success(name: str, fake_llm: FakeLLM, keys: dict) -> None:
    fake_llm.queue(("sleep", 2.0), ("json", GOOD))
    p = _provider(name, fake_llm, timeout=1.0, max_retries=2)
    assert complete_json("q", InsightsResponse, provider=p).insights
    assert p.last_call.attempts == 2


@pytest.mark.parametrize("name", PROVIDERS)
def test_keys_never_appear_in_errors(name: str, fake_llm: FakeLLM, keys: dict,
                                     caplog: pytest.LogCaptureFixture) -> None:
    fake_llm.queue(("429", 0))
    p = _provider(name, fake_llm, max_retries=1)
    with pytest.raises(LLMError) as err:
        p.generate("q")
    for key in keys.values():
        assert key not in str(err.value)
        assert key not in repr(p)
        assert key not in caplog.text


def test_missing_keys_are_config_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEMINI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError, match="GEMINI_API_KEY"):
        get_provider(provider="gemini")
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        get_provider(provider="openai")
    # a local OpenAI-compatible server needs no key
    assert get_provider(provider="openai", base_url="http://127.0.0.1:1/v1").name == "openai"


def test_offline_provider_answers_only_from_rules() -> None:
    p = get_provider()
    assert p.name == "offline"
    doc = json.loads(GOOD)
    assert complete_json("q", InsightsResponse, provider=p, fallback=lambda: doc).insights
    with pytest.raises(UnsupportedOperationError, match="--llm gemini or --llm openai"):
        complete_json("q", InsightsResponse, provider=p)
    with pytest.raises(LLMError, match="offline rules produced an invalid answer"):
        complete_json("q", InsightsResponse, provider=p, fallback=lambda: {"insights": []})
