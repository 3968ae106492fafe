"""A declared mapping: which file columns are which ShopLens fields, and how to read them.

A mapping is written as YAML (``--mapping mapping.yml``), named as a preset
(``--preset shopify``) or given field by field on the command line
(``--format orders --map user_id=Customer --map order_time=Date``). All three become one
:class:`Mapping`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shoplens.errors import ConfigError

#: fields an orders mapping may name; ``user_id`` may list several columns (the first
#: non-empty wins)
ORDER_FIELDS = ("order_id", "user_id", "order_time", "product_id", "product_name", "quantity",
                "unit_price", "amount", "country", "currency", "category", "brand")
#: fields an events mapping may name
EVENT_FIELDS = ("user_id", "event", "event_time", "session_id", "product_id", "price",
                "quantity", "category", "brand", "product_name", "country", "order_id",
                "revenue")
#: fields an element of an items array may give (GA4 ``items``, Segment's
#: ``properties.products``), by format
ITEM_FIELDS = {"orders": ("product_id", "product_name", "quantity", "unit_price", "amount",
                          "category", "brand"),
               "events": ("product_id", "product_name", "price", "quantity", "category",
                          "brand")}
#: fields a customers file may name (joined by ``key``) and a products file
CUSTOMER_FIELDS = ("user_id", "signup_date", "country")
PRODUCT_FIELDS = ("product_id", "category", "brand", "product_name", "price")
REQUIRED = {"orders": ("order_time",), "events": ("user_id", "event", "event_time")}
#: delimiter spellings accepted in a mapping
DELIMITERS = {",": ",", ";": ";", "\t": "\t", "tab": "\t", "\\t": "\t", "|": "|",
              "pipe": "|", "whitespace": " ", "spaces": " ", " ": " "}
#: the date formats that are not strptime patterns
EPOCHS = ("epoch", "epoch_s", "epoch_ms", "epoch_us")


def _normalize_delimiter(v: str | None) -> str | None:
    if v is None:
        return None
    if v not in DELIMITERS:
        raise ValueError(f"unknown delimiter {v!r}: use one of ',', ';', 'tab', '|', "
                         "'whitespace'")
    return DELIMITERS[v]


class FileSpec(BaseModel):
    """How to read one file and, for a joined file, how it joins the lines.

    ``key`` is this file's join column; ``joins`` the column of the lines (or of the
    orders file) whose value it matches (default: a column named like ``key``). (Not
    ``on``: YAML reads a bare ``on`` as *true*.)"""

    model_config = ConfigDict(extra="forbid")

    path: str | None = None
    key: str | None = None
    joins: str | None = None
    delimiter: str | None = None  # detected when not given; "whitespace" = runs of blanks
    header: bool | None = None  # detected when not given
    columns: list[str] | None = None  # names of the columns of a file without a header
    decimal: Literal[".", ","] | None = None  # detected from the numbers when not given
    fields: dict[str, str] = Field(default_factory=dict)  # customers/products files

    @field_validator("delimiter")
    @classmethod
    def _delimiter(cls, v: str | None) -> str | None:
        return _normalize_delimiter(v)


class RefundRule(BaseModel):
    """Which rows are refunds (kept as refund lines, quantity made positive).

    A row is a refund when ``column`` holds one of ``values`` (compared case-insensitively)
    or starts with ``prefix``, or, with ``negative`` (the default), when its quantity or
    amount is negative. Without any rule a negative quantity is quarantined. With
    ``keeps_purchase`` a row matching ``column`` is both the purchase and its refund."""

    def matches_sql(self, column_sql: str) -> str:
        """SQL: the row matches ``column``/``values``/``prefix`` (``column_sql`` is the
        column's text)."""
        from shoplens.ingest.validation import lit

        parts = []
        if self.values:
            listed = ", ".join(lit(x.lower()) for x in self.values)
            parts.append(f"coalesce(lower({column_sql}) IN ({listed}), false)")
        if self.prefix:
            parts.append(f"coalesce(starts_with(upper({column_sql}), {lit(self.prefix.upper())}), false)")
        return " OR ".join(f"({p})" for p in parts) if parts else "false"

    model_config = ConfigDict(extra="forbid")

    column: str | None = None
    values: list[str] = Field(default_factory=list)
    prefix: str | None = None
    negative: bool = True
    #: the row is an order that was bought, then refunded (an order status such as
    #: Magento's "closed"): it gives a purchase line and a refund line
    keeps_purchase: bool = False


class ItemsSpec(BaseModel):
    """Rows that carry their products as an array: one row per element.

    ``column`` is the array (a column reference: GA4's ``items``, Segment's
    ``properties.products``); ``fields`` name the keys inside an element (several keys:
    the first non-empty wins). A row whose array is empty or missing stays one row, with
    the row's own fields; an element's value, where it has one, wins over the row's."""

    model_config = ConfigDict(extra="forbid")

    column: str
    fields: dict[str, str | list[str]] = Field(default_factory=dict)

    def keys_of(self, name: str) -> list[str]:
        v = self.fields.get(name)
        if not v:
            return []
        return [v] if isinstance(v, str) else list(v)


class Mapping(BaseModel):
    """A declared mapping of an orders or events export.

    Notes
    -----
    Orders: one row per order line (or per order, for exports without lines: the product
    is then ``(no product)``). ``amount`` is the line total (divided by the quantity to
    give the unit price) when ``unit_price`` is not mapped. Order-level values left empty
    on an order's later lines (Shopify writes them on the first line only) are taken from
    the order's other lines. Events: one row per event; ``user_id`` lists the user columns
    in order of preference (GA4: ``user_id`` then ``user_pseudo_id``).

    Column references: a header name (case-insensitive), ``col.a.b`` for a value inside a
    JSON column (Segment's ``properties.product_id``), ``col[key]`` for GA4's key/value
    lists (``event_params[ga_session_id]``), ``col[0].field`` for an array element.

    Items: with ``items`` (:class:`ItemsSpec`) a row holding an array of products (a GA4
    purchase's ``items``, a Segment "Order Completed"'s ``products``) becomes one order
    line or product event per element, each with its own price, quantity, category and
    brand, so the revenue of the row is the sum of its items' ``price * quantity``. An
    events mapping's ``revenue`` field (GA4 ``ecommerce.purchase_revenue``, Segment's
    ``properties.revenue``) is not stored: rows whose items do not add up to it are
    counted in a warning.
    """

    model_config = ConfigDict(extra="forbid")

    format: Literal["orders", "events"]
    preset: str | None = None
    description: str | None = None
    fields: dict[str, str | list[str]] = Field(default_factory=dict)
    files: dict[str, FileSpec] = Field(default_factory=dict)  # lines/orders/customers/products
    delimiter: str | None = None
    header: bool | None = None
    columns: list[str] | None = None
    decimal: Literal[".", ","] | None = None
    date_format: str | list[str] | None = None  # strptime pattern(s), epoch_s|ms|us; None = detect
    currency: str | None = None  # the shop's currency; other rows are quarantined
    refund: RefundRule = Field(default_factory=RefundRule)
    hash_user_id: bool = False  # store a hash of the user column (e-mail addresses)
    session_per_user: bool = False  # the session column is numbered per user (GA4)
    events: dict[str, list[str]] = Field(default_factory=dict)  # canonical type -> names
    items: ItemsSpec | None = None  # an array of products per row (see ItemsSpec)
    exclude: dict[str, list[str]] = Field(default_factory=dict)  # column -> values skipped

    @field_validator("delimiter")
    @classmethod
    def _delimiter(cls, v: str | None) -> str | None:
        return _normalize_delimiter(v)

    def check(self) -> Mapping:
        """Unknown fields and missing required ones are ConfigErrors."""
        known = ORDER_FIELDS if self.format == "orders" else EVENT_FIELDS
        unknown = sorted(set(self.fields) - set(known))
        if unknown:
            raise ConfigError(f"unknown {self.format} field(s) {', '.join(unknown)} in the "
                              f"mapping; known: {', '.join(known)}")
        missing = [f for f in REQUIRED[self.format] if not self.fields.get(f)]
        if self.format == "orders" and not (self.fields.get("order_id")
                                            or self.fields.get("user_id")):
            missing.append("order_id or user_id")
        if self.format == "orders" and not (self.fields.get("unit_price")
                                            or self.fields.get("amount") or self.item_has(
                                                "unit_price", "amount")):
            missing.append("unit_price or amount")
        if missing:
            raise ConfigError(f"the {self.format} mapping names no column for "
                              f"{', '.join(missing)} (--map FIELD=COLUMN)")
        if self.items is not None:
            bad_items = sorted(set(self.items.fields) - set(ITEM_FIELDS[self.format]))
            if bad_items:
                raise ConfigError(f"unknown item field(s) {', '.join(bad_items)} in the "
                                  f"mapping's items; known: {', '.join(ITEM_FIELDS[self.format])}")
        bad_roles = sorted(set(self.files) - {"lines", "orders", "customers", "products"})
        if bad_roles:
            raise ConfigError(f"unknown file role(s) {', '.join(bad_roles)} in the mapping: "
                              "use lines, orders, customers, products")
        for role in ("orders", "customers", "products"):
            spec = self.files.get(role)
            if spec is not None and not spec.key:
                raise ConfigError(f"the {role} file of the mapping needs 'key', the column "
                                  "it joins the lines on")
        for f in self.date_formats:
            if f not in EPOCHS and "%" not in f:
                raise ConfigError(f"date_format {f!r} is neither a strptime pattern (%Y-%m-%d) "
                                  f"nor one of {', '.join(EPOCHS)}")
        return self

    def item_has(self, *names: str) -> bool:
        return self.items is not None and any(self.items.fields.get(n) for n in names)

    @property
    def date_formats(self) -> list[str]:
        if self.date_format is None:
            return []
        return [self.date_format] if isinstance(self.date_format, str) else list(self.date_format)

    def columns_of(self, name: str) -> list[str]:
        """The column references of a field, in order of preference."""
        v = self.fields.get(name)
        if not v:
            return []
        return [v] if isinstance(v, str) else list(v)

    def lines_spec(self) -> FileSpec:
        """The main file's reading options (``files.lines`` over the top-level ones)."""
        top = FileSpec(delimiter=self.delimiter, header=self.header, columns=self.columns,
                       decimal=self.decimal)
        own = self.files.get("lines")
        if own is None:
            return top
        return top.model_copy(update=own.model_dump(exclude_unset=True))

    def with_fields(self, overrides: dict[str, str | list[str]]) -> Mapping:
        return self.model_copy(update={"fields": {**self.fields, **overrides}})


def parse_map_options(items: list[str]) -> dict[str, str | list[str]]:
    """``--map field=Column`` (repeatable; ``user_id=a,b`` lists several columns)."""
    out: dict[str, str | list[str]] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise ConfigError(f"--map {item!r}: write FIELD=COLUMN, e.g. --map user_id=Customer")
        name = name.strip()
        if name == "user_id" and "," in value:
            out[name] = [v.strip() for v in value.split(",") if v.strip()]
        else:
            out[name] = value.strip()
    return out


def mapping_from_dict(doc: object, source: str) -> Mapping:
    """Validate a parsed YAML document (a preset named by ``preset:`` is the base)."""
    if not isinstance(doc, dict):
        raise ConfigError(f"{source}: a mapping is a YAML object (format:, fields:, ...)")
    if doc.get("preset"):
        from shoplens.ingest.mapping.presets import preset

        base = preset(str(doc["preset"])).model_dump(exclude_unset=True)
        fields = {**base.get("fields", {}), **(doc.get("fields") or {})}
        doc = {**base, **doc, "fields": fields}
    try:
        return Mapping.model_validate(doc).check()
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"{source}: {where}: {err['msg']}") from None


def read_mapping(path: Path) -> Mapping:
    """A mapping YAML file; a bad one is a ConfigError naming it."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"--mapping {path}: cannot read it ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"--mapping {path}: not valid YAML ({str(exc).splitlines()[0]})") from None
    return mapping_from_dict(doc, f"--mapping {path}")
