"""
The one normalisation of searchable text and of queries, for both engines.

A word is a run of letters and digits (``[^\\W_]+``); each word becomes one
term: lower case, accents folded (NFKD without combining marks), then the
French Snowball stem. Indexed text and queries go through the same function,
so "élèves", "eleve" and "Élève" are all ``elev`` on SQLite and PostgreSQL
alike; the engines only split the terms on spaces.
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from django.utils.translation import gettext as _

from forum.inputs import BadInput

WORD = re.compile(r"[^\W_]+")
# Declared once: the form and search() both read these bounds.
MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 8
MIN_PREFIX_CHARS = 3
# A longer word is cut: no engine needs more, and the terms stay short.
MAX_TERM_CHARS = 40
# What is kept of a long text for snippets and terms (a post holds at most 10,000 characters).
MAX_BODY_CHARS = 12_000

_stemmer = snowballstemmer.stemmer("french")
# Letters NFKD does not take apart, as people type them without the key: "soeur"
# finds "sœur", "jekafo" finds "Jɛkafɔ" (Bambara's open e and o, ɲ, ŋ).
_LIGATURES = str.maketrans(
    {"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ɛ": "e", "ɔ": "o", "ɲ": "ny", "ŋ": "ng"}
)


def fold(word: str) -> str:
    """Lower case, accents and compatibility forms folded, letters and digits only."""
    decomposed = unicodedata.normalize("NFKD", word.lower().translate(_LIGATURES))
    folded = "".join(c for c in decomposed if c.isalnum())
    return folded[:MAX_TERM_CHARS] or word.lower()[:MAX_TERM_CHARS]


@lru_cache(maxsize=50_000)
def term(word: str) -> str:
    """The index term of one word."""
    return _stemmer.stemWord(fold(word))


def terms(text: str) -> list[str]:
    """The term of each word of ``text``, in order (one per word: snippets count on it)."""
    return [term(m.group()) for m in WORD.finditer(text)]


def terms_text(text: str) -> str:
    return " ".join(terms(text))


@dataclass(frozen=True)
class Query:
    """A parsed query: whole-word terms, and the last word as typed so far.

    The last word matches its own term (``last``) or, as one types, any term
    that starts with the word folded (``prefix``: "mari" finds "mariag",
    "marie"); a stem would be too short a prefix ("les" → "le*").
    """

    words: tuple[str, ...]  # terms every result holds (all but the last word)
    last: str  # the last word's term
    prefix: str = ""  # the last word folded, when long enough to complete

    @property
    def last_exact(self) -> bool:
        """Whether ``last`` must be matched on its own (the prefix does not cover it)."""
        return not self.prefix or not self.last.startswith(self.prefix)

    def matches(self, token: str) -> bool:
        if token in self.words:
            return True
        if self.prefix and token.startswith(self.prefix):
            return True
        return token == self.last


def parse_query(text: str) -> Query | None:
    """Our own tokens of ``text``; None when it holds no word. Too long: ``BadInput``.

    Nothing of the user's text reaches an engine's query syntax: quotes,
    ``*``, ``NEAR``, ``OR``, parentheses, ``-``, ``^``, ``:`` are not letters
    and vanish here; the words are lower-cased terms the engines quote.
    """
    if not isinstance(text, str):
        return None
    if len(text) > MAX_QUERY_CHARS:
        raise BadInput(
            "too_long",
            _("Votre recherche est trop longue : %(max)d caractères au plus.")
            % {"max": MAX_QUERY_CHARS},
        )
    words = [m.group() for m in WORD.finditer(text)]
    if not words:
        return None
    if len(words) > MAX_QUERY_WORDS:
        raise BadInput(
            "too_many_words",
            _("Votre recherche compte trop de mots : %(max)d au plus.") % {"max": MAX_QUERY_WORDS},
        )
    whole = tuple(dict.fromkeys(term(w) for w in words[:-1]))
    folded = fold(words[-1])
    prefix = folded if len(folded) >= MIN_PREFIX_CHARS else ""
    return Query(words=whole, last=term(words[-1]), prefix=prefix)


# Ranking --------------------------------------------------------------------------------------


def score(query: Query, title_terms: str, body_terms: str) -> float:
    """The same score on both engines: saturated counts, a title word worth three."""
    title = f" {title_terms} "
    body = f" {body_terms} "
    total = 0.0
    for word in query.words:
        total += _weight(title.count(f" {word} "), body.count(f" {word} "))
    title_count = body_count = 0
    if query.prefix:
        title_count = title.count(f" {query.prefix}")
        body_count = body.count(f" {query.prefix}")
    if query.last_exact:
        title_count += title.count(f" {query.last} ")
        body_count += body.count(f" {query.last} ")
    total += _weight(title_count, body_count)
    return total


def _weight(in_title: int, in_body: int) -> float:
    return 3 * in_title / (in_title + 1) + in_body / (in_body + 1.5)


# Snippets -------------------------------------------------------------------------------------

SNIPPET_CHARS = 180
_BEFORE = 50


def snippet(query: Query | None, body: str, body_terms: str) -> list[tuple[str, bool]]:
    """A short extract of ``body`` around its first match, as (text, highlighted) segments.

    ``body_terms`` has one term per word of ``body``, so the first match is
    found without stemming the whole text; only the words shown are stemmed.
    """
    if not body:
        return []
    first = next(
        (i for i, t in enumerate(body_terms.split()) if query and query.matches(t)),
        0,
    )
    start = 0
    for index, match in enumerate(WORD.finditer(body)):
        if index == first:
            start = match.start()
            break
    begin = max(0, start - _BEFORE)
    if begin:
        space = body.find(" ", begin, start)
        begin = space + 1 if space != -1 else begin
    end = min(len(body), begin + SNIPPET_CHARS)
    if end < len(body):
        space = body.rfind(" ", begin + SNIPPET_CHARS // 2, end)
        end = space if space != -1 else end
    window = body[begin:end]
    return _segments(
        query, window, prefix="…" if begin else "", suffix="…" if end < len(body) else ""
    )


def highlight(query: Query | None, text: str) -> list[tuple[str, bool]]:
    """``text`` as segments, its matching words highlighted (titles)."""
    return _segments(query, text)


def _segments(
    query: Query | None, text: str, prefix: str = "", suffix: str = ""
) -> list[tuple[str, bool]]:
    if query is None:  # filters alone: nothing to highlight
        return [(prefix + text + suffix, False)] if prefix + text + suffix else []
    segments: list[tuple[str, bool]] = []
    position = 0
    buffer = prefix
    for match in WORD.finditer(text):
        if query.matches(term(match.group())):
            buffer += text[position : match.start()]
            if buffer:
                segments.append((buffer, False))
            segments.append((match.group(), True))
            buffer = ""
            position = match.end()
    buffer += text[position:] + suffix
    if buffer:
        segments.append((buffer, False))
    return segments
