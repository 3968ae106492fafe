"""What every insight runner returns: the rows, the JSON document and how it was answered."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass
class InsightResult:
    """The answer to one insight query.

    Attributes
    ----------
    kind
        The query's kind (``trends``, ``retention`` ...).
    query
        The validated query document (``model_dump(mode="json")``).
    frame
        The result in long form, one row per point (see each runner's docstring).
    payload
        The kind-specific JSON body (``series``, ``points``, ``steps`` ...; see
        :mod:`shoplens.insights.schema`).
    source
        ``"rollups"`` when the planner answered from pre-aggregated tables, ``"raw"``
        when it read the events, ``"mixed"`` when some trends series came from each.
    sql
        The SQL that ran, rendered for the engine (bound values not included).
    notes
        Things the user should know (a breakdown cut to top N, a fallback taken).
    """

    kind: str
    query: dict[str, Any]
    frame: pd.DataFrame
    payload: dict[str, Any]
    source: str = "raw"
    sql: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    date_from: str | None = None
    date_to: str | None = None

    def to_frame(self) -> pd.DataFrame:
        """The result as a pandas DataFrame (a copy)."""
        return self.frame.copy()

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "query": self.query, "source": self.source,
                "date_from": self.date_from, "date_to": self.date_to,
                "notes": list(self.notes), "sql": list(self.sql), **self.payload}

    def to_json(self, **kwargs: Any) -> str:
        """The JSON document (dates as ISO strings, decimals as numbers)."""
        return json.dumps(self.to_dict(), default=_json_default, **kwargs)


def _json_default(value: Any) -> Any:
    import datetime as dt
    from decimal import Decimal

    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime | pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")
