"""REES46 event logs ("eCommerce behavior data from multi category store").

Header ``event_time,event_type,product_id,category_id,category_code,brand,price,user_id,
user_session``; ``event_time`` is UTC with a `` UTC`` suffix; ``category_code`` is often
empty and ``brand`` sometimes. Event types are the canonical ones already. Products are
taken from the events: category = ``category_code``, or ``category_id`` where the code is
empty.
"""

from __future__ import annotations

from shoplens.ingest.formats.common import (
    event_outputs,
    optional_parsed,
    parsed_value,
    required_value,
)
from shoplens.ingest.layout import Layout, Options
from shoplens.ingest.sources import SourceFile
from shoplens.ingest.validation import (
    Check,
    build_select,
    csv_line,
    ident_text,
    mapped,
    money,
    nz,
    quoted,
    timestamp,
)

VOCABULARY = {t: t for t in ("view", "cart", "remove_from_cart", "purchase")}
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S UTC", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f")

FIELDS = {
    "f_time": ("event_time",), "f_type": ("event_type",), "f_product": ("product_id",),
    "f_category_id": ("category_id",), "f_category_code": ("category_code",),
    "f_brand": ("brand",), "f_price": ("price",), "f_user": ("user_id",),
    "f_session": ("user_session",),
}


def _build(src: SourceFile, r: dict[str, str | None], opts: Options) -> str:
    parsed = {
        "v_user": ident_text("f_user"),
        "v_time_raw": nz("f_time"),
        "v_time": timestamp("f_time", TIME_FORMATS),
        "v_type_raw": nz("f_type"),
        "v_type": mapped("f_type", VOCABULARY),
        "v_product": ident_text("f_product"),
        "v_price_raw": nz("f_price"),
        "v_price": money("f_price"),
        "v_session": nz("f_session"),
        "v_code": nz("f_category_code"),
        "v_category_id": ident_text("f_category_id"),
    }
    checks = [
        required_value("v_user", r["f_user"], "user id"),
        *parsed_value("v_time_raw", "v_time", r["f_time"], "time"),
        required_value("v_type_raw", r["f_type"], "event type"),
        Check("v_type IS NULL", r["f_type"], "'unknown event type ' || " + quoted("v_type_raw")),
        required_value("v_product", r["f_product"], "product id"),
        optional_parsed("v_price_raw", "v_price", r["f_price"], "price"),
        Check("v_price < 0", r["f_price"], "'negative price ' || " + quoted("v_price_raw")),
    ]
    outputs = event_outputs(
        user="v_user", session="v_session", event_type="v_type", raw_event="v_type_raw",
        product="v_product", price="v_price", quantity="CAST(1 AS INTEGER)", time="v_time",
        category="coalesce(v_code, v_category_id)", category_id="v_category_id",
        brand=nz("f_brand"),
    )
    return build_select(src.relation(), r, parsed, outputs, checks, csv_line(src.columns))


REES46 = Layout(
    name="rees46", format="rees46", kind="events", fields=FIELDS,
    required=("f_time", "f_type", "f_product", "f_price", "f_user", "f_session"),
    detect=lambda cols, src: ("event_time" in cols and "user_session" in cols)
    or {"event_time", "category_code"} <= cols,
    build=_build, describe="event_time,event_type,product_id,category_id,category_code,brand,"
    "price,user_id,user_session",
)
