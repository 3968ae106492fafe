"""Page state <-> URL: every document the forms express survives the round trip."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from shoplens.explorer.state import DEFAULTS, doc_from_params, params_from_doc, url_for
from shoplens.insights.schema import parse_query

EVENTS = st.sampled_from([None, "view", "action:purchase", "stage:checkout", "Product Viewed",
                          "it's, odd & = ?"])
PROPS = st.sampled_from(["user.country", "product.category", "event.utm_source"])
DATES = st.sampled_from([None, "-30d", "2024-01-01", "this month", "all"])
FILTERS = st.lists(st.builds(
    lambda p, op, v: {"property": p, "operator": op,
                      "value": None if op == "is_set" else [v, "b,c"] if op == "in" else v},
    PROPS, st.sampled_from(["eq", "neq", "contains", "is_set"]),
    st.text(st.characters(codec="utf-8", exclude_characters=","), min_size=1, max_size=8)),
    max_size=2)


def _multi(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in fields:
        out.setdefault(k, []).append(v)
    return out


@settings(max_examples=60, deadline=None)
@given(series=st.lists(st.tuples(EVENTS, st.sampled_from(["total", "unique_users", "sum"])),
                       min_size=1, max_size=3),
       breakdown=st.one_of(st.none(), PROPS), date_from=DATES, filters=FILTERS,
       interval=st.sampled_from(["day", "week", "month"]), compare=st.booleans())
def test_trends_documents_survive_the_url(series, breakdown, date_from, filters, interval,
                                          compare) -> None:
    doc = {"kind": "trends", "interval": interval, "compare": compare, "filters": filters,
           "series": [{"event": e, "math": m, **({"math_property": "revenue"} if m == "sum" else {})}
                      for e, m in series],
           "breakdowns": [{"property": breakdown}] if breakdown else [],
           "date_range": {"date_from": date_from}}
    query = parse_query(doc)
    assert doc_from_params("trends", _multi(params_from_doc(query))) == query


def test_every_default_and_a_document_the_form_cannot_express() -> None:
    for kind, doc in DEFAULTS.items():
        query = parse_query(doc)
        assert doc_from_params(kind, _multi(params_from_doc(query))) == query
        assert url_for(query).startswith(f"/{kind}?")
    nested = parse_query({"kind": "trends", "series": [{"event": "view", "filters": [
        {"property": "user.country", "value": "FR"}]}]})
    fields = params_from_doc(nested)
    assert [k for k, _ in fields] == ["q"]
    assert doc_from_params("trends", _multi(fields)) == nested
