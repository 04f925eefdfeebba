"""What a person types into ``search`` becomes a valid FTS5 query, or a clear refusal."""

from __future__ import annotations

import sqlite3

import pytest

from crawler.core.search_query import fts_query
from crawler.errors import InvalidQuery


@pytest.mark.parametrize("typed, query", [
    ("troops Crimea", '"troops" "Crimea"'),
    ("U.S. covid-19", '"U.S." "covid-19"'),
    ('"withdraw troops" Crimea', '"withdraw troops" "Crimea"'),
    ("withdr*", '"withdr"*'),
    ("Lukashenko OR Shoigu", '"Lukashenko" OR "Shoigu"'),
    ("troops -gaza", '"troops" NOT "gaza"'),
    ("(a OR b) -c", '(( "a" OR "b" )) NOT "c"'),
    ("NEAR(putin zelensky, 5)", 'NEAR("putin" "zelensky", 5)'),
    ('say "it\'s" now', '"say" "it\'s" "now"'),
])
def test_typed_words_become_fts5(typed, query):
    assert fts_query(typed) == query


@pytest.mark.parametrize("typed, reason", [
    ("-gaza", "nothing to look for"),
    ('""', "nothing to look for"),
    ("OR troops", "a query cannot start with OR"),
])
def test_queries_that_find_nothing_by_construction_are_refused(typed, reason):
    with pytest.raises(InvalidQuery, match=reason):
        fts_query(typed)


@pytest.mark.parametrize("typed", ["U.S.", "a:b", "x^y", "it's", "tab\tand", "*", "'", "NEAR",
                                   "a AND", "(unclosed", "café ünïcode", "c++ -", "NOT"])
def test_odd_input_is_valid_fts5_or_refused(typed):
    """Whatever is typed either runs in SQLite's FTS5 or is refused as InvalidQuery."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    try:
        query = fts_query(typed)
    except InvalidQuery:
        return
    try:
        db.execute("SELECT * FROM t WHERE t MATCH ?", (query,)).fetchall()
    except sqlite3.OperationalError as error:  # storage turns this into InvalidQuery too
        assert typed.strip() in {"a AND", "(unclosed"}, f"{typed!r} -> {query!r}: {error}"
