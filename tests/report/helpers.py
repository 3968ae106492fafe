"""Helpers of the report tests: PDF pages and the in-page check."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def pdf_pages(pdf: Path, out: Path) -> list[Path]:
    """Render every page of ``pdf`` to PNG with poppler's pdftoppm."""
    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm (poppler-utils) is not installed; scripts/test.sh installs it")
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(out / "page")], check=True,
                   capture_output=True)
    return sorted(out.glob("page*.png"))


# The page check run inside Chromium: section ids, what each shows, and broken images.
PAGE_CHECK = """JSON.stringify({
  sections: [...document.querySelectorAll('main > section[id]')].map(s => ({
      id: s.id, unavailable: s.querySelector('.unavailable') !== null,
      text: s.innerText.length, figures: s.querySelectorAll('figure').length})),
  brokenImages: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).length,
  plots: [...document.querySelectorAll('.js-plotly-plot')].map(p => p.id),
  plotsDrawn: [...document.querySelectorAll('.js-plotly-plot')]
      .filter(p => p.querySelector('svg.main-svg') !== null).length,
  censoredCells: document.querySelectorAll('td.censored').length,
  censoredText: [...document.querySelectorAll('td.censored')].map(td => td.innerText).join(''),
})"""
