"""Nothing personal goes to a language model: one filter (shoplens.llm.privacy) for the
event-categorize step, the insights prompt and, as the last line, every prompt a
provider sends; what it withholds is counted in the output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shoplens.engines import connect
from shoplens.ingest import load
from shoplens.llm.privacy import guard_prompt, is_personal, personal_kinds

from .data import write_csv

PERSONAL = {
    "email": ["jane.doe@example.com", "signup ann.lee+shop@mail.example.co.uk",
              "user:BOB@EXAMPLE.ORG"],
    "phone": ["+33 6 12 34 56 78", "+1 (202) 555-0143", "0049 30 1234567", "06 12 34 56 78",
              "+44 20 7946 0958", "020 7946 0958", "(415) 555-2671", "+91 98765 43210",
              "call +41446681800", "+81 3-1234-5678"],
    "iban": ["DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432",
             "FR14 2004 1010 0505 0001 3M02 606"],
    "card": ["4111 1111 1111 1111", "5500-0000-0000-0004", "3782 822463 10005"],
    "address": ["221B Baker Street", "12 rue de la Paix", "Hauptstraße 5", "Via Roma 10",
                "Calle Mayor 3", "1600 Pennsylvania Avenue NW", "10 Downing St"],
    "digits": ["customer_123456789", "order 987654"],
    "uuid": ["123e4567-e89b-12d3-a456-426614174000"],
    "name": ["Maria Schmidt", "Mr Smith", "signup John Doe", "Dr. Watson"],
}
VOCABULARY = ["view_item", "add_to_cart", "Add To Cart", "Product Viewed", "checkout_step_2",
              "Order Completed", "Mark As Read", "search iphone 15 pro", "level 12 reached",
              "promo SUMMER2024", "video 1080p", "page_view 2024-01-01 10:00:00",
              "Samsung Galaxy S21", "coupon_applied", "email_signup", "Checkout Step 3",
              "Address Form Submitted", "123 items", "zzq_x1"]


@pytest.mark.parametrize(("kind", "text"), [(k, t) for k, ts in PERSONAL.items() for t in ts])
def test_personal_data_is_recognised(kind: str, text: str) -> None:
    assert kind in personal_kinds(text), personal_kinds(text)


@pytest.mark.parametrize("text", VOCABULARY)
def test_event_vocabulary_is_not(text: str) -> None:
    assert not is_personal(text), personal_kinds(text)


def test_the_guard_replaces_strings_never_numbers() -> None:
    prompt = ('Statistics:\n{"events":12345678,"rate":0.123456789,"names":["view_item",'
              '"jane@example.com","Maria Schmidt"],"n":[654321]}')
    guarded, n = guard_prompt(prompt)
    assert n == 2 and "jane@example.com" not in guarded and "Maria Schmidt" not in guarded
    assert '"events":12345678' in guarded and "654321" in guarded and "view_item" in guarded


SENSITIVE = ["jane.doe@example.com", "+33 6 12 34 56 78", "221B Baker Street",
             "DE89 3704 0044 0532 0130 00", "Maria Schmidt", "06 12 34 56 78"]


def _shop(db_url: str, tmp_path: Path) -> None:
    rows = []
    for u in range(3):
        t = f"2024-03-0{u + 1} 10:00:"
        rows += [(f"u{u}", "view_item", t + "00", "1"), (f"u{u}", "add_to_cart", t + "10", "1"),
                 (f"u{u}", "zzq_x1", t + "20", "1")]
        rows += [(f"u{u}", name, t + f"{30 + i}", "1") for i, name in enumerate(SENSITIVE)]
        rows.append((f"u{u}", "purchase", t + "59", "1"))
    path = write_csv(tmp_path / "clicks.csv", ["user_id", "event", "timestamp", "product_id"],
                     rows)
    with connect(db_url) as engine:
        load(engine, [path])


def _labels(*names: str) -> str:
    return json.dumps({"labels": [{"raw": n, "stage": "other", "confidence": 0.7}
                                  for n in names]})


INSIGHT = json.dumps({"insights": [{
    "title": "Carts are abandoned", "finding": "Shoppers leave carts before paying.",
    "evidence": {"note": "see the funnel"}, "recommendation": "Send a cart reminder e-mail.",
    "priority": "high", "expected_impact": "More orders."}]})


def test_categorize_and_insights_send_nothing_personal(db_url: str, tmp_path: Path, shoplens,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from llm.fakellm import FakeLLM, start

    _shop(db_url, tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    fake = FakeLLM()
    server = start(fake)
    try:
        fake.queue(("json", _labels("zzq_x1", *SENSITIVE)))
        res = shoplens("events", "categorize", "--db", db_url, "--llm", "openai",
                       "--llm-base-url", fake.url + "/v1", "--json")
        assert res.exit_code == 0, res.output
        doc = json.loads(res.stdout)
        sent = json.dumps([r.body for r in fake.requests])
        by_raw = {e["raw"]: e for e in doc["taxonomy"]}
        for name in SENSITIVE:
            assert name not in sent and json.dumps(name)[1:-1] not in sent
            assert by_raw[name]["method"] != "llm"
        asked = [n for n in SENSITIVE if by_raw[n]["decided_by"].startswith("withheld")]
        assert doc["withheld_from_llm"] == len(asked) >= 3

        fake.queue(("json", _labels("zzq_x1")), ("json", INSIGHT))
        res = shoplens("events", "insights", "--db", db_url, "--llm", "openai",
                       "--llm-base-url", fake.url + "/v1", "--out", tmp_path / "res.json")
        assert res.exit_code == 0, res.output
        sent = json.dumps([r.body for r in fake.requests])
        for name in SENSITIVE:
            assert name not in sent and json.dumps(name)[1:-1] not in sent
        result = json.loads((tmp_path / "res.json").read_text())
        assert result["withheld_from_llm"] >= len(SENSITIVE)
        assert "withheld from the language model" in res.stderr
    finally:
        server.shutdown()
        server.server_close()
