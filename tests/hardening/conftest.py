"""Fixtures for the hardening tests: the command line run exactly as installed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def shoplens(capsys: pytest.CaptureFixture[str]) -> Callable[..., Run]:
    """``shoplens ARGS`` through the installed entry point's error handling (unlike the
    ``cli`` fixture, which re-raises unexpected exceptions): what a user sees."""
    from shoplens.cli.app import app
    from shoplens.cli.common import console, out, run_app, set_debug

    def run(*args: object) -> Run:
        capsys.readouterr()
        set_debug(False)
        widths = console.width, out.width
        console.width = out.width = 250  # whole cells on one line, for the assertions
        try:
            code = run_app(app, [str(a) for a in args])
        finally:
            set_debug(False)
            console.width, out.width = widths
        stdout, stderr = capsys.readouterr()
        return Run(code, stdout, stderr)

    return run


from shoplens.search.testing import search_client, search_server, search_url  # noqa: E402, F401
