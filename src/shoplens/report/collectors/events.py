"""The event analysis document (taxonomy, funnel, patterns, insights), computed once."""

from __future__ import annotations

from typing import Any

from shoplens.report.collectors import ReportContext, require


def events_doc(ctx: ReportContext) -> dict[str, Any]:
    """``shoplens.events.insights.analyze`` with the context's LLM provider, once.

    A failure is remembered too, so the sections that need it report the same error
    without running the analysis again.
    """
    if "events_error" in ctx.cache:
        raise ctx.cache["events_error"]
    if "events" not in ctx.cache:
        insights = require("shoplens.events.insights", "analyze", "InsightsParams")
        llm = require("shoplens.llm", "LLMSettings")
        params = insights.InsightsParams(llm=llm.LLMSettings(provider=ctx.llm))
        try:
            ctx.cache["events"] = insights.analyze(ctx.engine, params)
        except Exception as exc:
            ctx.cache["events_error"] = exc
            raise
    return ctx.cache["events"]


def patterns_doc(ctx: ReportContext) -> dict[str, Any]:
    """The patterns and the stage funnel: from the analysis if it ran, else computed
    directly (they need no language model, so a failing LLM does not hide them)."""
    try:
        return events_doc(ctx)
    except Exception:
        if "patterns" not in ctx.cache:
            pats = require("shoplens.events.patterns", "patterns")
            fun = require("shoplens.events.funnel", "funnel")
            ctx.cache["patterns"] = {
                "patterns": pats.patterns(ctx.engine),
                "funnel": [s.to_json() for s in fun.funnel(ctx.engine)],
            }
        return ctx.cache["patterns"]
