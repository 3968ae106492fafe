"""Property filters (AND/OR groups, nested) -> one predicate, every value bound.

Operators follow PostHog's: ``neq``, ``not_in``, ``not_contains`` and ``not_regex``
also keep events where the property is not set (NULL), as "is not X" reads;
``contains`` is case-insensitive; ``regex`` uses the engine's regular expressions
(PostgreSQL POSIX, DuckDB RE2, Spark Java: the common subset behaves alike).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from shoplens.errors import ConfigError
from shoplens.insights.compile.context import Scope
from shoplens.insights.properties import coerce_value
from shoplens.insights.schema import FilterGroup, PropertyFilter


def filters_predicate(scope: Scope, filters: Sequence[PropertyFilter | FilterGroup] | FilterGroup,
                      *, option: str = "filters") -> exp.Expression | None:
    """The predicate of ``filters`` (a list is an AND group); None when empty."""
    group = filters if isinstance(filters, FilterGroup) else FilterGroup(filters=list(filters))
    return _group(scope, group, option)


def _group(scope: Scope, group: FilterGroup, option: str) -> exp.Expression | None:
    parts = []
    for f in group.filters:
        part = (_group(scope, f, option) if isinstance(f, FilterGroup)
                else filter_predicate(scope, f, option=option))
        if part is not None:
            parts.append(part)
    if not parts:
        return None
    joined = exp.and_(*parts) if group.type == "and" else exp.or_(*parts)
    return exp.Paren(this=joined) if len(parts) > 1 else parts[0]


def filter_predicate(scope: Scope, f: PropertyFilter, *, option: str = "filters"
                     ) -> exp.Expression:
    """One condition on one property."""
    where = f"{option} ({f.property} {f.operator})"
    prop, expr = scope.property(f.property, option=option)
    op = f.operator
    if op == "is_set":
        return expr.is_(exp.null()).not_()
    if op == "is_not_set":
        return expr.is_(exp.null())
    if op in ("contains", "not_contains", "regex", "not_regex") and prop.type != "text":
        raise ConfigError(f"{where}: {prop.ref} is a {prop.type} property; "
                          f"{op} needs a text property")
    if op in ("gt", "gte", "lt", "lte") and prop.type in ("text", "bool"):
        raise ConfigError(f"{where}: {prop.ref} is a {prop.type} property; "
                          f"{op} needs a number or a date")
    if op in ("in", "not_in"):
        values = [scope.bind(coerce_value(prop, v, option=where)) for v in f.value]  # type: ignore[union-attr]
        cond: exp.Expression = exp.In(this=expr, expressions=values)
        return cond if op == "in" else _not_or_null(cond, expr)
    value = coerce_value(prop, f.value, option=where)
    if op in ("contains", "not_contains"):
        # POSITION(LOWER(v) IN LOWER(x)) > 0: no LIKE wildcards to escape in the value
        found = exp.GT(this=exp.StrPosition(this=exp.Lower(this=expr.copy()),
                                            substr=exp.Lower(this=scope.bind(value))),
                       expression=exp.Literal.number(0))
        return found if op == "contains" else _not_or_null(found, expr)
    if op in ("regex", "not_regex"):
        scope.need("regex", where)
        match = exp.RegexpLike(this=expr.copy(), expression=scope.bind(value))
        return match if op == "regex" else _not_or_null(match, expr)
    placeholder = scope.bind(value)
    if op == "eq":
        return exp.EQ(this=expr, expression=placeholder)
    if op == "neq":
        return _not_or_null(exp.EQ(this=expr.copy(), expression=placeholder), expr)
    cls = {"gt": exp.GT, "gte": exp.GTE, "lt": exp.LT, "lte": exp.LTE}[op]
    return cls(this=expr, expression=placeholder)


def _not_or_null(cond: exp.Expression, expr: exp.Expression) -> exp.Expression:
    return exp.Paren(this=exp.or_(exp.Not(this=exp.Paren(this=cond)),
                                  expr.copy().is_(exp.null())))
