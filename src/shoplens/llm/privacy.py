"""Personal data never goes to a language model: one filter for everything sent.

Event names, search queries and segment traits are tracker or shop vocabulary, but a
badly instrumented tracker puts an e-mail address, a phone number or a customer's
name into one. :func:`personal_kinds` says which kinds of personal data a text holds:

- ``email``: ``ann.lee+shop@example.co.uk``;
- ``phone``: international (``+33 6 12 34 56 78``, ``0049 30 1234567``) and national
  numbers in the formats of the countries in :data:`PHONE_REGIONS`, spaced or not,
  recognised by Google's libphonenumber (``phonenumbers``);
- ``iban``: ``DE89 3704 0044 0532 0130 00``, spaced or not; ``card``: 13 to 19 digits
  in groups (``4111 1111 1111 1111``);
- ``address``: a street address (``221B Baker Street``, ``12 rue de la Paix``,
  ``Hauptstraße 5``, ``Via Roma 10``, ``Calle Mayor 3``);
- ``digits``: a run of six or more digits (customer, order, account numbers);
- ``uuid``: ``123e4567-e89b-12d3-a456-426614174000``;
- ``name``: a personal name, where a first name from :data:`FIRST_NAMES` is followed by
  a capitalised word (``Maria Schmidt``) or a title precedes one (``Mr Smith``).

Callers leave such values out of what they send and count them
(:func:`split_personal`); :func:`guard_prompt` is the last line, run by every provider
on every prompt: each JSON string in it that holds personal data is replaced.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable
from importlib import resources

import phonenumbers

WITHHELD = "(withheld: personal data)"

#: regions whose national phone formats are recognised (international ``+`` numbers are
#: recognised from anywhere)
PHONE_REGIONS = ("US", "GB", "FR", "DE", "ES", "IT", "NL", "BE", "CH", "AT", "PL", "SE",
                 "PT", "IE", "IN", "BR", "MX", "CA", "AU", "JP")

#: common first names (lower case), from ``first_names.json``
FIRST_NAMES = frozenset(json.loads(
    resources.files("shoplens.llm").joinpath("first_names.json").read_text("utf-8"))["names"])
#: words that follow a first name in event vocabulary without making it a person's name
_NOT_SURNAMES = frozenset((
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "into",
    "of", "on", "or", "page", "the", "to", "with", "item", "items", "cart",
    "order", "view", "button", "click", "list", "all", "more", "read", "up", "down",
))
_TITLES = r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Herr|Frau|Mme|Mlle|M|Sr|Sra|Sig|Sig\.ra)\.?"

_EMAIL = re.compile(r"[\w.+\-%]+@[\w\-]+(?:\.[\w\-]+)+")
# not \b: "cart_<uuid>" has a word character before the UUID
_UUID = re.compile(r"(?<![0-9a-f])[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?"
                   r"[0-9a-f]{12}(?![0-9a-f])", re.IGNORECASE)
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ \-]?[A-Z0-9]{4}){2,7}(?:[ \-]?[A-Z0-9]{1,4})?\b",
                   re.IGNORECASE)
# 13 to 19 digits, grouped by spaces or dashes in any way (4-4-4-4, Amex's 4-6-5)
_CARD = re.compile(r"(?<![\d.])\d(?:[ \-]?\d){12,18}(?![\d.])")
_DIGITS = re.compile(r"(?<![\d.])\d{6,}(?![\d.])")
_STREET_TYPES = (r"street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|way|court|"
                 r"ct|place|pl|square|sq|terrace|crescent|close|highway|hwy|parkway|pkwy")
_FOREIGN_STREETS = (r"rue|avenue|boulevard|bd|chemin|impasse|allée|allee|quai|via|viale|"
                    r"piazza|corso|calle|avenida|plaza|paseo|rua|travessa|ulica|ul\.")
_ADDRESS = re.compile(
    rf"\b\d{{1,5}}[a-z]?,?\s+(?:[A-Za-zÀ-ÿ'.\-]+\s+){{0,4}}(?:{_STREET_TYPES})\b\.?"
    rf"|\b\d{{1,5}}[a-z]?,?\s+(?:{_FOREIGN_STREETS})\s+\w+"
    rf"|\b(?:{_FOREIGN_STREETS})\s+(?:[\wÀ-ÿ'\-]+\s+){{0,4}}\d{{1,5}}[a-z]?\b"
    r"|\b[\wÀ-ÿ\-]+(?:straße|strasse|str\.|weg|gasse|platz|allee|laan|straat|gatan|vej)\s*"
    r"\d{1,5}[a-z]?\b",
    re.IGNORECASE)
_TITLED = re.compile(rf"\b{_TITLES}\s+[A-Z][a-zà-ÿ'\-]+")
_WORD = re.compile(r"[A-Za-zÀ-ÿ'\-]+")


def personal_kinds(text: str) -> list[str]:
    """The kinds of personal data ``text`` holds (empty when none): ``email``, ``phone``,
    ``iban``, ``card``, ``address``, ``digits``, ``uuid``, ``name``."""
    if not text:
        return []
    found = []
    if _EMAIL.search(text):
        found.append("email")
    if _UUID.search(text):
        found.append("uuid")
    if _IBAN.search(text) and re.search(r"\d{6,}|\d{4}[ \-]\d{4}", text):
        found.append("iban")
    if _CARD.search(text):
        found.append("card")
    if _has_phone(text):
        found.append("phone")
    if _ADDRESS.search(text):
        found.append("address")
    if _DIGITS.search(text):
        found.append("digits")
    if _has_name(text):
        found.append("name")
    return found


def is_personal(text: str) -> bool:
    """Whether ``text`` holds any kind of personal data."""
    return bool(personal_kinds(text))


def split_personal(values: Iterable[str]) -> tuple[list[str], list[str]]:
    """``values`` as (safe to send, withheld), in order."""
    safe, withheld = [], []
    for v in values:
        (withheld if is_personal(v) else safe).append(v)
    return safe, withheld


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def guard_prompt(prompt: str) -> tuple[str, int]:
    """``prompt`` with every JSON string that holds personal data replaced by
    :data:`WITHHELD`, and how many were replaced. Numbers and the prose around the JSON
    (written by ShopLens) are left as they are."""
    count = 0

    def replace(m: re.Match[str]) -> str:
        nonlocal count
        text = m.group(0)[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        if is_personal(text):
            count += 1
            return f'"{WITHHELD}"'
        return m.group(0)

    return _JSON_STRING.sub(replace, prompt), count


def _has_phone(text: str) -> bool:
    if sum(c.isdigit() for c in text) < 7:
        return False
    if re.search(r"\d{4}-\d{2}-\d{2}|\d{2}:\d{2}", text):  # dates and times
        text = re.sub(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?|\d{2}:\d{2}", " ",
                      text)
    for region in (None, *PHONE_REGIONS):
        for _ in phonenumbers.PhoneNumberMatcher(text, region or "ZZ",
                                                 leniency=phonenumbers.Leniency.VALID):
            return True
    return False


def _has_name(text: str) -> bool:
    if _TITLED.search(text):
        return True
    words = _WORD.findall(text)
    for first, second in itertools.pairwise(words):
        if (first[:1].isupper() and first.lower() in FIRST_NAMES and second[:1].isupper()
                and second.lower() not in _NOT_SURNAMES and len(second) > 1):
            return True
    return False


__all__ = ["FIRST_NAMES", "PHONE_REGIONS", "WITHHELD", "guard_prompt", "is_personal",
           "personal_kinds", "split_personal"]
