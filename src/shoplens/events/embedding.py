"""Embedding layer: the nearest labelled prototype, with a margin that says how sure.

Every action has a handful of prototype phrases. An event name is turned into a phrase
(:func:`shoplens.events.rules.phrase`: ``PLP_impression`` -> ``product listing page
impression``), embedded with the shared offline all-MiniLM-L6-v2 model
(:func:`shoplens.llm.embeddings.encode`) and compared with every prototype by cosine
similarity. An action scores the similarity of its best prototype, a stage the score of
its best action.

Notes
-----
``confidence`` is the softmax probability of the best stage over the six stage scores
at temperature ``TEMPERATURE`` (0.05): two stages scoring 0.62 and 0.50 give 0.91, two
scoring 0.55 and 0.53 give 0.60. A guess is *sure* when the best stage's similarity is
at least ``min_similarity`` and leads the runner-up stage by at least ``min_margin``;
otherwise it is flagged unsure and handed to the configured LLM (if any).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from shoplens.events.rules import phrase
from shoplens.events.stages import ACTION_STAGE, STAGES

TEMPERATURE = 0.05
MIN_SIMILARITY = 0.45
MIN_MARGIN = 0.06

PROTOTYPES: dict[str, tuple[str, ...]] = {
    "view": ("product viewed", "view product detail page", "item details opened",
             "product clicked", "product quick view", "product image zoom", "select item"),
    "list": ("product list viewed", "category page viewed", "product listing impression",
             "collection viewed", "promotion banner impression", "product grid shown",
             "sort products by price", "filter product list"),
    "search": ("search query submitted", "products searched", "search results viewed",
               "keyword search"),
    "page": ("page view", "screen view", "home page visited", "landing page loaded",
             "session started", "app opened"),
    "cart": ("add to cart", "product added to basket", "item added to shopping bag",
             "add to trolley", "quantity increased in cart"),
    "wishlist": ("add to wishlist", "save product for later", "product added to favorites",
                 "item bookmarked", "like product"),
    "cart_view": ("view cart", "shopping basket opened", "mini cart shown"),
    "remove": ("remove from cart", "product removed from basket", "item deleted from bag",
               "cart cleared", "quantity decreased in cart", "removed from wishlist"),
    "checkout": ("begin checkout", "checkout step shipping address", "delivery option chosen",
                 "shipping method selected", "checkout started", "enter contact details"),
    "payment": ("payment info entered", "payment method selected", "credit card details added",
                "billing information submitted", "proceed to payment"),
    "coupon": ("coupon applied", "discount code entered", "voucher redeemed",
               "promo code submitted"),
    "purchase": ("order completed", "purchase", "transaction completed", "payment successful",
                 "order confirmation page", "thank you for your order", "order placed",
                 "thank you page"),
    "refund": ("order refunded", "product returned", "order cancelled", "refund issued"),
    "account": ("user logged in", "account created", "sign up completed", "user logged out"),
    "other": ("newsletter subscribed", "error shown", "chat opened", "video played",
              "review submitted", "share product link", "notification received"),
}


@dataclass(frozen=True)
class EmbeddingGuess:
    raw: str
    action: str
    stage: str
    similarity: float          # best stage's cosine similarity
    margin: float              # lead over the runner-up stage
    confidence: float          # softmax probability of the best stage
    sure: bool
    stage_scores: dict[str, float]
    action_scores: dict[str, float]

    def best_action_in(self, stage: str) -> str:
        """The most similar action of ``stage`` (for a stage decided by someone else)."""
        candidates = {a: s for a, s in self.action_scores.items() if ACTION_STAGE[a] == stage}
        return max(candidates, key=candidates.__getitem__)


class PrototypeClassifier:
    """Nearest labelled prototype over the shared embedding model."""

    def __init__(self, prototypes: dict[str, Sequence[str]] | None = None, *,
                 min_similarity: float = MIN_SIMILARITY, min_margin: float = MIN_MARGIN) -> None:
        self.prototypes = {a: tuple(p) for a, p in (prototypes or PROTOTYPES).items()}
        self.min_similarity = min_similarity
        self.min_margin = min_margin
        self._labels: list[str] = []
        self._matrix: np.ndarray | None = None

    def fit(self) -> PrototypeClassifier:
        from shoplens.llm.embeddings import encode

        texts: list[str] = []
        self._labels = []
        for action, phrases in self.prototypes.items():
            texts.extend(phrases)
            self._labels.extend([action] * len(phrases))
        self._matrix = encode(texts)
        return self

    def classify(self, names: Sequence[str]) -> list[EmbeddingGuess]:
        if not names:
            return []
        if self._matrix is None:
            self.fit()
        from shoplens.llm.embeddings import encode

        assert self._matrix is not None
        sims = encode([phrase(n) for n in names]) @ self._matrix.T
        labels = np.array(self._labels)
        actions = list(self.prototypes)
        guesses = []
        for raw, row in zip(names, sims, strict=True):
            action_scores = {a: float(row[labels == a].max()) for a in actions}
            stage_scores = {s: max((v for a, v in action_scores.items() if ACTION_STAGE[a] == s),
                                   default=-1.0) for s in STAGES}
            ranked = sorted(stage_scores.items(), key=lambda kv: kv[1], reverse=True)
            (stage, best), (_, second) = ranked[0], ranked[1]
            scores = np.array([v for _, v in ranked])
            probs = np.exp((scores - scores.max()) / TEMPERATURE)
            confidence = float(probs[0] / probs.sum())
            action = max((a for a in actions if ACTION_STAGE[a] == stage),
                         key=action_scores.__getitem__)
            sure = best >= self.min_similarity and best - second >= self.min_margin
            guesses.append(EmbeddingGuess(raw, action, stage, round(best, 4),
                                          round(best - second, 4), round(confidence, 4), sure,
                                          stage_scores, action_scores))
        return guesses


_default: PrototypeClassifier | None = None


def default_classifier() -> PrototypeClassifier:
    """One fitted classifier per process (the prototypes are embedded once)."""
    global _default
    if _default is None:
        _default = PrototypeClassifier().fit()
    return _default
