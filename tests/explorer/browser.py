"""``shoplens serve`` in a subprocess and Debian's Chromium driven by Playwright.

Playwright's own browser download is never used: the system ``chromium`` is launched
through ``executable_path`` with the flags the report tests use.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]
SRC = Path(__file__).resolve().parents[2] / "src"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving(db_url: str, store: Path, log: Path) -> Iterator[str]:
    """Run ``shoplens serve`` on a free loopback port; yields its base URL."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(SRC), *filter(None, [os.environ.get("PYTHONPATH")])])}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "shoplens.cli.app", "serve", "--db", db_url, "--port",
             str(port), "--store", str(store)], stdout=out, stderr=subprocess.STDOUT, env=env,
            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/api/status", timeout=5).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"shoplens serve did not start:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)


#: JavaScript: true once the page's result (or overview) has finished, with or without error
SETTLED = """() => { const boxes = document.querySelectorAll('#result, #overview, #panel, article.tile');
  return [...boxes].every(b => b.dataset.state && b.dataset.state !== 'running'); }"""

#: JavaScript: the result table as rows of cell values (raw, as the server sent them)
TABLE = """() => [...document.querySelectorAll('#result table.result-table tbody tr')].map(
  tr => [...tr.querySelectorAll('td')].map(td => td.dataset.value))"""


def settle(page: Any, timeout: float = 30_000) -> str:
    """Wait until every result on the page is drawn; returns the result's state."""
    page.wait_for_function(SETTLED, timeout=timeout)
    box = page.query_selector("#result, #overview, #panel")
    return box.get_attribute("data-state") if box else "done"
