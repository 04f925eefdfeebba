"""What a person types into ``search``, as an SQLite FTS5 query.

Words are all required and each is quoted, so that punctuation never becomes FTS5 syntax
(``U.S.``, ``covid-19``); ``"a phrase"`` stays a phrase; ``word*`` matches a prefix. FTS5's
own operators pass through when written in capitals, as its documentation writes them:
``OR``, ``NOT``, ``AND``, ``NEAR(...)`` and parentheses; ``-word`` (as in web search) means
``NOT word``. A query that is still not valid FTS5 is refused with the reason, naming the
query (:class:`~crawler.errors.InvalidQuery`), never an SQL error.
"""

from __future__ import annotations

import re

from crawler.errors import InvalidQuery

_TOKEN = re.compile(r'(NEAR\([^)]*\))|(-?)"([^"]*)"(\*?)|([()])|([^\s()"]+)')
_NEAR = re.compile(r"NEAR\((.*?)(?:,\s*(\d+))?\)$")
_OPERATORS = {"OR", "NOT", "AND"}


def _quoted(term: str, prefix: bool = False) -> str:
    return '"' + term.replace('"', '""') + '"' + ("*" if prefix else "")


def _near(group: str) -> str:
    """``NEAR(a b, 5)`` with its words quoted."""
    match = _NEAR.match(group)
    assert match is not None  # the token pattern matched NEAR(...)
    words = " ".join(_quoted(word) for word in re.findall(r'[^\s"]+', match[1]))
    return f"NEAR({words}{', ' + match[2] if match[2] else ''})"


def fts_query(text: str) -> str:
    """``text`` as an FTS5 query (see above). Raises InvalidQuery for what finds nothing by
    construction: no word to look for, a query starting with an operator."""
    parts: list[str] = []
    excluded: list[str] = []
    explicit = False
    for near, negated, phrase, star, paren, word in _TOKEN.findall(text):
        if near:
            parts.append(_near(near))
            continue
        if paren or word in _OPERATORS:
            parts.append(paren or word)
            explicit = True
            continue
        if word:
            negated = "-" if word.startswith("-") and len(word) > 1 else ""
            word = word[1:] if negated else word
            star = "*" if word.endswith("*") and len(word) > 1 else ""
            phrase = word[:-1] if star else word
        if not phrase.strip():
            continue
        (excluded if negated else parts).append(_quoted(phrase, bool(star)))
    if not any(part.startswith(('"', "NEAR(")) for part in parts):
        raise InvalidQuery(f"{text!r}: nothing to look for (a query needs a word or a "
                           "\"phrase\"; -word only excludes)")
    if parts[0] in _OPERATORS:
        raise InvalidQuery(f"{text!r}: a query cannot start with {parts[0]}")
    # FTS5's NOT takes two sides ("a NOT b"): exclusions go after what is looked for.
    query = " ".join(parts)
    if excluded:
        query = (f"({query})" if explicit else query) + "".join(
            f" NOT {term}" for term in excluded)
    return query
