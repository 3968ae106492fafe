from __future__ import annotations

from collections.abc import Iterator

import pytest

from .fakellm import FakeLLM, start


@pytest.fixture
def fake_llm() -> Iterator[FakeLLM]:
    fake = FakeLLM()
    server = start(fake)
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    keys = {"GEMINI_API_KEY": "gm-SECRET-KEY-123", "OPENAI_API_KEY": "sk-SECRET-KEY-456"}
    for k, v in keys.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("GOOGLE_API_KEY", raising=False)
    return keys
