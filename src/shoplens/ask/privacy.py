"""What is withheld from a language model in a question: personal data a user may paste
(e-mail addresses, phone numbers, card or account numbers, ids)."""

from __future__ import annotations

import re

_PERSONAL = re.compile(
    r"[^@\s]+@[^@\s]+\.[a-z]{2,}"                       # e-mail
    r"|\+?\d[\d ().-]{7,}\d"                            # phone, card, account numbers
    r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # UUIDs
    r"|\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b",               # IBAN
    re.IGNORECASE)


def withhold(text: str) -> tuple[str, int]:
    """``text`` with personal items replaced by ``[withheld]``, and how many there were.

    A run of digits counts as personal from nine digits on, so dates (``2024-06-12``)
    and amounts stay.
    """
    n = 0

    def sub(m: re.Match[str]) -> str:
        nonlocal n
        token = m.group(0)
        if "@" not in token and "-" not in token[8:9] and sum(c.isdigit() for c in token) < 9:
            return token
        n += 1
        return "[withheld]"

    return _PERSONAL.sub(sub, text), n
