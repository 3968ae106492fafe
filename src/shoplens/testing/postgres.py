"""A throwaway PostgreSQL server on 127.0.0.1, for tests and benchmarks.

``initdb`` into a temporary folder and ``pg_ctl start`` on a free port; as root, both
run as the ``postgres`` user (the server refuses root). ``stop()`` shuts it down and
removes the folder. Nothing listens beyond loopback.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg


def _bindir() -> Path:
    env = os.environ.get("SHOPLENS_PG_BINDIR")
    if env:
        return Path(env)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("initdb")
    if which:
        return Path(which).resolve().parent
    raise RuntimeError("PostgreSQL server binaries not found: apt-get install -y postgresql")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PostgresServer:
    """A running throwaway server; use as a context manager or call ``stop()``."""

    port: int = 0
    datadir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="shoplens-pg-")))
    settings: dict[str, str] = field(default_factory=dict)
    #: reuse the cluster already in ``datadir`` and leave it there on stop (a benchmark's
    #: data set, generated once and started again with other settings)
    keep: bool = False
    _as_postgres: bool = field(default=False, init=False)

    def _cmd(self, *args: str) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if self._as_postgres else list(args)

    def start(self) -> PostgresServer:
        bindir = _bindir()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.datadir, "postgres", "postgres")
        self.port = self.port or _free_port()
        data = str(self.datadir / "data")
        if self._as_postgres:
            os.chmod(self.datadir, 0o755)
        if not (self.keep and (self.datadir / "data" / "PG_VERSION").exists()):
            subprocess.run(
                self._cmd(str(bindir / "initdb"), "-D", data, "-U", "postgres",
                          "--auth=trust", "--encoding=UTF8", "--locale=C"),
                check=True, capture_output=True,
            )
        opts = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.datadir),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "shared_buffers": "512MB",
            "work_mem": "64MB",
            "maintenance_work_mem": "512MB",
            "max_wal_size": "4GB",
            **self.settings,
        }
        flags = " ".join(f"-c {k}={v}" for k, v in opts.items())
        subprocess.run(
            self._cmd(str(bindir / "pg_ctl"), "-D", data, "-o", flags, "-l",
                      str(self.datadir / "server.log"), "-w", "-t", "60", "start"),
            check=True, capture_output=True,
        )
        return self

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url_for(self, dbname: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, prefix: str = "shoplens") -> str:
        """A fresh, empty database; returns its URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[-1]
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        data = str(self.datadir / "data")
        if Path(data).exists():
            subprocess.run(
                # a kept cluster shuts down cleanly: no crash recovery at its next start
                self._cmd(str(_bindir() / "pg_ctl"), "-D", data, "-m",
                          "fast" if self.keep else "immediate", "-w", "stop"),
                check=False, capture_output=True,
            )
        if not self.keep:
            shutil.rmtree(self.datadir, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
