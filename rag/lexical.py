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

from rag.analyzer import analyze

K1 = 1.2
B = 0.3  # weak length normalisation: structure-aware chunks are short and alike (tuned on dev)


@dataclass(frozen=True)
class QueryTerm:
    stem: str
    weight: float = 1.0


class BM25Index:
    """Okapi BM25; `search` returns (chunk id, score) best first."""

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self.ids: list[str] = []
        self.terms: list[Counter[str]] = []
        postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for index, (chunk_id, text) in enumerate(items):
            counts = Counter(analyze(text))
            self.ids.append(chunk_id)
            self.terms.append(counts)
            for term, count in counts.items():
                postings[term].append((index, count))
        self.postings = dict(postings)
        lengths = [sum(counts.values()) for counts in self.terms]
        average = sum(lengths) / len(lengths) if lengths else 1.0
        self._norm = [K1 * (1 - B + B * length / average) for length in lengths]
        total = len(self.ids)
        self.idf = {
            term: math.log(1 + (total - len(plist) + 0.5) / (len(plist) + 0.5)) for term, plist in self.postings.items()
        }
        self.max_idf = math.log(1 + (total + 0.5) / 0.5) if total else 1.0

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: list[QueryTerm], k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        scores: dict[int, float] = defaultdict(float)
        for term in query:
            idf = self.idf.get(term.stem)
            if idf is None:
                continue
            for index, count in self.postings[term.stem]:
                scores[index] += term.weight * idf * count * (K1 + 1) / (count + self._norm[index])
        ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
        hits = ((self.ids[index], score) for index, score in ranked)
        if allowed is not None:
            hits = (hit for hit in hits if hit[0] in allowed)
        return [hit for _, hit in zip(range(k), hits, strict=False)]

    def idf_of(self, stem: str) -> float:
        """IDF of a term; unseen terms get the largest possible IDF (they are the most specific)."""
        return self.idf.get(stem, self.max_idf)
