"""What a compilation carries: bound values, the relations joined, the engine features used.

Every compiler of :mod:`shoplens.insights.compile` writes into one :class:`Scope`: it
binds values (never pasted into SQL) through the scope's :class:`Binder`, asks it for
properties (which records the relation each one needs joined to ``events``) and notes
the engine features it relies on, which :func:`check_engine` compares with what the
engine declares it cannot do, before anything runs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from sqlglot import exp

from shoplens.engines import Engine, Query
from shoplens.errors import UnsupportedOperationError
from shoplens.insights.properties import EVENTS, Catalogue, Property, col

SOURCE_DIALECT = "postgres"


@dataclass
class Binder:
    """Named placeholders ``:p0``, ``:p1`` ... and their values."""

    prefix: str = "p"
    params: dict[str, Any] = field(default_factory=dict)

    def bind(self, value: Any) -> exp.Placeholder:
        name = f"{self.prefix}{len(self.params)}"
        self.params[name] = value
        return exp.Placeholder(this=name)


@dataclass(frozen=True)
class Compiled:
    """One SQL statement (a SQLGlot tree in the source dialect) and its bound values.

    ``source`` says whether it reads the raw events (``"raw"``) or rollups
    (``"rollups"``, from a planner; see :mod:`shoplens.insights.runner`).
    """

    expression: exp.Expression
    params: dict[str, Any]
    source: str = "raw"
    name: str = "insight"

    @functools.cached_property
    def _text(self) -> str:
        # generated once: a statement is run, rendered for the result's ``sql`` and
        # explained from the same tree (SQLGlot's generator costs milliseconds a call)
        return self.expression.sql(SOURCE_DIALECT)

    def sql(self) -> str:
        """The statement as source-dialect text (placeholders, not values)."""
        return self._text

    def query(self) -> Query:
        return Query(self.sql(), name=self.name)

    def rendered(self, engine: Engine) -> str:
        """The statement as the engine runs it."""
        return engine.render(self.query())

    def fetch_df(self, engine: Engine) -> Any:
        return engine.fetch_df(self.query(), self.params or None)


@dataclass
class Scope:
    """State shared by the compilers of one statement."""

    catalogue: Catalogue
    binder: Binder = field(default_factory=Binder)
    timezone: str = "UTC"
    joins: dict[str, None] = field(default_factory=dict)
    #: engine features the statement needs, with the option that asked: feature -> option
    features: dict[str, str] = field(default_factory=dict)

    @property
    def engine(self) -> Engine:
        return self.catalogue.engine

    def bind(self, value: Any) -> exp.Placeholder:
        return self.binder.bind(value)

    def need(self, feature: str, option: str) -> None:
        self.features.setdefault(feature, option)

    def property(self, name: str, *, option: str = "property") -> tuple[Property, exp.Expression]:
        """The property ``name`` resolved, its join recorded, and its expression."""
        prop = self.catalogue.resolve(name, option=option)
        if prop.join == "taxonomy" and not self.catalogue.has_taxonomy:
            from shoplens.insights.compile.events import taxonomy_case

            return prop, taxonomy_case(self, prop.name)
        if prop.join:
            self.joins[prop.join] = None
        return prop, prop.expr(self.local_time())

    def local_time(self) -> exp.Expression:
        """``events.event_time`` (stored in UTC) read in the query's time zone."""
        t = col("event_time", EVENTS)
        if self.timezone == "UTC":
            return t
        self.need("timezone", "date_range.timezone")
        utc = exp.AtTimeZone(this=t, zone=exp.Literal.string("UTC"))
        return exp.AtTimeZone(this=exp.Paren(this=utc), zone=exp.Literal.string(self.timezone))


def check_engine(engine: Engine, scope: Scope) -> None:
    """Fail before running when the statement needs what the engine cannot do.

    Engines declare what they cannot answer in ``Engine.insight_unsupported`` (feature
    -> reason); the message names the query option and the engine.
    """
    unsupported = getattr(engine, "insight_unsupported", {}) or {}
    for feature, option in scope.features.items():
        if feature in unsupported:
            raise UnsupportedOperationError(
                f"{option}: {unsupported[feature]} is not supported on the {engine.name} "
                f"engine")
