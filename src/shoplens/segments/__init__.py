"""Behavioural segmentation: who the shoppers are, written back to the database and to a
search index where they can be found by segment and traits.

Entry points: :func:`segment` (the whole run), :class:`SegmentParams`,
:class:`SegmentationResult` (profiles, RFM table, ARI helpers), :func:`check`
(index vs database), :func:`read_personas` / :func:`adjusted_rand` for evaluation.
"""

from __future__ import annotations

from shoplens.segments.api import SegmentationResult, segment
from shoplens.segments.check import CheckReport, check
from shoplens.segments.evaluate import adjusted_rand, confusion, majority_names, read_personas
from shoplens.segments.params import DEFAULT_GROUP_WEIGHTS, SegmentParams
from shoplens.segments.profiles import SegmentProfile
from shoplens.segments.rfm import rfm_scores, rfm_table

__all__ = [
    "DEFAULT_GROUP_WEIGHTS",
    "CheckReport",
    "SegmentParams",
    "SegmentProfile",
    "SegmentationResult",
    "adjusted_rand",
    "check",
    "confusion",
    "majority_names",
    "read_personas",
    "rfm_scores",
    "rfm_table",
    "segment",
]
