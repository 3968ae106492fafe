"""Event taxonomy: every raw event name mapped to a journey stage, with how sure we are.

Layers, first decisive one wins:

1. the user's mapping file (``method="user"``, confidence 1.0);
2. the cache table ``event_taxonomy`` (names decided on an earlier run);
3. rules (:mod:`shoplens.events.rules`): known spellings of the big trackers (1.0),
   then the importer's canonical ``event_type`` when every event of the name has the
   same one (1.0), then keyword rules (0.9, or 0.75 when two stages' keywords meet);
4. the offline embedding model (:mod:`shoplens.events.embedding`), when sure;
5. the configured language model for the names still unsure. With the offline
   provider they keep the embedding's best guess, flagged ``unsure``, or become
   ``other`` with confidence 0.1 when nothing was even close.

Results are written to ``event_taxonomy`` so that funnels and patterns join on it in SQL.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from shoplens.engines import Engine, load_sql
from shoplens.errors import ConfigError, InputError
from shoplens.events import rules
from shoplens.events.embedding import EmbeddingGuess, PrototypeClassifier, default_classifier
from shoplens.events.stages import (
    ACTION_STAGE,
    EVENT_TYPE_ACTION,
    STAGE_DEFAULT_ACTION,
    STAGES,
)
from shoplens.llm import LLMSettings, Provider, get_provider
from shoplens.llm.privacy import split_personal
from shoplens.llm.schema import EventLabels

TABLE = "event_taxonomy"
UNKNOWN_CONFIDENCE = 0.1
#: how ``decided_by`` starts for a name kept from the language model (personal data)
WITHHELD_FROM_LLM = "withheld from the LLM: looks like personal data"
_DELETE_CHUNK = 500


class CategorizeParams(BaseModel):
    """Options of :func:`categorize`."""

    model_config = ConfigDict(extra="forbid")

    llm: LLMSettings = Field(default_factory=LLMSettings)
    mapping: Path | None = Field(None, description="YAML, JSON or CSV file: raw name -> stage")
    refresh: bool = Field(False, description="decide every name again, ignoring the cache")


@dataclass
class TaxonomyEntry:
    raw: str
    stage: str
    action: str
    confidence: float
    method: str            # rule, embedding, llm, user
    unsure: bool = False
    decided_by: str = ""
    events: int = 0

    def to_json(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class Taxonomy:
    entries: list[TaxonomyEntry]

    def stage_of(self, raw: str) -> str:
        return self.by_raw()[raw].stage

    def by_raw(self) -> dict[str, TaxonomyEntry]:
        return {e.raw: e for e in self.entries}

    def to_json(self) -> list[dict[str, object]]:
        return [e.to_json() for e in self.entries]

    @property
    def withheld(self) -> int:
        """Names not sent to the language model because they hold personal data."""
        return sum(e.decided_by.startswith(WITHHELD_FROM_LLM) for e in self.entries)


def ensure_table(engine: Engine) -> None:
    """Create the cache table if it is missing (idempotent)."""
    engine.execute_script(load_sql("shoplens.events", "taxonomy.sql"))


# -- the layers, without a database ----------------------------------------------------
def classify_names(names: Sequence[str], *, provider: Provider | None = None,
                   event_types: dict[str, str] | None = None,
                   classifier: PrototypeClassifier | None = None) -> list[TaxonomyEntry]:
    """Decide the stage of each raw name by rules, embeddings and (if set) an LLM.

    ``event_types`` maps a name to the canonical ``event_type`` the importer gave every
    event of that name, when it gave one.
    """
    event_types = event_types or {}
    out: dict[str, TaxonomyEntry] = {}
    pending: list[str] = []
    for raw in names:
        m = rules.match_known(raw)
        if m is None and raw in event_types and event_types[raw] in EVENT_TYPE_ACTION:
            action = EVENT_TYPE_ACTION[event_types[raw]]
            out[raw] = TaxonomyEntry(raw, ACTION_STAGE[action], action, 1.0, "rule",
                                     decided_by=f"importer event_type={event_types[raw]}")
            continue
        m = m or rules.match_keywords(raw)
        if m is not None:
            out[raw] = TaxonomyEntry(raw, m.stage, m.action, m.confidence, "rule",
                                     decided_by=f"{m.rule} rule")
        else:
            pending.append(raw)
    if pending:
        guesses = (classifier or default_classifier()).classify(pending)
        unsure: list[EmbeddingGuess] = []
        for g in guesses:
            if g.sure:
                out[g.raw] = TaxonomyEntry(g.raw, g.stage, g.action, g.confidence, "embedding",
                                           decided_by="all-MiniLM-L6-v2 prototypes")
            else:
                unsure.append(g)
        if unsure:
            for entry in _ask_llm(unsure, provider):
                out[entry.raw] = entry
    return [out[n] for n in names]


def _offline_guess(g: EmbeddingGuess) -> TaxonomyEntry:
    if g.similarity >= default_classifier().min_similarity * 0.8:
        return TaxonomyEntry(g.raw, g.stage, g.action, g.confidence, "embedding", unsure=True,
                             decided_by="all-MiniLM-L6-v2 prototypes (unsure)")
    return TaxonomyEntry(g.raw, "other", "other", UNKNOWN_CONFIDENCE, "embedding", unsure=True,
                         decided_by="no layer recognised the name")


LLM_SYSTEM = (
    "You label e-commerce tracking event names with the customer-journey stage they "
    "record. Stages: browse (page, product, listing and search views), consideration "
    "(add to cart or wishlist, viewing the cart), removal (removing from cart or "
    "wishlist), checkout (checkout steps, shipping, delivery, payment details, coupons), "
    "conversion (a completed purchase or order), other (anything else: accounts, "
    "refunds, errors, engagement). Give a confidence between 0 and 1."
)


def _ask_llm(unsure: list[EmbeddingGuess], provider: Provider | None) -> list[TaxonomyEntry]:
    if provider is None or provider.name == "offline":
        return [_offline_guess(g) for g in unsure]
    # a name holding personal data (an e-mail, a phone number...) never leaves the machine:
    # it keeps the embedding's guess, marked as withheld
    names, private = split_personal([g.raw for g in unsure])
    labels = {}
    if names:
        prompt = ("Label each of these event names (JSON list) and answer as "
                  '{"labels": [{"raw": name, "stage": stage, "confidence": number}]}:\n'
                  + json.dumps(names))
        answer = provider.complete_json(prompt, EventLabels, system=LLM_SYSTEM)
        labels = {lab.raw: lab for lab in answer.labels}
    out = []
    for g in unsure:
        if g.raw in private:
            guess = _offline_guess(g)
            guess.decided_by = f"{WITHHELD_FROM_LLM} ({guess.decided_by})"
            out.append(guess)
            continue
        lab = labels.get(g.raw)
        if lab is None:  # the model skipped it: keep the embedding guess
            out.append(_offline_guess(g))
            continue
        out.append(TaxonomyEntry(g.raw, lab.stage, g.best_action_in(lab.stage),
                                 round(lab.confidence, 4), "llm", unsure=lab.confidence < 0.5,
                                 decided_by=f"{provider.name}:{provider.model}"))
    return out


# -- user mapping files ----------------------------------------------------------------
def load_mapping(path: Path) -> dict[str, tuple[str, str]]:
    """Read a user mapping: raw name -> (stage, action).

    Accepted forms: YAML or JSON object ``{raw: stage}`` or ``{raw: {stage:, action:}}``
    (optionally under a top-level ``events`` key), or CSV with columns
    ``raw,stage[,action]``.
    """
    path = Path(path)
    if not path.exists():
        raise InputError("mapping file not found", file=str(path))
    suffix = path.suffix.lower()
    rows: list[tuple[int | None, str, object]] = []
    if suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            fields = [f.strip().lower() for f in reader.fieldnames or []]
            if "raw" not in fields or "stage" not in fields:
                raise InputError("a CSV mapping needs the columns raw,stage[,action]",
                                 file=str(path), line=1)
            for i, row in enumerate(reader, start=2):
                row = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
                value = {"stage": row["stage"], "action": row.get("action") or None}
                rows.append((i, row["raw"], value))
    elif suffix in (".yaml", ".yml", ".json"):
        text = path.read_text(encoding="utf-8")
        try:
            if suffix == ".json":
                doc = json.loads(text)
            else:
                import yaml

                doc = yaml.safe_load(text)
        except Exception as exc:
            raise InputError(f"cannot parse mapping: {exc}", file=str(path)) from None
        if isinstance(doc, dict) and isinstance(doc.get("events"), dict):
            doc = doc["events"]
        if not isinstance(doc, dict):
            raise InputError("a mapping must be an object of raw name -> stage", file=str(path))
        rows = [(None, str(k), v) for k, v in doc.items()]
    else:
        raise InputError("mapping files are .yaml, .yml, .json or .csv", file=str(path))

    out: dict[str, tuple[str, str]] = {}
    for line, raw, value in rows:
        if isinstance(value, dict):
            stage, action = value.get("stage"), value.get("action")
        else:
            stage, action = value, None
        if not raw:
            raise InputError("empty event name", file=str(path), line=line, field="raw")
        if stage not in STAGES:
            raise InputError(f"unknown stage {stage!r} for {raw!r}; use one of "
                             f"{', '.join(STAGES)}", file=str(path), line=line, field="stage")
        action = action or STAGE_DEFAULT_ACTION[str(stage)]
        if ACTION_STAGE.get(str(action)) != stage:
            raise InputError(f"action {action!r} is not part of stage {stage!r} for {raw!r}",
                             file=str(path), line=line, field="action")
        out[raw] = (str(stage), str(action))
    return out


# -- with the database -----------------------------------------------------------------
def categorize(engine: Engine, params: CategorizeParams | None = None, *,
               provider: Provider | None = None) -> Taxonomy:
    """Categorize every distinct ``events.raw_event`` and store the result.

    Returns the taxonomy of every name present in ``events`` (most frequent first),
    each with the number of its events.
    """
    params = params or CategorizeParams()
    provider = provider or get_provider(params.llm)
    ensure_table(engine)
    mapping = load_mapping(params.mapping) if params.mapping else {}
    counts = engine.fetch_df(
        "SELECT raw_event, COUNT(*) AS n, COUNT(event_type) AS typed, "
        "COUNT(DISTINCT event_type) AS n_types, MIN(event_type) AS event_type "
        "FROM events GROUP BY raw_event ORDER BY COUNT(*) DESC, raw_event")
    names = [str(r) for r in counts["raw_event"]]
    n_events = dict(zip(names, (int(n) for n in counts["n"]), strict=True))
    event_types = {
        str(r.raw_event): str(r.event_type) for r in counts.itertuples()
        if int(r.typed) == int(r.n) and int(r.n_types) == 1
    }
    cached = {e.raw: e for e in _read_cache(engine)}

    decided: dict[str, TaxonomyEntry] = {}
    to_classify: list[str] = []
    for raw in names:
        if raw in mapping:
            stage, action = mapping[raw]
            decided[raw] = TaxonomyEntry(raw, stage, action, 1.0, "user",
                                         decided_by=str(params.mapping))
            continue
        hit = cached.get(raw)
        reconsider = hit is not None and hit.unsure and provider.name != "offline"
        if hit is not None and not reconsider and (not params.refresh or hit.method == "user"):
            decided[raw] = hit
        else:
            to_classify.append(raw)
    for entry in classify_names(to_classify, provider=provider, event_types=event_types):
        decided[entry.raw] = entry

    changed = [e for raw, e in decided.items() if cached.get(raw) != _strip_events(e)]
    if changed:
        _write_cache(engine, changed)
    # the canonical event types follow the taxonomy (and a changed mapping file)
    from shoplens.events.apply import reapply

    reapply(engine)
    entries = []
    for raw in names:
        e = decided[raw]
        e.events = n_events[raw]
        entries.append(e)
    return Taxonomy(entries)


def ensure_categorized(engine: Engine, *, provider: Provider | None = None) -> None:
    """Categorize names not yet in the cache (offline unless a provider is given)."""
    ensure_table(engine)
    missing = engine.scalar(
        "SELECT COUNT(DISTINCT e.raw_event) FROM events AS e "
        "LEFT JOIN event_taxonomy AS t ON t.raw_event = e.raw_event WHERE t.raw_event IS NULL")
    if missing:
        categorize(engine, provider=provider)


def read_taxonomy(engine: Engine) -> Taxonomy:
    """The stored taxonomy of the names present in ``events``, with their event counts."""
    ensure_table(engine)
    df = engine.fetch_df(
        "SELECT t.raw_event, t.stage, t.action, t.confidence, t.method, t.unsure, "
        "t.decided_by, COUNT(*) AS n FROM events AS e "
        "JOIN event_taxonomy AS t ON t.raw_event = e.raw_event "
        "GROUP BY t.raw_event, t.stage, t.action, t.confidence, t.method, t.unsure, "
        "t.decided_by ORDER BY COUNT(*) DESC, t.raw_event")
    return Taxonomy([
        TaxonomyEntry(str(r.raw_event), str(r.stage), str(r.action), float(r.confidence),
                      str(r.method), bool(r.unsure), str(r.decided_by or ""), int(r.n))
        for r in df.itertuples()
    ])


def _strip_events(e: TaxonomyEntry) -> TaxonomyEntry:
    return TaxonomyEntry(e.raw, e.stage, e.action, e.confidence, e.method, e.unsure,
                         e.decided_by, 0)


def _read_cache(engine: Engine) -> list[TaxonomyEntry]:
    df = engine.fetch_df("SELECT raw_event, stage, action, confidence, method, unsure, "
                         "decided_by FROM event_taxonomy")
    return [TaxonomyEntry(str(r.raw_event), str(r.stage), str(r.action), float(r.confidence),
                          str(r.method), bool(r.unsure), str(r.decided_by or ""))
            for r in df.itertuples()]


def _write_cache(engine: Engine, entries: list[TaxonomyEntry]) -> None:
    if any(e.stage not in STAGES for e in entries):
        raise ConfigError("internal: a stage outside the taxonomy")
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    df = pd.DataFrame({
        "raw_event": [e.raw for e in entries],
        "stage": [e.stage for e in entries],
        "action": [e.action for e in entries],
        "confidence": [float(e.confidence) for e in entries],
        "method": [e.method for e in entries],
        "unsure": [bool(e.unsure) for e in entries],
        "decided_by": [e.decided_by for e in entries],
        "updated_at": [now] * len(entries),
    })
    with engine.transaction():
        # delete-then-insert: the same statements on every engine (no dialect upsert);
        # names are bound as numbered placeholders, in chunks
        for start in range(0, len(entries), _DELETE_CHUNK):
            chunk = entries[start:start + _DELETE_CHUNK]
            marks = ", ".join(f":n{i}" for i in range(len(chunk)))
            engine.execute(f"DELETE FROM event_taxonomy WHERE raw_event IN ({marks})",
                           {f"n{i}": e.raw for i, e in enumerate(chunk)})
        engine.append_df(TABLE, df)
