"""The watch: every metric judged day by day, anomalies explained and worded."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from shoplens.alerts.detect import POISSON_SD, DetectOptions, detect_series
from shoplens.alerts.metrics import DEFAULT_METRICS, Metric, from_query, resolve
from shoplens.alerts.model import MIN_DAYS
from shoplens.alerts.params import DEFAULT_BREAKDOWNS, AlertParams
from shoplens.alerts.quality import event_types, gaps, quarantined_loads
from shoplens.alerts.result import AlertReport, Anomaly, MetricSummary
from shoplens.alerts.rootcause import BASELINE_DAYS, pivot, root_cause
from shoplens.alerts.series import SeriesReader, data_range
from shoplens.alerts.wording import offline_message, rewrite
from shoplens.engines import Engine
from shoplens.errors import ConfigError, InputError
from shoplens.insights.trends.formula import evaluate as formula_value
from shoplens.insights.trends.formula import parse_formula
from shoplens.llm import Provider, get_provider

#: default watched period: the last days with data
DEFAULT_SINCE_DAYS = 14
#: a series where a drop of this size stays inside the noise is called too small
SMALL_DROP = 0.4


def detect(engine: Engine, params: AlertParams | None = None, *,
           provider: Provider | None = None, **options: Any) -> AlertReport:
    """Watch the shop's metrics and say which days were anomalous, where and why.

    Parameters
    ----------
    engine
        The database (see :func:`shoplens.engines.connect`).
    params
        What to watch (:class:`AlertParams`); or pass its fields as keyword ``options``
        (``detect(engine, metrics=["revenue"], sensitivity="high")``).
    provider
        Language model that may rewrite the messages (default: ``params.llm``).

    Returns
    -------
    AlertReport
        The anomalies (with causes and messages), data-quality issues, deviations on
        declared days, per-metric summaries and notes; ``exit_code`` is 0 when quiet and
        :data:`shoplens.alerts.result.EXIT_ALERTS` when alerts fire.

    Notes
    -----
    Each metric's daily series is forecast day by day from the days before (a robust
    local trend plus weekday effects; MSTL with a yearly season from two years of
    history), on the log scale; a day
    outside the prediction interval ``exp(mean ± z·sigma)`` by at least the sensitivity's
    smallest deviation is an anomaly, and a one-sided run of smaller deviations is a drift
    (CUSUM). See :mod:`shoplens.alerts.detect` and docs/alerts.md.
    """
    started = time.perf_counter()
    if params is None:
        params = AlertParams(**options)
    elif options:
        params = params.model_copy(update=options)
    metrics = _metrics(params)
    reader = SeriesReader(engine)
    props = list(dict.fromkeys(reader.resolve_breakdown(p) for p in params.breakdowns))
    span = data_range(engine)
    if span is None:
        raise InputError("there are no events to watch: load some with `shoplens load` first")
    lo, hi = span
    n_days = (hi - lo).days + 1
    if n_days <= MIN_DAYS:
        raise InputError(
            f"alerts need at least {MIN_DAYS + 1} days of events (a week of history and a "
            f"day to judge; {28} for the weekly season); the data has {n_days} "
            f"({lo} to {hi})")
    since, notes = _since(params.since, lo, hi)
    if not props:
        props = _default_breakdowns(engine)
    opts = DetectOptions(z=params.z, min_deviation=params.min_deviation, cusum_h=params.cusum_h)
    declared = _declared(params, lo, hi)

    counts = reader.event_counts(lo, hi)
    totals = counts.sum(axis=1)
    missing = totals == 0
    report = AlertReport(since=since.isoformat(), date_from=lo.isoformat(),
                         date_to=hi.isoformat(), sensitivity=params.sensitivity,
                         breakdowns=props, notes=notes + reader.notes)
    ts_since = pd.Timestamp(since)
    if params.data_quality:
        report.quality += gaps(totals, ts_since)
        report.quality += event_types(counts, ts_since, opts, missing, params.event_types,
                                      declared)
        report.quality += quarantined_loads(engine)

    for metric in metrics:
        _watch(reader, metric, reader.daily(metric.query, lo, hi), lo, ts_since, opts,
               declared, missing, props, report)
    report.sources = sorted(reader.sources)

    provider = provider or get_provider(params.llm)
    report.provider = provider.name
    report.notes += rewrite(report.anomalies, provider)
    report.seconds = time.perf_counter() - started
    return report


def _metrics(params: AlertParams) -> list[Metric]:
    names = params.metrics or ([] if params.queries else list(DEFAULT_METRICS))
    out = [resolve(n) for n in names]
    for i, q in enumerate(params.queries):
        out += from_query(q, i)
    keys = [m.key for m in out]
    if len(set(keys)) != len(keys):
        raise ConfigError("--metric: a metric is named twice")
    return out


def _since(text: str | None, lo: date, hi: date) -> tuple[date, list[str]]:
    notes: list[str] = []
    if text is None:
        since = hi - timedelta(days=DEFAULT_SINCE_DAYS - 1)
    elif text.startswith("-"):
        n = int(text[1:-1]) * (7 if text.endswith("w") else 1)
        since = hi - timedelta(days=n - 1)
    else:
        since = date.fromisoformat(text)
    if since > hi:
        raise ConfigError(f"--since {since} is after the last day with data ({hi})")
    earliest = lo + timedelta(days=MIN_DAYS)
    if since < earliest:
        notes.append(f"--since {since} moved to {earliest}: the first {MIN_DAYS} days of data "
                     "are the least history any model needs")
        since = earliest
    return since, notes


def _default_breakdowns(engine: Engine) -> list[str]:
    has = {
        "user.country": "SELECT COUNT(*) FROM users WHERE country IS NOT NULL",
        "product.category": "SELECT COUNT(*) FROM products WHERE category IS NOT NULL",
    }
    return [p for p in DEFAULT_BREAKDOWNS if p not in has or engine.scalar(has[p])]


def _declared(params: AlertParams, lo: date, hi: date) -> pd.Series:
    days = pd.date_range(pd.Timestamp(lo), pd.Timestamp(hi), freq="D", name="day")
    out = pd.Series(None, index=days, dtype=object)
    for h in params.holidays:
        out.loc[(days >= pd.Timestamp(h.start)) & (days <= pd.Timestamp(h.end))] = h.name
    return out


def evaluate(formula: str, frame: pd.DataFrame) -> pd.Series:
    """A trends formula (``A / B``, ``(A - B) * 100``) over series columns, day by day, as
    the query model computes it (:mod:`shoplens.insights.trends.formula`); undefined
    values (x / 0) are NaN."""
    tree = parse_formula(formula, len(frame.columns))
    rows = frame.to_dict("index")
    out = [formula_value(tree, {k: (None if v != v else v) for k, v in row.items()})
           for row in rows.values()]
    return pd.Series([np.nan if v is None else v for v in out], index=frame.index,
                     dtype=float)


def _watch(reader: SeriesReader, metric: Metric, frame: pd.DataFrame, lo: date,
           since: pd.Timestamp, opts: DetectOptions, declared: pd.Series, missing: pd.Series,
           props: list[str], report: AlertReport) -> None:
    values = (evaluate(metric.query.formula, frame) if metric.is_ratio and metric.query.formula
              else frame["A"])
    res = detect_series(values, since, replace(opts, counts=metric.unit == "count"),
                        declared=declared, missing=missing)
    f = res.frame
    flagged = f.loc[f["kind"].notna()]
    summary = MetricSummary(metric.key, metric.label, res.model, len(f), len(flagged),
                            notes=[f"{metric.label}: {n}" for n in res.notes])
    note = _too_small(f, metric, opts)
    if note:
        summary.notes.append(f"{metric.label}: {note}")
    last = f.loc[f["actual"].notna()]
    if not last.empty:
        summary.last_day = last.index[-1].date().isoformat()
        summary.last_actual = float(last["actual"].iloc[-1])
        summary.last_expected = float(last["expected"].iloc[-1])
    report.metrics.append(summary)
    # deviations on declared days: reported, never alerting
    for day, row in f.loc[f["declared"].notna()].iterrows():
        if np.isfinite(row["actual"]) and not row["lower"] <= row["actual"] <= row["upper"]:
            a = _anomaly(metric, day, row, "spike" if row["actual"] > row["upper"] else "drop")
            a.declared = str(row["declared"])
            a.message = offline_message(a)
            report.declared.append(a)
    if flagged.empty:
        return
    # the breakdowns are read for the flagged days and the four weeks before them only
    b_lo = max(lo, (flagged.index.min() - pd.Timedelta(days=BASELINE_DAYS)).date())
    b_hi = flagged.index.max().date()
    breakdowns = {p: pivot(reader.daily(metric.query, b_lo, b_hi, breakdown=p))
                  for p in props}
    normal = f["kind"].isna().reindex(values.index, fill_value=True) & ~missing
    simple_ratio = metric.is_ratio and metric.query.formula.replace(" ", "") == "A/B"
    for day, row in flagged.iterrows():
        a = _anomaly(metric, day, row, str(row["kind"]))
        if not metric.is_ratio or simple_ratio:
            a.causes = root_cause(day, float(row["expected"]), breakdowns, normal,
                                  ratio_expected=float(row["expected"]) if simple_ratio else None,
                                  actual_total=float(row["actual"]))
        a.message = offline_message(a)
        report.anomalies.append(a)


def _too_small(f: pd.DataFrame, metric: Metric, opts: DetectOptions) -> str | None:
    """Say so when a series is too small or noisy for a drop of :data:`SMALL_DROP` to be
    told from noise (the interval's lower edge, or counting noise, is further away)."""
    ok = f.loc[f["expected"] > 0]
    if ok.empty:
        return None
    reach = np.maximum(1.0 - ok["lower"] / ok["expected"], opts.min_deviation)
    if metric.unit == "count":
        reach = np.maximum(reach, POISSON_SD / np.sqrt(ok["expected"].clip(lower=1.0)))
    smallest = float(np.median(reach))
    if smallest <= SMALL_DROP:
        return None
    spikes = float(np.median(ok["upper"] / ok["expected"])) - 1
    what = (f"too small for reliable detection: about {float(ok['expected'].median()):,.0f} "
            "a day" if metric.unit == "count" else "too noisy for reliable detection")
    return (f"{what}, so only drops beyond {smallest:.0%} (spikes beyond {spikes:.0%}) can "
            "be told from noise; watch a larger total or a weekly series")


def _anomaly(metric: Metric, day: pd.Timestamp, row: pd.Series, kind: str) -> Anomaly:
    return Anomaly(metric.key, metric.label, metric.unit, day.date().isoformat(), kind,
                   float(row["actual"]), float(row["expected"]), float(row["lower"]),
                   float(row["upper"]), float(row["deviation"]), float(row["z"]))
