"""CSV files whose lines end in both CRLF and LF (a file appended to on two systems).

DuckDB's CSV reader takes one line ending per file; a file that mixes them stops it
(at best with "the CSV parser state machine reached an invalid state"). Such a file is
read through a copy with every CRLF turned into LF, in the load's scratch folder.
Mixing is detected in the first megabytes; mixing that starts later is reported in
:mod:`shoplens.ingest.read_errors` as what it is.
"""

from __future__ import annotations

import re
from pathlib import Path

_HEAD_BYTES = 4 << 20
_CHUNK = 8 << 20
_BARE_LF = re.compile(rb"(?<!\r)\n")


def mixes_line_endings(path: Path) -> bool:
    """Whether the start of ``path`` has lines ending in CRLF and others in LF."""
    with path.open("rb") as fh:
        head = fh.read(_HEAD_BYTES)
    return b"\r\n" in head and _BARE_LF.search(head) is not None


def with_lf_endings(path: Path, folder: Path) -> Path:
    """A copy of ``path`` in ``folder`` with CRLF line endings turned into LF."""
    out = folder / f"lf-{path.name}"
    with path.open("rb") as src, out.open("wb") as dst:
        carry = b""
        while chunk := src.read(_CHUNK):
            chunk = carry + chunk
            carry = b"\r" if chunk.endswith(b"\r") else b""
            if carry:
                chunk = chunk[:-1]
            dst.write(chunk.replace(b"\r\n", b"\n"))
        dst.write(carry)
    return out
