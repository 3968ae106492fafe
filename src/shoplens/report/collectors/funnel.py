"""The funnel: view → cart → purchase from :mod:`shoplens.metrics` (per session and
per user), and the journey stages from :mod:`shoplens.events` when it has run."""

from __future__ import annotations

from typing import Any

from shoplens.report.collectors import NotAvailable, ReportContext
from shoplens.report.collectors.kpis import metrics_result
from shoplens.report.model import FunnelSection, FunnelStep


def _steps(f: Any) -> list[FunnelStep]:
    return [
        FunnelStep(stage="view", count=f.entered, from_previous=None,
                   from_first=1.0 if f.entered else None),
        FunnelStep(stage="cart", count=f.carted, from_previous=f.view_to_cart,
                   from_first=f.view_to_cart),
        FunnelStep(stage="purchase", count=f.purchased, from_previous=f.cart_to_purchase,
                   from_first=f.view_to_purchase),
    ]


def stage_steps(doc: dict[str, Any]) -> list[FunnelStep]:
    return [FunnelStep(stage=s["stage"], count=int(s["sessions"]),
                       from_previous=s["session_rate_from_previous"],
                       from_first=s["session_rate_from_start"])
            for s in doc.get("funnel", []) if s.get("tracked", True)]


def collect(ctx: ReportContext) -> FunnelSection:
    try:
        r = metrics_result(ctx)
    except NotAvailable:
        if "events" not in ctx.cache:
            raise
        steps = stage_steps(ctx.cache["events"])
        return FunnelSection(basis="sessions", steps=steps, stage_steps=steps,
                             source="shoplens.events (journey stages)")
    session = next((f for f in r.funnel if f.level == "session"), None)
    user = next((f for f in r.funnel if f.level == "user"), None)
    if session is None or not session.entered:
        return FunnelSection.unavailable("no data: no session has a view")
    events_doc = ctx.cache.get("events")
    return FunnelSection(
        basis="sessions", steps=_steps(session), user_steps=_steps(user) if user else [],
        cart_abandonment=session.cart_abandonment, window_hours=r.window_hours,
        stage_steps=stage_steps(events_doc) if events_doc else [],
        source=f"shoplens.metrics ({r.form} form, {r.window_hours:g} h conversion window)",
    )
