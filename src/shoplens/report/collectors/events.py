"""The event analysis document (taxonomy, funnel, patterns, insights), computed once."""

from __future__ import annotations

from typing import Any

from shoplens.report.collectors import ReportContext, require


def events_doc(ctx: ReportContext) -> dict[str, Any]:
    if "events" not in ctx.cache:
        insights = require("shoplens.events.insights", "analyze", "InsightsParams")
        llm = require("shoplens.llm", "LLMSettings")
        params = insights.InsightsParams(llm=llm.LLMSettings(provider=ctx.llm))
        ctx.cache["events"] = insights.analyze(ctx.engine, params)
    return ctx.cache["events"]
