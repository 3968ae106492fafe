"""``shoplens cohorts`` end to end (CLI and pictures) on both engines, and the whole
chain generator → importer → cohorts checked against the pandas reference."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from shoplens.cohorts import CohortParams, compute_cohorts
from shoplens.cohorts.plots import (
    curves_figure,
    curves_png,
    heatmap_figure,
    heatmap_figure_mpl,
    heatmap_png,
    png_base64,
)
from shoplens.engines import connect

from . import cases
from .reference import as_matrix, assert_same, expected, load

CLASSIC = ("--cohort-by", "first_purchase", "--period", "month", "--offset-unit", "month",
           "--periods", "4")


@pytest.fixture
def orders_db(db_url: str) -> str:
    with connect(db_url) as engine:
        load(engine, events=cases.ORDERS_EVENTS, products=cases.ORDERS_PRODUCTS)
    return db_url


def test_cli_json_is_the_classic_triangle(cli, orders_db: str) -> None:
    res = cli("cohorts", *CLASSIC, "--json", "--db", orders_db)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert {k: doc[k] for k in ("cohort_by", "period", "offset_unit", "measure", "kind")} == {
        "cohort_by": "first_purchase", "period": "month", "offset_unit": "month",
        "measure": "users", "kind": "classic"}
    got = {c["cohort"]: (c["size"], c["values"]) for c in doc["cohorts"]}
    assert got == {k: (s, v) for k, (s, v) in cases.ORDERS_USERS_CLASSIC.items()}
    assert doc["observed_until"] == "2011-04-30"
    assert doc["average"]["values"][0] == 1.0
    # the July 4th value of "null" survives the trip: censored is null, not 0
    assert doc["cohorts"][-1]["values"][2] is None


def test_cli_table_leaves_censored_cells_blank(cli, orders_db: str) -> None:
    res = cli("cohorts", *CLASSIC, "--measure", "revenue", "--kind", "cumulative",
              "--db", orders_db)
    assert res.exit_code == 0, res.output
    line = next(ln for ln in res.stdout.splitlines() if "2011-03" in ln)
    cells = [c.strip() for c in line.split("│")[1:-1]]
    assert cells == ["2011-03", "1", "20.0", "20.0", "", ""]
    assert "not yet observable" in res.stdout


def test_cli_observed_until_censors_the_partial_month(cli, orders_db: str) -> None:
    res = cli("cohorts", *CLASSIC, "--observed-until", "2011-04-29", "--json", "--db",
              orders_db)
    got = {c["cohort"]: (c["size"], c["values"]) for c in json.loads(res.stdout)["cohorts"]}
    assert got == dict(cases.ORDERS_USERS_UNTIL_APR29)


def test_cli_plot_writes_two_pngs(cli, orders_db: str, tmp_path: Path) -> None:
    target = tmp_path / "out" / "retention.png"
    res = cli("cohorts", *CLASSIC, "--plot", str(target), "--db", orders_db)
    assert res.exit_code == 0, res.output
    for path in (target, tmp_path / "out" / "retention-curves.png"):
        with Image.open(path) as img:
            assert img.format == "PNG" and img.width > 400 and img.height > 200


@pytest.mark.parametrize(("args", "option"), [
    (("--period", "year"), "--period"),
    (("--periods", "0"), "--periods"),
    (("--measure", "revenue", "--activity", "any"), "--activity"),
    (("--observed-until", "31/12/2011"), "--observed-until"),
    (("--kind", "forever"), "--kind"),
])
def test_cli_bad_options_name_the_option(cli, orders_db: str, args: tuple, option: str) -> None:
    res = cli("cohorts", *args, "--db", orders_db)
    assert res.exit_code == 2
    assert option in res.stderr and "error" in res.stderr


def test_cli_signup_fallback_is_said(cli, db_url: str) -> None:
    with connect(db_url) as engine:
        load(engine, users=cases.SIGNUP_USERS, events=cases.SIGNUP_EVENTS)
    doc = json.loads(cli("cohorts", "--json", "--db", db_url).stdout)
    assert doc["anchor_sources"] == {"signup_date": 2, "first_seen": 1, "first_event": 1}
    assert "no signup_date" in doc["note"]
    text = cli("cohorts", "--db", db_url).stdout
    assert "no signup_date" in " ".join(text.split())


# -- pictures ---------------------------------------------------------------------------------
def _newyear_result(engine):
    load(engine, events=cases.NEWYEAR_EVENTS)
    return compute_cohorts(engine, CohortParams(cohort_by="first_activity", period="week",
                                                offset_unit="week", periods=4))


def test_heatmap_leaves_censored_cells_blank(engine) -> None:
    result = _newyear_result(engine)
    fig = heatmap_figure_mpl(result)
    ax = fig.axes[0]
    image = ax.images[0].get_array()
    # rows: two cohorts and the average; censored cells are masked, not 0
    assert image.mask.tolist()[:2] == [[False, False, False, True], [False, False, True, True]]
    texts = sorted(t.get_text() for t in ax.texts)
    # 5 observed cells + 4 average cells (the average is None only where no cohort is seen)
    assert texts.count("") == 0 and len(texts) == 5 + 3
    assert "0%" in texts  # an observed cell without activity is a real 0
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["2019-W52  (n=1)", "2020-W01  (n=1)", "weighted average"]
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_png_bytes_and_plotly_figures(engine, tmp_path: Path) -> None:
    result = _newyear_result(engine)
    png = heatmap_png(result)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png_base64(png).startswith("data:image/png;base64,iVBOR")
    curves_png(result, tmp_path / "c.png")
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
    heat = heatmap_figure(result).to_plotly_json()["data"][0]
    assert heat["z"][0] == [1.0, 1.0, 1.0, None] and heat["z"][1] == [1.0, 0.0, None, None]
    lines = curves_figure(result).to_plotly_json()["data"]
    assert [t["name"] for t in lines][-1] == "weighted average"
    assert list(lines[1]["y"]) == [1.0, 0.0, None, None]


# -- the whole chain on generated data --------------------------------------------------------
LEGACY = {"viewed": "view", "add-to-cart": "cart", "remove-from-cart": "remove_from_cart",
          "purchased": "purchase"}


@pytest.fixture(scope="module")
def generated_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from shoplens.generate import GenerateParams, generate

    out = tmp_path_factory.mktemp("shop")
    generate(GenerateParams(users=250, months=3, seed=11, start=date(2023, 11, 1)), out)
    return out


GENERATED_PARAMS = [
    CohortParams(),
    CohortParams(cohort_by="first_purchase", period="month", offset_unit="month", periods=3),
    CohortParams(cohort_by="first_activity", period="week", offset_unit="week", periods=6,
                 kind="rolling"),
    CohortParams(cohort_by="first_purchase", period="month", offset_unit="week", periods=6,
                 measure="revenue", kind="cumulative"),
]


def test_generated_shop_matches_reference(db_url: str, generated_shop: Path) -> None:
    """The brief's default, the Online Retail classic, weekly rolling and the LTV curve."""
    from shoplens.ingest import load as ingest

    users = pd.read_csv(generated_shop / "users.csv", dtype=str).to_dict("records")
    events = pd.read_csv(generated_shop / "events.csv", dtype=str)
    events["event_type"] = events["event_type"].map(LEGACY)
    events = events.rename(columns={"timestamp": "event_time"}).to_dict("records")
    products = pd.read_csv(generated_shop / "products.csv", dtype={"product_id": str})
    prices = products[["product_id", "price"]].to_dict("records")
    with connect(db_url) as engine:
        ingest(engine, [generated_shop])
        for params in GENERATED_PARAMS:
            result = compute_cohorts(engine, params)
            assert_same(as_matrix(result), expected(users, events, prices, params))
            assert len(result.rows) >= 3 and result.total_users > 50
            shown = np.array([v for r in result.rows for v in r.values if v is not None])
            top = 1 if params.unit == "fraction" else np.inf
            assert ((shown >= 0) & (shown <= top)).all()
            assert any(v is None for r in result.rows for v in r.values)  # recent: censored


def test_rees46_sample_signup_cohorts_fall_back_and_say_so(cli, db_url: str,
                                                           rees46_sample: Path) -> None:
    """REES46 has no signup: every user is placed by when they were first seen, and the
    output says so. The sample covers minutes of one day: only day 0 is observable."""
    res = cli("load", str(rees46_sample), "--db", db_url)
    assert res.exit_code == 0, res.output
    doc = json.loads(cli("cohorts", "--period", "day", "--offset-unit", "day", "--periods",
                         "2", "--json", "--db", db_url).stdout)
    users = pd.read_csv(rees46_sample, dtype=str)["user_id"].nunique()
    (cohort,) = doc["cohorts"]
    assert (cohort["cohort"], cohort["size"], cohort["values"]) == ("2019-10-01", users,
                                                                    [1.0, None])
    assert doc["anchor_sources"]["signup_date"] == 0
    assert doc["anchor_sources"]["first_seen"] + doc["anchor_sources"]["first_event"] == users
    assert doc["note"].startswith(f"{users:,} of {users:,} users have no signup_date")
