"""Hybrid retrieval: French BM25 fused with dense similarity from Chroma, one hit per row or list.

`SearchIndex` is an immutable snapshot of what the store holds (chunks, BM25, rows and lists);
ingesting builds a new one and swaps it in, so a query never sees a half-built index.
`HybridRetriever` is a LangChain retriever; the assistant calls its `search` directly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from ingest.chunk import MEMBER_KINDS, STRUCTURE_KINDS
from ingest.numbering import GENERIC_PART_NOUNS, Number
from rag.acronyms import acronym_table
from rag.analyzer import analyze, fold, stem
from rag.lexical import BM25Index
from rag.query import PartRef, Query, Topic, build_query, figures_of
from rag.store import ChunkStore, StoredChunk

NUMBER_BOOST = 1.25  # a question asking "combien…" prefers passages that hold a number
NAMED_BOOST = 1.25  # a question naming "RLS", "Montpellier" prefers passages naming them
FIGURE_BOOST = 1.25  # a question naming a year ("en 2026") prefers passages holding it (a table's column)
ENTITY_BOOST = 1.25  # "qui…", "où…" prefers passages naming someone or somewhere few passages name
RARE_NAME_IDF = 2.0  # BM25 idf of 2: a name fewer than about one passage in eight holds
STRUCTURE_BOOST = 1.5  # "résume…", "que contient l'axe II": nodes listing parts answer it
STRUCTURE_DAMP = 0.6  # any other question: the passages below a node answer it more precisely
PASSAGE_DAMP = 0.75  # a passage, when a part as a whole is asked for
NARROWER_PART = 0.9  # a question fitting a part and one of its sub-parts asks for the broader one
PART_BOOST = 1.5  # "dans l'axe 2…": passages of that part; doubled for the part's own node
TOPIC_DOCUMENT_BOOST = 1.6  # a follow-up: passages of the document the previous answer came from
TOPIC_SECTION_BOOST = 1.15  # … and of its part, per heading shared with it (up to two)
_NUMBER = re.compile(r"\d")
_NAME = re.compile(r"(?<=[a-zà-ÿ,] )[A-ZÀ-Ý][a-zà-ÿ]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)*")  # capitalised inside a sentence


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


def group_key(chunk: StoredChunk) -> tuple[str, str]:
    """A row or list and its members (a plan row and its actions, key figures and their list) are
    one answer; any other chunk is its own."""
    return (str(chunk.metadata["document"]), str(chunk.metadata.get("group") or chunk.id))


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


class SearchIndex:
    """What the store holds, ready to search: chunks by id, BM25, and the row or list of each group."""

    def __init__(self, chunks: Iterable[StoredChunk], vectors: np.ndarray | None = None) -> None:
        self.chunks = {chunk.id: chunk for chunk in chunks}
        # The chunks' embeddings in their order, for an exact dense search in memory (small
        # indexes, see `dense_search`); None: Chroma's index answers.
        self.vectors = vectors
        self._order = list(self.chunks)
        self.bm25 = BM25Index((chunk.id, chunk.to_chunk().lexical_text) for chunk in self.chunks.values())
        # What the documents name, titles included ("Habitat à Nîmes"): a place they name is not absent.
        titles = {str(chunk.metadata.get("title", "")) for chunk in self.chunks.values()}
        self.vocabulary = frozenset(self.bm25.postings) | frozenset(analyze(" ".join(titles)))
        self.naming = {id for id, chunk in self.chunks.items() if self._names_someone(chunk.text)}
        self.groups = {
            group_key(chunk): chunk
            for chunk in self.chunks.values()
            if chunk.metadata.get("group") and chunk.kind not in MEMBER_KINDS
        }
        self._figures: dict[str, frozenset[str]] = {}
        self._part_nodes: dict[PartRef, list[str]] = {}

    @cached_property
    def topics(self) -> dict[str, list[str]]:
        """Per document id, its top-level parts in reading order (what a filter may name, what a
        refusal offers to ask about when the passages near the question offer nothing), computed
        once per snapshot: a refusal must not sort the whole index."""
        topics: dict[str, list[str]] = {}
        for chunk in sorted(self.chunks.values(), key=lambda c: (c.metadata["document"], c.metadata["position"])):
            meta = chunk.metadata
            top = str(meta.get("top") or "")
            entries = topics.setdefault(str(meta["document"]), [])
            if top and top not in entries:
                entries.append(top)
        return topics

    def _names_someone(self, text: str) -> bool:
        """Whether the text holds a proper noun few passages hold ("Labège", "Pierre-André Durand",
        "Aatiko"): the answer to a who or where question, unlike "Occitanie" or "État"."""
        for name in _NAME.findall(text):
            if all(self.bm25.idf_of(stem(fold(part))) >= RARE_NAME_IDF for part in name.split("-")):
                return True
        return False

    def dense_search(self, vector: list[float], k: int, allowed: set[str] | None = None) -> list[tuple[str, float]]:
        """Ids and cosines of the `k` chunks nearest to `vector`, computed exactly in memory: under
        some thousands of chunks a product of one matrix is cheaper than Chroma's query (0.4 ms at
        8,600 chunks against 1.5 ms at any size, measured), and it reads this snapshot, not the store."""
        assert self.vectors is not None
        if not self._order:
            return []
        scores = self.vectors @ np.asarray(vector, dtype=np.float32)
        if allowed is not None:
            scores[[index for index, id in enumerate(self._order) if id not in allowed]] = -np.inf
        best = np.argpartition(-scores, k)[:k] if len(scores) > k else np.arange(len(scores))
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self._order[index], float(scores[index])) for index in best if np.isfinite(scores[index])]

    def understand(self, question: str, previous: str | None = None, topic: Topic | None = None) -> Query:
        """The question analysed once, against this snapshot's vocabulary (typo correction) and
        its numbered parts."""
        return build_query(
            question, self.vocabulary, previous, known_part=lambda part: bool(self.part_nodes(part)), topic=topic
        )

    def figures(self, chunk: StoredChunk) -> frozenset[str]:
        """The numbers a chunk holds (its text and its table's caption), computed once per snapshot."""
        found = self._figures.get(chunk.id)
        if found is None:
            found = self._figures[chunk.id] = frozenset(figures_of(f"{chunk.metadata.get('section', '')} {chunk.text}"))
        return found

    @cached_property
    def acronyms(self) -> dict[str, str]:
        """What the acronyms of the documents stand for (their own definitions first)."""
        passages = [chunk for chunk in self.chunks.values() if chunk.kind not in STRUCTURE_KINDS]
        return acronym_table(
            (chunk.text for chunk in passages if chunk.kind != "row"),
            (chunk.text for chunk in passages if chunk.kind == "row"),
        )

    @cached_property
    def sections(self) -> list[StoredChunk]:
        return [chunk for chunk in self.chunks.values() if chunk.kind == "section"]

    def part_nodes(self, part: PartRef) -> list[str]:
        """Ids of the section nodes of a numbered part ("l'axe 2": the node whose own heading is "AXE 2 – …"),
        found once per part and snapshot (understanding, ranking and the refusal check all ask)."""
        if part not in self._part_nodes:
            self._part_nodes[part] = [
                chunk.id for chunk in self.sections if _part_depth(part, chunk) == len(chunk.path) - 1
            ]
        return self._part_nodes[part]

    def parent_of(self, chunk: StoredChunk) -> StoredChunk | None:
        """The row or list a member (an action, a key figure) belongs to; a row holding a list is its own."""
        if chunk.kind in MEMBER_KINDS:
            return self.groups.get(group_key(chunk))
        if chunk.kind == "row" and chunk.items:
            return chunk
        return None


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
        self,
        query: str,
        *,
        run_manager: CallbackManagerForRetrieverRun,
        understood: Query | None = None,
        filters: Filters | None = None,
        index: SearchIndex | None = None,
    ) -> list[LCDocument]:
        index = index or self.index
        return self.documents(understood or index.understand(query), filters, index)

    def documents(self, query: Query, filters: Filters | None, index: SearchIndex) -> list[LCDocument]:
        """The best hits as LangChain documents, without `invoke`'s callback run (the assistant's
        answer path; `invoke` stays for LangChain chains)."""
        return [to_document(hit) for hit in self.search(query, filters=filters, index=index)]


def _rank(hit: Hit) -> tuple[float, int, str, str]:
    meta = hit.chunk.metadata
    return (-hit.score, int(meta.get("position", 0)), str(meta["document"]), hit.chunk.id)


def is_structure(chunk: StoredChunk) -> bool:
    """A node listing parts: the document, a section, or a lead-in with its list."""
    return chunk.kind in STRUCTURE_KINDS or bool(chunk.parts)


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
    if query.part and (depth := _part_depth(query.part, chunk)) is not None:
        boost *= PART_BOOST
        if chunk.kind == "section" and depth == len(chunk.path) - 1:
            boost *= PART_BOOST
    return boost


def _part_depth(part: PartRef, chunk: StoredChunk) -> int | None:
    """Where in the chunk's heading path the part's numbers are ("axe 2" in "AXE 2 – …" › "Fiche 3":
    depth 0), or None when the chunk lies outside the part."""
    numbers = chunk.numbers
    for depth, number in enumerate(numbers):
        if number is None or not _same(part.noun, part.numbers[0], number):
            continue
        if len(part.numbers) == 1:
            return depth
        for deeper in range(depth + 1, len(numbers)):
            found = numbers[deeper]
            if found is not None and ".".join(found.parts) == part.numbers[1]:
                return deeper
    return None


def _same(noun: str, asked: str, number: Number) -> bool:
    """ "axe 2" is "AXE 2 –" and "II. …", not "Action 2" or "Article 2": a bare number ("II.",
    "2.") answers a generic noun (axe, partie, chapitre…), not one that names a kind of part
    ("l'orientation 2", "l'article 2", "la fiche 2" are written as such)."""
    if ".".join(number.parts) != asked:
        return False
    if not noun:
        return True
    if not number.noun:
        return noun in GENERIC_PART_NOUNS
    return noun[:4] == number.noun[:4]


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
