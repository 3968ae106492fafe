"""Tiny hand-made event logs with their expected funnels, shared by every order mode.

Each case: events as ``(user, event, minute, extra)`` from 2024-01-01 00:00 (``extra``:
``session``, ``price`` or JSON ``props``), the query (without steps' users filter), and
the expected step counts per order mode, written out by hand (``None``: the mode
refuses the query). Breakdown cases give ``{value: counts}``.
"""

from __future__ import annotations

from typing import Any

A, B, C = {"event": "A"}, {"event": "B"}, {"event": "C"}


def case(name: str, events: list[tuple], query: dict[str, Any], expected: dict[str, Any],
         ) -> dict[str, Any]:
    return {"name": name, "events": events, "query": query, "expected": expected}


CASES: list[dict[str, Any]] = [
    case("order", [
        ("u1", "A", 0), ("u1", "B", 1), ("u1", "C", 2),
        ("u2", "A", 0), ("u2", "C", 1), ("u2", "B", 2),
        ("u3", "B", 0), ("u3", "A", 1),
    ], {"steps": [A, B, C], "window": "1h"},
        {"ordered": [3, 2, 1], "strict": [3, 1, 1], "any": [3, 3, 2]}),
    # the latest entry rescues u3: A8 -> B12 -> C15 fits 10 minutes, A0 does not
    case("global_window", [
        ("u1", "A", 0), ("u1", "B", 5), ("u1", "C", 9),
        ("u2", "A", 0), ("u2", "B", 5), ("u2", "C", 11),
        ("u3", "A", 0), ("u3", "A", 8), ("u3", "B", 12), ("u3", "C", 15),
    ], {"steps": [A, B, C], "window": "10m"},
        {"ordered": [3, 3, 2], "strict": [3, 3, 2], "any": [3, 3, 2]}),
    # u3 converts only through its *later* B (A0 -> B4 -> C8): the earliest next step is
    # not always the one that completes the funnel under per-step windows
    case("step_window", [
        ("u1", "A", 0), ("u1", "B", 3), ("u1", "C", 7),
        ("u2", "A", 0), ("u2", "B", 6), ("u2", "C", 7),
        ("u3", "A", 0), ("u3", "B", 1), ("u3", "B", 4), ("u3", "C", 8),
        ("u4", "A", 0), ("u4", "A", 8), ("u4", "B", 10), ("u4", "C", 14),
    ], {"steps": [A, {"event": "B", "window": "5m"}, {"event": "C", "window": "5m"}],
        "window": "1h"},
        {"ordered": [4, 3, 3], "strict": [4, 3, 2], "any": None}),
    # X between A and B breaks the link (an X at the same minute as A too: [A, B))
    case("exclusion", [
        ("u1", "A", 0), ("u1", "X", 1), ("u1", "B", 2), ("u1", "C", 3),
        ("u2", "A", 0), ("u2", "X", 1), ("u2", "A", 2), ("u2", "B", 3), ("u2", "C", 4),
        ("u3", "A", 0), ("u3", "B", 1), ("u3", "X", 2), ("u3", "C", 3),
        ("u4", "A", 0), ("u4", "X", 0), ("u4", "B", 5),
    ], {"steps": [A, B, C], "window": "1h",
        "exclusions": [{"event": "X", "from_step": 0, "to_step": 1}]},
        {"ordered": [4, 2, 2], "strict": [4, 2, 1], "any": None}),
    case("exclusion_late_span", [
        ("u1", "A", 0), ("u1", "B", 1), ("u1", "X", 2), ("u1", "C", 3),
        ("u2", "A", 0), ("u2", "X", 1), ("u2", "B", 2), ("u2", "C", 3),
    ], {"steps": [A, B, C], "window": "1h",
        "exclusions": [{"event": "X", "from_step": 1, "to_step": 2}]},
        {"ordered": [2, 2, 1], "strict": [2, 1, 0], "any": None}),
    # B is optional: u2 skips it and still reaches C; B counts only those who did it
    case("optional", [
        ("u1", "A", 0), ("u1", "B", 1), ("u1", "C", 2),
        ("u2", "A", 0), ("u2", "C", 1),
        ("u3", "A", 0), ("u3", "B", 1),
        ("u4", "A", 0),
    ], {"steps": [A, {"event": "B", "optional": True}, C], "window": "1h"},
        {"ordered": [4, 2, 2], "strict": [4, 2, 2], "any": None}),
    # sessions: u1's second session and u2's run after a 100-minute gap enter again
    case("sessions", [
        ("u1", "A", 0, {"session": "s1"}), ("u1", "B", 1, {"session": "s1"}),
        ("u1", "A", 10, {"session": "s2"}),
        ("u2", "A", 0), ("u2", "B", 1), ("u2", "A", 100),
    ], {"steps": [A, B], "window": "1d", "count_by": "sessions"},
        {"ordered": [4, 2], "strict": [4, 2], "any": [4, 2]}),
    # a step filter: only a B over 100 counts (in strict order the cheap B sits between)
    case("step_filter", [
        ("u1", "A", 0), ("u1", "B", 1, {"price": 50}), ("u1", "B", 2, {"price": 150}),
        ("u2", "A", 0), ("u2", "B", 1, {"price": 50}),
    ], {"steps": [A, {"event": "B", "filters": [
        {"property": "event.price", "operator": "gt", "value": 100}]}], "window": "1h"},
        {"ordered": [2, 1], "strict": [2, 0], "any": [2, 1]}),
    # entries must fall in the range; later steps may follow within the window
    case("date_range", [
        ("u1", "A", 60 * 12), ("u1", "B", 60 * 25),
        ("u2", "A", 60 * 24 + 60 * 23 + 59), ("u2", "B", 60 * 48 + 5),
        ("u3", "A", 60 * 49), ("u3", "B", 60 * 49 + 1),
    ], {"steps": [A, B], "window": "1h",
        "date_range": {"date_from": "2024-01-02", "date_to": "2024-01-02"}},
        # in any order u1's B (in the range) is an entry too: one step of two done
        {"ordered": [1, 1], "strict": [1, 1], "any": [2, 1]}),
]

_TOUCH_EVENTS = [
    ("u1", "A", 0, {"props": {"ch": "x"}}), ("u1", "B", 1, {"props": {"ch": "y"}}),
    ("u1", "C", 2, {"props": {"ch": "z"}}),
    ("u2", "A", 0, {"props": {"ch": "x"}}), ("u2", "B", 1, {"props": {"ch": "y"}}),
    ("u3", "A", 0, {"props": {"ch": "w"}}),
    ("u4", "A", 0, {"props": {"ch": "p"}}), ("u4", "A", 5, {"props": {"ch": "q"}}),
    ("u4", "B", 6, {"props": {"ch": "r"}}),
]
_BD = [{"property": "event.ch"}]
BREAKDOWN_CASES: list[dict[str, Any]] = [
    case("first_touch", _TOUCH_EVENTS,
         {"steps": [A, B, C], "window": "1h", "breakdowns": _BD, "attribution": "first_touch"},
         {m: {"x": [2, 2, 1], "w": [1, 0, 0], "q": [1, 1, 0]}
          for m in ("ordered", "strict", "any")}),
    case("last_touch", _TOUCH_EVENTS,
         {"steps": [A, B, C], "window": "1h", "breakdowns": _BD, "attribution": "last_touch"},
         {m: {"z": [1, 1, 1], "y": [1, 1, 0], "w": [1, 0, 0], "r": [1, 1, 0]}
          for m in ("ordered", "strict")}),
    case("step_touch", _TOUCH_EVENTS,
         {"steps": [A, B, C], "window": "1h", "breakdowns": _BD, "attribution": "step",
          "attribution_step": 1},
         {m: {"y": [2, 2, 1], "r": [1, 1, 0], "(none)": [1, 0, 0]}
          for m in ("ordered", "strict")}),
]
