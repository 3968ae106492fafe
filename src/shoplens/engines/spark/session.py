"""The Spark side of the engine: options from a ``spark://`` URL, the process's
SparkSession (started once, quiet, no UI), and the schema names the lake uses."""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from shoplens.errors import ConfigError

#: the lake's own tables: what ``current_schema()`` says before any ``SET SCHEMA``
DEFAULT_SCHEMA = "default"
#: other schemas are whole lakes in ``LAKE/_schemas/<name>`` (readers skip ``_`` folders)
SCHEMAS_DIR = "_schemas"
_SCHEMA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# SET SCHEMA 'x' (PostgreSQL's and DuckDB's spelling) and SET search_path TO x
_SET_SCHEMA = re.compile(
    r"""\s*SET\s+(?:SCHEMA\s+|search_path\s*(?:TO\b|=)\s*)(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1\s*;?\s*""",
    re.IGNORECASE)

_LOG4J = """\
rootLogger.level = fatal
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


@dataclass(frozen=True)
class SparkOptions:
    """What a ``spark://`` URL says."""

    master: str = "local[2]"
    lake: str = "shoplens-lake"
    shuffle_partitions: int = 4
    driver_memory: str = "2g"

    @classmethod
    def from_url(cls, url: str) -> SparkOptions:
        if not url.startswith("spark://"):
            raise ConfigError(f"not a spark URL: {url!r}")
        # urlsplit rejects the brackets of local[*]: split by hand.
        rest = url[len("spark://"):]
        host, _, query = rest.partition("?")
        args = {k: v[-1] for k, v in parse_qs(query, keep_blank_values=True).items()}
        unknown = set(args) - {"lake", "shuffle_partitions", "driver_memory"}
        if unknown:
            raise ConfigError(f"unknown spark URL option(s) {sorted(unknown)}: "
                              "use lake=PATH, shuffle_partitions=N, driver_memory=4g")
        host = host.rstrip("/") or "local[2]"
        master = host if host.startswith("local") else f"spark://{host}"
        try:
            partitions = int(args.get("shuffle_partitions", 4))
        except ValueError as exc:
            raise ConfigError(f"shuffle_partitions must be a number in {url!r}") from exc
        lake = args.get("lake") or os.environ.get("SHOPLENS_LAKE") or "shoplens-lake"
        return cls(master, lake, partitions, args.get("driver_memory", "2g"))


_SESSION_LOCK = threading.Lock()
_ROOT_SESSIONS: dict[str, Any] = {}

# Runtime SQL settings every engine session gets (ShopLens semantics, not tuning).
_SQL_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    "spark.sql.parquet.datetimeRebaseModeInWrite": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInWrite": "CORRECTED",
    "spark.sql.sources.parallelPartitionDiscovery.threshold": "4096",
}


def spark_session(opts: SparkOptions) -> Any:
    """The process's SparkSession for ``opts.master`` (started once, quiet, no UI)."""
    with _SESSION_LOCK:
        if opts.master in _ROOT_SESSIONS:
            return _ROOT_SESSIONS[opts.master]
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        os.environ.setdefault("PYARROW_IGNORE_TIMEZONE", "1")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            try:
                from pyspark.sql import SparkSession
            except ImportError as exc:
                raise ConfigError(
                    "the spark engine needs PySpark: pip install 'shoplens[spark]'") from exc
        log4j = Path(tempfile.gettempdir(), "shoplens-log4j2.properties")
        log4j.write_text(_LOG4J, encoding="utf-8")
        java_opts = f"-Dlog4j2.configurationFile=file:{log4j} -Dlog4j.configurationFile=file:{log4j}"
        builder = (
            SparkSession.builder.appName("shoplens").master(opts.master)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.memory", opts.driver_memory)
            .config("spark.driver.extraJavaOptions", java_opts)
            .config("spark.sql.shuffle.partitions", str(opts.shuffle_partitions))
            .config("spark.default.parallelism", str(max(2, opts.shuffle_partitions)))
            .config("spark.sql.warehouse.dir", str(Path(tempfile.gettempdir(), "shoplens-spark-wh")))
        )
        for key, value in _SQL_CONF.items():
            builder = builder.config(key, value)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)
                session = builder.getOrCreate()
        except Exception as exc:  # Java missing, port clash, bad master URL
            raise ConfigError(f"cannot start Spark ({opts.master}): {exc}") from exc
        session.sparkContext.setLogLevel("FATAL")
        # PySpark logs every failed query as a JSON record before raising it; the engine
        # raises it as one readable ShopLensError instead.
        for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        _ROOT_SESSIONS[opts.master] = session
        return session


def stop_spark() -> None:
    """Stop every SparkSession this process started (tests and benchmarks call it)."""
    with _SESSION_LOCK:
        for session in _ROOT_SESSIONS.values():
            session.stop()
        _ROOT_SESSIONS.clear()



__all__ = ["DEFAULT_SCHEMA", "SCHEMAS_DIR", "SparkOptions", "spark_session", "stop_spark"]
