"""Open a page in headless Chromium over the Chrome DevTools protocol.

Chromium is started with remote debugging on 127.0.0.1 (a free port it picks and writes
to ``DevToolsActivePort``); a ``websockets`` client enables the Runtime, Log, Network and
Page domains, navigates, records console errors, uncaught exceptions and every request
the page makes, evaluates checks in the page and takes a full-page screenshot.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-default-apps", "--disable-extensions", "--remote-allow-origins=*"]


@dataclass
class PageVisit:
    console_errors: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    evaluated: Any = None
    screenshot: Path | None = None


class _Session:
    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.ids = itertools.count(1)
        self.events: list[dict] = []

    def send(self, method: str, params: dict | None = None, timeout: float = 60) -> dict:
        msg_id = next(self.ids)
        self.ws.send(json.dumps({"id": msg_id, "method": method, "params": params or {}}))
        deadline = time.monotonic() + timeout
        while True:
            msg = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if msg.get("id") == msg_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            self.events.append(msg)

    def wait_for(self, method: str, timeout: float = 60) -> dict:
        for i, ev in enumerate(self.events):
            if ev.get("method") == method:
                return self.events.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            msg = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if msg.get("method") == method:
                self.events.append(msg)
                return msg
            self.events.append(msg)

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                self.events.append(json.loads(self.ws.recv(timeout=left)))
            except TimeoutError:
                return



def _devtools_port(profile: Path, proc: subprocess.Popen, timeout: float = 30) -> int:
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if marker.exists() and marker.read_text().strip():
            return int(marker.read_text().split()[0])
        if proc.poll() is not None:
            raise RuntimeError(f"chromium exited with {proc.returncode}")
        time.sleep(0.1)
    raise TimeoutError("chromium did not open its DevTools port")


def visit(page: Path, *, expression: str, screenshot: Path | None = None,
          width: int = 1280, settle: float = 1.5) -> PageVisit:
    """Load ``page`` (a local file), run ``expression`` in it, return what happened."""
    result = PageVisit()
    # Chromium's helpers (crashpad, utility processes) may outlive the browser process
    # and still write into the profile: they run in a process group of their own that
    # is ended whole, and leftovers of the profile never fail the check.
    with tempfile.TemporaryDirectory(prefix="shoplens-chromium-", ignore_cleanup_errors=True) as tmp:
        profile = Path(tmp)
        proc = subprocess.Popen(
            [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0",
             "--remote-debugging-address=127.0.0.1", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            port = _devtools_port(profile, proc)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                targets = json.load(r)
            page_target = next(t for t in targets if t.get("type") == "page")
            with connect(page_target["webSocketDebuggerUrl"], max_size=None,
                         open_timeout=20) as ws:
                s = _Session(ws)
                for domain in ("Runtime", "Log", "Network", "Page"):
                    s.send(f"{domain}.enable")
                s.send("Emulation.setDeviceMetricsOverride",
                       {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False})
                s.send("Page.navigate", {"url": page.resolve().as_uri()})
                s.wait_for("Page.loadEventFired", timeout=90)
                s.drain(settle)
                value = s.send("Runtime.evaluate", {"expression": expression,
                                                    "returnByValue": True, "awaitPromise": True})
                result.evaluated = value.get("result", {}).get("value")
                if screenshot is not None:
                    height = s.send("Runtime.evaluate", {
                        "expression": "document.documentElement.scrollHeight",
                        "returnByValue": True})["result"]["value"]
                    s.send("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": int(height), "deviceScaleFactor": 1,
                            "mobile": False})
                    s.drain(0.5)
                    shot = s.send("Page.captureScreenshot", {"format": "png",
                                                             "captureBeyondViewport": True})
                    screenshot.write_bytes(base64.b64decode(shot["data"]))
                    result.screenshot = screenshot
                s.drain(0.2)
                for ev in s.events:
                    method, params = ev.get("method"), ev.get("params", {})
                    if method == "Runtime.consoleAPICalled" and params.get("type") in (
                            "error", "assert"):
                        result.console_errors.append(
                            " ".join(str(a.get("value", a.get("description", "")))
                                     for a in params.get("args", [])))
                    elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                        result.console_errors.append(params["entry"]["text"])
                    elif method == "Runtime.exceptionThrown":
                        d = params["exceptionDetails"]
                        result.exceptions.append(
                            d.get("exception", {}).get("description") or d.get("text", ""))
                    elif method == "Network.requestWillBeSent":
                        result.requests.append(params["request"]["url"])
        finally:
            _end_group(proc)
    return result


def _end_group(proc: subprocess.Popen) -> None:
    """Stop the browser and every process it started (its session's process group)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            continue
        if sig == signal.SIGTERM:
            time.sleep(0.2)  # helpers end a moment after the browser; then stragglers go
