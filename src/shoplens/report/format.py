"""How numbers read on the page: one place, used by the template, the charts and the PDF."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any


def _missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def num(v: Any, digits: int = 0) -> str:
    """1234567 -> '1.23M', 12345 -> '12,345', 12.5 -> '12.5' (with ``digits``)."""
    if _missing(v):
        return "–"
    v = float(v)
    if abs(v) >= 10_000_000:
        return f"{v / 1e6:.1f}M"
    if abs(v) >= 1_000_000:
        return f"{v / 1e6:.2f}M"
    return f"{v:,.{digits}f}"


def money(v: Any) -> str:
    """Amounts in tables and cards: 12.38M, 94,199, 286.32 (one rule per magnitude)."""
    if _missing(v):
        return "–"
    v = float(v)
    if abs(v) >= 1_000_000:
        return f"{v / 1e6:.2f}M"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:,.2f}"


def axis_money(v: Any) -> str:
    """Amounts on an axis: 0, 500, 2k, 10k, 1.5M (the same unit style on every tick)."""
    v = float(v)
    if abs(v) >= 1_000_000:
        return f"{v / 1e6:g}M"
    if abs(v) >= 1000:
        return f"{v / 1e3:g}k"
    return f"{v:g}"


def pct(v: Any, digits: int = 1) -> str:
    """A fraction as a percentage; missing stays blank-ish, never 0 %."""
    if _missing(v):
        return "–"
    return f"{float(v) * 100:.{digits}f}%"


def ms(v: Any) -> str:
    if _missing(v):
        return "–"
    v = float(v)
    return f"{v:,.0f} ms" if v >= 100 else f"{v:.2f} ms" if v < 10 else f"{v:.1f} ms"


def short_label(x: Any, *, month: bool = False) -> str:
    """A date as a short label: the day (``2024-03-04``), or with ``month=True`` the
    month (``2024-03``); other text (``2024-W05``, ``2024-03``) unchanged."""
    if isinstance(x, datetime):
        x = x.date()
    if isinstance(x, date):
        return x.strftime("%Y-%m") if month else x.isoformat()
    text = str(x)
    if len(text) >= 10 and text[4] == "-" and text[7] == "-":
        return text[:7] if month else text[:10]
    return text


def kpi_value(value: Any, unit: str) -> str:
    if unit == "%":
        return pct(value)
    if unit == "currency":
        return money(value)
    return num(value, 0 if _missing(value) or float(value) >= 100 else 1)
