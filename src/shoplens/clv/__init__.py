"""Customer value ahead: BG/NBD or Pareto/NBD with Gamma-Gamma, P(alive), churn risk and
discounted CLV, checked on a holdout period.

>>> import shoplens.clv as clv
>>> result = clv.clv("duckdb:shop.duckdb", horizon="180d")        # doctest: +SKIP
>>> result.customers.sort_values("clv").tail()                    # doctest: +SKIP

or, scikit-learn style, on a summary of your own::

    frame = clv.summarize(engine, calibration_end=date(2024, 6, 30))
    model = clv.CustomerValueModel(model="bgnbd", time_unit="week").fit(frame)
    model.params_, model.predict(), model.p_alive(), model.clv()

The summary is computed in SQL on the engine; fitting and predictions are
PyMC-Marketing's CLV models (imported on first fit).
"""

from __future__ import annotations

import sys
import types
from datetime import date
from typing import Any

import pandas as pd

from shoplens.clv.api import compute_clv
from shoplens.clv.models import CustomerValueModel, FitError
from shoplens.clv.params import ClvParams
from shoplens.clv.result import ClvResult
from shoplens.engines import Engine


def summarize(engine: Engine, calibration_end: date | None = None, *,
              time_unit: str = "week") -> pd.DataFrame:
    """The model-ready summary (``customer_id, frequency, recency, T, monetary_value``)
    of every customer with a first purchase on or before ``calibration_end`` (default:
    the last purchase day), with recency and T in ``time_unit`` (``day`` or ``week``).

    See :func:`shoplens.clv.summary.fetch_summary` for the exact definitions.
    """
    from shoplens.clv.params import UNIT_DAYS
    from shoplens.clv.summary import check_calibration_end, data_bounds, fetch_summary, model_frame

    bounds = data_bounds(engine)
    end = calibration_end or bounds.last_day or date.today()
    check_calibration_end(bounds, end, option="calibration_end")
    return model_frame(fetch_summary(engine, end, end), UNIT_DAYS[time_unit])


def clv(db: Engine | str | None = None, params: ClvParams | None = None, *,
        write: bool = False, **options: Any) -> ClvResult:
    """Value every customer of a database: the Python form of ``shoplens clv``.

    Parameters
    ----------
    db
        An open :class:`~shoplens.engines.Engine`, a database URL, or ``None`` for
        ``SHOPLENS_DB`` / ``./shoplens.duckdb``.
    params
        A :class:`ClvParams`; keyword ``options`` (``model="pareto-nbd"``,
        ``horizon="180d"``, ``calibration_end=date(...)``, ...) build or override one.
    write
        Also replace the ``customer_value`` table (as the command does by default).

    Returns
    -------
    ClvResult
        ``customers`` (one row per customer), ``params_``, ``at_risk``,
        ``by_segment``, ``by_rfm``, ``validation``; ``to_json_dict()`` for JSON.
    """
    if options:
        params = (params or ClvParams()).merged(**options)
    if isinstance(db, Engine):
        result = compute_clv(db, params)
        if write:
            from shoplens.clv.writeback import write_table

            write_table(db, result)
        return result
    from shoplens.engines import connect

    with connect(db) as engine:
        return clv(engine, params, write=write)


class _CallableModule(types.ModuleType):
    """``shoplens.clv`` is both this package and, called, :func:`clv` (``sl.clv(...)``)."""

    def __call__(self, *args: Any, **kwargs: Any) -> ClvResult:
        return clv(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = ["ClvParams", "ClvResult", "CustomerValueModel", "FitError", "clv", "compute_clv",
           "summarize"]
