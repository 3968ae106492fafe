"""Writing customer value back: the ``customer_value`` table and the fields ``p_alive``,
``clv``, ``expected_purchases``, ``expected_spend`` and ``churn_risk`` on each user's
document in the ``user_segments`` search index.

The table is replaced as a whole in one transaction (a re-run leaves one row per
customer). The index is updated in place: each existing user document gets the fields
(partial updates, so the segmentation's fields stay); users without a document are
counted, not created — the segmentation owns which users the index holds. A bundled
search server starts empty and is filled from the database by
``shoplens.segments.sync.index_from_db``, which reads the fields from this table
(:func:`value_fields`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from shoplens.clv.result import ClvResult
from shoplens.engines import Engine, load_sql

TABLE = "customer_value"
TABLE_COLUMNS = [
    "user_id", "frequency", "recency", "t", "monetary_value", "expected_purchases", "p_alive",
    "expected_spend", "clv", "churn_risk", "model", "time_unit", "horizon_days", "as_of",
    "run_id", "updated_at",
]
#: fields written on each user's search document, with their index mapping
INDEX_FIELDS: dict[str, dict[str, str]] = {
    "p_alive": {"type": "double"},
    "clv": {"type": "double"},
    "expected_purchases": {"type": "double"},
    "expected_spend": {"type": "double"},
    "churn_risk": {"type": "boolean"},
}


def ensure_table(engine: Engine) -> None:
    """Create ``customer_value``; a table of an older layout is derived data, dropped."""
    if engine.table_exists(TABLE) and engine.columns(TABLE) != TABLE_COLUMNS:
        engine.execute(f"DROP TABLE {TABLE}")
    engine.execute_script(load_sql("shoplens.clv", "customer_value.sql"))


def table_rows(result: ClvResult) -> pd.DataFrame:
    c = result.customers
    p = result.params
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    rows = pd.DataFrame({
        "user_id": c["user_id"].astype(str).to_numpy(),
        "frequency": c["frequency"].astype("int64").to_numpy(),
        "recency": c["recency"].astype("float64").to_numpy(),
        "t": c["T"].astype("float64").to_numpy(),
        "monetary_value": c["monetary_value"].astype("float64").to_numpy(),
        "expected_purchases": c["expected_purchases"].to_numpy(),
        "p_alive": c["p_alive"].to_numpy(),
        "expected_spend": c["expected_spend"].to_numpy(),
        "clv": c["clv"].to_numpy(),
        "churn_risk": c["churn_risk"].astype(bool).to_numpy(),
    })
    rows["model"] = p.model
    rows["time_unit"] = p.time_unit
    rows["horizon_days"] = float(p.horizon_days)
    rows["as_of"] = result.as_of
    rows["run_id"] = result.run_id
    rows["updated_at"] = now
    return rows[TABLE_COLUMNS]


def write_table(engine: Engine, result: ClvResult) -> int:
    """Replace ``customer_value`` with ``result``'s customers; one transaction."""
    ensure_table(engine)
    rows = table_rows(result)
    with engine.transaction():
        engine.execute(f"DELETE FROM {TABLE}")
        if len(rows):
            engine.append_df(TABLE, rows)
    return len(rows)


def value_fields(engine: Engine) -> pd.DataFrame:
    """The index fields per user from ``customer_value`` (empty if there is none),
    indexed by ``user_id``."""
    cols = ["user_id", *INDEX_FIELDS]
    if not engine.table_exists(TABLE):
        return pd.DataFrame(columns=cols).set_index("user_id")
    df = engine.fetch_df(f"SELECT {', '.join(cols)} FROM {TABLE}")
    df["user_id"] = df["user_id"].astype(str)
    return df.set_index("user_id")


def with_value_fields(engine: Engine, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (one row per user, column ``user_id``) with the value fields of
    ``customer_value`` beside it (missing where a user has none)."""
    fields = value_fields(engine)
    if fields.empty:
        return frame
    keys = frame["user_id"].astype(str)
    return frame.assign(**{name: keys.map(fields[name]).to_numpy() for name in INDEX_FIELDS})


def document_fields(rec: dict[str, Any]) -> dict[str, Any]:
    """The index fields of one customer (``rec`` holds them by name)."""
    doc: dict[str, Any] = {}
    for name in INDEX_FIELDS:
        value = rec.get(name)
        if value is None or (isinstance(value, float) and value != value):
            continue
        doc[name] = bool(value) if name == "churn_risk" else round(float(value), 6)
    return doc


@dataclass
class IndexReport:
    """How the index update went."""

    index: str
    updated: int = 0
    without_document: int = 0
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "updated": self.updated,
                "without_document": self.without_document, "failed": len(self.failures),
                "failures": self.failures[:20], "seconds": round(self.seconds, 3)}


def ensure_fields(client: Any, index: str) -> bool:
    """Add the value fields to an existing index's mapping (an additive change both
    Elasticsearch and OpenSearch accept); False when the index does not exist."""
    if not client.indices.exists(index=index):
        return False
    current = client.indices.get_mapping(index=index)
    props = next(iter(current.values()))["mappings"].get("properties", {})
    missing = {k: v for k, v in INDEX_FIELDS.items() if k not in props}
    if missing:
        client.indices.put_mapping(index=index, body={"properties": missing})
    return True


def update_index(client: Any, result: ClvResult, *, index: str = "user_segments",
                 batch_size: int = 2000) -> IndexReport:
    """Set the value fields on every user document of ``index`` that exists."""
    from opensearchpy import helpers
    from opensearchpy.exceptions import ConnectionError as OSConnectionError
    from opensearchpy.exceptions import TransportError

    from shoplens.search.errors import SearchUnavailableError

    report = IndexReport(index=index)
    clock = time.perf_counter()
    try:
        if not ensure_fields(client, index):
            report.without_document = len(result.customers)
            return report
        actions = ({"_op_type": "update", "_index": index, "_id": str(rec["user_id"]),
                    "doc": document_fields(rec)}
                   for rec in result.customers.to_dict("records"))
        for ok, item in helpers.streaming_bulk(client, actions, chunk_size=batch_size,
                                               raise_on_error=False, max_retries=2):
            info = next(iter(item.values()))
            if ok:
                report.updated += 1
            elif int(info.get("status", 0)) == 404:
                report.without_document += 1
            else:
                report.failures.append(f"{info.get('_id')}: {info.get('error')}")
        client.indices.refresh(index=index)
    except (OSConnectionError, TransportError) as exc:
        raise SearchUnavailableError(
            f"cannot update {index!r} with customer value: {exc}; the customer_value table "
            "is written — re-run to update the index") from exc
    finally:
        report.seconds = time.perf_counter() - clock
    return report
