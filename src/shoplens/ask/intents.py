"""Which kind of insight a question asks for: a library of question patterns matched
with the offline MiniLM sentence embeddings, with decisive keywords first.

A question is first masked — the shop's own values and the periods it names become
``<value>`` and ``<period>`` — so that "buyers in France last month" and "buyers in
Brazil in Q3" look alike to the model. Keywords that settle the kind on their own
("funnel", "came back", "new vs returning", "profit") win over the embedding; otherwise
the nearest patterns vote.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import numpy as np

Intent = str  # trends, top, compare, funnel, retention, lifecycle, stickiness, unanswerable

PATTERNS: dict[Intent, tuple[str, ...]] = {
    "trends": (
        "how many people bought <value> <period>", "how many users visited <period>",
        "what was the revenue <period>", "how much did we sell <period>",
        "daily active users <period>", "weekly buyers in <value>", "number of orders <period>",
        "revenue per day <period>", "how many purchases were made <period>",
        "what is the average order value <period>", "how many items were sold <period>",
        "monthly active users", "how many customers do we have in <value>",
        "show revenue by week <period>", "how many add to carts <period>",
        "total sales of <value> <period>", "how many visitors came <period>",
        "how many active users did we have <period>", "how many users were active <period>",
        "revenue from <value> <period>", "how much money did <value> bring <period>",
        "how many orders from <value>", "number of <value> buyers <period>",
        "how many users removed items from their cart <period>",
    ),
    "top": (
        "top 5 brands by revenue <period>", "which category sold the most <period>",
        "best selling products <period>", "most popular categories <period>",
        "which country has the most buyers", "revenue by channel <period>",
        "which brand brings the most revenue", "buyers by country <period>",
        "break down revenue by device", "what are the top products in <value>",
    ),
    "compare": (
        "which category lost the most revenue <period> compared to <period>",
        "how did revenue change from <period> to <period>",
        "revenue <period> vs <period>", "did we sell more <period> than <period>",
        "which country grew the most <period> compared to <period>",
        "compare orders <period> and <period>", "difference in buyers between <period> and <period>",
    ),
    "funnel": (
        "what is the conversion rate from view to purchase <period>",
        "how many users who viewed a product added it to cart", "show the purchase funnel",
        "where do users drop off between cart and purchase", "view to cart conversion <period>",
        "what share of visitors bought something", "cart abandonment rate <period>",
        "how many carts turned into purchases",
    ),
    "retention": (
        "what share of users who added to cart <period> came back <period>",
        "how many buyers came back <period>", "retention of users who signed up <period>",
        "do customers return after their first purchase", "repeat purchase rate <period>",
        "how many users returned the week after", "weekly retention <period>",
    ),
    "lifecycle": (
        "how many new users did we get <period>", "new versus returning users <period>",
        "how many users came back after being inactive", "how many users went dormant <period>",
        "new and returning buyers <period>", "how many resurrected users <period>",
    ),
    "stickiness": (
        "how many users were active on 5 or more days <period>", "how sticky is the shop",
        "how often do users come back in a month", "on how many days were users active",
        "how many users visited every week", "distribution of active days <period>",
    ),
    "unanswerable": (
        "what is our profit margin <period>", "how much did we spend on ads",
        "what is the return on ad spend", "what is the customer acquisition cost",
        "how satisfied are customers", "how much stock is left", "what is the net promoter score",
        "how long does delivery take", "what was the weather", "what are our costs",
    ),
}

#: decisive keywords: (pattern, intent) tried in order
KEYWORDS: tuple[tuple[str, Intent], ...] = (
    (r"\b(profit|margins?|costs?|cogs|ad spend|spend on ads|roas|roi\b|acquisition cost|\bcac\b|"
     r"\bnps\b|net promoter|satisf|ratings?\b|reviews?\b|stock\b|inventory|"
     r"delivery time|shipping time|weather|salar|employee|tax(es)?\b|click-?through|"
     r"bounce rate|page load)", "unanswerable"),
    (r"\b(funnel|drop[- ]?offs?|dropped off|abandon|conversion|convert(ed|s)?|"
     r"turned into|went on to)\b", "funnel"),
    (r"\bwho (viewed|visited|looked at|added)\b.*\b(added|bought|purchased|ordered)\b", "funnel"),
    (r"\b(came back|come back|comes back|returned|return(ing)? (users|customers|buyers) after|"
     r"retention|retain|repeat (purchase|buyer|customer)s?|churn)", "retention"),
    (r"\b(new (vs\.?|versus|and) returning|new users|new customers|new buyers|resurrect|"
     r"reactivat|dormant|lifecycle|returning users|returning customers)", "lifecycle"),
    (r"\b(stick(y|iness)|how many days|active on \d+|on how many days|how often|"
     r"every (day|week)|days? (were|was) .* active|on (\d+|one|two|three|four|five|ten)"
     r"( or more| different)? (days?|weeks?)|in (\d+|two|three|four) or more weeks)",
     "stickiness"),
    (r"\b(compared? (to|with)|versus|vs\.?|than (in |last )?<period>|than last|changed?|grew|"
     r"growth|lost the most|gained|dropped|declined|increased?|decreased?|difference)(?!\w)", "compare"),
    (r"\b(top \d+|top [a-z]+|best[- ]selling|most popular|which (category|brand|product|"
     r"country|channel|device|categories|brands|products|countries|weekday|day of the week|"
     r"hour|segment|source)|by (country|category|brand|channel|device|product|segment|weekday|"
     r"hour)|per (country|category|brand|channel|device|product|segment)|break ?down)", "top"),
)


@dataclass(frozen=True)
class IntentMatch:
    intent: Intent
    score: float
    method: str  # keyword or embedding
    nearest: str


class IntentClassifier:
    """Nearest patterns in MiniLM space, after the decisive keywords."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._matrix: np.ndarray | None = None
        self._labels: list[tuple[Intent, str]] = [
            (intent, text) for intent, texts in PATTERNS.items() for text in texts]

    def _patterns(self) -> np.ndarray:
        with self._lock:
            if self._matrix is None:
                from shoplens.llm.embeddings import encode

                self._matrix = encode([t for _, t in self._labels])
            return self._matrix

    def warm(self) -> None:
        """Load the model and embed the patterns (the first question's cost)."""
        self._patterns()

    def classify(self, masked: str, *, k: int = 3) -> IntentMatch:
        for pattern, intent in KEYWORDS:
            m = re.search(pattern, masked)
            if m:
                return IntentMatch(intent, 1.0, "keyword", m.group(0))
        from shoplens.llm.embeddings import encode

        sims = self._patterns() @ encode([masked])[0]
        best = np.argsort(-sims)[:k]
        votes: dict[Intent, float] = {}
        for i in best:
            votes[self._labels[i][0]] = votes.get(self._labels[i][0], 0.0) + float(sims[i])
        intent = max(votes, key=votes.__getitem__)
        top = int(best[0])
        return IntentMatch(intent, float(sims[top]), "embedding", self._labels[top][1])


_DEFAULT: IntentClassifier | None = None


def default_classifier() -> IntentClassifier:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = IntentClassifier()
    return _DEFAULT
