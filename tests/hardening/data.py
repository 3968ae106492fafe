"""Small hand-made inputs for the hardening tests."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

REES = ["event_time", "event_type", "product_id", "category_id", "category_code", "brand",
        "price", "user_id", "user_session"]


def rees_row(t: str = "2024-03-01 10:00:00 UTC", kind: str = "view", product: str = "1",
             price: str = "10.00", user: str = "u1", session: str = "s1",
             category: str = "electronics.phone", brand: str = "acme") -> tuple:
    return (t, kind, product, "2053013552326770905", category, brand, price, user, session)


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]],
              *, newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator=newline)
        w.writerow(header)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
    return path


def shop_rows(n_users: int = 4, *, category: str = "electronics.phone", brand: str = "acme",
              event: str | None = None) -> list[tuple]:
    """Views, carts and purchases of a few users over a few days of March 2024."""
    rows = []
    for u in range(n_users):
        for day in range(1, 4):
            s = f"s{u}-{day}"
            t = f"2024-03-0{day} 1{u}:00:00 UTC"
            rows.append(rees_row(t=t, kind="view", product=str(u + 1), user=f"u{u}", session=s,
                                 category=category, brand=brand))
            rows.append(rees_row(t=t.replace(":00:00", ":01:00"), kind="cart",
                                 product=str(u + 1), user=f"u{u}", session=s,
                                 category=category, brand=brand))
            if (u + day) % 2 == 0:
                rows.append(rees_row(t=t.replace(":00:00", ":02:00"), kind="purchase",
                                     product=str(u + 1), user=f"u{u}", session=s,
                                     category=category, brand=brand))
    return rows
