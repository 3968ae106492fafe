"""The shop's own words: event names, property names and the values a question can
mention (countries, categories, brands, channels, devices, segments), read from the
database once per question session.

Only vocabulary leaves this module for a language model: names of events, categories,
brands, countries and channels — never a user id or anything a user typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from shoplens.engines import Engine

#: how a question names a property -> the query model's property reference
PROPERTY_WORDS: dict[str, str] = {
    "country": "user.country", "countries": "user.country", "market": "user.country",
    "markets": "user.country",
    "category": "product.category", "categories": "product.category",
    "brand": "product.brand", "brands": "product.brand",
    "channel": "user.channel", "channels": "user.channel", "source": "user.channel",
    "sources": "user.channel", "acquisition channel": "user.channel",
    "traffic source": "user.channel", "utm source": "user.channel",
    "device": "user.device", "devices": "user.device",
    "product": "event.product_id", "products": "event.product_id", "item": "event.product_id",
    "items": "event.product_id",
    "segment": "user.segment", "segments": "user.segment",
    "weekday": "time.weekday", "day of the week": "time.weekday", "day of week": "time.weekday",
    "hour": "time.hour", "hour of the day": "time.hour", "time of day": "time.hour",
    "event": "event.raw_event", "events": "event.raw_event", "event type": "event.raw_event",
}

_COUNTRY_ALIASES = {
    "uk": "GB", "britain": "GB", "great britain": "GB", "england": "GB",
    "united kingdom": "GB", "usa": "US", "america": "US", "the us": "US",
    "the states": "US", "united states": "US", "holland": "NL", "the netherlands": "NL",
    "russia": "RU", "south korea": "KR", "korea": "KR", "czech republic": "CZ",
    "uae": "AE", "vietnam": "VN", "iran": "IR", "turkey": "TR",
}
_WORD = re.compile(r"[a-z0-9][a-z0-9'&+\-]*")


@dataclass(frozen=True)
class Mention:
    """A value of a property named in a question."""

    property: str
    value: str
    text: str
    span: tuple[int, int]


@dataclass
class Vocabulary:
    """What a question about this shop can name."""

    events: dict[str, int] = field(default_factory=dict)        # raw name -> events
    event_types: dict[str, str | None] = field(default_factory=dict)  # raw name -> canonical
    values: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # surface -> refs
    property_values: dict[str, list[str]] = field(default_factory=dict)  # ref -> values
    first_day: Any = None
    last_day: Any = None

    # -- building -----------------------------------------------------------------
    def add(self, prop: str, value: str, surfaces: Iterable[str]) -> None:
        self.property_values.setdefault(prop, [])
        if value not in self.property_values[prop]:
            self.property_values[prop].append(value)
        for s in surfaces:
            key = " ".join(_WORD.findall(s.lower()))
            if len(key) < 2 or key in _STOP:
                continue
            refs = self.values.setdefault(key, [])
            if (prop, value) not in refs:
                refs.append((prop, value))

    @classmethod
    def from_engine(cls, engine: Engine) -> Vocabulary:
        """Read the vocabulary of the database behind ``engine`` (a few small queries)."""
        voc = cls()
        for raw, etype, n in engine.fetch_all(
                "SELECT raw_event, event_type, count(*) FROM events GROUP BY 1, 2"):
            voc.events[raw] = voc.events.get(raw, 0) + int(n)
            voc.event_types[raw] = etype
        span = engine.fetch_all("SELECT min(event_time), max(event_time) FROM events")
        if span and span[0][0] is not None:
            voc.first_day, voc.last_day = span[0][0].date(), span[0][1].date()
        for (code,) in engine.fetch_all(
                "SELECT DISTINCT country FROM users WHERE country IS NOT NULL"):
            voc.add("user.country", code, _country_names(code))
        for (cat,) in engine.fetch_all(
                "SELECT DISTINCT category FROM products WHERE category IS NOT NULL"):
            voc.add("product.category", cat, _category_names(cat))
        for (brand,) in engine.fetch_all(
                "SELECT DISTINCT brand FROM products WHERE brand IS NOT NULL AND brand <> ''"):
            voc.add("product.brand", brand, [brand])
        for prop, key in (("user.channel", "utm_source"), ("user.device", "device")):
            rows = engine.fetch_all(
                f"SELECT DISTINCT CAST(properties AS JSON) ->> '{key}' FROM events "
                "WHERE properties IS NOT NULL")
            for (value,) in rows:
                if value:
                    voc.add(prop, value, _channel_names(value))
        if engine.table_exists("user_segments"):
            for seg, rfm in engine.fetch_all(
                    "SELECT DISTINCT segment, rfm_segment FROM user_segments"):
                voc.add("user.segment", seg, [seg, seg.replace("_", " ")])
                voc.add("user.rfm_group", rfm, [rfm, rfm.replace("_", " ")])
        return voc

    # -- matching -----------------------------------------------------------------
    def mentions(self, question: str) -> list[Mention]:
        """Values the question names, longest phrase first, without overlaps."""
        words = [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(question.lower())]
        out: list[Mention] = []
        i = 0
        while i < len(words):
            for n in (4, 3, 2, 1):
                if i + n > len(words):
                    continue
                phrase = " ".join(w for w, _, _ in words[i:i + n])
                refs = self.values.get(phrase) or self.values.get(_singular(phrase))
                if refs:
                    span = (words[i][1], words[i + n - 1][2])
                    out.extend(Mention(p, v, phrase, span) for p, v in refs)
                    i += n
                    break
            else:
                i += 1
        return out

    def summary(self, max_values: int = 60) -> dict[str, Any]:
        """What a language model is told about the shop (no personal data)."""
        top_events = sorted(self.events, key=lambda e: -self.events[e])[:100]
        return {
            "events": {e: self.event_types.get(e) for e in top_events},
            "properties": {p: v[:max_values] for p, v in self.property_values.items()},
            "data_from": str(self.first_day) if self.first_day else None,
            "data_to": str(self.last_day) if self.last_day else None,
        }


_STOP = frozenset({"in", "on", "by", "of", "the", "a", "an", "and", "or", "to", "for", "is",
                   "it", "at", "us", "me", "my", "we", "no", "do", "be", "as", "so", "up",
                   "all", "new", "top", "best", "most", "other", "more", "less", "how", "who",
                   "what", "which", "when", "many", "much", "per", "vs", "than", "last",
                   "this", "week", "month", "year", "day", "order", "orders", "cart", "view",
                   "buy", "sale", "sales"})


def _singular(phrase: str) -> str:
    if phrase.endswith("ies"):
        return phrase[:-3] + "y"
    if phrase.endswith("s") and not phrase.endswith("ss"):
        return phrase[:-1]
    return phrase


def _country_names(code: str) -> list[str]:
    import pycountry

    names = [code] if len(code) > 2 else []
    c = pycountry.countries.get(alpha_2=code.upper()) if len(code) == 2 else None
    if c is not None:
        names += [c.name, getattr(c, "common_name", c.name), c.alpha_3]
    names += [alias for alias, iso in _COUNTRY_ALIASES.items() if iso == code.upper()]
    return names


def _category_names(category: str) -> list[str]:
    """A category is named by its path, its leaf, or any level above it ("shoes" names
    apparel.shoes and apparel.shoes.sandals; "electronics" every electronics.*)."""
    parts = category.split(".")
    out = [category, category.replace(".", " ")]
    if len(parts) > 1:
        out.append(f"{parts[0]} {parts[-1]}")
    out += parts
    return [o.replace("_", " ") for o in out]


def _channel_names(value: str) -> list[str]:
    extra = {"newsletter": ["email", "e-mail", "mailing"], "direct": ["direct traffic"],
             "google": ["search ads", "seo"], "affiliate": ["affiliates", "partners"]}
    return [value, *extra.get(value.lower(), [])]
