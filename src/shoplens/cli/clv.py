"""``shoplens clv``: parse options into :class:`ClvParams`, fit, print, write back.

PyMC-Marketing is imported only when the command runs (``shoplens --help`` stays fast).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table

from shoplens.cli.common import DbOption, JsonOption, console, engine_from, out, print_json
from shoplens.errors import ConfigError

# ClvParams field -> the option that sets it, for error messages
_OPTION = {"model": "--model", "calibration_end": "--calibration-end",
           "holdout_end": "--holdout-end", "time_unit": "--time-unit", "horizon_days": "--horizon",
           "horizon": "--horizon", "discount_rate": "--discount-rate",
           "risk_threshold": "--risk-threshold", "top": "--top", "draws": "--draws",
           "chains": "--chains", "priors": "--priors"}


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


def build_params(**fields: Any) -> Any:
    """:class:`ClvParams` from option values; a bad value names its option."""
    from shoplens.clv import ClvParams

    try:
        return ClvParams(**{k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else ""
        message = str(err["msg"]).removeprefix("Value error, ")
        if field in _OPTION:
            raise ConfigError(f"invalid {_OPTION[field]}: {message}") from None
        for name, option in _OPTION.items():
            message = message.replace(name, option)
        raise ConfigError(f"invalid options: {message}") from None


def register(app: typer.Typer) -> None:
    @app.command("clv")
    def clv_cmd(
        model: Annotated[str, typer.Option(
            help="Purchase model: bgnbd (BG/NBD) or pareto-nbd (Pareto/NBD).")] = "bgnbd",
        calibration_end: Annotated[str | None, typer.Option(
            "--calibration-end", help="Last day of the calibration period (YYYY-MM-DD); "
            "default: holdout end minus the horizon.")] = None,
        holdout_end: Annotated[str | None, typer.Option(
            "--holdout-end", help="Last day of data used; predictions start after it "
            "(default: the last purchase day).")] = None,
        time_unit: Annotated[str, typer.Option(
            "--time-unit", help="day or week: the unit of recency, T and the rates.")] = "week",
        horizon: Annotated[str, typer.Option(
            help="How far ahead: 90d, 12w, 6m (30-day months), 1y.")] = "90d",
        discount_rate: Annotated[float, typer.Option(
            "--discount-rate", help="Annual discount rate of the CLV (0.1 = 10%).")] = 0.1,
        sample: Annotated[bool, typer.Option(
            "--sample", help="Full posterior sampling (NUTS) instead of the fast MAP fit.")] = False,
        draws: Annotated[int | None, typer.Option(help="Posterior draws per chain (--sample).")] = None,
        chains: Annotated[int | None, typer.Option(help="Chains (--sample).")] = None,
        priors: Annotated[str | None, typer.Option(
            help="flat (maximum likelihood; MAP default) or library (PyMC-Marketing's "
                 "defaults; --sample default).")] = None,
        risk_threshold: Annotated[float, typer.Option(
            "--risk-threshold", help="P(alive) below this flags churn risk.")] = 0.5,
        top: Annotated[int, typer.Option(help="At-risk customers to list.")] = 20,
        plot: Annotated[Path | None, typer.Option(
            help="Folder for clv_holdout.png and clv_p_alive.png.")] = None,
        write: Annotated[bool, typer.Option(
            "--write/--no-write", help="Replace the customer_value table.")] = True,
        search: Annotated[str | None, typer.Option(
            "--search", envvar="SHOPLENS_SEARCH",
            help="Search engine whose user_segments documents get p_alive, clv, ... "
                 "(default: none; a bundled server picks them up from customer_value).")] = None,
        customers: Annotated[int, typer.Option(
            help="Customers (highest CLV first) included in --json.")] = 0,
        json_out: JsonOption = False,
        db: DbOption = None,
    ) -> None:
        """Customer value ahead: expected purchases, P(alive), churn risk and CLV per
        customer (BG/NBD or Pareto/NBD with Gamma-Gamma), checked on a holdout period."""
        params = build_params(
            model=model, calibration_end=_date(calibration_end, "--calibration-end"),
            holdout_end=_date(holdout_end, "--holdout-end"), time_unit=time_unit,
            horizon=horizon, discount_rate=discount_rate,
            method="sample" if sample else "map", draws=draws, chains=chains, priors=priors,
            risk_threshold=risk_threshold, top=top,
        )
        from shoplens.clv import compute_clv
        from shoplens.clv.writeback import write_table

        with engine_from(db) as engine:
            with console.status("fitting (PyMC-Marketing) ...", spinner="dots"):
                result = compute_clv(engine, params)
            written = write_table(engine, result) if write else None
        doc = result.to_json_dict(customers=customers)
        doc["customer_value_rows"] = written
        if search:
            doc["index"] = _update_index(search, result)
        if plot is not None:
            from shoplens.clv.plots import write_pngs

            doc["plots"] = {k: str(v) for k, v in write_pngs(result, plot).items()}
        if json_out:
            print_json(doc)
        else:
            _print(result, doc)
        if doc.get("index") and doc["index"]["failed"]:
            raise typer.Exit(1)


def _update_index(url: str, result: Any) -> dict[str, Any]:
    from shoplens.clv.writeback import update_index
    from shoplens.search import search_session

    with search_session(url) as session:
        return update_index(session.client, result).as_dict()


def _print(result: Any, doc: dict[str, Any]) -> None:
    p = result.params
    out.print(f"[bold]{p.model_label} + Gamma-Gamma[/] ({p.method.upper()}, {p.prior_kind} priors), "
              f"data {result.first_day} .. {result.as_of}, time unit: {p.time_unit}")
    table = Table("model", "parameter", "value", "unit", title="Fitted parameters")
    for row in result.params_.itertuples():
        table.add_row(row.model, row.name, f"{row.value:.4g}", row.unit)
    out.print(table)
    for key, value in doc["derived"].items():
        out.print(f"  {key.replace('_', ' ')}: {value:.4g}" if value is not None else f"  {key}: n/a")
    t = doc["totals"]
    out.print(
        f"{int(t['customers']):,} customers ({int(t['repeat_customers']):,} with repeat purchases); "
        f"over the next {p.horizon_days:g} days: {t['expected_purchases']:,.1f} expected purchases, "
        f"CLV {t['clv']:,.2f} (discounted {p.discount_rate:.0%}/year, {p.clv_months} months); "
        f"{int(t['at_risk_customers']):,} at risk (P(alive) < {p.risk_threshold:g})")
    v = result.validation
    if v is not None:
        m = v.metrics
        out.print(
            f"holdout {v.calibration_end} .. {v.holdout_end}: transactions actual "
            f"{m['actual_transactions']:,.0f}, predicted {m['predicted_transactions']:,.1f}; MAE "
            f"{m['mae']:.3f} vs naive {m['naive_mae']:.3f} (ratio {m['mae_ratio']:.2f})")
        bt = Table("calibration frequency", "customers", "actual", "predicted", "naive",
                   title="Holdout transactions per customer")
        for b in v.buckets.itertuples():
            bt.add_row(b.frequency, f"{b.customers:,}", f"{b.actual:.3f}", f"{b.predicted:.3f}",
                       f"{b.naive:.3f}")
        out.print(bt)
    for note in result.notes:
        out.print(f"note: {escape(note)}", style="yellow")
    if len(result.at_risk):
        rt = Table("customer", "past value", "frequency", "P(alive)", "CLV",
                   title="Valuable customers at risk")
        for r in result.at_risk.itertuples():
            rt.add_row(escape(str(r.user_id)), f"{r.calibration_value:,.2f}", str(r.frequency),
                       f"{r.p_alive:.3f}", f"{r.clv:,.2f}")
        out.print(rt)
    for title, frame, key in (("By segment", result.by_segment, "segment"),
                              ("By RFM group", result.by_rfm, "rfm_segment")):
        if len(frame):
            gt = Table(key, "customers", "mean P(alive)", "CLV", "at risk", title=title)
            for g in frame.to_dict("records"):
                gt.add_row(escape(str(g[key])), f"{g['customers']:,}", f"{g['mean_p_alive']:.3f}",
                           f"{g['clv']:,.2f}", f"{g['at_risk']:,}")
            out.print(gt)
    if doc.get("customer_value_rows") is not None:
        out.print(f"wrote {doc['customer_value_rows']:,} rows to customer_value")
    if doc.get("index"):
        i = doc["index"]
        out.print(f"index {i['index']}: {i['updated']:,} documents updated, "
                  f"{i['without_document']:,} customers without a document, {i['failed']} failed")
    for name, path in (doc.get("plots") or {}).items():
        out.print(f"wrote {name} plot {path}")
