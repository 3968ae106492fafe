"""The row ids a load has seen so far, for its duplicate check.

A load asks, batch after batch, "is any id of this batch one seen before?". Most batches
of real exports answer no, and asking a table of everything seen costs a scan of that
table per batch, which grows with the load (quadratic over a big file). Here the answer
costs about the batch's own size: a bitmap over the ids' low bits rules out nearly every
id at once (the ids are 63-bit hashes, so their low bits are uniform), and the few it
cannot rule out are looked up exactly in sorted runs of the ids seen (one run per batch,
merged into one now and then). Only a batch that really holds a repeated id takes the
slow, exact path that also finds the earlier line.

Memory: 8 bytes per id seen plus a 32 MiB bitmap, up to :data:`MAX_IDS` ids; a load that
sees more stops using it (``overflowed``) and asks the scratch table, which spills to disk.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

#: bits of the prefilter (2^28: 32 MiB; false positives stay under 4% up to 10M ids)
BITMAP_BITS = 1 << 28
#: sorted runs kept before they are merged into one (a run per batch until then: the
#: prefilter leaves few ids to look up, so many runs cost little)
MAX_RUNS = 64
#: ids kept at most (8 bytes each: 384 MiB); past that the set gives up (``overflowed``)
MAX_IDS = 48_000_000


def as_int64(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A non-null integer id column as numpy int64."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    return col.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)


class SeenIds:
    """A set of int64 ids answering "any of these?" in time proportional to the query."""

    def __init__(self, bits: int = BITMAP_BITS, max_ids: int | None = None) -> None:
        if bits & (bits - 1) or bits < 8:
            raise ValueError("bits must be a power of two, at least 8")
        self._mask = bits - 1
        self._bitmap = np.zeros(bits >> 3, dtype=np.uint8)
        self._runs: list[np.ndarray] = []
        self.size = 0
        self.max_ids = MAX_IDS if max_ids is None else max_ids
        #: more ids were added than it keeps: it can no longer answer
        self.overflowed = False

    def _slots(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        low = ids & self._mask
        return low >> 3, (low & 7).astype(np.uint8)

    def any_seen(self, ids: np.ndarray) -> bool:
        """Whether any of ``ids`` was added before (not to be asked once ``overflowed``)."""
        if self.overflowed:
            raise RuntimeError("the set of seen ids overflowed; ask the scratch table")
        if not self.size or not len(ids):
            return False
        byte, bit = self._slots(ids)
        maybe = (self._bitmap[byte] >> bit) & 1
        candidates = np.sort(ids[maybe.astype(bool)])
        for run in self._runs:
            if not len(candidates):
                return False
            pos = np.minimum(np.searchsorted(run, candidates), len(run) - 1)
            if (run[pos] == candidates).any():
                return True
        return False

    def add(self, ids: np.ndarray, *, ordered: bool = False) -> None:
        """Remember ``ids`` (ids not seen before, each once; ``ordered``: already sorted)."""
        if not len(ids) or self.overflowed:
            return
        if self.size + len(ids) > self.max_ids:
            self.overflowed = True
            self._runs, self._bitmap = [], np.zeros(0, dtype=np.uint8)  # free the memory
            return
        byte, bit = self._slots(ids)
        for b in range(8):  # one bit position at a time: repeated bytes set the same bit
            sel = bit == b
            self._bitmap[byte[sel]] |= np.uint8(1 << b)
        self._runs.append(ids if ordered else np.sort(ids))
        if len(self._runs) > MAX_RUNS:  # rarely: one run again
            self._runs = [np.sort(np.concatenate(self._runs))]
        self.size += len(ids)


def sorted_if_unique(ids: np.ndarray) -> np.ndarray | None:
    """``ids`` sorted, or None when some id occurs twice."""
    ordered = np.sort(ids)
    if len(ordered) > 1 and (ordered[1:] == ordered[:-1]).any():
        return None
    return ordered
