"""Column references of a mapping, resolved against a file's columns into SQL text.

``Customer`` names a column (case-insensitively); ``properties.product_id`` a value inside
a JSON column (Segment, RudderStack); ``event_params[ga_session_id]`` the value of a
key/value list (GA4's ``event_params``: ``[{key, value: {string_value, int_value, ...}}]``);
``items[0].item_id`` an element of a JSON array. A reference that matches nothing is an
InputError naming the file's columns, raised before anything is written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from shoplens.errors import InputError
from shoplens.ingest.validation import ident, lit, nz

_STEP = re.compile(r"\.([^.\[\]]+)|\[([^\]]+)\]")
#: the value slots of a GA4 key/value parameter, in the order they are tried
GA4_VALUES = ("string_value", "int_value", "double_value", "float_value")
#: the column holding one element of a mapping's items array (see mapping.items); not
#: the file's
ITEM_COLUMN = "_item"


def find_column(name: str, columns: Sequence[str]) -> str | None:
    if name in columns:
        return name
    lower = {c.lower().strip(): c for c in columns}
    return lower.get(name.lower().strip())


def _json_key(key: str) -> str:
    return '"' + key.replace('"', '\\"') + '"'


def column_sql(ref: str, columns: Sequence[str], *, file: str, field: str) -> str:
    """SQL text (trimmed, empty as NULL) for the reference ``ref``."""
    col = find_column(ref, columns)
    if col is not None:
        return nz(ident(col))
    for cut in (m.start() for m in re.finditer(r"[.\[]", ref)):
        base = find_column(ref[:cut], columns)
        if base is None:
            continue
        steps = _STEP.findall(ref[cut:])
        if "".join(f".{a}" if a else f"[{b}]" for a, b in steps) != ref[cut:]:
            break
        expr = ident(base)
        path = "$"
        for key, index in steps:
            if key:
                path += "." + _json_key(key)
            elif index.isdigit():
                path += f"[{int(index)}]"
            else:
                # a GA4 key/value list: the element whose key is `index`, then its value
                if path != "$":
                    expr = f"json_extract({expr}, {lit(path)})"
                elem = (f"list_filter(CAST(json_extract({expr}, '$[*]') AS JSON[]), "
                        f"lambda e: json_extract_string(e, '$.key') = {lit(index)})[1]")
                expr = "coalesce(" + ", ".join(
                    f"json_extract_string({elem}, '$.value.{v}')" for v in GA4_VALUES) + ")"
                path = "$"
        if path != "$":
            expr = f"json_extract_string({expr}, {lit(path)})"
        return nz(expr)
    raise InputError(
        f"the mapping names column {ref!r} for {field}, which the file does not have; "
        f"its columns: {', '.join(c for c in columns if c != ITEM_COLUMN)}", file=file,
        field=ref)


def base_column(ref: str, columns: Sequence[str]) -> str | None:
    """The file column a plain reference names (None for JSON paths)."""
    return find_column(ref, columns)
