"""The legacy platform's export (the platform-csv layout, also as Parquet).

A folder with ``users.csv`` (``user_id,signup_date,country``), ``products.csv``
(``product_id,category,price,brand,name``), ``events.csv``
(``user_id,event_type,product_id,timestamp`` and optionally ``session_id``, ``price``,
``quantity``) with the legacy spellings ``viewed``, ``add-to-cart``, ``remove-from-cart``,
``purchased``, and optionally ``search_logs.jsonl``. ``personas.csv`` is the generator's
hidden truth and is never read.
"""

from __future__ import annotations

from shoplens.ingest.formats.common import (
    NULL_TEXT,
    event_outputs,
    optional_parsed,
    parsed_value,
    required_value,
)
from shoplens.ingest.ids import row_id
from shoplens.ingest.layout import Layout, Options, extras_json
from shoplens.ingest.sources import SourceFile
from shoplens.ingest.validation import (
    Check,
    build_select,
    csv_line,
    ident_text,
    integer,
    mapped,
    money,
    nz,
    quoted,
    timestamp,
)

#: the legacy spellings, and the canonical names a newer export may already use
VOCABULARY = {
    "viewed": "view", "add-to-cart": "cart", "remove-from-cart": "remove_from_cart",
    "purchased": "purchase",
    "view": "view", "cart": "cart", "remove_from_cart": "remove_from_cart", "purchase": "purchase",
}
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S")


def _stem(src: SourceFile) -> str:
    return src.path.name.split(".")[0].lower()


# -- events -------------------------------------------------------------------------
EVENT_FIELDS = {
    "f_user": ("user_id",), "f_type": ("event_type",), "f_product": ("product_id",),
    "f_time": ("timestamp",), "f_session": ("session_id",), "f_price": ("price",),
    "f_quantity": ("quantity",),
}


def _build_events(src: SourceFile, r: dict[str, str | None], opts: Options) -> str:
    parsed = {
        "v_user": ident_text("f_user"),
        "v_time_raw": nz("f_time"),
        "v_time": timestamp("f_time", TIME_FORMATS),
        "v_type_raw": nz("f_type"),
        "v_type": mapped("f_type", VOCABULARY),
        "v_product": ident_text("f_product"),
        "v_price_raw": nz("f_price"),
        "v_price": money("f_price"),
        "v_qty_raw": nz("f_quantity"),
        "v_qty": f"coalesce({integer('f_quantity')}, CASE WHEN {nz('f_quantity')} IS NULL THEN 1 END)",
        "v_session": nz("f_session"),
    }
    checks = [
        required_value("v_user", r["f_user"], "user id"),
        *parsed_value("v_time_raw", "v_time", r["f_time"], "time"),
        required_value("v_type_raw", r["f_type"], "event type"),
        Check("v_type IS NULL", r["f_type"], "'unknown event type ' || " + quoted("v_type_raw")),
        required_value("v_product", r["f_product"], "product id"),
        optional_parsed("v_price_raw", "v_price", r["f_price"], "price"),
        Check("v_price < 0", r["f_price"], "'negative price ' || " + quoted("v_price_raw")),
        Check("v_qty IS NULL", r["f_quantity"], "'unparsable quantity ' || " + quoted("v_qty_raw")),
        Check("v_qty <= 0", r["f_quantity"], "'quantity must be positive, got ' || "
              + quoted("v_qty_raw")),
    ]
    outputs = event_outputs(
        user="v_user", session="v_session", event_type="v_type", raw_event="v_type_raw",
        product="v_product", price="v_price", quantity="v_qty", time="v_time",
        properties=extras_json(PLATFORM_EVENTS, src, r, null_when_empty=True),
    )
    return build_select(src.relation(), r, parsed, outputs, checks, csv_line(src.columns))


PLATFORM_EVENTS = Layout(
    name="platform-events", format="platform-csv", kind="events", fields=EVENT_FIELDS,
    required=("f_user", "f_type", "f_product", "f_time"),
    detect=lambda cols, src: {"user_id", "event_type", "product_id", "timestamp"} <= cols
    and (_stem(src) == "events" or (src.path.parent / "users.csv").exists()
         or (src.path.parent / "users.parquet").exists()),
    build=_build_events, sessionize_without="f_session", extras_as_properties=True,
    describe="events: user_id,event_type,product_id,timestamp[,session_id,price,quantity,"
             "any other column kept as a property]",
)


# -- users ----------------------------------------------------------------------------
def _build_users(src: SourceFile, r: dict[str, str | None], opts: Options) -> str:
    parsed = {
        "v_user": ident_text("f_user"),
        "v_signup_raw": nz("f_signup"),
        "v_signup": f"CAST({timestamp('f_signup', ('%Y-%m-%d',))} AS DATE)",
        "v_country": f"upper({nz('f_country')})",
    }
    checks = [
        required_value("v_user", r["f_user"], "user id"),
        optional_parsed("v_signup_raw", "v_signup", r["f_signup"], "signup date"),
    ]
    outputs = {"user_id": "v_user", "signup_date": "v_signup", "country": "v_country"}
    return build_select(src.relation(), r, parsed, outputs, checks, csv_line(src.columns))


PLATFORM_USERS = Layout(
    name="platform-users", format="platform-csv", kind="users",
    fields={"f_user": ("user_id",), "f_signup": ("signup_date",), "f_country": ("country",)},
    required=("f_user", "f_signup"),
    detect=lambda cols, src: {"user_id", "signup_date"} <= cols,
    build=_build_users, describe="users: user_id,signup_date,country",
)


# -- products -------------------------------------------------------------------------
def _build_products(src: SourceFile, r: dict[str, str | None], opts: Options) -> str:
    parsed = {
        "v_product": ident_text("f_product"),
        "v_price_raw": nz("f_price"),
        "v_price": money("f_price"),
    }
    checks = [
        required_value("v_product", r["f_product"], "product id"),
        *parsed_value("v_price_raw", "v_price", r["f_price"], "price"),
        Check("v_price < 0", r["f_price"], "'negative price ' || " + quoted("v_price_raw")),
    ]
    outputs = {"product_id": "v_product", "category": nz("f_category"),
               "category_id": NULL_TEXT, "price": "v_price", "brand": nz("f_brand"),
               "name": nz("f_name")}
    return build_select(src.relation(), r, parsed, outputs, checks, csv_line(src.columns))


PLATFORM_PRODUCTS = Layout(
    name="platform-products", format="platform-csv", kind="products",
    fields={"f_product": ("product_id",), "f_category": ("category",), "f_price": ("price",),
            "f_brand": ("brand",), "f_name": ("name",)},
    required=("f_product", "f_category", "f_price"),
    detect=lambda cols, src: {"product_id", "category", "price"} <= cols
    and "event_type" not in cols and "user_id" not in cols,
    build=_build_products, describe="products: product_id,category,price,brand,name",
)


# -- search logs ----------------------------------------------------------------------
def _build_search(src: SourceFile, r: dict[str, str | None], opts: Options) -> str:
    clicked = "f_clicked"
    parsed = {
        "v_user": ident_text("f_user"),
        "v_query": "trim(f_query)",
        "v_time_raw": nz("f_time"),
        "v_time": timestamp("f_time", TIME_FORMATS),
        "v_clicked_type": f"CASE WHEN json_valid({clicked}) THEN json_type({clicked}) END",
        "v_clicked_ok": f"({clicked} IS NULL OR v_clicked_type = 'ARRAY')",
        "v_clicked": f"CASE WHEN v_clicked_type = 'ARRAY' "
                     f"THEN CAST(json_extract_string({clicked}, '$[*]') AS VARCHAR[]) END",
    }
    checks = []
    if src.container == "jsonl":
        checks.append(Check(
            "coalesce(CASE WHEN json_valid(_json) THEN json_type(_json) END, '') <> 'OBJECT'",
            None, "'not a JSON object'"))
    checks += [
        required_value("v_user", r["f_user"], "user id"),
        Check("v_query IS NULL OR v_query = ''", r["f_query"], "'missing search query'"),
        *parsed_value("v_time_raw", "v_time", r["f_time"], "time"),
        Check("NOT v_clicked_ok", r["f_clicked"], "'clicked_product_ids is not a list'"),
    ]
    outputs = {
        "search_id": row_id("search", "v_user", "v_query", "CAST(v_clicked AS VARCHAR)", "v_time"),
        "user_id": "v_user", "search_query": "v_query", "clicked_product_ids": "v_clicked",
        "ts": "v_time",
    }
    raw = "_json" if src.container == "jsonl" else csv_line(src.columns)
    return build_select(src.relation(), r, parsed, outputs, checks, raw)


PLATFORM_SEARCH = Layout(
    name="platform-search", format="platform-csv", kind="search",
    fields={"f_user": ("user_id",), "f_query": ("search_query", "query"),
            "f_clicked": ("clicked_product_ids",), "f_time": ("timestamp", "ts")},
    required=("f_user", "f_query", "f_time"),
    detect=lambda cols, src: {"user_id", "search_query"} <= cols,
    build=_build_search, describe="search_logs: user_id,search_query,clicked_product_ids,timestamp",
)
