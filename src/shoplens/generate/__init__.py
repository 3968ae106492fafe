"""The synthetic shop: users with hidden personas, a catalogue, sessions with view → cart →
purchase funnels, and site searches, written in the platform-csv layout.

Python API::

    from shoplens.generate import GenerateParams, generate
    summary = generate(GenerateParams(users=20_000, months=12, seed=7), Path("data/shop"))

    from shoplens.generate import generate_tables      # in memory, Arrow tables
    shop = generate_tables(GenerateParams(events=1_000_000))

See ``docs/generator.md`` for the model behind the numbers.
"""

from __future__ import annotations

import time
from pathlib import Path

from shoplens.generate.generator import ProgressFn, ShopData, generate_tables, users_for_events
from shoplens.generate.params import GenerateParams, GenerateSummary
from shoplens.generate.personas import PERSONA_NAMES
from shoplens.generate.writer import CSV_FILES, PARQUET_FILES, write_shop

#: share of the progress bar spent generating (the rest is writing)
GENERATE_SHARE = 0.6


def generate(params: GenerateParams, out: Path, progress: ProgressFn | None = None
             ) -> GenerateSummary:
    """Generate a shop and write it to the folder ``out``.

    Parameters
    ----------
    params
        Size, period and seed (:class:`GenerateParams`).
    out
        Folder to write the platform-csv layout (or Parquet) into; created if missing.
    progress
        Optional callback ``progress(description, fraction_done)``.

    Returns
    -------
    GenerateSummary
        Counts of what was written (users, products, sessions, events by legacy type,
        searches, users per persona) and the files.

    Notes
    -----
    The same parameters give byte-identical files. Every event of a user lies at or after
    the user's sign-up time (the first session is the sign-up visit), and before the end of
    the period (``start`` plus ``months``, exclusive).
    """
    t0 = time.perf_counter()
    report = progress or (lambda _d, _f: None)
    data = generate_tables(params, lambda desc, frac: report(desc, GENERATE_SHARE * frac))

    def write_progress(desc: str, frac: float) -> None:
        report(desc, GENERATE_SHARE + (1 - GENERATE_SHARE) * frac)

    files = write_shop(data, Path(out), parquet=params.parquet, progress=write_progress)
    return summarize(params, data, Path(out), files, time.perf_counter() - t0)


def summarize(params: GenerateParams, data: ShopData, out: Path | None = None,
              files: list[Path] | None = None, seconds: float = 0.0) -> GenerateSummary:
    return GenerateSummary(
        out=out,
        seed=params.seed,
        start=data.start,
        end=data.end,
        users=data.users.num_rows,
        products=data.products.num_rows,
        sessions=data.sessions,
        events=data.events.num_rows,
        searches=data.search_logs.num_rows,
        event_counts=data.event_counts(),
        personas=data.persona_counts(),
        files=files or [],
        seconds=seconds,
    )


__all__ = [
    "CSV_FILES",
    "PARQUET_FILES",
    "PERSONA_NAMES",
    "GenerateParams",
    "GenerateSummary",
    "ProgressFn",
    "ShopData",
    "generate",
    "generate_tables",
    "summarize",
    "users_for_events",
]
