"""How much a text changed between two snapshots, in words a person can read at a glance."""

from __future__ import annotations

from difflib import SequenceMatcher


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
