"""A tracker's clickstream: raw event names, extra columns as properties, sessions."""

from __future__ import annotations

import json
from pathlib import Path

from shoplens.engines import Engine
from shoplens.ingest import load

from .helpers import counts, write_csv

HEADER = ["user_id", "event", "timestamp", "product_id", "page", "utm_source"]
ROWS = [
    ("u1", "product_view", "2024-01-01T10:00:00Z", "p1", "/p/1", "google"),
    ("u1", "Add_To_Cart", "2024-01-01T12:05:00+02:00", "p1", "/p/1", ""),
    ("u1", "newsletter_signup", "2024-01-01T11:00:00Z", "", "/footer", "O'Reilly, \"quoted\""),
    ("u2", "checkout_started", "1704103200", "", "/checkout", "bing"),
    ("u2", "order_completed", "1704103260000", "p2", "/thanks", "bing"),
    ("u3", "", "2024-01-01T10:00:00Z", "", "/", ""),
    ("u3", "scroll", "yesterday", "", "/", ""),
]


def test_clickstream(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "tracker_export.csv", HEADER, ROWS)
    report = load(engine, [path])
    f = report.files[0]
    assert (f.format, f.rows_read, f.rows_loaded, f.rows_quarantined) == ("clickstream", 7, 5, 2)
    assert engine.fetch_all("SELECT line, field, reason FROM quarantine ORDER BY line") == [
        (7, "event", "missing event name"), (8, "timestamp", 'unparsable time "yesterday"')]
    rows = engine.fetch_all("SELECT user_id, raw_event, event_type, event_time, properties "
                            "FROM events ORDER BY user_id, event_time")
    got = [(u, raw, et, str(t), json.loads(p)) for u, raw, et, t, p in rows]
    assert got == [
        ("u1", "product_view", "view", "2024-01-01 10:00:00", {"page": "/p/1", "utm_source": "google"}),
        ("u1", "Add_To_Cart", "cart", "2024-01-01 10:05:00", {"page": "/p/1", "utm_source": None}),
        ("u1", "newsletter_signup", None, "2024-01-01 11:00:00",
         {"page": "/footer", "utm_source": "O'Reilly, \"quoted\""}),
        ("u2", "checkout_started", None, "2024-01-01 10:00:00", {"page": "/checkout", "utm_source": "bing"}),
        ("u2", "order_completed", "purchase", "2024-01-01 10:01:00",
         {"page": "/thanks", "utm_source": "bing"}),
    ]
    # no session column: a new session after 30 minutes without an event
    sessions = engine.fetch_all("SELECT user_id, n_events FROM sessions ORDER BY user_id, session_start")
    assert sessions == [("u1", 2), ("u1", 1), ("u2", 2)]
    assert engine.scalar("SELECT count(DISTINCT session_id) FROM events") == 3
    assert counts(engine)["users"] == 2
    # the same rows in another order derive the same sessions: nothing added
    copy = write_csv(tmp_path / "again.csv", HEADER, ROWS[::-1])
    again = load(engine, [copy])
    f = again.files[0]
    assert (f.rows_loaded, f.rows_quarantined, f.rows_already_present) == (0, 2, 5)
    assert counts(engine)["sessions"] == 3
    assert engine.scalar("SELECT sum(n_events) FROM sessions") == 5


def test_clickstream_session_column_and_aliases(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "events.csv", ["timestamp", "visitorid", "event", "itemid",
                                               "transactionid", "session"], [
        ("1433221332117", "257597", "view", "355908", "", "a"),
        ("1433224214164", "992329", "addtocart", "248676", "", "b"),
        ("1433221999827", "257597", "transaction", "355908", "4000", "a"),
    ])
    report = load(engine, [path])
    assert report.files[0].layout == "clickstream" and report.rows_loaded == 3
    assert engine.fetch_all("SELECT event_type FROM events ORDER BY event_time") == [
        ("view",), ("purchase",), ("cart",)]
    assert engine.fetch_all("SELECT session_id, n_events FROM sessions ORDER BY 1") == [
        ("a", 2), ("b", 1)]
    props = engine.scalar("SELECT properties FROM events WHERE raw_event = 'transaction'")
    assert json.loads(props) == {"transactionid": "4000"}
