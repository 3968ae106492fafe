"""The bundled search engine: an ``osmem-server`` process on a free loopback port.

``osmem-server`` (PyPI ``osmem-server``) is an in-memory OpenSearch-compatible server in
a wheel. Commands that need a search engine and get no ``--search`` URL start one,
index what they need from the database, and stop it when done; nothing is kept.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from shoplens.search.errors import SearchUnavailableError


def _binary() -> str:
    try:
        from osmem_server import resolve_binary
    except ImportError as exc:  # pragma: no cover - dependency of the package
        raise SearchUnavailableError("osmem-server is not installed: pip install osmem-server") from exc
    return resolve_binary()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class BundledServer:
    """Start/stop ``osmem-server -addr 127.0.0.1:PORT -no-stdin-watch``.

    Use as a context manager. The process is also told our pid (``-parent-pid``) so it
    exits if we die without stopping it.
    """

    def __init__(
        self, *, port: int | None = None, startup_timeout: float = 30.0, log: Path | None = None
    ) -> None:
        self.port = port
        self.startup_timeout = startup_timeout
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        if self.port is None:
            raise SearchUnavailableError("bundled search server not started")
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> BundledServer:
        for _attempt in range(3):  # another process may take the port between probe and bind
            self.port = self.port or free_port()
            args = [
                _binary(),
                "-addr",
                f"127.0.0.1:{self.port}",
                "-no-stdin-watch",
                "-no-ja",
                "-parent-pid",
                str(os.getpid()),
            ]
            sink = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115
            try:
                self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink)
            except OSError as exc:
                raise SearchUnavailableError(f"cannot start osmem-server ({args[0]}): {exc}") from exc
            finally:
                if self.log:
                    sink.close()  # type: ignore[union-attr]
            if self._wait_ready():
                return self
            self.stop()
            self.port = None
        raise SearchUnavailableError(
            f"bundled osmem-server did not answer on 127.0.0.1 within {self.startup_timeout:.0f} s"
        )

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(self.url + "/", timeout=1.0) as resp:
                    if resp.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                time.sleep(0.05)
        return False

    def stop(self, grace: float = 5.0) -> None:
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def __enter__(self) -> BundledServer:
        return self.start() if not self.running else self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
