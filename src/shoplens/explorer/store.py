"""Saved insights and dashboards: one JSON file that is none of the user's data tables.

The file (``~/.shoplens/explorer.json`` by default) holds, per database (keyed by its
URL with the password removed), the saved insights (a name and a query document) and
the dashboards (a name and the ids of their insights). Writes go to a temporary file
renamed over the old one, so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shoplens.engines.base import redact
from shoplens.errors import ConfigError
from shoplens.insights.schema import parse_query


class SavedInsight(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str = Field(min_length=1, max_length=200)
    query: dict[str, Any]
    created_at: str


class Dashboard(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str = Field(min_length=1, max_length=200)
    insights: list[str] = Field(default_factory=list, max_length=50)
    created_at: str


class _Space(BaseModel):
    insights: list[SavedInsight] = Field(default_factory=list)
    dashboards: list[Dashboard] = Field(default_factory=list)


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class Store:
    """Saved insights and dashboards of one database, in ``path``."""

    def __init__(self, path: Path, db_url: str) -> None:
        self.path = Path(path)
        self.space_key = redact(db_url)
        self._lock = threading.Lock()

    def _read_all(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"version": 1, "databases": {}}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{self.path}: cannot read the saved insights ({exc})") from None
        if not isinstance(data, dict) or not isinstance(data.get("databases"), dict):
            raise ConfigError(f"{self.path}: not a ShopLens explorer file")
        return data

    def _space(self, data: dict[str, Any]) -> _Space:
        return _Space.model_validate(data["databases"].get(self.space_key) or {})

    def _write(self, data: dict[str, Any], space: _Space) -> None:
        data["databases"][self.space_key] = space.model_dump(mode="json")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}.tmp")
        tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
        os.replace(tmp, self.path)

    def insights(self) -> list[SavedInsight]:
        with self._lock:
            return self._space(self._read_all()).insights

    def dashboards(self) -> list[Dashboard]:
        with self._lock:
            return self._space(self._read_all()).dashboards

    def insight(self, insight_id: str) -> SavedInsight | None:
        return next((i for i in self.insights() if i.id == insight_id), None)

    def dashboard(self, dashboard_id: str) -> Dashboard | None:
        return next((d for d in self.dashboards() if d.id == dashboard_id), None)

    def save_insight(self, name: str, query: dict[str, Any],
                     dashboard: str | None = None) -> SavedInsight:
        """Save ``query`` (validated) as ``name``; optionally add it to a dashboard (by id,
        or a new dashboard by name when no dashboard has that id)."""
        doc = parse_query(query).model_dump(mode="json", exclude_defaults=True)
        doc["kind"] = query.get("kind") or doc.get("kind")
        item = SavedInsight(id=uuid.uuid4().hex[:12], name=name.strip(), query=doc,
                            created_at=_now())
        with self._lock:
            data = self._read_all()
            space = self._space(data)
            space.insights.append(item)
            if dashboard:
                board = next((d for d in space.dashboards if d.id == dashboard), None)
                if board is None:
                    board = Dashboard(id=uuid.uuid4().hex[:12], name=dashboard.strip(),
                                      created_at=_now())
                    space.dashboards.append(board)
                board.insights.append(item.id)
            self._write(data, space)
        return item

    def delete_insight(self, insight_id: str) -> bool:
        with self._lock:
            data = self._read_all()
            space = self._space(data)
            before = len(space.insights)
            space.insights = [i for i in space.insights if i.id != insight_id]
            for d in space.dashboards:
                d.insights = [i for i in d.insights if i != insight_id]
            self._write(data, space)
            return len(space.insights) < before
