"""Math: how the events of one series and interval become one number.

``total`` counts events; ``unique_users`` / ``unique_sessions`` count distinct users /
sessions (events without a session do not count); ``sum``, ``avg``, ``min``, ``max``,
``median`` and ``p90`` aggregate ``math_property`` (a number property; NULLs ignored;
``avg`` is the exact sum over the count (the same value on every run),
``median``/``p90`` are the continuous percentiles, PostgreSQL's ``PERCENTILE_CONT``,
exact on every engine); ``per_user_avg`` is the mean over the active users of their
number of events (or of their sum of ``math_property``).

The base rows carry ``uid`` (user), ``sid`` (session) and ``mv`` (the math property);
:func:`aggregate` writes the aggregate over them.
"""

from __future__ import annotations

from sqlglot import exp

from shoplens.errors import ConfigError
from shoplens.insights.compile.context import Scope
from shoplens.insights.schema import EventSeries

PERCENTILES = {"median": 0.5, "p90": 0.9}
DOUBLE = exp.DataType.build("DOUBLE PRECISION")


def math_value(scope: Scope, series: EventSeries, *, option: str = "series"
               ) -> exp.Expression | None:
    """The expression of ``math_property`` (None when the math takes none)."""
    if not series.math_property:
        return None
    prop, expr = scope.property(series.math_property, option=f"{option}.math_property")
    if prop.type != "number":
        raise ConfigError(f"{option}.math_property: {prop.ref} is a {prop.type} property; "
                          f"math {series.math!r} needs a number")
    if series.math in PERCENTILES:
        scope.need("percentile", f"{option}.math")
    return expr


def aggregate(math: str, has_property: bool) -> exp.Expression:
    """The aggregate over base rows (``uid``, ``sid``, ``mv``), as DOUBLE PRECISION."""
    mv = exp.column("mv")
    if math == "total":
        agg: exp.Expression = exp.Count(this=exp.Star())
    elif math == "unique_users":
        agg = exp.Count(this=exp.Distinct(expressions=[exp.column("uid")]))
    elif math == "unique_sessions":
        agg = exp.Count(this=exp.Distinct(expressions=[exp.column("sid")]))
    elif math == "sum":
        agg = exp.Sum(this=mv)
    elif math == "avg":
        # the exact sum over the exact count, not AVG over doubles: a parallel sum of
        # doubles changes its last bits from run to run (DuckDB, Spark), while a
        # NUMERIC or integer sum is exact, so every run and form gives the same value
        agg = exp.Div(this=exp.Cast(this=exp.Sum(this=mv), to=DOUBLE),
                      expression=exp.Cast(this=exp.func("NULLIF", exp.Count(this=mv.copy()),
                                                        exp.Literal.number(0)), to=DOUBLE))
    elif math == "min":
        agg = exp.Min(this=mv)
    elif math == "max":
        agg = exp.Max(this=mv)
    elif math in PERCENTILES:
        agg = exp.WithinGroup(
            this=exp.PercentileCont(this=exp.Literal.number(PERCENTILES[math])),
            # in DOUBLE PRECISION on every engine: DuckDB interpolates a DECIMAL at its
            # scale, PostgreSQL in double precision
            expression=exp.Order(expressions=[exp.Ordered(this=exp.Cast(this=mv, to=DOUBLE))]))
    elif math == "per_user_avg":
        # over rows already grouped per user (see per_user_rows): the mean of pu
        agg = exp.Avg(this=exp.Cast(this=exp.column("pu"), to=DOUBLE))
    else:  # pragma: no cover - the schema's Literal lists every math
        raise ConfigError(f"math: unknown math {math!r}")
    return exp.Cast(this=agg, to=DOUBLE)


def per_user_value(has_property: bool) -> exp.Expression:
    """Per user (inner grouping of ``per_user_avg``): events, or the property's sum."""
    return exp.Sum(this=exp.column("mv")) if has_property else exp.Count(this=exp.Star())
