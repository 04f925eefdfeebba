"""How much a text changed between two snapshots: a readable diff, a one-line summary, and
a near-duplicate measure that tells a real edit from churn.

The measure is the Jaccard similarity of the two texts' word 3-gram sets: a changed date
stamp or view counter touches a handful of 3-grams out of hundreds (similarity near 1), a
rewritten paragraph many. Below ``MATERIAL_BELOW`` a change counts as material.
"""

from __future__ import annotations

from difflib import SequenceMatcher, unified_diff

from crawler.core.tokens import ngrams, sentences, words

MATERIAL_BELOW = 0.9


def similarity(old: str | None, new: str | None) -> float:
    """Jaccard similarity of word 3-grams: 1.0 identical, 0.0 nothing in common."""
    a, b = ngrams(words(old), 3), ngrams(words(new), 3)
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def is_material(old: str | None, new: str | None) -> bool:
    return material(similarity(old, new))


def material(score: float | None) -> bool:
    """Whether a change of this similarity (None: no change measured) is material."""
    return score is not None and score < MATERIAL_BELOW


def summarize(old: str | None, new: str | None) -> str:
    """``+12 words, -3 words, 94% similar`` for two extracted texts."""
    before, after = (old or "").split(), (new or "").split()
    matcher = SequenceMatcher(None, before, after, autojunk=False)
    added = removed = 0
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            removed += i2 - i1
        if tag in ("replace", "insert"):
            added += j2 - j1
    return f"+{added} words, -{removed} words, {matcher.ratio():.0%} similar"


def diff(old: str | None, new: str | None, old_label: str, new_label: str) -> list[str]:
    """A unified diff of two texts, sentence by sentence."""
    return list(unified_diff(sentences(old), sentences(new), old_label, new_label, lineterm=""))
