"""Test data for customer value: the CDNOW sample (see tests/fixtures/clv/README.md) and
tiny hand-made customers, loaded as purchase events."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd

from shoplens.engines import Engine

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "clv"
CDNOW_TRANSACTIONS = FIXTURES / "CDNOW_sample.txt"
CDNOW_SUMMARY = FIXTURES / "cdnow_customers_summary_with_transactions.csv"


def cdnow_transactions() -> pd.DataFrame:
    """``user_id, day, amount``: one row per line of the CDNOW sample."""
    raw = pd.read_csv(CDNOW_TRANSACTIONS, sep=r"\s+", header=None,
                      names=["master", "id", "date", "cds", "amount"], dtype={"date": str})
    return pd.DataFrame({"user_id": raw["id"].astype(str),
                         "day": pd.to_datetime(raw["date"], format="%Y%m%d"),
                         "amount": raw["amount"].astype(float)})


def cdnow_summary() -> pd.DataFrame:
    """The published calibration summary: ``ID, x, t_x, T, zbar`` (weeks, dollars)."""
    return pd.read_csv(CDNOW_SUMMARY)


def purchase_events(rows: list[tuple[str, str, float | None]] | pd.DataFrame,
                    *, event_type: str = "purchase", start_id: int = 0) -> pd.DataFrame:
    """Events from ``(user_id, 'YYYY-MM-DD HH:MM', price)`` rows (or a frame with
    ``user_id, day, amount``), quantity 1, product ``p1``."""
    if isinstance(rows, pd.DataFrame):
        df = rows.rename(columns={"day": "event_time", "amount": "price"})
    else:
        df = pd.DataFrame(rows, columns=["user_id", "event_time", "price"])
        df["event_time"] = [datetime.fromisoformat(t) for t in df["event_time"]]
    n = len(df)
    return pd.DataFrame({
        "event_id": range(start_id, start_id + n),
        "user_id": df["user_id"].astype(str).to_numpy(),
        "event_type": event_type,
        "raw_event": event_type,
        "product_id": "p1",
        "price": df["price"].to_numpy(),
        "quantity": 1,
        "event_time": pd.to_datetime(df["event_time"]).to_numpy(),
    })


def load_cdnow(engine: Engine) -> None:
    engine.append_df("events", purchase_events(cdnow_transactions()))
