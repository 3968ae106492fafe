"""The alerts page: ``shoplens alerts`` over the database as it is (the business metrics
judged day by day, anomalies with their likely causes, data-quality issues), worded by
templates only: nothing leaves the machine."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shoplens.explorer.pages import Page
from shoplens.explorer.pages.panel import panel_page

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

    from shoplens.explorer.context import Explorer

TITLE = "Alerts"
DESCRIPTION = ("The shop's metrics judged day by day over the last two weeks, as "
               "`shoplens alerts --json`: anomalies, their likely causes, data quality.")


def compute(explorer: Explorer) -> dict[str, Any]:
    from shoplens.alerts import detect
    from shoplens.alerts.params import AlertParams
    from shoplens.llm import LLMSettings

    # offline wording (templates): the explorer never sends data to a language model
    params = AlertParams(llm=LLMSettings(provider="offline"))
    with explorer.source.engine() as engine:
        report = detect(engine, params)
    return {"report": report.to_dict()}


def handle(explorer: Explorer, request: Request) -> Response:
    return panel_page(explorer, request, key="alerts", title=TITLE, description=DESCRIPTION,
                      template="alerts.html.j2", compute=compute)


PAGE = Page(key="alerts", title=TITLE, handler=handle, description=DESCRIPTION)
