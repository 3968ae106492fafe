"""Language models for ShopLens: one interface, three providers.

- ``offline`` (default): no network, no key; answers from rules and templates over the
  computed statistics.
- ``gemini``: Google Gemini through ``google-genai`` (key in ``GEMINI_API_KEY``).
- ``openai``: OpenAI or any OpenAI-compatible server (Ollama, vLLM) through ``openai``
  (key in ``OPENAI_API_KEY``; ``base_url`` for another server).

Other capabilities reuse :func:`complete_json` to ask a model for a validated JSON
answer (naming segments, labelling unsure event names, ...). :mod:`shoplens.llm.embeddings`
holds the shared offline sentence-embedding model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from shoplens.llm.base import LLMError, LLMSettings, OfflineProvider, Provider, parse_json

T = TypeVar("T", bound=BaseModel)


def get_provider(settings: LLMSettings | None = None, **options: Any) -> Provider:
    """The provider ``settings`` (or keyword options such as ``provider="openai"``) name."""
    settings = settings or LLMSettings(**options)
    if settings.provider == "gemini":
        from shoplens.llm.gemini import GeminiProvider

        return GeminiProvider(settings)
    if settings.provider == "openai":
        from shoplens.llm.openai_provider import OpenAIProvider

        return OpenAIProvider(settings)
    return OfflineProvider(settings)


def complete_json(prompt: str, schema: type[T], *, provider: Provider | None = None,
                  settings: LLMSettings | None = None, system: str = "",
                  fallback: Callable[[], Any] | None = None,
                  check: Callable[[T], list[str]] | None = None) -> T:
    """Ask a model for JSON fitting ``schema``; validated, retried once when invalid.

    Parameters
    ----------
    prompt : str
        The question. Put aggregated statistics in it, never personal data.
    schema : type[pydantic.BaseModel]
        The shape the answer must fit.
    provider, settings
        A provider object, or settings to build one (default: offline).
    fallback : callable, optional
        What the offline provider answers (a dict for ``schema``); without it the
        offline provider raises ``UnsupportedOperationError``.
    check : callable, optional
        Extra rules on the parsed answer; the problems it returns are handled like
        schema errors (sent back once, then an error).
    """
    provider = provider or get_provider(settings)
    return provider.complete_json(prompt, schema, system=system, fallback=fallback,
                                   check=check)


__all__ = ["LLMError", "LLMSettings", "OfflineProvider", "Provider", "complete_json",
           "get_provider", "parse_json"]
