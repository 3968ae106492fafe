"""Any tracker's clickstream export: ``user_id,event,timestamp`` plus whatever else.

Event names are kept as the tracker spelled them (``raw_event``); ``event_type`` is set
only for a known spelling of a canonical type (``add_to_cart``, ``addtocart``, ...) and
stays NULL otherwise, for the event-analysis work to categorize. Common spellings of the
columns are accepted (``visitorid``/``itemid`` as in RetailRocket's export, ``event_name``,
``ts``, epochs in seconds or milliseconds). A session column is used when present;
otherwise sessions are derived by 30 minutes of inactivity. All other columns are kept
as one JSON object in ``events.properties``.
"""

from __future__ import annotations

from shoplens.ingest.formats.common import (
    event_outputs,
    known_event_type,
    optional_parsed,
    parsed_value,
    required_value,
)
from shoplens.ingest.layout import Layout, Options, extras_json
from shoplens.ingest.sources import SourceFile
from shoplens.ingest.validation import (
    Check,
    build_select,
    csv_line,
    epoch_or_timestamp,
    ident_text,
    money,
    nz,
    quoted,
)

FIELDS = {
    "f_user": ("user_id", "userid", "user", "visitorid", "visitor_id", "customer_id",
               "anonymous_id", "distinct_id", "client_id", "user_pseudo_id", "domain_userid"),
    "f_event": ("event", "event_name", "event_type", "action", "eventname"),
    "f_time": ("timestamp", "event_time", "time", "ts", "datetime", "event_timestamp",
               "created_at", "collector_tstamp", "derived_tstamp", "occurred_at"),
    "f_product": ("product_id", "productid", "itemid", "item_id", "sku"),
    "f_session": ("session_id", "session", "sessionid", "user_session", "session_key",
                  "domain_sessionid", "ga_session_id"),
    "f_price": ("price", "item_price"),
}


def _properties(src: SourceFile, r: dict[str, str | None]) -> str:
    return extras_json(CLICKSTREAM, src, r)


def _build(src: SourceFile, r: dict[str, str | None], opts: Options) -> str:
    parsed = {
        "v_user": ident_text("f_user"),
        "v_time_raw": nz("f_time"),
        "v_time": epoch_or_timestamp("f_time"),
        "v_event": nz("f_event"),
        "v_type": known_event_type("f_event"),
        "v_product": ident_text("f_product"),
        "v_session": nz("f_session"),
        "v_price_raw": nz("f_price"),
        "v_price": money("f_price"),
        "v_props": _properties(src, r),
    }
    checks = [
        required_value("v_user", r["f_user"], "user id"),
        *parsed_value("v_time_raw", "v_time", r["f_time"], "time"),
        required_value("v_event", r["f_event"], "event name"),
        optional_parsed("v_price_raw", "v_price", r["f_price"], "price"),
        Check("v_price < 0", r["f_price"], "'negative price ' || " + quoted("v_price_raw")),
    ]
    outputs = event_outputs(
        user="v_user", session="v_session", event_type="v_type", raw_event="v_event",
        product="v_product", price="v_price", quantity="CAST(1 AS INTEGER)", time="v_time",
        properties="v_props",
    )
    return build_select(src.relation(), r, parsed, outputs, checks, csv_line(src.columns))


def _detect(cols: set[str], src: SourceFile) -> bool:
    return all(any(s in cols for s in FIELDS[f]) for f in ("f_user", "f_event", "f_time"))


CLICKSTREAM = Layout(
    name="clickstream", format="clickstream", kind="events", fields=FIELDS,
    required=("f_user", "f_event", "f_time"), detect=_detect, build=_build,
    sessionize_without="f_session", extras_as_properties=True,
    describe="user_id,event,timestamp[,session_id,product_id,price,...]",
)
