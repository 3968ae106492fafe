"""The compact filter syntax of ``--where`` and the Python API's ``where=``.

=====================================  ===========================================
``user.country=FR``                    equals (``eq``)
``user.country=FR,DE``                 one of (``in``); ``!=FR,DE``: ``not_in``
``user.country!=FR``                   not equal (NULL counts as not equal)
``event.price>100`` ``>=`` ``<`` ``<=``  comparisons (numbers, dates)
``event.utm_source*=goo``              contains, case-insensitive; ``!*=``: not
``event.utm_source=~^goo``             regular expression; ``!~``: does not match
``event.coupon is set``                ``is_set``; ``is not set``: ``is_not_set``
``country=FR or country=DE``           one ``--where`` with ``or``: an OR group
=====================================  ===========================================

Several ``--where`` are joined by AND. Values may be quoted (``'O''Neil'`` is not
needed: ``product.brand=O'Neil`` works; quotes only protect spaces at the ends).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from shoplens.errors import ConfigError
from shoplens.insights.schema import FilterGroup, PropertyFilter

_OPS = {"!=": "neq", ">=": "gte", "<=": "lte", "=~": "regex", "!~": "not_regex",
        "*=": "contains", "!*=": "not_contains", "=": "eq", ">": "gt", "<": "lt"}
_EXPR = re.compile(r"^\s*(?P<prop>[^\s=!<>~*]+)\s*(?P<op>!\*=|!=|>=|<=|=~|!~|\*=|=|>|<)"
                   r"\s*(?P<value>.*?)\s*$", re.DOTALL)
_SET = re.compile(r"^\s*(?P<prop>\S+)\s+is\s+(?P<not>not\s+)?set\s*$", re.IGNORECASE)
_OR = re.compile(r"\s+or\s+", re.IGNORECASE)


def _unquote(v: str) -> str:
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        return v[1:-1]
    return v


def parse_condition(text: str, *, option: str = "--where") -> PropertyFilter:
    m = _SET.match(text)
    if m:
        op = "is_not_set" if m.group("not") else "is_set"
        return PropertyFilter(property=m.group("prop"), operator=op)
    m = _EXPR.match(text)
    if not m:
        raise ConfigError(f"{option} {text!r}: write PROPERTY=VALUE (or != > >= < <= *= !*= "
                          "=~ !~, 'PROPERTY is set')")
    op = _OPS[m.group("op")]
    raw = m.group("value")
    value: Any = _unquote(raw)
    if op in ("eq", "neq") and "," in raw and not (raw[:1] in "'\"" and raw[-1:] == raw[:1]):
        value = [_unquote(v.strip()) for v in raw.split(",") if v.strip()]
        op = "in" if op == "eq" else "not_in"
    try:
        return PropertyFilter(property=m.group("prop"), operator=op, value=value)
    except ValidationError as exc:
        msg = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{option} {text!r}: {msg}") from None


def parse_where(texts: Iterable[str] | str | None, *, option: str = "--where"
                ) -> list[PropertyFilter | FilterGroup]:
    """Filters from compact conditions (a list is AND-ed; ``or`` inside one is OR)."""
    if texts is None:
        return []
    if isinstance(texts, str):
        texts = [texts]
    out: list[PropertyFilter | FilterGroup] = []
    for text in texts:
        parts = [p for p in _OR.split(text) if p.strip()]
        if len(parts) == 1:
            out.append(parse_condition(parts[0], option=option))
        else:
            out.append(FilterGroup(type="or", filters=[parse_condition(p, option=option)
                                                       for p in parts]))
    return out


def as_filters(where: Any, *, option: str = "where") -> list[PropertyFilter | FilterGroup]:
    """``where`` from the Python API: compact text(s), filter dicts/models or a group."""
    if where is None:
        return []
    if isinstance(where, str):
        return parse_where([where], option=option)
    if isinstance(where, PropertyFilter | FilterGroup):
        return [where]
    if isinstance(where, dict):
        where = [where]
    out: list[PropertyFilter | FilterGroup] = []
    for item in where:
        if isinstance(item, str):
            out += parse_where([item], option=option)
        elif isinstance(item, PropertyFilter | FilterGroup):
            out.append(item)
        elif isinstance(item, dict):
            try:
                out.append(FilterGroup.model_validate(item) if item.get("type") in ("and", "or")
                           else PropertyFilter.model_validate(item))
            except ValidationError as exc:
                msg = exc.errors()[0]["msg"].removeprefix("Value error, ")
                raise ConfigError(f"{option} {item!r}: {msg}") from None
        else:
            raise ConfigError(f"{option}: {item!r} is not a filter")
    return out
