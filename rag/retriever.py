"""Hybrid retrieval: French BM25 fused with dense similarity, one hit per row or list.

`HybridRetriever.search` ranks the chunks of one `SearchIndex` snapshot for an analysed `Query`
and returns typed `Hit`s, which travel as they are to the answer and the HTTP edge. It is also a
LangChain retriever: `invoke` (for LangChain chains) turns the hits into LangChain documents,
the only place they become one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from ingest.chunk import STRUCTURE_KINDS
from rag.question import Query, analyse, read
from rag.search_index import SearchIndex, group_key, is_structure, part_depth
from rag.store import ChunkStore, StoredChunk

NUMBER_BOOST = 1.25  # a question asking "combien…" prefers passages that hold a number
NAMED_BOOST = 1.25  # a question naming "RLS", "Montpellier" prefers passages naming them
FIGURE_BOOST = 1.25  # a question naming a year ("en 2026") prefers passages holding it (a table's column)
ENTITY_BOOST = 1.25  # "qui…", "où…" prefers passages naming someone or somewhere few passages name
STRUCTURE_BOOST = 1.5  # "résume…", "que contient l'axe II": nodes listing parts answer it
STRUCTURE_DAMP = 0.6  # any other question: the passages below a node answer it more precisely
PASSAGE_DAMP = 0.75  # a passage, when a part as a whole is asked for
NARROWER_PART = 0.9  # a question fitting a part and one of its sub-parts asks for the broader one
PART_BOOST = 1.5  # "dans l'axe 2…": passages of that part; doubled for the part's own node
TOPIC_DOCUMENT_BOOST = 1.6  # a follow-up: passages of the document the previous answer came from
TOPIC_SECTION_BOOST = 1.15  # … and of its part, per heading shared with it (up to two)
_NUMBER = re.compile(r"\d")


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its fused score and the two scores it came from."""

    chunk: StoredChunk
    score: float
    lexical: float
    dense: float

    @property
    def group_key(self) -> tuple[str, str]:
        return group_key(self.chunk)


@dataclass(frozen=True)
class Filters:
    """Restrict a search to one document and/or one top-level part of it (its heading as written)."""

    document: str | None = None
    part: str | None = None

    def where(self) -> dict[str, Any] | None:
        clauses = [{key: value} for key, value in (("document", self.document), ("top", self.part)) if value]
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def accepts(self, chunk: StoredChunk) -> bool:
        meta = chunk.metadata
        return (not self.document or meta.get("document") == self.document) and (
            not self.part or meta.get("top") == self.part
        )


class HybridRetriever(BaseRetriever):
    """Weighted fusion of normalised BM25 and cosine scores; one hit per row or list, best first."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    store: ChunkStore
    index: SearchIndex
    lexical_weight: float = 0.7
    dense_spread_floor: float = 0.07
    candidates: int = 30
    k: int = 5

    def search(
        self, query: Query, k: int | None = None, filters: Filters | None = None, index: SearchIndex | None = None
    ) -> list[Hit]:
        """The best hits, one per row or list, all read from one snapshot: `index` (the request's), else
        the current one, read once — a reload swapping `self.index` meanwhile changes nothing here."""
        index = index or self.index
        filters = filters or Filters()
        allowed = None
        if filters.where():
            allowed = {id for id, chunk in index.chunks.items() if filters.accepts(chunk)}
        lexical = dict(index.bm25.search(list(query.terms), self.candidates, allowed))
        if query.part and query.wants_overview:  # "le premier axe, il dit quoi ?": found by its number
            top = max(lexical.values(), default=1.0)
            for chunk_id in index.part_nodes(query.part):
                if allowed is None or chunk_id in allowed:
                    lexical[chunk_id] = max(lexical.get(chunk_id, 0.0), top)
        boosts = self._boosts(query, lexical, index)
        dense = {}
        if self.lexical_weight < 1 and not self._lexical_decides(lexical, boosts, query, index):
            if index.vectors is not None:
                vector = self.store.embeddings.embed_query(query.text)
                dense = dict(index.dense_search(vector, self.candidates, allowed))
            else:
                dense = dict(self.store.dense_search(query.text, self.candidates, filters.where()))
        top_lexical = max(lexical.values(), default=0.0) or 1.0
        top_dense = max(dense.values(), default=0.0)
        # Cosines of one model sit in a narrow band: stretching the candidates' spread to 0..1 would
        # let a 0.005 near-tie in the dense ranking overturn a clear lexical winner (measured on dev).
        spread = max(top_dense - min(dense.values(), default=0.0), self.dense_spread_floor)
        hits = []
        for chunk_id in lexical.keys() | dense.keys():
            chunk = index.chunks.get(chunk_id)
            if chunk is None:  # Chroma holds passages written after this snapshot was taken
                continue
            lexical_part = lexical.get(chunk_id, 0.0) / top_lexical
            dense_part = max(0.0, 1 - (top_dense - dense[chunk_id]) / spread) if chunk_id in dense else 0.0
            score = self.lexical_weight * lexical_part + (1 - self.lexical_weight) * dense_part
            score *= boosts[chunk_id] if chunk_id in boosts else self._boost(query, chunk, index)
            hits.append(Hit(chunk, score, lexical.get(chunk_id, 0.0), dense.get(chunk_id, 0.0)))
        # Ties in reading order, then by document and id: the same citations after every restart.
        hits.sort(key=_rank)
        return _one_per_group(hits)[: k or self.k]

    def _boosts(self, query: Query, lexical: dict[str, float], index: SearchIndex) -> dict[str, float]:
        """The boost of each BM25 candidate, computed once per search."""
        return {chunk_id: self._boost(query, index.chunks[chunk_id], index) for chunk_id in lexical}

    def _lexical_decides(
        self, lexical: dict[str, float], boosts: dict[str, float], query: Query, index: SearchIndex
    ) -> bool:
        """Whether dense scores could not change the best hit, so embedding the query (most of an
        answer's time, see `make bench`) can be skipped: the best group's fused score, counting its
        dense part as 0, beats every other group's with a perfect dense part."""
        matched = [(index.chunks[chunk_id], score) for chunk_id, score in lexical.items()]
        if not matched:
            return False
        top_score = max(score for _, score in matched)
        dense_share = 1 - self.lexical_weight
        worst = {chunk.id: boosts[chunk.id] * self.lexical_weight * score / top_score for chunk, score in matched}
        leader, _ = max(matched, key=lambda item: worst[item[0].id])
        # A chunk outside BM25's candidates, with a perfect dense part and every boost:
        ceiling = dense_share * (NUMBER_BOOST if query.wants_number else 1.0) * (NAMED_BOOST if query.named else 1.0)
        ceiling *= (STRUCTURE_BOOST if query.wants_overview else 1.0) * (PART_BOOST**2 if query.part else 1.0)
        ceiling *= ENTITY_BOOST if query.wants_entity else 1.0
        ceiling *= FIGURE_BOOST if query.years else 1.0
        ceiling *= TOPIC_DOCUMENT_BOOST * TOPIC_SECTION_BOOST**2 if query.topic else 1.0
        for chunk, score in matched:
            if group_key(chunk) != group_key(leader):
                ceiling = max(ceiling, boosts[chunk.id] * (self.lexical_weight * score / top_score + dense_share))
        return worst[leader.id] > ceiling

    def _boost(self, query: Query, chunk: StoredChunk, index: SearchIndex) -> float:
        """Prefer passages holding a number when one is asked, and those naming what the question
        names (an acronym, a place): the answer step refuses a best passage without them."""
        boost = NUMBER_BOOST if query.wants_number and _NUMBER.search(chunk.text) else 1.0
        if query.years and query.years <= index.figures(chunk):  # "en 2026": the row or passage of that year
            boost *= FIGURE_BOOST
        boost *= _structure_boost(query, chunk)
        bm25 = index.bm25
        if query.named and all(
            any(bm25.contains(chunk.id, term) for term in (word.stem, *word.alternatives)) for word in query.named
        ):
            boost *= NAMED_BOOST
        if query.wants_entity and chunk.id in index.naming:
            boost *= ENTITY_BOOST
        if query.topic and chunk.metadata["document"] == query.topic.document:
            boost *= TOPIC_DOCUMENT_BOOST * TOPIC_SECTION_BOOST ** _shared_headings(chunk.path, query.topic.path)
        return boost

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, filters: Filters | None = None
    ) -> list[LCDocument]:
        """LangChain's entry (`invoke`): the best hits of the current snapshot as LangChain documents."""
        index = self.index
        return [to_document(hit) for hit in self.search(analyse(read(query), index), filters=filters, index=index)]


def _rank(hit: Hit) -> tuple[float, int, str, str]:
    meta = hit.chunk.metadata
    return (-hit.score, int(meta.get("position", 0)), str(meta["document"]), hit.chunk.id)


def _structure_boost(query: Query, chunk: StoredChunk) -> float:
    """Structure nodes answer questions about a part as a whole, passages the precise ones; a
    numbered part ("axe II", "III.A", "article 3") favours what lies in it, and most its own node."""
    boost = 1.0
    if query.wants_overview and is_structure(chunk):
        boost = STRUCTURE_BOOST
        if chunk.kind == "section" and len(chunk.path) > 1 and not (query.part and len(query.part.numbers) > 1):
            boost *= NARROWER_PART
    elif query.wants_overview:
        boost = PASSAGE_DAMP
    elif chunk.kind in STRUCTURE_KINDS:  # a lead-in with its list is a passage too
        boost = STRUCTURE_DAMP
    if query.part and (depth := part_depth(query.part, chunk)) is not None:
        boost *= PART_BOOST
        if chunk.kind == "section" and depth == len(chunk.path) - 1:
            boost *= PART_BOOST
    return boost


def _shared_headings(path: list[str], other: tuple[str, ...], most: int = 2) -> int:
    """How many headings, from the top, two passages share (at most `most`)."""
    shared = 0
    for mine, theirs in zip(path[:most], other[:most], strict=False):
        if mine != theirs:
            break
        shared += 1
    return shared


def _one_per_group(hits: list[Hit]) -> list[Hit]:
    seen: set[tuple[str, str]] = set()
    kept = []
    for hit in hits:
        if hit.group_key not in seen:
            seen.add(hit.group_key)
            kept.append(hit)
    return kept


def to_document(hit: Hit) -> LCDocument:
    """A hit as a LangChain document: cited text plus metadata and scores."""
    metadata = {
        **hit.chunk.metadata,
        "id": hit.chunk.id,
        "score": hit.score,
        "lexical": hit.lexical,
        "dense": hit.dense,
    }
    return LCDocument(page_content=hit.chunk.text, metadata=metadata)
