"""The actors who dropped off before a step: a list, a CSV file, a search segment.

An actor *dropped off at step k* (k >= 1) when it reached the previous required step
and not step ``k`` (PostHog's "dropped off" persons). For a funnel counted by sessions
the list has one row per session, with its user.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from shoplens.engines import Engine
from shoplens.errors import ConfigError
from shoplens.insights.funnels.base import select
from shoplens.insights.funnels.runner import prepare, render
from shoplens.insights.schema import FunnelsQuery

#: the search index drop-off lists go to (one document per list and user)
INDEX = "user_lists"


def dropoff_users(engine: Engine, q: FunnelsQuery, step: int) -> pd.DataFrame:
    """``user_id`` (and ``actor`` for sessions) of the actors that dropped off at ``step``
    (0-based, at least 1), sorted."""
    if not 1 <= step < len(q.steps):
        raise ConfigError(f"drop-offs: step {step + 1} is not a step after the first "
                          f"(the funnel has {len(q.steps)} steps)")
    variant, _ = prepare(engine, q)
    prev = max(j for j in range(step) if not q.steps[j].optional)
    tree = variant.with_ctes(select(f"SELECT a, uid FROM actors WHERE r{prev} = 1 AND r{step} = 0"))
    df = engine.fetch_df(render(variant, tree), variant.ctx.params or None)
    df = df.rename(columns={"uid": "user_id", "a": "actor"})
    cols = ["user_id", "actor"] if q.count_by == "sessions" else ["user_id"]
    return df[cols].sort_values(cols).reset_index(drop=True)


def write_csv(users: pd.DataFrame, path: Path) -> Path:
    """Write the list (written to a temporary file first: never half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    users.to_csv(tmp, index=False)
    tmp.replace(path)
    return path


def index_segment(client: Any, name: str, users: pd.DataFrame, *,
                  description: str = "", index: str = INDEX) -> int:
    """Store the list as segment ``name`` in the search index (replacing an older list
    of that name): one document per user, ``{"list", "user_id", "source", ...}``."""
    from shoplens.search.bulk import bulk_index
    from shoplens.search.indices import ensure_index

    ensure_index(client, INDEX, index=index)
    now = datetime.now(UTC).replace(tzinfo=None).isoformat()
    run = now
    uids = sorted(set(users["user_id"].astype(str)))
    docs = ((f"{name}/{u}", {"list": name, "user_id": u, "source": "funnel drop-off",
                             "description": description, "run_id": run, "created_at": now})
            for u in uids)
    report = bulk_index(client, index, docs)
    if not report.ok:
        raise ConfigError(f"segment {name!r}: {report.failed} documents were rejected")
    client.delete_by_query(index=index, refresh=True, conflicts="proceed", body={"query": {
        "bool": {"must": [{"term": {"list": name}}],
                 "must_not": [{"term": {"run_id": run}}]}}})
    return len(uids)
