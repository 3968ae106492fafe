"""Errors of the search-engine layer (all ShopLens errors: the CLI prints them cleanly)."""

from __future__ import annotations

from shoplens.errors import ShopLensError


class SearchUnavailableError(ShopLensError):
    """The search engine cannot be reached (down, wrong URL, refused TLS or credentials)."""


class BulkIndexError(ShopLensError):
    """Some documents were rejected by the search engine; ``report`` says which and why."""

    def __init__(self, message: str, report: object) -> None:
        super().__init__(message)
        self.report = report


def summarize(exc: BaseException) -> str:
    """One line for a search-engine error: status, error type and the deepest reason the
    server gave, instead of its whole error document."""
    status = getattr(exc, "status_code", None)
    info = getattr(exc, "info", None)
    error = info.get("error") if isinstance(info, dict) else None
    if not isinstance(error, dict):
        text = str(getattr(exc, "error", "") or exc) or type(exc).__name__
        return " ".join(f"{status or ''} {text}".split())[:300]
    reason = _deepest(error)
    kind = error.get("type") or ""
    parts = [str(status) if status and status != "N/A" else "", str(kind), reason]
    return " ".join(" ".join(p for p in parts if p).split())[:300]


def _deepest(error: dict) -> str:
    """The most specific reason: a failed shard's cause, else the root cause, else the
    error's own reason."""
    for shard in error.get("failed_shards") or []:
        reason = shard.get("reason") if isinstance(shard, dict) else None
        if isinstance(reason, dict):
            cause = reason.get("caused_by")
            if isinstance(cause, dict) and cause.get("reason"):
                return f"{reason.get('reason', '')}: {cause['reason']}".lstrip(": ")
            if reason.get("reason"):
                return str(reason["reason"])
    for cause in error.get("root_cause") or []:
        if isinstance(cause, dict) and cause.get("reason"):
            return str(cause["reason"])
    cause = error.get("caused_by")
    if isinstance(cause, dict) and cause.get("reason"):
        return f"{error.get('reason', '')}: {cause['reason']}".lstrip(": ")
    return str(error.get("reason") or "")
