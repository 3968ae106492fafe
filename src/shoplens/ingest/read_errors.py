"""A file the scratch DuckDB cannot read, as one :class:`InputError` naming file and line.

DuckDB's CSV reader reports a problem deep in a file (past what was sniffed) from inside
the stream, as a several-line text; the Arrow reader that streams the rows re-raises it
as an ``OSError``. Either way the user gets one line: the file, the line, what is wrong
with it in plain words, and what to do.
"""

from __future__ import annotations

import re

from shoplens.errors import InputError

_LINE = re.compile(r"CSV Error on Line: (\d+)")
_COLUMNS = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")


def read_error(exc: BaseException, file: str) -> InputError:
    """The :class:`InputError` for ``exc`` raised while reading ``file``."""
    text = " ".join(str(exc).split())
    m = _LINE.search(text)
    line = int(m.group(1)) if m else None
    if "Invalid unicode" in text or "not utf-8 encoded" in text:
        what = ("the line is not UTF-8 text (the start of the file is, so the file was read "
                "as UTF-8); save the file as UTF-8 and load it again")
    elif (cols := _COLUMNS.search(text)) is not None:
        expected, found = (int(n) for n in cols.groups())
        # DuckDB stops counting one cell past the header
        what = (f"the row has {'more' if found > expected else 'fewer'} cells than the "
                f"header's {expected} (a missing or extra delimiter, or an unclosed quote "
                "above it)")
    elif "Value with unterminated quote" in text or "unterminated quote" in text:
        what = "a quoted field is not closed"
    elif "state machine reached an invalid state" in text:
        what = ("the file cannot be parsed as CSV from this point: its lines may switch "
                "between CRLF and LF endings past its first 4 MB (save it with one kind of "
                "line ending), or a quote may be misplaced")
    else:
        first = text.split(" Possible Solution")[0].split(" Possible fixes")[0]
        what = f"cannot read the file: {first[:300]}"
    return InputError(what, file=file, line=line)
