"""French text analysis shared by the lexical index and query understanding.

Lower-case, elision of l'/d'/qu'…, accent folding, stop words and Snowball French stemming,
so "l'accès aux terrains" and "acces terrain" meet on the same terms. The stop-word list and
the synonym/acronym table are data files in `rag/data/`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import snowballstemmer

from ingest.blocks import fold  # one folding for the readers and for retrieval

_WORD = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+", re.UNICODE)
_ELISION = re.compile(r"\b(?:l|d|j|m|n|s|t|c|qu|lorsqu|puisqu|jusqu)['’`]", re.IGNORECASE)
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


def words(text: str) -> list[str]:
    """Folded words of `text` with elisions removed and stop words dropped."""
    folded = fold(_ELISION.sub(" ", text.replace("’", "'")))
    return [word for word in _WORD.findall(folded) if word not in stop_words() and (len(word) > 1 or word.isdigit())]


def analyze(text: str) -> list[str]:
    """Index terms of `text`: stems of its content words, in order."""
    return [stem(word) for word in words(text)]


@dataclass(frozen=True)
class Synonym:
    trigger: tuple[str, ...]  # stems that must appear consecutively in the question
    expansion: tuple[str, ...]  # stems added to the query


def _trigger_stems(text: str) -> list[str]:
    """Stems of every word, stop words included ("prix des terrains" keeps "de"), for phrase matching."""
    folded = fold(_ELISION.sub(" ", text.replace("’", "'"))).replace("'", " ")
    return [stem(word) for word in _WORD.findall(folded) if len(word) > 1 or word.isdigit()]


@dataclass(frozen=True)
class Acronym:
    """A glossary entry: "ZAN" stands for "zéro artificialisation nette"; `extra` are words the
    documents use beside it ("bailleur" for OLS), searched too but not part of the definition."""

    short: str
    long: str
    extra: str = ""


@lru_cache
def glossary() -> tuple[Acronym, ...]:
    entries = []
    for line in data_lines("glossary.tsv"):
        short, _, rest = line.partition("\t")
        long, _, extra = rest.partition("|")
        entries.append(Acronym(short.strip(), long.strip(), extra.strip()))
    return tuple(entries)


@lru_cache
def synonyms() -> tuple[Synonym, ...]:
    """The synonym table, then each acronym of the glossary expanded to its definition."""
    table = []
    for line in data_lines("synonyms.tsv"):
        trigger, _, expansion = line.partition("\t")
        table.append(Synonym(tuple(_trigger_stems(trigger)), tuple(analyze(expansion))))
    for acronym in glossary():
        expansion = f"{acronym.long} {acronym.extra}".replace("(", " ").replace(")", " ")
        table.append(Synonym(tuple(_trigger_stems(acronym.short)), tuple(analyze(expansion))))
    return tuple(table)


Phrases = dict[str, list[tuple[int, tuple[str, ...]]]]


def phrase_index(phrases: Iterable[tuple[str, ...]]) -> Phrases:
    """Phrases (with their rank) by their first token: a text is matched in one pass over its
    tokens instead of trying every phrase at every position (half the time of an answer, measured)."""
    index: Phrases = {}
    for rank, phrase in enumerate(phrases):
        if phrase:
            index.setdefault(phrase[0], []).append((rank, phrase))
    return index


def first_occurrences(tokens: list[str], index: Phrases) -> dict[int, int]:
    """Rank of each indexed phrase that occurs in `tokens` → where it first starts."""
    found: dict[int, int] = {}
    for start, token in enumerate(tokens):
        for rank, phrase in index.get(token, ()):
            if rank not in found and tuple(tokens[start : start + len(phrase)]) == phrase:
                found[rank] = start
    return found


@lru_cache
def _trigger_index() -> Phrases:
    return phrase_index(synonym.trigger for synonym in synonyms())


def synonym_matches(text: str) -> list[tuple[Synonym, set[str]]]:
    """The synonym entries whose trigger occurs in `text`, each with the stems it covers there,
    in the table's order."""
    table = synonyms()
    found = first_occurrences(_trigger_stems(text), _trigger_index())
    return [(table[rank], set(table[rank].trigger)) for rank in sorted(found)]


def expand(text: str) -> list[str]:
    """Stems the synonym table adds for `text` (those not already in it)."""
    present = set(analyze(text))
    added: list[str] = []
    for synonym, _ in synonym_matches(text):
        added.extend(term for term in synonym.expansion if term not in present and term not in added)
    return added
