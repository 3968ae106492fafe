"""What every language-model provider shares: settings, retries with backoff, JSON
answers validated against a pydantic schema.

A provider implements one call (:meth:`Provider._generate`) and says which of its
client's errors are transient (:meth:`Provider._transient`). Everything else lives here:

- transient failures (HTTP 429 rate limits, 5xx, timeouts, dropped connections) are
  retried up to ``max_retries`` times, waiting what the server's ``Retry-After`` header
  asks for, else ``backoff * 2**attempt`` seconds (capped at ``max_backoff``);
- :meth:`Provider.complete_json` asks for JSON, parses and validates it; an answer that
  is not valid JSON or does not fit the schema is sent back once with the validation
  error, and a second invalid answer raises :class:`LLMError` saying what was wrong;
- API keys come from the environment only and are scrubbed from every message;
- every prompt passes :func:`shoplens.llm.privacy.guard_prompt` before it is sent: a
  JSON string holding personal data is replaced and counted in ``withheld``.
"""

from __future__ import annotations

import json
import random
import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shoplens.errors import ShopLensError, UnsupportedOperationError
from shoplens.llm.privacy import guard_prompt
from shoplens.redact import redact

T = TypeVar("T", bound=BaseModel)
ProviderName = Literal["offline", "gemini", "openai"]


class LLMError(ShopLensError):
    """A language model could not give a usable answer (after retries)."""


class LLMSettings(BaseModel):
    """Which model answers and how patiently we wait for it."""

    model_config = ConfigDict(extra="forbid")

    provider: ProviderName = "offline"
    model: str | None = Field(None, description="model name; each provider has a default")
    base_url: str | None = Field(None, description="endpoint, e.g. an OpenAI-compatible server")
    timeout: float = Field(60.0, gt=0, description="seconds per request")
    budget: float = Field(60.0, gt=0, description="seconds for one answer in all: requests, "
                          "retries and waits (a hanging server fails after this long)")
    max_retries: int = Field(3, ge=0, description="retries of rate limits, 5xx and timeouts")
    backoff: float = Field(1.0, ge=0, description="first wait in seconds, doubled per retry")
    max_backoff: float = Field(30.0, ge=0, description="longest single wait, also caps Retry-After")
    temperature: float = Field(0.2, ge=0, le=2)

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(value)
            ok = parts.scheme in ("http", "https") and bool(parts.hostname)
            _ = parts.port  # a port that is not a number raises here
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"{redact(value)!r} is not an http(s):// URL (e.g. "
                             "http://localhost:11434/v1 for Ollama)")
        return value


@dataclass
class Transient:
    """A failure worth retrying, with the wait the server asked for (if any)."""

    reason: str
    retry_after: float | None = None


@dataclass
class CallLog:
    """What the last :meth:`Provider.generate` did: attempts and waits, for tests and logs."""

    attempts: int = 0
    waits: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


JSON_INSTRUCTIONS = (
    "Answer with one JSON object only: no prose, no markdown fences. "
    "It must validate against this JSON schema:\n{schema}"
)


class Provider(ABC):
    """A language model behind a real client library."""

    name: ClassVar[str]
    default_model: ClassVar[str]
    key_env: ClassVar[str | None] = None

    def __init__(self, settings: LLMSettings) -> None:
        self.settings = settings
        self.model = settings.model or self.default_model
        self.last_call = CallLog()
        #: values the privacy guard replaced in prompts this provider sent
        self.withheld = 0
        self._secrets: list[str] = []
        self._sleep: Callable[[float], None] = time.sleep

    # -- one request --------------------------------------------------------------
    @abstractmethod
    def _generate(self, system: str, prompt: str, *, json_mode: bool, timeout: float) -> str:
        """Send one request (giving up after ``timeout`` seconds); the model's text."""

    def _transient(self, exc: Exception) -> Transient | None:
        """``Transient`` if ``exc`` is worth retrying, else ``None``."""
        return None

    # -- retries ------------------------------------------------------------------
    @property
    def endpoint(self) -> str:
        """Where requests go, for messages (credentials redacted)."""
        base = self.settings.base_url
        return redact(base, base) if base else f"the {self.name} API"

    def generate(self, prompt: str, *, system: str = "", json_mode: bool = False,
                 deadline: float | None = None) -> str:
        """The model's text for ``prompt``, retrying transient failures with backoff,
        within the settings' ``budget`` (or until ``deadline``, a ``time.monotonic()``)."""
        s = self.settings
        log = self.last_call = CallLog()
        deadline = deadline or time.monotonic() + s.budget
        prompt, withheld = guard_prompt(prompt)
        self.withheld += withheld
        while True:
            log.attempts += 1
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise _OutOfTime
                return self._generate(system, prompt, json_mode=json_mode,
                                      timeout=max(0.1, min(s.timeout, remaining)))
            except ShopLensError:
                raise
            except _OutOfTime:
                raise LLMError(self._failed(
                    log, f"no answer within the {s.budget:g} s budget")) from None
            except Exception as exc:
                transient = self._transient(exc)
                if transient is None:
                    raise LLMError(self._failed(log, _describe(exc))) from None
                log.failures.append(transient.reason)
                wait = self._wait(log.attempts, transient.retry_after)
                if log.attempts > s.max_retries:
                    raise LLMError(self._failed(log, _describe(exc))) from None
                if time.monotonic() + wait >= deadline:
                    raise LLMError(self._failed(
                        log, f"{_describe(exc)} (stopped at the {s.budget:g} s budget, "
                        "--llm-timeout)")) from None
                log.waits.append(wait)
                self._sleep(wait)

    def _failed(self, log: CallLog, what: str) -> str:
        """One line: which provider, which endpoint, what was tried, what went wrong."""
        tries = (f" after {log.attempts} attempts ({', '.join(log.failures)})"
                 if log.failures else "")
        hint = ""
        if any(f in ("connection error", "ConnectError", "ConnectionError")
               for f in log.failures) or "Connection error" in what:
            hint = "; is the server running, and is --llm-base-url right?"
        elif log.failures and all("timeout" in f.lower() for f in log.failures):
            hint = "; the model is slow or hanging: raise --llm-timeout or try again later"
        what = what.rstrip(". ")
        return self.scrub(f"{self.name} request to {self.endpoint} failed{tries}: {what}{hint}")

    def _wait(self, attempt: int, retry_after: float | None) -> float:
        s = self.settings
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, s.max_backoff)
        base = s.backoff * 2 ** (attempt - 1)
        # a little jitter so that parallel clients do not retry in lockstep
        return min(base * (1 + 0.1 * random.random()), s.max_backoff)

    # -- JSON answers ---------------------------------------------------------------
    def complete_json(self, prompt: str, schema: type[T], *, system: str = "",
                      fallback: Callable[[], Any] | None = None,
                      check: Callable[[T], list[str]] | None = None) -> T:
        """Ask for JSON that fits ``schema``; retry once with the validation error.

        ``check`` adds rules a schema cannot say (e.g. "evidence values must come from
        the statistics"); the problems it returns count as validation errors.
        ``fallback`` is only used by the offline provider, which answers from rules.
        """
        instructions = JSON_INSTRUCTIONS.format(
            schema=json.dumps(schema.model_json_schema(), separators=(",", ":")))
        full_system = f"{system}\n\n{instructions}".strip()
        deadline = time.monotonic() + self.settings.budget  # one budget for both tries
        answer = self.generate(prompt, system=full_system, json_mode=True, deadline=deadline)
        try:
            return _checked(parse_json(answer, schema), check)
        except ValueError as first:
            retry_prompt = (
                f"{prompt}\n\nYour previous answer was not valid:\n{first}\n"
                f"Previous answer (truncated):\n{answer[:2000]}\n\n"
                "Answer again with one JSON object that fits the schema exactly."
            )
            answer = self.generate(retry_prompt, system=full_system, json_mode=True,
                                   deadline=deadline)
            try:
                return _checked(parse_json(answer, schema), check)
            except ValueError as second:
                # say what was wrong: the JSON may well have been valid
                what = {"not_json": "invalid JSON", "schema": "JSON that does not fit the schema",
                        "check": "claims the statistics do not support"}
                raise LLMError(
                    f"{self.name} model {self.model} returned "
                    f"{what.get(getattr(second, 'kind', 'not_json'), 'invalid JSON')} twice; "
                    f"last error: {second}"
                ) from None

    # -- secrets --------------------------------------------------------------------
    def scrub(self, text: str) -> str:
        """``text`` without the API key or any credential of the endpoint's URL."""
        for secret in self._secrets:
            if secret:
                text = text.replace(secret, "***")
        return redact(text, self.settings.base_url)

    def describe(self) -> dict[str, str | None]:
        base = self.settings.base_url
        return {"provider": self.name, "model": self.model,
                "base_url": redact(base, base) if base else None}

    def __repr__(self) -> str:  # never show the key
        return f"<{type(self).__name__} model={self.model!r}>"


class OfflineProvider(Provider):
    """No network, no key: answers only questions ShopLens can settle by rules.

    :meth:`complete_json` validates what the caller's ``fallback`` computes from the
    statistics (rules and templates) against the same schema a model's answer must fit.
    """

    name: ClassVar[str] = "offline"
    default_model: ClassVar[str] = "rules-and-templates"

    def _generate(self, system: str, prompt: str, *, json_mode: bool,
                  timeout: float = 0.0) -> str:
        raise UnsupportedOperationError(
            "the offline provider does not answer free prompts; choose --llm gemini or "
            "--llm openai for that"
        )

    def complete_json(self, prompt: str, schema: type[T], *, system: str = "",
                      fallback: Callable[[], Any] | None = None,
                      check: Callable[[T], list[str]] | None = None) -> T:
        if fallback is None:
            return self._generate(system, prompt, json_mode=True)  # type: ignore[return-value]
        try:
            return schema.model_validate(fallback())
        except ValidationError as exc:  # a bug in our own templates: say so plainly
            raise LLMError(f"offline rules produced an invalid answer: {exc}") from None


class AnswerError(ValueError):
    """A model's answer that cannot be used; ``kind``: not_json, schema or check."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


def _checked(value: T, check: Callable[[T], list[str]] | None) -> T:
    problems = check(value) if check else []
    if problems:
        raise AnswerError("; ".join(problems[:10]), "check")
    return value


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def parse_json(text: str, schema: type[T]) -> T:
    """Parse a model's answer (tolerating a markdown fence) and validate it.

    Raises ``ValueError`` with a short, model-readable explanation.
    """
    m = _FENCE.match(text or "")
    body = m.group(1) if m else (text or "").strip()
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        raise AnswerError(
            f"the answer is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
            f"it begins {body[:60]!r}", "not_json") from None
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors()[:10]
        )
        raise AnswerError(f"does not fit the schema: {problems}", "schema") from None


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class _OutOfTime(Exception):
    pass


def _describe(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError) or "Expecting value" in str(exc):
        return ("the server's reply is not JSON: is it an API of this provider (for "
                "OpenAI-compatible servers the URL usually ends in /v1)?")
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) < 500 else text[:500] + "..."
