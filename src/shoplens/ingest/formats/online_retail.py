"""Order-line exports in the UCI Online Retail layout (both editions).

First edition: ``InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,
Country``; second (Online Retail II): ``Invoice,StockCode,Description,Quantity,InvoiceDate,
Price,Customer ID,Country``. Dates come as ``12/1/2010 8:26`` (month first) or
``2009-12-01 07:45:00``; customer ids as ``17850`` or ``17850.0``.

Invoices whose number starts with ``C`` are cancellations: their lines (negative
quantities) are kept as refunds with the quantity made positive, never as purchases.
Lines that are not sales are quarantined with the reason: no customer id (unless guest
orders are requested), ``A`` invoices (bad-debt adjustments), negative prices, negative
quantities on ordinary invoices, positive ones on cancellations. Zero-price lines (free
items, samples, postage waived) are real order lines: kept, with revenue 0 and their
customer.
"""

from __future__ import annotations

from shoplens.ingest.formats.common import parsed_value, required_value
from shoplens.ingest.ids import row_id
from shoplens.ingest.layout import Layout, Options
from shoplens.ingest.sources import SourceFile
from shoplens.ingest.validation import (
    Check,
    build_select,
    csv_line,
    ident_text,
    integer,
    money,
    nz,
    quoted,
    timestamp,
)

TIME_FORMATS = ("%m/%d/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%Y-%m-%d %H:%M")

FIELDS = {
    "f_invoice": ("InvoiceNo", "Invoice"), "f_stock": ("StockCode",),
    "f_description": ("Description",), "f_quantity": ("Quantity",),
    "f_date": ("InvoiceDate",), "f_price": ("UnitPrice", "Price"),
    "f_customer": ("CustomerID", "Customer ID", "Customer_ID"), "f_country": ("Country",),
}


def _build(src: SourceFile, r: dict[str, str | None], opts: Options) -> str:
    parsed = {
        "v_invoice": f"upper({nz('f_invoice')})",
        "v_refund": "starts_with(v_invoice, 'C')",
        "v_stock": nz("f_stock"),
        "v_desc": nz("f_description"),
        "v_qty_raw": nz("f_quantity"),
        "v_qty": integer("f_quantity"),
        "v_date_raw": nz("f_date"),
        "v_date": timestamp("f_date", TIME_FORMATS),
        "v_price_raw": nz("f_price"),
        "v_price": money("f_price"),
        "v_customer": ident_text("f_customer"),
        "v_country": nz("f_country"),
    }
    checks = [
        required_value("v_invoice", r["f_invoice"], "invoice number"),
        required_value("v_stock", r["f_stock"], "stock code"),
        *parsed_value("v_date_raw", "v_date", r["f_date"], "time"),
        *parsed_value("v_qty_raw", "v_qty", r["f_quantity"], "quantity"),
        *parsed_value("v_price_raw", "v_price", r["f_price"], "unit price"),
        Check("starts_with(v_invoice, 'A')", r["f_invoice"],
              "'adjustment invoice ' || " + quoted("v_invoice") + " || ' is not a sale'"),
        Check("v_qty = 0", r["f_quantity"], "'zero quantity'"),
        Check("v_refund AND v_qty > 0", r["f_quantity"],
              "'positive quantity on cancellation invoice ' || " + quoted("v_invoice")),
        Check("NOT v_refund AND v_qty < 0", r["f_quantity"],
              "'negative quantity on non-cancellation invoice ' || " + quoted("v_invoice")),
        Check("v_price < 0", r["f_price"], "'negative unit price ' || " + quoted("v_price_raw")),
    ]
    if not opts.guest_orders:
        checks.append(Check("v_customer IS NULL", r["f_customer"],
                            "'missing customer id (the line cannot belong to a user; "
                            "load with guest orders to keep it)'"))
    outputs = {
        "item_id": row_id("order_item", "v_invoice", "v_stock", "v_desc", "v_qty", "v_date",
                          "v_price", "v_customer", "v_country"),
        "order_id": "v_invoice", "product_id": "v_stock", "description": "v_desc",
        "quantity": "CAST(abs(v_qty) AS INTEGER)", "unit_price": "v_price",
        "is_refund": "v_refund", "order_time": "v_date", "user_id": "v_customer",
        "country": "v_country",
    }
    return build_select(src.relation(), r, parsed, outputs, checks, csv_line(src.columns))


ONLINE_RETAIL = Layout(
    name="online-retail", format="online-retail", kind="order_lines", fields=FIELDS,
    required=("f_invoice", "f_stock", "f_quantity", "f_date", "f_price", "f_customer"),
    detect=lambda cols, src: ("invoiceno" in cols or "invoice" in cols) and "stockcode" in cols,
    build=_build,
    describe="InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country "
    "or Invoice,...,Price,Customer ID,...",
)
