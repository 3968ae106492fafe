"""OpenAI, or any OpenAI-compatible server (Ollama, vLLM, ...), through ``openai``."""

from __future__ import annotations

import os
from typing import ClassVar

from shoplens.errors import ConfigError
from shoplens.llm.base import LLMSettings, Provider, Transient, parse_retry_after


class OpenAIProvider(Provider):
    name: ClassVar[str] = "openai"
    default_model: ClassVar[str] = "gpt-4o-mini"
    key_env: ClassVar[str] = "OPENAI_API_KEY"

    def __init__(self, settings: LLMSettings) -> None:
        super().__init__(settings)
        key = os.environ.get(self.key_env, "")
        if not key:
            if not settings.base_url:
                raise ConfigError(f"--llm openai needs an API key in the environment variable "
                                  f"{self.key_env} (or --llm-base-url for a local server)")
            key = "no-key"  # local OpenAI-compatible servers accept any bearer token
        self._secrets.append(key)
        import openai

        self._openai = openai
        # max_retries=0: Provider.generate owns retries (same policy for every provider)
        self._client = openai.OpenAI(api_key=key, base_url=settings.base_url,
                                     timeout=settings.timeout, max_retries=0)

    def _generate(self, system: str, prompt: str, *, json_mode: bool, timeout: float) -> str:
        messages = ([{"role": "system", "content": system}] if system else []) + [
            {"role": "user", "content": prompt}]
        kwargs = {"response_format": {"type": "json_object"}} if json_mode else {}
        response = self._client.chat.completions.create(
            model=self.model, messages=messages, temperature=self.settings.temperature,
            timeout=timeout, **kwargs)
        if not hasattr(response, "choices"):  # the body was not a chat completion at all
            raise _EmptyAnswer(
                f"the reply of {self.endpoint} is not a chat completion (it begins "
                f"{str(response)[:40]!r}): is it an OpenAI-compatible API? Its URL usually "
                "ends in /v1")
        if not response.choices or response.choices[0].message.content is None:
            raise _EmptyAnswer("the model returned no message content")
        return response.choices[0].message.content

    def _transient(self, exc: Exception) -> Transient | None:
        o = self._openai
        if isinstance(exc, o.APITimeoutError):
            return Transient("timeout")
        if isinstance(exc, o.APIConnectionError):
            return Transient("connection error")
        if isinstance(exc, o.APIStatusError) and (
                exc.status_code in (408, 409, 429) or exc.status_code >= 500):
            return Transient(f"HTTP {exc.status_code}",
                             parse_retry_after(exc.response.headers.get("retry-after")))
        return None


class _EmptyAnswer(Exception):
    pass
