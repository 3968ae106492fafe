"""Site searches: the words a shopper types for the session's category, in the persona's
own way of asking ("cheap sneakers", "gaming laptop review", "summer dress black")."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from shoplens.generate.categories import CATEGORIES
from shoplens.generate.personas import PERSONAS
from shoplens.generate.sessions import Sessions
from shoplens.generate.users import Users

#: share of searches phrased the way another persona would (personas overlap)
FOREIGN_PHRASING = 0.12
#: templates that only make sense for some departments (the others skip them)
TEMPLATE_DEPARTMENTS: dict[str, tuple[str, ...]] = {
    "quiet {}": ("appliances", "computers"),
    "{} installation": ("appliances", "construction"),
    "{} women": ("apparel", "accessories", "sport"),
    "summer {}": ("apparel", "accessories", "sport"),
    "{} outfit": ("apparel",),
    "{} new collection": ("apparel", "accessories", "furniture"),
    "{} for family": ("appliances", "furniture", "kids", "sport", "electronics"),
    "{} specs": ("electronics", "computers", "appliances"),
    "{} pro": ("electronics", "computers"),
}


def _fits(template: str, phrase: str, department: str) -> bool:
    allowed = TEMPLATE_DEPARTMENTS.get(template)
    if allowed is not None and department not in allowed:
        return False
    # no "summer summer sandals": a template word already in the phrase is left out
    words = set(phrase.split())
    return not words & set(template.replace("{}", " ").replace("{brand}", " ").split())


@dataclass(frozen=True)
class Vocabulary:
    """Every query a (persona, category) pair can produce, flattened with offsets."""

    queries: tuple[str, ...]
    offset: np.ndarray  # (personas, categories)
    count: np.ndarray  # (personas, categories)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    queries: list[str] = []
    offset = np.zeros((len(PERSONAS), len(CATEGORIES)), np.int64)
    count = np.zeros_like(offset)
    for p, persona in enumerate(PERSONAS):
        for c, cat in enumerate(CATEGORIES):
            offset[p, c] = len(queries)
            group: list[str] = []
            for phrase in cat.phrases:
                for tpl in persona.templates:
                    if not _fits(tpl, phrase, cat.top):
                        continue
                    if "{brand}" in tpl:
                        group.extend(tpl.replace("{brand}", b).format(phrase)
                                     for b in cat.brands[:3] if b not in phrase.split())
                    else:
                        group.append(tpl.format(phrase))
            group = list(dict.fromkeys(group)) or list(cat.phrases)  # unique, in order
            queries.extend(group)
            count[p, c] = len(group)
    return Vocabulary(tuple(queries), offset, count)


@dataclass
class Searches:
    session: np.ndarray  # int64 index into the sessions
    query: np.ndarray  # int64 index into vocabulary().queries


def build_searches(sessions: Sessions, users: Users, rng: np.random.Generator) -> Searches:
    voc = vocabulary()
    idx = np.flatnonzero(sessions.search)
    persona = users.persona[sessions.user[idx]].astype(np.int64)
    foreign = rng.random(len(idx)) < FOREIGN_PHRASING
    persona[foreign] = rng.integers(0, len(PERSONAS), int(foreign.sum()))
    cat = sessions.category[idx].astype(np.int64)
    pick = np.floor(rng.random(len(idx)) * voc.count[persona, cat]).astype(np.int64)
    return Searches(idx, voc.offset[persona, cat] + pick)
