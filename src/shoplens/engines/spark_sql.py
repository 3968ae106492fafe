"""Spark SQL from the single PostgreSQL-dialect source: the rewrites SQLGlot's output needs.

SQLGlot renders most of ShopLens's SQL as valid, equivalent Spark SQL. Where its plain
output would fail on Spark or change a number, the tree is rewritten here before it is
rendered (see the table in ``docs/scale-out.md``): ``date - date``, ``AVG`` of decimals,
exact ``PERCENTILE_CONT``, ``EXTRACT(DOW/ISODOW/EPOCH)``, ``generate_series`` as a
table, HyperLogLog accuracy, ``SUM`` of BIGINT columns, ``current_schema()``. And one
optimization: the partition range implied by a range on ``events.event_time``, so Spark
lists and reads only the partitions a query can touch.

Pure functions of SQLGlot trees; :class:`shoplens.engines.spark.SparkEngine` supplies
what they need to know about the lake (BIGINT columns, partitioned tables, the current
schema).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp

HIDDEN_PREFIX = "__lake_"  # view with the partition column too (used by partition pruning)


def to_spark(tree: exp.Expression, *, bigint_columns: frozenset[str] = frozenset(),
             schema_name: str = "default") -> exp.Expression:
    """The source tree with every rewrite Spark needs (not yet partition pruning)."""
    tree = tree.transform(spark_compat)
    # current_schema() is the lake schema the engine reads (SET SCHEMA), not Spark's
    # catalog database
    tree = tree.transform(lambda n: exp.Literal.string(schema_name)
                          if isinstance(n, exp.CurrentSchema) else n)
    if bigint_columns:
        tree = tree.transform(lambda n: wide_sum(n, bigint_columns))
    return tree


def _sub(node: exp.Expression) -> exp.Expression:
    """A rewritten copy of a subtree (transform() does not descend into replacements)."""
    return node.copy().transform(spark_compat)


def spark_compat(node: exp.Expression) -> exp.Expression:
    """Rewrite source constructs SQLGlot does not render as valid Spark SQL.

    ``FROM generate_series(a, b, step) AS g(d)`` (a set-returning function used as a
    table) becomes ``FROM (SELECT explode(sequence(a, b, step)) AS d) AS g`` (``LATERAL``
    when joined to earlier FROM items); Spark's ``sequence`` includes both ends, as
    ``generate_series`` does. ``DATE - DATE`` (an integer in PostgreSQL) becomes
    ``DATEDIFF``.
    """
    if isinstance(node, exp.Sub) and _is_date(node.this) and _is_date(node.expression):
        # PostgreSQL: date - date is an integer number of days; Spark: an INTERVAL DAY
        # (and INTERVAL / 7 cast to INT gives seconds). DATEDIFF is the day count.
        return exp.DateDiff(this=_sub(node.this), expression=_sub(node.expression),
                            unit=exp.var("DAY"))
    if isinstance(node, exp.ApproxDistinct) and node.args.get("accuracy") is None:
        # HyperLogLog++ with a 1% relative standard deviation (Spark's default is 5%):
        # 2^14 registers, 16 KiB per group, about DuckDB's own HLL error.
        return exp.ApproxDistinct(this=_sub(node.this), accuracy=exp.Literal.number(0.01))
    if isinstance(node, exp.Avg) and not (isinstance(node.this, exp.Cast)
                                          and node.this.to.is_type(exp.DataType.Type.DOUBLE)):
        # AVG(DECIMAL) in Spark is a DECIMAL with only 4 more digits of scale, so the mean
        # of 1.0/0.0 flags comes back rounded to 5 places; DuckDB averages in DOUBLE.
        return exp.Avg(this=exp.Cast(this=_sub(node.this), to=exp.DataType.build("DOUBLE")))
    if isinstance(node, exp.PercentileCont | exp.PercentileDisc) and isinstance(
            node.parent, exp.WithinGroup):
        # SQLGlot writes PERCENTILE_APPROX for Spark: an estimate. Spark 3.4+ has the
        # exact ordered-set aggregates under PostgreSQL's own names.
        name = "PERCENTILE_CONT" if isinstance(node, exp.PercentileCont) else "PERCENTILE_DISC"
        return exp.Anonymous(this=name, expressions=[_sub(node.this)])
    if (isinstance(node, exp.Extract) and isinstance(node.this, exp.Var | exp.Identifier)
            and node.this.name.upper() in ("DOW", "ISODOW")):
        # PostgreSQL DOW: Sunday 0 .. Saturday 6; Spark DOW: Sunday 1 .. Saturday 7.
        # ISODOW (Monday 1 .. Sunday 7) is Spark's DOW_ISO.
        if node.this.name.upper() == "ISODOW":
            return exp.Extract(this=exp.var("DOW_ISO"), expression=_sub(node.expression))
        extract = exp.Extract(this=exp.var("DOW"), expression=_sub(node.expression))
        return exp.Paren(this=exp.Sub(this=extract, expression=exp.Literal.number(1)))
    if (isinstance(node, exp.Extract) and isinstance(node.this, exp.Var | exp.Identifier)
            and node.this.name.upper() == "EPOCH"):
        # Spark cannot EXTRACT(EPOCH …): seconds since 1970 from the microseconds of the
        # UTC reading (DuckDB computes the same double).
        micros = exp.func("unix_micros", exp.Cast(
            this=_sub(node.expression), to=exp.DataType.build("TIMESTAMP_LTZ", dialect="spark")))
        return exp.Div(this=exp.Cast(this=micros, to=exp.DataType.build("DOUBLE")),
                       expression=exp.Literal.number(1_000_000))
    if (isinstance(node, exp.JSONExtractScalar) and isinstance(node.this, exp.Cast)
            and node.this.to.is_type(exp.DataType.Type.JSON)):
        # CAST(text AS JSON) ->> 'key': SQLGlot writes GET_JSON_OBJECT(TO_JSON(text), ..),
        # and TO_JSON of a string is that string quoted, never an object: read the text
        # itself. Spark returns a JSON string value unquoted, as PostgreSQL's ->> does.
        path = node.expression
        parts = path.expressions if isinstance(path, exp.JSONPath) else []
        if len(parts) == 2 and isinstance(parts[1], exp.JSONPathKey):
            key = str(parts[1].this)
            text = f"$.{key}" if key.isidentifier() else f"$['{key}']"
            return exp.Anonymous(this="GET_JSON_OBJECT",
                                 expressions=[_sub(node.this.this), exp.Literal.string(text)])
    if isinstance(node, exp.Table) and isinstance(node.this, exp.ExplodingGenerateSeries):
        series = node.this
        alias = node.args.get("alias")
        cols = alias.args.get("columns") if alias is not None else None
        col = cols[0].name if cols else "generate_series"
        name = alias.name if alias is not None and alias.name else "generate_series"
        seq = exp.func("sequence", _sub(series.args["start"]), _sub(series.args["end"]),
                       *([_sub(series.args["step"])] if series.args.get("step") else []))
        inner = exp.select(exp.Explode(this=seq).as_(col))
        if isinstance(node.parent, exp.Join):
            # FROM span, generate_series(span.first_day, …): the series may refer to the
            # FROM items before it, which Spark allows only in a LATERAL subquery.
            return exp.Lateral(this=inner.subquery(),
                               alias=exp.TableAlias(this=exp.to_identifier(name)))
        return inner.subquery(name)
    return node


def _is_date(node: exp.Expression) -> bool:
    """An expression that is a DATE by its form (a cast to DATE or a DATE literal)."""
    while isinstance(node, exp.Paren):
        node = node.this
    if isinstance(node, exp.Cast | exp.TryCast):
        return node.to.is_type(exp.DataType.Type.DATE)
    return isinstance(node, exp.Date | exp.TsOrDsToDate | exp.CurrentDate | exp.DateFromParts)


#: what a BIGINT is cast to before Spark sums it: the sum is then DECIMAL(34, 0) (Spark adds
#: 10 digits), room for 10^15 64-bit values
WIDE_SUM_OPERAND = "DECIMAL(24, 0)"


def wide_sum(node: exp.Expression, bigint_columns: frozenset[str]) -> exp.Expression:
    """``SUM(bigint_col)`` summed as DECIMAL(34, 0).

    Spark sums BIGINT into BIGINT and (ANSI mode) fails on overflow; DuckDB sums into
    HUGEINT and PostgreSQL into NUMERIC, so e.g. a sum of 64-bit event-id hashes is
    fine there. Not DECIMAL(38, 0): Spark keeps the integer digits when it widens such a
    sum against money (a CASE or UNION of DECIMAL(38, 0) and DECIMAL(38, 4) is
    DECIMAL(38, 0)), which rounded revenue cohorts and LTV to whole currency units;
    DECIMAL(34, 0) widens with DECIMAL(38, 4) to DECIMAL(38, 4).
    """
    if (isinstance(node, exp.Sum) and isinstance(node.this, exp.Column)
            and node.this.name in bigint_columns):
        return exp.Sum(this=exp.Cast(this=node.this.copy(),
                                     to=exp.DataType.build(WIDE_SUM_OPERAND)))
    return node


_RANGE = {exp.GTE: ">=", exp.GT: ">=", exp.LTE: "<=", exp.LT: "<="}


def prune_partitions(tree: exp.Expression, partitioned: Mapping[str, tuple[str, str]],
                      ) -> exp.Expression:
    """Add the partition range implied by range predicates on the partition source.

    ``WHERE e.event_time >= :start AND e.event_time < :end`` on ``events`` gains
    ``e.event_date >= CAST(:start AS DATE) AND e.event_date <= CAST(:end AS DATE)`` and
    reads the hidden view that exposes ``event_date``, so Spark lists and scans only the
    partitions in range. Results are unchanged: the implied range is weaker than the
    original predicate. Selects with ``*`` keep the plain view (no extra column leaks).
    """
    if not partitioned:
        return tree
    for select in list(tree.find_all(exp.Select)):
        where = select.args.get("where")
        if where is None or any(isinstance(e, exp.Star) or
                                (isinstance(e, exp.Column) and isinstance(e.this, exp.Star))
                                for e in select.expressions):
            continue
        tables = [t for t in select.find_all(exp.Table)
                  if t.parent_select is select and t.name in partitioned and not t.args.get("db")]
        if len(tables) != 1:
            continue
        table = tables[0]
        part, source = partitioned[table.name]
        alias = table.alias_or_name
        n_sources = len([t for t in select.find_all(exp.Table) if t.parent_select is select])
        extra: list[exp.Expression] = []
        for cond in where.this.flatten() if isinstance(where.this, exp.And) else [where.this]:
            pairs: list[tuple[str, exp.Expression]] = []
            if isinstance(cond, exp.Between) and _is_col(cond.this, source, alias, n_sources):
                pairs = [(">=", cond.args["low"]), ("<=", cond.args["high"])]
            elif type(cond) in _RANGE:
                left, right = cond.this, cond.expression
                op = _RANGE[type(cond)]
                if _is_col(left, source, alias, n_sources) and _is_const(right):
                    pairs = [(op, right)]
                elif _is_col(right, source, alias, n_sources) and _is_const(left):
                    pairs = [({">=": "<=", "<=": ">="}[op], left)]
            for op, bound in pairs:
                cast = exp.Cast(this=bound.copy(), to=exp.DataType.build("DATE"))
                col = exp.column(part, alias)
                extra.append(exp.GTE(this=col, expression=cast) if op == ">="
                             else exp.LTE(this=col, expression=cast))
        if extra:
            table.set("this", exp.to_identifier(HIDDEN_PREFIX + table.name))
            if not table.alias:
                table.set("alias", exp.TableAlias(this=exp.to_identifier(alias)))
            for e in extra:
                select.where(e, append=True, copy=False)
    return tree


def _is_col(node: exp.Expression, name: str, alias: str, n_sources: int) -> bool:
    if not isinstance(node, exp.Column) or node.name != name:
        return False
    return node.table == alias or (not node.table and n_sources == 1)


def _is_const(node: exp.Expression) -> bool:
    return not any(isinstance(n, exp.Column | exp.Query) for n in node.walk())


__all__ = ["HIDDEN_PREFIX", "prune_partitions", "spark_compat", "to_spark", "wide_sum"]
