"""Ask in plain language: a question becomes validated insight queries, run and answered
in one sentence whose numbers come from the results.

Offline by default (no network, no key): :mod:`shoplens.ask.parser` reads the question
with the shop's own vocabulary, period rules and intent patterns matched by the offline
MiniLM embeddings. ``llm="gemini"`` or ``"openai"`` asks a language model for the query
document instead (:mod:`shoplens.ask.llm_parser`). Either way only validated query-model
documents reach the database — never SQL written from the question.

Examples
--------
>>> import shoplens as sl                                      # doctest: +SKIP
>>> sl.ask("How many people bought in France last month?").sentence  # doctest: +SKIP
'412 users who bought where user.country is FR in last month = 2024-11-01 to ...'
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shoplens.ask.answer import Answer, answer
from shoplens.ask.intents import IntentClassifier, default_classifier
from shoplens.ask.parser import Interpretation, parse
from shoplens.ask.vocabulary import Vocabulary
from shoplens.engines import Engine, connect
from shoplens.llm import LLMSettings, get_provider


class Asker:
    """Answers questions about one database; reads its vocabulary once.

    Parameters
    ----------
    engine
        The database to answer from (read only).
    llm
        ``offline`` (default), ``gemini`` or ``openai``, or full :class:`LLMSettings`.
    dates
        Declared days a question may name ("since the summer sale"), name -> date.
    anchor
        The day relative periods count back from; default the last day with data.
    """

    def __init__(self, engine: Engine, *, llm: str | LLMSettings = "offline",
                 dates: dict[str, date] | None = None, anchor: date | None = None,
                 classifier: IntentClassifier | None = None) -> None:
        self.engine = engine
        self.settings = llm if isinstance(llm, LLMSettings) else LLMSettings(provider=llm)  # type: ignore[arg-type]
        self.dates = dict(dates or {})
        self.anchor = anchor
        self.classifier = classifier or default_classifier()
        self._vocabulary: Vocabulary | None = None

    @property
    def vocabulary(self) -> Vocabulary:
        if self._vocabulary is None:
            self._vocabulary = Vocabulary.from_engine(self.engine)
        return self._vocabulary

    def interpret(self, question: str) -> Interpretation:
        """The queries a question asks for, validated, without running them."""
        if self.settings.provider == "offline":
            return parse(question, self.vocabulary, anchor=self.anchor, declared=self.dates,
                         classifier=self.classifier)
        from shoplens.ask.llm_parser import llm_parse

        return llm_parse(question, self.vocabulary, get_provider(self.settings),
                         anchor=self.anchor)

    def ask(self, question: str) -> Answer:
        """Interpret, run and answer ``question``."""
        return answer(self.engine, self.interpret(question))


def ask(question: str, db: str | Engine | None = None, **kwargs: Any) -> Answer:
    """Answer one question about the database ``db`` (a URL or an open engine).

    Keyword arguments are those of :class:`Asker`.
    """
    if isinstance(db, Engine):
        return Asker(db, **kwargs).ask(question)
    engine = connect(db)
    try:
        return Asker(engine, **kwargs).ask(question)
    finally:
        engine.close()


__all__ = ["Answer", "Asker", "Interpretation", "Vocabulary", "ask"]
