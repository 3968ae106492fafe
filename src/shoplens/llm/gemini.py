"""Gemini through Google's ``google-genai`` client."""

from __future__ import annotations

import os
from typing import Any, ClassVar

from shoplens.errors import ConfigError
from shoplens.llm.base import LLMSettings, Provider, Transient, parse_retry_after

# google-genai talks HTTP through httpx (or its successor httpx2); both name their
# transport failures alike, so match by class name rather than importing either.
_TRANSPORT_ERRORS = {"TimeoutException", "ConnectError", "RemoteProtocolError", "ReadError",
                     "WriteError", "ConnectionError", "TimeoutError"}
_RETRY_STATUS = {408, 429, 500, 502, 503, 504}


class GeminiProvider(Provider):
    name: ClassVar[str] = "gemini"
    default_model: ClassVar[str] = "gemini-2.5-flash"
    key_env: ClassVar[str] = "GEMINI_API_KEY"

    def __init__(self, settings: LLMSettings) -> None:
        super().__init__(settings)
        key = os.environ.get(self.key_env, "")
        if not key:
            raise ConfigError(f"--llm gemini needs an API key in the environment variable "
                              f"{self.key_env}")
        self._secrets.append(key)
        from google import genai
        from google.genai import types

        self._types = types
        http = types.HttpOptions(
            base_url=settings.base_url,
            timeout=int(settings.timeout * 1000),  # milliseconds
            # no retry_options: the client then never retries and Provider.generate
            # owns retries, honouring Retry-After the same way for every provider
        )
        self._client = genai.Client(api_key=key, http_options=http)

    def _generate(self, system: str, prompt: str, *, json_mode: bool, timeout: float) -> str:
        config = self._types.GenerateContentConfig(
            http_options=self._types.HttpOptions(base_url=self.settings.base_url,
                                                 timeout=int(timeout * 1000)),
            system_instruction=system or None,
            temperature=self.settings.temperature,
            response_mime_type="application/json" if json_mode else None,
        )
        response = self._client.models.generate_content(
            model=self.model, contents=prompt, config=config)
        text = response.text
        if text is None:
            reason = _finish_reason(response)
            raise _EmptyAnswer(f"Gemini returned no text (finish reason: {reason})")
        return text

    def _transient(self, exc: Exception) -> Transient | None:
        from google.genai import errors

        if isinstance(exc, errors.APIError):
            if exc.code in _RETRY_STATUS:
                headers = getattr(exc.response, "headers", None) or {}
                return Transient(f"HTTP {exc.code}", parse_retry_after(headers.get("retry-after")))
            return None
        names = {cls.__name__ for cls in type(exc).__mro__}
        if names & _TRANSPORT_ERRORS:
            return Transient(type(exc).__name__)
        return None


class _EmptyAnswer(Exception):
    pass


def _finish_reason(response: Any) -> str:
    try:
        return str(response.candidates[0].finish_reason)
    except (AttributeError, IndexError, TypeError):
        return "unknown"
