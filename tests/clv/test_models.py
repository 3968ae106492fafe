"""The models against published estimates on the CDNOW sample (2,357 customers, 39-week
calibration period in weeks), through the scikit-learn-style Python API.

Published maximum-likelihood estimates on this summary:

- BG/NBD: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426 — Fader, Hardie & Lee (2005),
  "Counting Your Customers the Easy Way: An Alternative to the Pareto/NBD Model",
  Marketing Science 24(2), 275-284, section 4 (and lifetimes' documentation:
  ``BetaGeoFitter`` on ``load_cdnow_summary()``: r 0.24, alpha 4.41, a 0.79, b 2.43).
- Pareto/NBD: r = 0.55, alpha = 10.58, s = 0.61, beta = 11.67 — Fader, Hardie & Lee (2005),
  "A Note on Implementing the Pareto/NBD Model in MATLAB", brucehardie.com/notes/008.
- Gamma-Gamma: p = 6.25, q = 3.74, v = 15.45 — lifetimes' documentation (``GammaGammaFitter``
  on ``load_cdnow_summary_data_with_monetary_value()``); Fader & Hardie (2013), "The
  Gamma-Gamma Model of Monetary Value", brucehardie.com/notes/025, print gamma = 15.44
  (the maximum is at 15.4478: they truncate, lifetimes rounds).

Each estimate must match to half a unit of its last published digit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shoplens.clv import ClvParams, CustomerValueModel
from shoplens.errors import InputError
from tests.clv.data import cdnow_summary

BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PARETO = {"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67}
GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.45}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    ref = cdnow_summary()
    return pd.DataFrame({"customer_id": ref["ID"], "frequency": ref["x"].astype(float),
                         "recency": ref["t_x"], "T": ref["T"], "monetary_value": ref["zbar"]})


@pytest.fixture(scope="module")
def bgnbd(frame: pd.DataFrame) -> CustomerValueModel:
    return CustomerValueModel(ClvParams(model="bgnbd", time_unit="week", horizon="39w")).fit(frame)


def _values(model: CustomerValueModel) -> dict[str, float]:
    return dict(zip(model.params_["name"], model.params_["value"], strict=True))


def test_bgnbd_and_gamma_gamma_reproduce_the_published_estimates(bgnbd: CustomerValueModel) -> None:
    got = _values(bgnbd)
    for name, value in BGNBD.items():
        assert got[name] == pytest.approx(value, abs=0.0005), name
    for name, value in GAMMA_GAMMA.items():
        assert got[name] == pytest.approx(value, abs=0.005), name
    units = dict(zip(bgnbd.params_["name"], bgnbd.params_["unit"], strict=True))
    assert units["alpha"] == "weeks" and units["r"] == "dimensionless" and units["v"] == "currency"


def test_pareto_nbd_reproduces_the_published_estimates(frame: pd.DataFrame) -> None:
    model = CustomerValueModel(model="pareto-nbd", time_unit="week").fit(frame)
    got = _values(model)
    for name, value in PARETO.items():
        assert got[name] == pytest.approx(value, abs=0.005), name
    alive = model.p_alive(frame.head(50))["p_alive"]
    assert ((alive > 0) & (alive <= 1)).all()


def test_predictions_are_frames_one_row_per_customer(bgnbd: CustomerValueModel,
                                                    frame: pd.DataFrame) -> None:
    assert bgnbd.fit(frame) is bgnbd  # fit returns the model
    assert bgnbd.n_customers_ == 2357 and bgnbd.n_repeaters_ == 946  # the Gamma-Gamma note fits 946
    for method, column in ((bgnbd.predict, "expected_purchases"), (bgnbd.p_alive, "p_alive"),
                           (bgnbd.expected_spend, "expected_spend"), (bgnbd.clv, "clv")):
        df = method()
        assert list(df.columns) == ["customer_id", column]
        assert len(df) == 2357 and np.isfinite(df[column]).all()
    by_id = frame.set_index("customer_id")
    alive = bgnbd.p_alive().set_index("customer_id")["p_alive"]
    # BG/NBD: no repeat purchase -> alive for sure (drop-out happens only after a purchase)
    assert (alive[by_id["frequency"] == 0] == 1.0).all()
    # same frequency and T, the more recent last purchase is more likely alive
    assert alive[1] > alive[2] or by_id.loc[1, "recency"] <= by_id.loc[2, "recency"]


def test_expected_spend_is_gamma_gamma_shrinkage(bgnbd: CustomerValueModel,
                                                 frame: pd.DataFrame) -> None:
    """Fader & Hardie (2013), eq. 5: a weighted mean of the population mean p*v/(q-1)
    and the customer's own mean, with weight p*x / (p*x + q - 1)."""
    v = _values(bgnbd)
    spend = bgnbd.expected_spend().set_index("customer_id")["expected_spend"]
    pop = v["p"] * v["v"] / (v["q"] - 1)
    x, z = frame.loc[0, "frequency"], frame.loc[0, "monetary_value"]
    w = v["p"] * x / (v["p"] * x + v["q"] - 1)
    assert spend[1] == pytest.approx((1 - w) * pop + w * z, rel=1e-9)
    assert spend[3] == pytest.approx(pop, rel=1e-9)  # no repeats: the population mean


def test_clv_discounting_and_horizon(bgnbd: CustomerValueModel) -> None:
    undiscounted = bgnbd.clv(horizon_days=360, discount_rate=0.0)["clv"]
    discounted = bgnbd.clv(horizon_days=360, discount_rate=0.2)["clv"]
    shorter = bgnbd.clv(horizon_days=90, discount_rate=0.0)["clv"]
    assert (discounted <= undiscounted + 1e-12).all() and discounted.sum() < undiscounted.sum()
    assert (shorter <= undiscounted + 1e-12).all()
    # undiscounted CLV is expected purchases over the (whole-month) horizon x expected spend
    purchases = bgnbd.predict(horizon_days=12 * 4.345 * 7)["expected_purchases"]
    spend = bgnbd.expected_spend()["expected_spend"]
    np.testing.assert_allclose(undiscounted, purchases * spend, rtol=1e-9)


def test_unfitted_model_says_so() -> None:
    with pytest.raises(InputError, match="not fitted yet"):
        CustomerValueModel().predict()


def test_posterior_sampling_gives_means_and_spread(frame: pd.DataFrame) -> None:
    """``method="sample"`` (``--sample``): NUTS with the library's priors; a short seeded
    run is enough to check the plumbing (posterior means and sds, finite predictions)."""
    small = frame.head(400)
    model = CustomerValueModel(method="sample", draws=30, tune=30, chains=1, seed=1).fit(small)
    assert model.params.prior_kind == "library"
    table = model.params_.set_index("name")
    assert (table["sd"] > 0).all() and np.isfinite(table["value"]).all()
    assert table.loc["r", "value"] == pytest.approx(0.24, abs=0.15)  # near the CDNOW MLE
    alive = model.p_alive()["p_alive"]
    assert len(alive) == 400 and ((alive > 0) & (alive <= 1)).all()
    assert np.isfinite(model.clv()["clv"]).all()


def test_parameters_merge_and_validate() -> None:
    base = ClvParams(horizon="10w", time_unit="day")
    model = CustomerValueModel(base, horizon="3m", model="pareto-nbd")
    assert (model.params.horizon_days, model.params.time_unit, model.params.model) == (
        90.0, "day", "pareto-nbd")
    assert base.merged(horizon_days=14.0 * 7).clv_months == 3  # 98 days: 3.3 months of 30 days
    assert ClvParams(horizon="1y", time_unit="week").clv_months == 12  # 52.1 weeks / 4.345
    with pytest.raises(ValueError, match="time_unit"):
        CustomerValueModel(time_unit="month")
