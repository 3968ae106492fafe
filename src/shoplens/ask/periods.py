"""Period expressions in a question ("last month", "Q3", "in May", "the week of 4 March",
"since Black Friday", "between 1 May and 12 June") as absolute date ranges.

Relative words count back from the anchor: the last day with data (a shop's export is
not live), so "last month" on a shop whose data ends on 2024-12-31 is November 2024.
Explicit calendar dates are read by dateparser; the calendar words ShopLens needs
(quarters, named months without a year, weeks "of" a day, declared days such as Black
Friday) by the rules here, because dateparser reads "May 2024" as the 3rd of May.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december")
#: a month's name or abbreviation as a whole word ("mar" but not "market")
_MONTH_RE = "(?:" + "|".join([*MONTHS, *(m[:3] for m in MONTHS if m != "may"), "sept"]) + r")\b\.?"
_ORDINAL_Q = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3,
              "4th": 4, "last": 4}
_UNITS = {"day": 1, "week": 7, "month": 30, "year": 365}


@dataclass(frozen=True)
class Period:
    """A closed date range ``[start, end]`` and how the question said it."""

    start: date
    end: date
    text: str
    grain: str  # day, week, month, quarter, year, range

    def describe(self) -> str:
        if self.start == self.end:
            return f"{self.text} = {self.start.isoformat()}"
        return f"{self.text} = {self.start.isoformat()} to {self.end.isoformat()}"

    def previous(self) -> Period:
        """The period of the same kind just before (Q2 before Q3, April before May)."""
        if self.grain == "month":
            s = _add_months(self.start, -1)
            return Period(s, _month_end(s), "the month before", "month")
        if self.grain == "quarter":
            s = _add_months(self.start, -3)
            return Period(s, _add_months(s, 3) - timedelta(days=1), "the quarter before",
                          "quarter")
        if self.grain == "year":
            s = date(self.start.year - 1, 1, 1)
            return Period(s, date(s.year, 12, 31), "the year before", "year")
        days = (self.end - self.start).days + 1
        return Period(self.start - timedelta(days=days), self.start - timedelta(days=1),
                      "the period before", self.grain)


@dataclass(frozen=True)
class Found:
    period: Period
    span: tuple[int, int]


def _month_end(d: date) -> date:
    return _add_months(d.replace(day=1), 1) - timedelta(days=1)


def _add_months(d: date, n: int) -> date:
    y, m = divmod(d.month - 1 + n, 12)
    return date(d.year + y, m + 1, 1)


def _quarter(year: int, q: int, text: str) -> Period:
    start = date(year, 3 * (q - 1) + 1, 1)
    return Period(start, _add_months(start, 3) - timedelta(days=1), text, "quarter")


def _month(year: int, month: int, text: str) -> Period:
    start = date(year, month, 1)
    return Period(start, _month_end(start), text, "month")


def _latest_year(anchor: date, month: int) -> int:
    """The year of the latest ``month`` that has started by ``anchor``."""
    return anchor.year if month <= anchor.month else anchor.year - 1


def black_friday(year: int) -> date:
    """The day after the fourth Thursday of November."""
    first = date(year, 11, 1)
    thursday = first + timedelta(days=(3 - first.weekday()) % 7 + 21)
    return thursday + timedelta(days=1)


def named_days(year: int) -> dict[str, date]:
    """Days a shop talks about that need no declaring."""
    bf = black_friday(year)
    return {"black friday": bf, "cyber monday": bf + timedelta(days=3),
            "christmas": date(year, 12, 25), "christmas eve": date(year, 12, 24),
            "new year": date(year, 1, 1), "new year's day": date(year, 1, 1),
            "valentine's day": date(year, 2, 14), "boxing day": date(year, 12, 26)}


def _day_names(anchor: date, declared: dict[str, date]) -> dict[str, date]:
    days = {}
    for year in (anchor.year - 1, anchor.year):
        for name, d in named_days(year).items():
            if d <= anchor:
                days[name] = d  # the later year wins when it has happened
    days.update({k.lower(): v for k, v in declared.items()})
    return days


def _parse_day(text: str, anchor: date, days: dict[str, date]) -> date | None:
    key = text.strip().lower().removeprefix("the ")
    if key in days:
        return days[key]
    if key in ("today", "now"):
        return anchor
    if key == "yesterday":
        return anchor - timedelta(days=1)
    if re.fullmatch(r"\d{4}", key):
        return None
    import dateparser

    base = datetime(anchor.year, anchor.month, anchor.day)
    parsed = dateparser.parse(text, languages=["en"], settings={
        "RELATIVE_BASE": base, "PREFER_DATES_FROM": "past", "DATE_ORDER": "YMD"
        if re.match(r"\d{4}", key) else "DMY", "REQUIRE_PARTS": ["day", "month"]})
    return parsed.date() if parsed else None


_NAMED_DAYS = ("black friday|cyber monday|christmas(?: eve)?|boxing day|new year(?:'s day)?|"
               "valentine's day|today|yesterday")
#: one day: ISO, "4 March [2024]", "March 4[th][, 2024]" or a named day
_DAY = (rf"(?:\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH_RE}(?:\s+\d{{4}})?|"
        rf"{_MONTH_RE}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?|{_NAMED_DAYS})")


def find_periods(question: str, anchor: date,
                 declared: dict[str, date] | None = None) -> list[Found]:
    """Every period named in ``question``, in the order they appear."""
    text = question.lower()
    days = _day_names(anchor, declared or {})
    names = "|".join(re.escape(k.lower()) for k in (declared or {}))
    day_re = r"(?:the\s+)?" + (_DAY if not names else _DAY[:-1] + "|" + names + ")")
    found: list[Found] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], period: Period | None) -> None:
        if period is None:
            return
        span = m.span()
        if any(a < span[1] and span[0] < b for a, b in taken):
            return
        taken.append(span)
        if len(text) == len(question):  # say it as the question wrote it ("Q3", "May")
            period = replace(period, text=question[span[0]:span[1]].strip())
        found.append(Found(period, span))

    def rule(pattern: str, build: Callable[[re.Match[str]], Period | None]) -> None:
        for m in re.finditer(pattern, text):
            add(m, build(m))

    def between(m: re.Match[str]) -> Period | None:
        a, b = _parse_day(m.group(1), anchor, days), _parse_day(m.group(2), anchor, days)
        if a is None or b is None:
            return None
        lo, hi = min(a, b), max(a, b)
        return Period(lo, hi, m.group(0).strip(), "range")

    rule(rf"\b(?:between|from)\s+({day_re})\s+(?:and|to|until|till|-)\s+({day_re})", between)

    def since(m: re.Match[str]) -> Period | None:
        d = _parse_day(m.group(1), anchor, days)
        return Period(d, anchor, m.group(0).strip(), "range") if d and d <= anchor else None

    rule(rf"\b(?:since|after)\s+({day_re})", since)

    def week_of(m: re.Match[str]) -> Period | None:
        d = _parse_day(m.group(1), anchor, days)
        if d is None:
            return None
        start = d - timedelta(days=d.weekday())
        return Period(start, start + timedelta(days=6), m.group(0).strip(), "week")

    rule(rf"\bthe week of\s+({day_re})", week_of)

    def last_n(m: re.Match[str]) -> Period:
        n = int(m.group(1)) if m.group(1) and m.group(1).isdigit() else _WORDS.get(m.group(1), 1)
        unit = m.group(2)
        if unit in ("month", "year"):
            months = n * (12 if unit == "year" else 1)
            back = _add_months(anchor.replace(day=1), -months)
            start = back.replace(day=min(anchor.day, _month_end(back).day)) + timedelta(days=1)
        else:
            start = anchor - timedelta(days=_UNITS[unit] * n - 1)
        return Period(start, anchor, m.group(0).strip(), "range")

    rule(r"\b(?:in\s+)?(?:the\s+)?(?:last|past|previous)\s+(\d+|two|three|four|five|six|seven|"
         r"eight|nine|ten|twelve|fourteen|thirty)\s+(day|week|month|year)s?\b", last_n)

    def relative(m: re.Match[str]) -> Period:
        which, unit = m.group(1), m.group(2)
        return _relative(which, unit, anchor, m.group(0).strip())

    rule(r"\b(this|last|previous|current)\s+(week|month|quarter|year)\b", relative)
    rule(r"\b(yesterday|today)\b",
         lambda m: Period(*( (anchor, anchor) if m.group(1) == "today" else
                             (anchor - timedelta(days=1),) * 2), m.group(0), "day"))

    def quarter(m: re.Match[str]) -> Period:
        q = int(m.group(1)) if m.group(1) else _ORDINAL_Q[m.group(2)]
        year = int(m.group(3)) if m.group(3) else None
        if year is None:
            year = anchor.year if date(anchor.year, 3 * (q - 1) + 1, 1) <= anchor else anchor.year - 1
        return _quarter(year, q, m.group(0).strip())

    rule(r"\b(?:q([1-4])|(first|second|third|fourth|1st|2nd|3rd|4th|last) quarter)"
         r"(?:\s+(?:of\s+)?(\d{4}))?\b", quarter)

    def on_day(m: re.Match[str]) -> Period | None:
        d = _parse_day(m.group(1), anchor, days)
        return Period(d, d, m.group(0).strip(), "day") if d else None

    rule(rf"\bon\s+({day_re})", on_day)

    def month(m: re.Match[str]) -> Period:
        name = m.group(1)
        idx = next(i for i, full in enumerate(MONTHS) if full.startswith(name[:3])) + 1
        year = int(m.group(2)) if m.group(2) else _latest_year(anchor, idx)
        return _month(year, idx, m.group(0).strip())

    rule(rf"\b({_MONTH_RE})(?:\s+(?:of\s+)?(\d{{4}}))?\b(?!\s+\d{{1,2}}\b)", month)
    rule(r"\b(?:in|during|for|of)\s+(\d{4})\b",
         lambda m: Period(date(int(m.group(1)), 1, 1), date(int(m.group(1)), 12, 31),
                          m.group(0).strip(), "year"))
    rule(rf"\b({day_re})\b", on_day)
    found.sort(key=lambda f: f.span[0])
    return found


_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
          "nine": 9, "ten": 10, "twelve": 12, "fourteen": 14, "thirty": 30}


def _relative(which: str, unit: str, anchor: date, text: str) -> Period:
    back = which in ("last", "previous")
    if unit == "week":
        start = anchor - timedelta(days=anchor.weekday()) - timedelta(days=7 * back)
        return Period(start, start + timedelta(days=6) if back else anchor, text, "week")
    if unit == "month":
        start = _add_months(anchor.replace(day=1), -back)
        return Period(start, _month_end(start) if back else anchor, text, "month")
    if unit == "quarter":
        q = (anchor.month - 1) // 3
        start = _add_months(date(anchor.year, 3 * q + 1, 1), -3 * back)
        end = _add_months(start, 3) - timedelta(days=1)
        return Period(start, end if back else anchor, text, "quarter")
    start = date(anchor.year - back, 1, 1)
    return Period(start, date(start.year, 12, 31) if back else anchor, text, "year")
