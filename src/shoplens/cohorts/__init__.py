"""Cohort retention matrices, presented from the insight model's retention runner,
and their pictures.

A matrix is a :class:`~shoplens.insights.schema.RetentionQuery`
(:func:`shoplens.cohorts.query.retention_query`) answered by
:func:`shoplens.insights.retention.run_retention` — from the user-day rollup when the
planner covers it, which it does for every matrix these parameters describe.

>>> from shoplens.engines import connect
>>> from shoplens.cohorts import CohortParams, compute_cohorts
>>> result = compute_cohorts(connect(), CohortParams(cohort_by="first_purchase",
...                          period="month", offset_unit="month", periods=12))
>>> result.to_frame()  # doctest: +SKIP
"""

from __future__ import annotations

from shoplens.cohorts.params import CohortParams
from shoplens.cohorts.query import retention_query, run_query
from shoplens.cohorts.result import CohortResult, CohortRow
from shoplens.engines import Engine


def compute_cohorts(engine: Engine, params: CohortParams | None = None) -> CohortResult:
    """The retention matrix of the data in ``engine``.

    Parameters
    ----------
    engine
        A connected engine (DuckDB or PostgreSQL) holding ``users``, ``events`` and
        ``products``.
    params
        What to compute; the default is monthly signup cohorts, weekly offsets, 8 weeks.

    Returns
    -------
    CohortResult
        One row per cohort with one value per offset; ``None`` marks a censored cell.

    Notes
    -----
    **Cohort.** A user's cohort date is their ``signup_date`` (``cohort_by="signup"``;
    where it is NULL, the date of ``users.first_seen``, else of their first event — the
    result counts these fallbacks in ``anchor_sources``), their first event that is not
    a refund (``first_activity``) or their first ``purchase`` event (``first_purchase``).
    The cohort is the ``period`` (day, Monday week or calendar month) holding that date.

    **Offset.** An event on day *d* of a user with cohort date *a* falls in offset
    ``idx(d) - idx(a)``, where ``idx`` numbers calendar ``offset_unit`` periods (days,
    Monday weeks, or ``12 * year + month``): offset 0 is the unit period holding the
    cohort date, so monthly offsets are calendar-month differences: the ``CohortIndex``
    of the practitioners' cohort analysis of the UCI Online Retail data set (Chen, Sain
    and Guo, 2012), counted from 0. Events before the cohort date never count.

    **Cell.** With ``measure="users"`` a user is active on a day with an event that is
    not a refund (``activity="any"``) or with a purchase (``activity="purchase"``, the
    default for ``first_purchase`` cohorts). ``classic`` counts users active in offset
    *N*, ``rolling`` users active in *N* or any later observed offset, ``cumulative``
    users active at least once in offsets ``0..N``; each over the cohort size. With
    ``measure="orders"`` (distinct purchase timestamps of a user: the lines of an order
    share its time) or ``"revenue"`` (``price * quantity`` of purchases minus refunds,
    ``products.price`` where the event has no price), ``classic`` and ``rolling`` divide
    by the cohort's value in offset 0 (revenue retention) and ``cumulative`` divides by
    the cohort size (cumulative revenue per user: the LTV curve).

    **Censoring.** The data covers the days ``observed_from .. observed_until``
    (default: the first and last event's dates). A cell is observable only if, for
    every member of the cohort, every offset period it sums lies wholly inside that
    range — so a partial last period is censored, and a monthly cohort's week *N* waits
    for its last member's week *N* to end. Offset 0 only needs the members' cohort dates
    inside the range. Ratios to offset 0 also need offset 0 observable. Censored cells
    are ``None`` (``null`` in JSON, blank in plots); an observable cell without activity
    is ``0.0``. A rolling cell counts activity up to ``observed_until`` and can grow as
    data arrives. A ratio with a zero denominator (no revenue in offset 0) is ``None``.

    **Average.** ``result.average`` weighs cohorts by their denominators: the sum of
    numerators over the sum of denominators of the cohorts observable at that offset.
    """
    params = params or CohortParams()
    from shoplens.cohorts.result import build_result

    return build_result(params, run_query(engine, params))


__all__ = ["CohortParams", "CohortResult", "CohortRow", "compute_cohorts", "retention_query"]
