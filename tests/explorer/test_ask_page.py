"""The explorer's Ask box: the answer's number is the query's, and its link opens the query
on its insight page for editing."""

from __future__ import annotations

import re
from html import unescape

from starlette.testclient import TestClient

from shoplens.engines import connect
from shoplens.insights.runner import run
from shoplens.insights.schema import DateRange, EventSeries, TrendsQuery


def test_ask_page_answers_and_links_to_the_query(client: TestClient, shop_url: str) -> None:
    page = client.get("/ask", params={"q": "How many people bought in February?"})
    assert page.status_code == 200
    with connect(shop_url, init=False, read_only=True) as engine:
        want = run(engine, TrendsQuery(
            series=[EventSeries(event="action:purchase", math="unique_users")],
            display="total", date_range=DateRange(date_from="2024-02-01",
                                                  date_to="2024-02-29")))
    value = int(want.to_dict()["series"][0]["total"])
    assert value > 0
    answer = unescape(re.search(r'id="answer-text">(.*?)<', page.text).group(1))
    assert answer.startswith(f"{value:,} users who bought")
    link = unescape(re.search(r'href="(/trends\?[^"]+)" class="open-query"', page.text).group(1))
    opened = client.get(link)
    assert opened.status_code == 200
    assert "action:purchase" in opened.text


def test_ask_page_refuses_clearly(client: TestClient) -> None:
    page = client.get("/ask", params={"q": "Wie viele Leute haben gekauft?"})
    assert page.status_code == 400
    assert "not understood" in page.text and "Traceback" not in page.text
    assert "/ask" in client.get("/").text  # in the navigation
