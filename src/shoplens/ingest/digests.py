"""SHA-256 digests of the files of a load: an identical file an earlier load recorded is
skipped, and every file's digest is kept in ``load_files``."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from shoplens.engines import Engine


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(8 << 20):
            h.update(chunk)
    return h.hexdigest()


def head_sha256(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.sha256(fh.read(1 << 20)).hexdigest()


class Digests:
    """SHA-256 of every file. A file that no earlier load could have read (no earlier file
    of that size and first MiB) is hashed on a background thread while it loads; the
    others are hashed first, to be skipped if identical."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        self.sizes = [p.stat().st_size for p in paths]
        self.heads = [head_sha256(p) for p in paths]
        self.full: dict[int, str] = {}
        self._thread: threading.Thread | None = None

    def candidates(self, engine: Engine) -> dict[int, dict[str, int]]:
        """For files an earlier load may have read: their earlier digests -> load id."""
        out: dict[int, dict[str, int]] = {}
        for i, (size, head) in enumerate(zip(self.sizes, self.heads, strict=True)):
            rows = engine.fetch_all(
                "SELECT sha256, load_id FROM load_files WHERE size = :size AND head_sha256 = :head",
                {"size": size, "head": head})
            if rows:
                out[i] = {str(d): int(lid) for d, lid in rows}
                self.full[i] = sha256_of(self.paths[i])
        return out

    def start(self) -> None:
        todo = [i for i in range(len(self.paths)) if i not in self.full]

        def run() -> None:
            for i in todo:
                self.full[i] = sha256_of(self.paths[i])

        self._thread = threading.Thread(target=run, name="shoplens-sha256", daemon=True)
        self._thread.start()

    def result(self) -> list[str]:
        if self._thread is not None:
            self._thread.join()
        return [self.full[i] for i in range(len(self.paths))]
