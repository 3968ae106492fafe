"""What every source format declares: its columns, how it is recognised, and the
validating SELECT that turns it into normalized rows of one kind."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from shoplens.errors import InputError
from shoplens.ingest.sources import SourceFile
from shoplens.ingest.validation import ident, lit, nz

#: normalized columns per kind, in order; every layout of a kind outputs exactly these
KIND_COLUMNS: dict[str, tuple[str, ...]] = {
    "events": ("event_id", "user_id", "session_id", "event_type", "raw_event", "product_id",
               "price", "quantity", "event_time", "properties",
               "p_category", "p_category_id", "p_brand", "p_name", "u_country", "o_order_id"),
    "order_lines": ("item_id", "order_id", "product_id", "description", "quantity",
                    "unit_price", "is_refund", "order_time", "user_id", "country"),
    "users": ("user_id", "signup_date", "country"),
    "products": ("product_id", "category", "category_id", "price", "brand", "name"),
    "search": ("search_id", "user_id", "search_query", "clicked_product_ids", "ts"),
}


#: times before this are implausible for a shop's events (by default)
EARLIEST = datetime(1990, 1, 1)
#: and so are times more than this far in the future of the load
MAX_FUTURE = timedelta(days=1)


@dataclass(frozen=True)
class Options:
    guest_orders: bool = False
    #: the plausible window of times; outside it a row is quarantined
    earliest: datetime = EARLIEST
    max_future: timedelta = MAX_FUTURE

    def time_window(self) -> dict[str, datetime]:
        """``$time_min`` / ``$time_max`` for the validating SELECT (naive UTC)."""
        latest = datetime.now(UTC).replace(tzinfo=None) + self.max_future
        return {"time_min": self.earliest, "time_max": latest}


@dataclass(frozen=True)
class Layout:
    """One source layout.

    ``fields`` maps a canonical field (``f_user``) to the header spellings accepted for it
    (matched case-insensitively); ``required`` lists the fields a file must have.
    ``detect`` looks at the lower-cased header (and the file) and says whether this layout
    is the file's. ``build`` returns the validating SELECT over the source relation.
    """

    name: str
    format: str
    kind: str
    fields: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...]
    detect: Callable[[set[str], SourceFile], bool]
    build: Callable[[SourceFile, dict[str, str | None], Options], str]
    #: derive sessions by inactivity when the file has no session column
    sessionize_without: str | None = None
    extras_as_properties: bool = False
    describe: str = field(default="")

    def resolve(self, src: SourceFile) -> dict[str, str | None]:
        """Canonical field -> the file's column; a missing required one is an InputError."""
        by_lower = {c.lower().strip(): c for c in src.columns}
        out: dict[str, str | None] = {}
        for f, spellings in self.fields.items():
            out[f] = next((by_lower[s.lower()] for s in spellings if s.lower() in by_lower), None)
        missing = [self.fields[f][0] for f in self.required if out[f] is None]
        if missing:
            raise InputError(
                f"missing required column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(repr(m) for m in missing)} for the {self.format} format "
                f"({self.describe or self.name}); the header has: {', '.join(src.columns)}",
                file=src.name, field=missing[0],
            )
        return out

    def extras(self, src: SourceFile, resolved: Mapping[str, str | None]) -> list[str]:
        used = {c for c in resolved.values() if c}
        return [c for c in src.columns if c not in used]


def extras_json(layout: Layout, src: SourceFile, resolved: dict[str, str | None], *,
                null_when_empty: bool = False) -> str:
    """SQL of the JSON object holding a file's extra columns (``events.properties``).

    ``null_when_empty`` gives NULL instead of an object of nulls for a row whose extra
    columns are all empty (a tracker that sets ``utm_source`` on a session's first event
    only), so most rows store nothing.
    """
    extras = layout.extras(src, resolved)
    if not extras:
        return "CAST(NULL AS VARCHAR)"
    pairs = ", ".join(f"{lit(c)}, {nz(ident(c))}" for c in extras)
    obj = f"CAST(json_object({pairs}) AS VARCHAR)"
    if not null_when_empty:
        return obj
    empty = " AND ".join(f"{nz(ident(c))} IS NULL" for c in extras)
    return f"CASE WHEN {empty} THEN CAST(NULL AS VARCHAR) ELSE {obj} END"
