"""The fitted models: BG/NBD or Pareto/NBD for purchases, Gamma-Gamma for spend.

Fitting and every prediction go through PyMC-Marketing's CLV module (``BetaGeoModel``,
``ParetoNBDModel``, ``GammaGammaModel``, ``customer_lifetime_value``); this module only
chooses their settings, checks the fit, and shapes the results as DataFrames.
PyMC-Marketing is imported when a model is fitted, not when ShopLens is (it takes
seconds to import and compiles its graphs on first use).
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import pandas as pd

from shoplens.clv.params import LIBRARY_UNIT, ClvParams
from shoplens.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Iterator

#: fewest customers, and customers with repeat purchases, a fit is attempted with
MIN_CUSTOMERS = 20
MIN_REPEATERS = 5
#: a fitted parameter outside this range means the optimizer ran off (no finite optimum)
PARAM_RANGE = (1e-6, 1e6)

#: what each parameter is and its unit; ``{unit}`` is the time unit, ``{money}`` currency
PARAM_DOCS: dict[str, tuple[str, str]] = {
    "r": ("shape of the Gamma distribution of purchase rates", "dimensionless"),
    "alpha": ("scale of the Gamma distribution of purchase rates", "{unit}s"),
    "a": ("Beta distribution of the drop-out probability after a purchase: a", "dimensionless"),
    "b": ("Beta distribution of the drop-out probability after a purchase: b", "dimensionless"),
    "s": ("shape of the Gamma distribution of drop-out rates", "dimensionless"),
    "beta": ("scale of the Gamma distribution of drop-out rates", "{unit}s"),
    "p": ("shape of the Gamma distribution of a purchase's value", "dimensionless"),
    "q": ("shape of the Gamma distribution of spend scale across customers", "dimensionless"),
    "v": ("scale of the Gamma distribution of spend scale across customers", "currency"),
}
TRANSACTION_PARAMS = {"bgnbd": ("r", "alpha", "a", "b"), "pareto-nbd": ("r", "alpha", "s", "beta")}
SPEND_PARAMS = ("p", "q", "v")


class FitError(InputError):
    """The data cannot be fitted (too little of it, or no finite optimum)."""


@contextmanager
def _quiet() -> Iterator[None]:
    """Silence the libraries' import and fit chatter (ArviZ's refactor notice, PyTensor's
    BLAS warning, progress bars); errors still raise."""
    import logging

    loggers = [logging.getLogger(n) for n in ("pymc", "pytensor", "pymc_marketing", "arviz")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with np.errstate(all="ignore"):
                yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _library() -> Any:
    with _quiet():
        from pymc_marketing import clv

    return clv


def _flat_priors(names: tuple[str, ...]) -> dict[str, Any]:
    from pymc_extras.prior import Prior

    return {name: Prior("HalfFlat") for name in names}


def _mean(x: Any) -> np.ndarray:
    """A per-customer array from the library's ``(chain, draw, customer_id)`` result."""
    dims = [d for d in ("chain", "draw") if d in x.dims]
    return np.asarray(x.mean(dims).values if dims else x.values, dtype="float64")


class CustomerValueModel:
    """BG/NBD or Pareto/NBD with Gamma-Gamma, in scikit-learn's shape.

    ``fit(summary)`` returns the model; learned values end in ``_``; ``predict``,
    ``p_alive``, ``expected_spend`` and ``clv`` return one row per customer.

    Parameters
    ----------
    params
        Which model, time unit, fitting method and priors (see :class:`ClvParams`);
        keyword arguments override its fields.

    Attributes
    ----------
    params_ : pandas.DataFrame
        One row per fitted parameter: ``model``, ``name``, ``value``, ``sd`` (posterior
        standard deviation; NaN for MAP), ``unit`` and ``meaning``.
    transaction_model_, spend_model_
        The fitted PyMC-Marketing models.
    n_customers_, n_repeaters_ : int
        Customers the purchase model was fitted on, and those with repeat purchases
        (the spend model's data).

    Notes
    -----
    The summary has one row per customer: ``customer_id``, ``frequency`` (repeat
    transactions), ``recency`` and ``T`` (in the time unit) and ``monetary_value``
    (mean value of the repeat transactions) — see :func:`shoplens.clv.summary.model_frame`.
    BG/NBD is Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way",
    Marketing Science 24(2); Pareto/NBD is Schmittlein, Morrison & Colombo (1987),
    Management Science 33(1); Gamma-Gamma is Fader, Hardie & Lee (2005), "RFM and CLV",
    JMR 42(4), and Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value".
    """

    def __init__(self, params: ClvParams | None = None, **overrides: Any) -> None:
        base = params or ClvParams()
        self.params = base.merged(**overrides) if overrides else base

    # -- fitting ----------------------------------------------------------------------
    def fit(self, summary: pd.DataFrame) -> Self:
        """Fit the purchase model on every customer and Gamma-Gamma on the repeaters.

        Raises
        ------
        FitError
            Too few customers or repeat customers, or a fit without a finite optimum;
            the model is then left unfitted.
        """
        try:
            return self._fit_both(summary)
        except FitError:
            for name in ("transaction_model_", "spend_model_", "params_", "summary_"):
                self.__dict__.pop(name, None)
            raise

    def _fit_both(self, summary: pd.DataFrame) -> Self:
        data = summary[["customer_id", "frequency", "recency", "T"]].copy()
        check_fittable(summary)
        clv = _library()
        p = self.params
        names = TRANSACTION_PARAMS[p.model]
        config = _flat_priors(names) if p.prior_kind == "flat" else None
        cls = clv.BetaGeoModel if p.model == "bgnbd" else clv.ParetoNBDModel
        with _quiet():
            self.transaction_model_ = cls(model_config=config)
            self._fit(self.transaction_model_, data)
        self.__dict__.pop("spend_model_", None)
        self.params_ = self._param_table()
        self._check_converged()  # before spending time on the spend model
        repeaters = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
        with _quiet():
            self.spend_model_ = clv.GammaGammaModel(
                model_config=_flat_priors(SPEND_PARAMS) if p.prior_kind == "flat" else None)
            self._fit(self.spend_model_, repeaters[["customer_id", "frequency", "monetary_value"]])
        self.summary_ = summary[["customer_id", "frequency", "recency", "T", "monetary_value"]].copy()
        self.n_customers_ = len(data)
        self.n_repeaters_ = len(repeaters)
        self.params_ = self._param_table()
        self._check_converged()
        return self

    def _fit(self, model: Any, data: pd.DataFrame) -> None:
        p = self.params
        if p.method == "map":
            model.fit(data, method="map", progressbar=False)
        else:
            model.fit(data, method="mcmc", draws=p.draws, tune=p.tune, chains=p.chains,
                      cores=1, random_seed=p.seed, progressbar=False)

    def _param_table(self) -> pd.DataFrame:
        rows = []
        unit = self.params.time_unit
        models = [(self.params.model_label, self.transaction_model_,
                   TRANSACTION_PARAMS[self.params.model])]
        if hasattr(self, "spend_model_"):
            models.append(("Gamma-Gamma", self.spend_model_, SPEND_PARAMS))
        for label, model, names in models:
            post = model.fit_result
            for name in names:
                draws = np.asarray(post[name].values, dtype="float64").ravel()
                meaning, unit_text = PARAM_DOCS[name]
                rows.append({
                    "model": label, "name": name, "value": float(draws.mean()),
                    "sd": float(draws.std(ddof=1)) if draws.size > 1 else float("nan"),
                    "unit": unit_text.format(unit=unit), "meaning": meaning,
                })
        return pd.DataFrame(rows)

    def _check_converged(self) -> None:
        table = self.params_
        off = ~np.isfinite(table["value"]) | (table["value"] <= PARAM_RANGE[0]) | (
            table["value"] >= PARAM_RANGE[1])
        purchase = table[off & (table["model"] != "Gamma-Gamma")]
        if len(purchase):
            raise FitError(
                f"the {self.params.model_label} fit did not converge ({_listed(purchase)} ran "
                "off to the edge of the optimizer's range): purchase rates hardly differ "
                "between customers or hardly anyone stops buying, so the model cannot be "
                "identified from this data; use more history (a later --calibration-end or "
                "--holdout-end), the other --time-unit, or the other --model"
            )
        spend = table[off & (table["model"] == "Gamma-Gamma")]
        if len(spend):
            raise FitError(
                f"the Gamma-Gamma spend fit did not converge ({_listed(spend)} ran off to the "
                "edge of the optimizer's range): order values hardly differ within or between "
                "customers, so the spread of spend cannot be estimated; CLV needs more "
                "repeat customers with varied order values"
            )
        q_rows = table.loc[table["name"] == "q", "value"]
        q = float(q_rows.iloc[0]) if len(q_rows) else 2.0
        if q <= 1:
            raise FitError(
                f"the Gamma-Gamma spend model fitted q = {q:.3g} <= 1, for which the mean "
                "order value is infinite: spend per order varies too wildly across customers "
                "(check for outlier orders or refunds), or there are too few repeat customers"
            )

    # -- predictions ------------------------------------------------------------------
    def _data(self, summary: pd.DataFrame | None) -> pd.DataFrame:
        self._fitted()
        return self.summary_ if summary is None else summary

    def _fitted(self) -> None:
        if not hasattr(self, "transaction_model_"):
            raise InputError("the model is not fitted yet: call fit(summary) first")

    def predict(self, summary: pd.DataFrame | None = None, *,
                horizon_days: float | None = None) -> pd.DataFrame:
        """Expected purchases (transaction days) of each customer in the next
        ``horizon_days`` (default: the params' horizon), by the purchase model."""
        data = self._data(summary)
        t = (horizon_days if horizon_days is not None else self.params.horizon_days)
        t /= self.params.unit_days
        with _quiet():
            values = _mean(self.transaction_model_.expected_purchases(
                data=data[["customer_id", "frequency", "recency", "T"]], future_t=t))
        return self._frame(data, "expected_purchases", values)

    def p_alive(self, summary: pd.DataFrame | None = None) -> pd.DataFrame:
        """Probability that each customer is still a customer at the end of their data."""
        data = self._data(summary)
        with _quiet():
            values = _mean(self.transaction_model_.expected_probability_alive(
                data=data[["customer_id", "frequency", "recency", "T"]]))
        return self._frame(data, "p_alive", values)

    def expected_spend(self, summary: pd.DataFrame | None = None) -> pd.DataFrame:
        """Gamma-Gamma's expected mean order value of each customer (the population
        mean, shrunk towards the customer's own repeat mean by their repeat count)."""
        data = self._data(summary)
        with _quiet():
            values = _mean(self.spend_model_.expected_customer_spend(
                data=_spend_data(data)))
        return self._frame(data, "expected_spend", values)

    def clv(self, summary: pd.DataFrame | None = None, *, horizon_days: float | None = None,
            discount_rate: float | None = None) -> pd.DataFrame:
        """Discounted value of each customer's expected purchases over the horizon.

        Notes
        -----
        PyMC-Marketing's ``GammaGammaModel.expected_customer_lifetime_value``: the sum
        over months ``m = 1..M`` of (expected purchases in month *m*) x (expected spend)
        / ``(1 + d) ** m``, with ``M`` the horizon in whole months (30 days or 4.345
        weeks each) and ``d`` the monthly rate equal to the annual ``discount_rate``.
        """
        data = self._data(summary)
        p = self.params
        if horizon_days is not None:
            p = p.merged(horizon_days=horizon_days)
        if discount_rate is not None:
            p = p.merged(discount_rate=discount_rate)
        frame = _spend_data(data).assign(recency=data["recency"].to_numpy(), T=data["T"].to_numpy())
        with _quiet():
            values = _mean(self.spend_model_.expected_customer_lifetime_value(
                transaction_model=self.transaction_model_, data=frame,
                future_t=p.clv_months, discount_rate=p.monthly_discount,
                time_unit=LIBRARY_UNIT[p.time_unit]))
        return self._frame(data, "clv", values)

    def expected_purchases_new(self, t_units: np.ndarray) -> np.ndarray:
        """Expected repeat purchases of a customer ``t_units`` after their first
        purchase (unconditional: the model's population curve), for each value."""
        self._fitted()
        t = np.asarray(t_units, dtype="float64")
        if t.size == 0:
            return t
        with _quiet():
            values = self.transaction_model_.expected_purchases_new_customer(
                data=pd.DataFrame({"customer_id": np.arange(t.size)}), t=t)
        return _mean(values)

    @staticmethod
    def _frame(data: pd.DataFrame, name: str, values: np.ndarray) -> pd.DataFrame:
        if not np.all(np.isfinite(values)):
            n = int((~np.isfinite(values)).sum())
            raise FitError(f"{n} customers got a non-finite {name}: the fit is not usable; "
                           "try --time-unit week or more history")
        return pd.DataFrame({"customer_id": data["customer_id"].to_numpy(), name: values})


def _listed(rows: pd.DataFrame) -> str:
    return ", ".join(f"{r.name} = {r.value:.4g}" for r in rows.itertuples())


def _spend_data(data: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": data["customer_id"].to_numpy(),
        "frequency": data["frequency"].to_numpy(),
        "monetary_value": data["monetary_value"].to_numpy()
        if "monetary_value" in data else np.zeros(len(data)),
    })


def check_fittable(summary: pd.DataFrame) -> None:
    """Refuse data the models cannot be fitted on, saying what to change."""
    n = len(summary)
    if n < MIN_CUSTOMERS:
        raise FitError(
            f"only {n} customers made a first purchase in the calibration period; the models "
            f"need at least {MIN_CUSTOMERS}: choose a later --calibration-end or load more orders"
        )
    repeaters = int(((summary["frequency"] > 0) & (summary["monetary_value"] > 0)).sum())
    if int((summary["frequency"] > 0).sum()) == 0:
        raise FitError(
            f"none of the {n} customers bought again on a later day, so repeat buying cannot "
            "be estimated: choose a later --calibration-end, or load more history"
        )
    if repeaters < MIN_REPEATERS:
        raise FitError(
            f"only {repeaters} of {n} customers bought again (with a positive value) on a "
            f"later day; the spend model needs at least {MIN_REPEATERS}: choose a later "
            "--calibration-end, or load more history"
        )
