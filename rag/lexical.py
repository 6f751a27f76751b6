"""BM25 over the analysed chunk texts, with scores (LangChain's BM25Retriever returns none).

An inverted index (term → postings) keeps a query's cost proportional to the postings of
its terms, not to the corpus size. Built in memory from the store's chunks at start-up and
after every ingest.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from rag.analyzer import analyze

K1 = 1.2
B = 0.3  # weak length normalisation: structure-aware chunks are short and alike (tuned on dev)
HOLDING_CACHE = 1024  # terms whose postings `contains` keeps as sets


@dataclass(frozen=True)
class QueryTerm:
    stem: str
    weight: float = 1.0


class BM25Index:
    """Okapi BM25; `search` returns (chunk id, score) best first.

    Each term's postings hold its chunk indices and precomputed term-frequency impacts as numpy
    arrays, so a query is a few vector additions: the cost stays flat in Python as the corpus
    grows (measured by `make bench` up to 1000× the corpus).
    """

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self.ids: list[str] = []
        lengths: list[int] = []
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for index, (chunk_id, text) in enumerate(items):
            counts = Counter(analyze(text))
            self.ids.append(chunk_id)
            lengths.append(sum(counts.values()))
            for term, count in counts.items():
                postings[term].append((index, count))
        self.index_of = {chunk_id: index for index, chunk_id in enumerate(self.ids)}
        average = sum(lengths) / len(lengths) if lengths else 1.0
        norm = K1 * (1 - B + B * np.asarray(lengths, dtype=np.float64) / average)
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, plist in postings.items():
            indices = np.fromiter((index for index, _ in plist), dtype=np.int64, count=len(plist))
            frequencies = np.fromiter((count for _, count in plist), dtype=np.float64, count=len(plist))
            self.postings[term] = (indices, frequencies * (K1 + 1) / (frequencies + norm[indices]))
        total = len(self.ids)
        self.idf = {
            term: math.log(1 + (total - len(plist) + 0.5) / (len(plist) + 0.5)) for term, plist in postings.items()
        }
        self.max_idf = math.log(1 + (total + 0.5) / 0.5) if total else 1.0
        self._sets: dict[str, frozenset[int]] = {}  # term → chunk indices, filled by `contains`

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: list[QueryTerm], k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        scores = np.zeros(len(self.ids))
        for term in query:
            if term.stem in self.postings:
                indices, impacts = self.postings[term.stem]
                scores[indices] += term.weight * self.idf[term.stem] * impacts  # indices are unique per term
        if allowed is not None:
            keep = np.zeros(len(self.ids), dtype=bool)
            keep[[self.index_of[chunk_id] for chunk_id in allowed if chunk_id in self.index_of]] = True
            scores[~keep] = 0.0
        matched = np.flatnonzero(scores > 0)
        if len(matched) > k:  # partial selection first: sorting every match would grow with the corpus
            matched = matched[np.argpartition(-scores[matched], k)[:k]]
        best = matched[np.lexsort((matched, -scores[matched]))]  # score, then index order for ties
        return [(self.ids[index], float(scores[index])) for index in best]

    def contains(self, chunk_id: str, stem: str) -> bool:
        """Whether the chunk's text holds the term. A question checks a few terms against tens of
        candidates: each term's postings become a set once (a numpy search per call was a tenth of
        a request's time under load, measured with py-spy)."""
        index = self.index_of.get(chunk_id)
        return index is not None and index in self._holding(stem)

    def _holding(self, stem: str) -> frozenset[int]:
        holding = self._sets.get(stem)
        if holding is None:
            postings = self.postings.get(stem)
            holding = frozenset(postings[0].tolist()) if postings else frozenset()
            if len(self._sets) >= HOLDING_CACHE:  # bounded: questions bring new terms forever
                self._sets.clear()
            self._sets[stem] = holding
        return holding

    def idf_of(self, stem: str) -> float:
        """IDF of a term; unseen terms get the largest possible IDF (they are the most specific)."""
        return self.idf.get(stem, self.max_idf)
