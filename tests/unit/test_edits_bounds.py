"""Comparing two versions of a page takes bounded time: difflib's pairwise matching is
quadratic, and two versions of a 60 KB page took a minute to summarise."""

from __future__ import annotations

import subprocess
import sys
from difflib import SequenceMatcher

from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.core.change import diff
from crawler.core.edits import opcodes

items = st.lists(st.sampled_from("abcdefg"), max_size=40)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(items, items, st.booleans())
def test_the_edits_turn_the_old_version_into_the_new(old, new, large):
    """Matched pairwise, a valid edit script; past the bound, by membership: what is said
    removed or added is exactly what one version has and the other has not (a sentence
    moved elsewhere is not an edit there)."""
    import crawler.core.edits as edits

    bound = edits._PAIRWISE
    edits._PAIRWISE = 0 if large else bound
    try:
        codes = opcodes(old, new)
    finally:
        edits._PAIRWISE = bound
    rebuilt = []
    for tag, i1, i2, j1, j2 in sorted(codes, key=lambda code: (code[1], code[3])):
        if tag == "equal":
            assert old[i1:i2] == new[j1:j2]
        rebuilt.extend(new[j1:j2])
    if large:
        added = {item for tag, _, _, j1, j2 in codes if tag == "insert" for item in new[j1:j2]}
        removed = {item for tag, i1, i2, _, _ in codes if tag == "delete"
                   for item in old[i1:i2]}
        assert added >= set(new) - set(old) and removed >= set(old) - set(new)
    else:
        assert rebuilt == new
    if old == new:
        assert all(tag == "equal" for tag, *_ in codes)
    if not large:
        assert len([c for c in codes if c[0] != "equal"]) <= len(
            [c for c in SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
             if c[0] != "equal"]) + 1


def test_a_unified_diff_that_patch_reads():
    old = "The mayor spoke. The budget passed. Taxes rise by 3%. The end."
    new = "The mayor spoke. The budget failed. Taxes rise by 3%. A new vote is due. The end."
    assert diff(old, new, "a", "b") == [
        "--- a", "+++ b", "@@ -2 +2 @@", "-The budget passed.", "+The budget failed.",
        "@@ -3,0 +4 @@", "+A new vote is due."]


BIG = """
import random, sys
from crawler.core.change import diff
from crawler.core.edits import Version, compare
random.seed(7)
words = [f"w{n}" for n in range(5000)]
def text(n): return " ".join(random.choice(words) for _ in range(n))
flat = text(150_000), text(150_000)                       # 1 MB, no sentence break
prose = [" ".join("The " + text(12) + "." for _ in range(12_000)) for _ in range(2)]
edited = prose[0], prose[0].replace(" w1 ", " w2 ", 40)
for old, new in (flat, prose, edited):
    print(compare(Version("T", old), Version("T", new)).summary, len(diff(old, new, "a", "b")))
"""


def test_megabyte_pages_are_compared_without_quadratic_work():
    """Run in a process of its own, given a minute: quadratic matching took hours."""
    result = subprocess.run([sys.executable, "-c", BIG], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    flat, prose, edited = result.stdout.splitlines()
    assert flat.startswith("material: a long passage rewritten (150000 → 150000 words)")
    assert prose.startswith("material: 12000 sentences removed; 12000 sentences added")
    assert "sentences changed" in edited and not edited.startswith("material: 12000")
