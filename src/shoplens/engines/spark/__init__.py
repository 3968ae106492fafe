"""Apache Spark over a Parquet lake (PySpark; local mode or a cluster).

``spark://local[2]?lake=PATH`` runs Spark in this process's JVM on two cores;
``spark://HOST:PORT?lake=PATH`` connects to a standalone cluster (the lake path must
then be readable by every executor: a shared filesystem). Tables are Parquet folders in
the lake (see :mod:`shoplens.lake.catalog`), registered as temporary views; ``events``
is partitioned by event date, Hive-style.

Parquet files cannot be changed in place, so the engine keeps PostgreSQL's semantics
itself: a transaction stages new files under ``LAKE/_staging/<tx>`` and a commit renames
them into place (journalled, all or nothing); DELETE and UPDATE rewrite the partitions
holding matching rows; ``INSERT … ON CONFLICT DO NOTHING`` is an anti-join on the key.
Queries see their own transaction's staged writes. Statements the lake cannot run
(MERGE, UPDATE … FROM, …) raise :class:`~shoplens.errors.UnsupportedOperationError`.

Engine-specific SQL lives in this engine, never in the analyses: :mod:`.spark_sql`
rewrites SQLGlot's Spark output where it would fail or change a number, and adds the
partition range implied by a range on ``events.event_time``, so Spark reads only the
partitions a query can touch.

Schemas: ``CREATE SCHEMA x`` makes a new, empty lake in ``LAKE/_schemas/x`` (at commit),
``SET SCHEMA 'x'`` switches the engine to it (``'default'``: the lake's own tables;
``current_schema()`` says which), ``DROP SCHEMA x CASCADE`` removes it. This is what
``shoplens bench --events N`` needs to fill and drop a scratch schema.
"""

from __future__ import annotations

from shoplens.engines.spark.engine import SparkEngine
from shoplens.engines.spark.session import (
    DEFAULT_SCHEMA,
    SCHEMAS_DIR,
    SparkOptions,
    spark_session,
    stop_spark,
)

__all__ = ["DEFAULT_SCHEMA", "SCHEMAS_DIR", "SparkEngine", "SparkOptions", "spark_session",
           "stop_spark"]
