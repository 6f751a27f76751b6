"""Decide whether the best passage really answers the question, or the assistant must refuse.

Off-topic questions and hidden instructions score low on retrieval. In-domain questions that
ask for something the documents lack ("le loyer moyen d'un T3 à Toulouse") score like
answerable ones, so we also check that what the question is about is in the passage that
would be cited: the share of the question's content words (weighted by how specific they are,
synonyms counted) found in that passage, and, when the question asks for a quantity, a number
in the passage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.analyzer import analyze, data_lines, fold
from rag.lexical import BM25Index
from rag.query import Query

_NUMBER = re.compile(r"\d")


@dataclass(frozen=True)
class Verdict:
    refused: bool
    coverage: float
    asks_quantity: bool
    reason: str


@lru_cache
def quantity_cues() -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(fold(line).split()) for line in data_lines("quantity_cues.txt"))


def asks_quantity(question: str) -> bool:
    tokens = re.findall(r"\w+", fold(question))
    return any(
        tuple(tokens[i : i + len(cue)]) == cue for cue in quantity_cues() for i in range(len(tokens) - len(cue) + 1)
    )


def coverage(query: Query, passage: str, bm25: BM25Index) -> float:
    """IDF-weighted share of the question's content words present in the passage (synonyms count)."""
    if not query.content:
        return 0.0
    present = set(analyze(passage))
    total = matched = 0.0
    for word in query.content:
        weight = (
            bm25.idf_of(word.stem)
            if word.stem in bm25.idf or not word.alternatives
            else max(bm25.idf_of(alternative) for alternative in word.alternatives)
        )
        total += weight
        if word.found_in(present):
            matched += weight
    return matched / total


def judge(query: Query, passage: str | None, bm25: BM25Index, min_coverage: float) -> Verdict:
    """Refuse when nothing was found, the passage covers too little of the question, or a
    quantity is asked and the passage holds none."""
    if not passage:
        return Verdict(True, 0.0, False, "aucun passage trouvé")
    share = coverage(query, passage, bm25)
    quantity = asks_quantity(query.question)
    if share < min_coverage:
        return Verdict(True, share, quantity, "question peu couverte par le meilleur passage")
    if quantity and not _NUMBER.search(passage):
        return Verdict(True, share, quantity, "chiffre demandé absent du passage")
    return Verdict(False, share, quantity, "")
