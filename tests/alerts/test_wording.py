"""Messages: the offline template, and the number check of a model's rewrite."""

from __future__ import annotations

import json

from shoplens.alerts.result import Anomaly
from shoplens.alerts.rootcause import Cause
from shoplens.alerts.wording import numbers_in, offline_message, rewrite, unsupported_numbers
from shoplens.llm import LLMSettings, Provider


def anomaly() -> Anomaly:
    return Anomaly("orders", "Purchases", "count", "2024-06-12", "drop", 714.0, 1210.0,
                   1050.0, 1370.0, 714 / 1210 - 1, -5.2,
                   [Cause("user.country", "DE", 10.0, 420.0, 0.83, 0.35, 0.3)])


def test_offline_message_reads_like_the_issue() -> None:
    assert offline_message(anomaly()) == (
        "Purchases on 2024-06-12 was 41 % below the expected 1,210 (interval 1,050–1,370); "
        "83 % of the gap comes from country = DE.")


def test_numbers_in_skips_dates_and_reads_thousands() -> None:
    assert numbers_in("On 2024-06-12 it was 1,210, not 3.5 or -2") == [1210.0, 3.5, -2.0]


def test_a_rewrite_may_round_but_not_invent() -> None:
    a = anomaly()
    ok = "Orders fell 41 % on 2024-06-12 to 714 against 1,210 expected; DE explains 83 %."
    assert unsupported_numbers(ok, a.numbers()) == []
    bad = "Orders fell 52 % on 2024-06-12, costing 9,999 in revenue."
    assert unsupported_numbers(bad, a.numbers()) == [52.0, 9999.0]


class Scripted(Provider):
    """A provider whose model answers with scripted texts (the HTTP clients are tested in
    tests/llm; here only what alerts do with an answer matters)."""

    name = "scripted"
    default_model = "scripted-1"

    def __init__(self, *answers: str) -> None:
        super().__init__(LLMSettings())
        self.answers = list(answers)
        self.prompts: list[str] = []

    def _generate(self, system: str, prompt: str, *, json_mode: bool, timeout: float) -> str:
        self.prompts.append(prompt)
        return self.answers.pop(0)


def test_a_model_rewrite_is_used_when_every_number_checks_out() -> None:
    a = anomaly()
    a.message = offline_message(a)
    text = "Purchases fell 41 % on 2024-06-12 (714 against 1,210); check payments in DE first."
    provider = Scripted(json.dumps({"messages": [{"id": 0, "text": text}]}))
    assert rewrite([a], provider) == []
    assert a.message == text
    assert '"value":"DE"' in provider.prompts[0] and "user_id" not in provider.prompts[0]


def test_an_invented_number_is_sent_back_then_the_offline_message_is_kept() -> None:
    a = anomaly()
    a.message = offline_message(a)
    bad = json.dumps({"messages": [{"id": 0, "text": "Purchases fell 52 % on 2024-06-12."}]})
    provider = Scripted(bad, bad)
    notes = rewrite([a], provider)
    assert a.message == offline_message(a)
    assert len(provider.prompts) == 2 and "52.0" in provider.prompts[1]
    assert notes and "offline messages kept" in notes[0]
