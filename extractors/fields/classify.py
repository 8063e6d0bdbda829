"""Which document type is this? Weighted keywords per type, matched fuzzily on folded text.

Every type module declares its keywords (and line patterns) in its schema. The score of a type is the sum of the
weights of its keywords found; the confidence is how far the winner stands above the runner-up.
A manifest hint decides only between close candidates, and a contradicted hint is reported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from extractors.fields.anchors import contains
from extractors.fields.normalise import fold
from extractors.fields.types import registry
from sohoa.model import DocType

KEYWORD_MIN_SCORE = 85.0
MIN_WINNING_SCORE = 3.0  # below this nothing is recognised: ``other``
CERTAIN_LEAD = 3.0  # a winner this many points ahead of the runner-up is certain (confidence 1)


@dataclass(frozen=True)
class Classification:
    doc_type: DocType
    confidence: float
    scores: dict[DocType, float]
    warnings: tuple[str, ...] = ()


def score_types(text: str) -> dict[DocType, float]:
    """Sum of the weights of keywords and line patterns found in ``text`` (folded, per line so
    neither can span lines); each counts once however often it occurs."""
    lines = [fold(line) for line in text.splitlines() if line.strip()]
    scores: dict[DocType, float] = {}
    for doc_type, extractor in registry().items():
        total = 0.0
        for keyword, weight in extractor.schema.keywords:
            needle = fold(keyword)
            if any(contains(needle, line, KEYWORD_MIN_SCORE) for line in lines):
                total += weight
        for pattern, weight in extractor.schema.patterns:
            if any(_compiled(pattern).search(line) for line in lines):
                total += weight
        scores[doc_type] = total
    return scores


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def classify(text: str, hint: DocType | None = None, evidence: Mapping[DocType, float] | None = None) -> Classification:
    """The most likely type; ``other`` when no type scores enough.

    ``evidence`` adds points found outside the text (a decoded CCCD QR code), so a card whose
    printed text could not be read is still recognised by its machine-readable code.
    """
    scores = score_types(text)
    for doc_type, points in (evidence or {}).items():
        scores[doc_type] = scores.get(doc_type, 0.0) + points
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (best, top), second = ranked[0], ranked[1][1] if len(ranked) > 1 else 0.0
    if top < MIN_WINNING_SCORE:
        best, confidence = DocType.OTHER, (0.5 if top > 0 else 0.95)
    else:
        confidence = min(1.0, (top - second) / CERTAIN_LEAD)
    return _with_hint(Classification(best, round(confidence, 4), scores), hint)


def _with_hint(result: Classification, hint: DocType | None) -> Classification:
    if hint is None or hint == result.doc_type:
        return result
    if result.confidence < 0.5:
        return Classification(hint, 0.5, result.scores, ("loại theo hồ sơ khai báo / type taken from the manifest hint",))
    warning = f"loại tài liệu khác khai báo ({hint.value}) / document type differs from the manifest hint ({hint.value})"
    return Classification(result.doc_type, min(result.confidence, 0.5), result.scores, (warning,))
