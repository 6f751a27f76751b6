"""French text analysis shared by the lexical index and the question's analysis.

A text is split into words once (`tokenize`): lower-case, accents folded, elided l'/d'/qu'…
marked, each word's place kept, so "l'accès aux terrains" and "acces terrain" meet on the same
terms and every reader of a question (its stems, its cues, its figures, its proper nouns) reads
the same words. Stems are Snowball French; the stop-word list is a data file in `rag/data/` (the
paraphrase table and the glossary are read in `rag/synonyms.py`).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import snowballstemmer

from ingest.blocks import fold  # one folding for the readers and for retrieval

_WORD = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+", re.UNICODE)
ELIDED = frozenset("l d j m n s t c qu lorsqu puisqu jusqu".split())  # before an apostrophe: "l'", "qu'"
_STEMMERS = threading.local()  # a Snowball stemmer keeps its word being stemmed: one per thread


def data_lines(name: str) -> list[str]:
    text = resources.files("rag.data").joinpath(name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


@lru_cache
def stop_words() -> frozenset[str]:
    return frozenset(fold(line.strip()) for line in data_lines("stopwords.txt"))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball French stem of an accent-folded word (numbers are kept as they are)."""
    if word[0].isdigit():
        return word.replace(".", ",")
    if not hasattr(_STEMMERS, "french"):
        _STEMMERS.french = snowballstemmer.stemmer("french")
    return fold(_STEMMERS.french.stemWord(word))


@dataclass(frozen=True)
class Token:
    """A word or a number of a text: folded ("nimes", "2024"), as cased in the text but without
    accents ("Nimes": proper nouns and acronyms are read from it), where it lies in the folded text,
    and whether it is an elided article, pronoun or conjunction ("l'", "qu'")."""

    folded: str
    cased: str
    start: int
    end: int
    elided: bool = False

    @property
    def is_number(self) -> bool:
        return self.folded[0].isdigit()

    @property
    def counts(self) -> bool:
        """A word worth indexing or matching: not elided, two letters or more, or a number."""
        return not self.elided and (len(self.folded) > 1 or self.folded.isdigit())


@dataclass(frozen=True)
class Text:
    """A text split into words once (`tokenize`), with every view of its words a reader needs:
    a question is read here once, and retrieval, the refusal check and the answer read these."""

    raw: str
    folded: str
    tokens: tuple[Token, ...]
    words: tuple[str, ...]  # folded content words: elisions and stop words dropped
    stems: tuple[str, ...]  # index terms: the content words' stems, in order
    all_stems: tuple[str, ...]  # stems of every word, stop words included: phrases are matched on them
    letters: tuple[str, ...]  # every folded word, stop words and elisions kept, no number: as cue files are written
    runs: tuple[str, ...]  # letters and digits run together as written ("T3", "PLAI"), accents folded


def _cased(text: str) -> str:
    """`fold` without the lower-casing, so its characters line up with the folded text's."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").replace("œ", "oe").replace("Œ", "Oe"))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _split(text: str) -> tuple[str, list[Token]]:
    """The folded text and its tokens: the only place a question or a passage is split into words."""
    folded = fold(text)
    cased = _cased(text)
    aligned = len(cased) == len(folded)  # a character whose lower case is longer ("İ") shifts them
    tokens = []
    for match in _WORD.finditer(folded):
        start, end = match.span()
        word = match.group()
        elided = (
            word in ELIDED
            and folded[end : end + 1] in ("'", "`")
            and (start == 0 or not (folded[start - 1].isalnum() or folded[start - 1] == "_"))
        )
        tokens.append(Token(word, cased[start:end] if aligned else word, start, end, elided))
    return folded, tokens


def _content(tokens: list[Token]) -> list[str]:
    stops = stop_words()
    return [token.folded for token in tokens if token.counts and token.folded not in stops]


def tokenize(text: str) -> Text:
    """`text` read once, with all its views (see `Text`)."""
    folded, tokens = _split(text)
    words = _content(tokens)
    runs: list[str] = []
    end = -1
    for token in tokens:
        if runs and token.start == end:
            runs[-1] += token.cased
        else:
            runs.append(token.cased)
        end = token.end
    return Text(
        raw=text,
        folded=folded,
        tokens=tuple(tokens),
        words=tuple(words),
        stems=tuple(stem(word) for word in words),
        all_stems=tuple(stem(token.folded) for token in tokens if token.counts),
        letters=tuple(token.folded for token in tokens if not token.is_number),
        runs=tuple(runs),
    )


def words(text: str) -> list[str]:
    """Folded words of `text` with elisions removed and stop words dropped."""
    return _content(_split(text)[1])


def analyze(text: str) -> list[str]:
    """Index terms of `text`: stems of its content words, in order (a passage's, for BM25: only
    the view it needs)."""
    return [stem(word) for word in words(text)]


Phrases = dict[str, list[tuple[int, tuple[str, ...]]]]


def phrase_index(phrases: Iterable[tuple[str, ...]]) -> Phrases:
    """Phrases (with their rank) by their first token: a text is matched in one pass over its
    tokens instead of trying every phrase at every position (half the time of an answer, measured)."""
    index: Phrases = {}
    for rank, phrase in enumerate(phrases):
        if phrase:
            index.setdefault(phrase[0], []).append((rank, phrase))
    return index


def first_occurrences(tokens: Sequence[str], index: Phrases) -> dict[int, int]:
    """Rank of each indexed phrase that occurs in `tokens` → where it first starts."""
    found: dict[int, int] = {}
    for start, token in enumerate(tokens):
        for rank, phrase in index.get(token, ()):
            if rank not in found and tuple(tokens[start : start + len(phrase)]) == phrase:
                found[rank] = start
    return found
