"""A snapshot of the index, ready to search: chunks by id, BM25, the documents' vocabulary,
the row or list of each group, and the numbered parts.

It is immutable: ingesting builds a new one and swaps it in, so a question never sees a
half-built index; everything computed from it (figures, part nodes, acronyms) is computed once
per snapshot.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cached_property

import numpy as np

from ingest.chunk import MEMBER_KINDS, STRUCTURE_KINDS
from ingest.numbering import GENERIC_PART_NOUNS, Number
from rag.acronyms import acronym_table
from rag.analyzer import analyze, fold, stem, tokenize
from rag.lexical import BM25Index
from rag.numbers import figures
from rag.parts import PartRef
from rag.store import StoredChunk

RARE_NAME_IDF = 2.0  # BM25 idf of 2: a name fewer than about one passage in eight holds
_NAME = re.compile(r"(?<=[a-zà-ÿ,] )[A-ZÀ-Ý][a-zà-ÿ]+(?:-[A-ZÀ-Ý][a-zà-ÿ]+)*")  # capitalised inside a sentence


def group_key(chunk: StoredChunk) -> tuple[str, str]:
    """A row or list and its members (a plan row and its actions, key figures and their list) are
    one answer; any other chunk is its own."""
    return (str(chunk.metadata["document"]), str(chunk.metadata.get("group") or chunk.id))


def is_structure(chunk: StoredChunk) -> bool:
    """A node listing parts: the document, a section, or a lead-in with its list."""
    return chunk.kind in STRUCTURE_KINDS or bool(chunk.parts)


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

    def has_part(self, part: PartRef) -> bool:
        """Whether the documents have the numbered part ("l'axe 2", "l'article 4")."""
        return bool(self.part_nodes(part))

    def figures(self, chunk: StoredChunk) -> frozenset[str]:
        """The numbers a chunk holds (its text and its table's caption), computed once per snapshot."""
        found = self._figures.get(chunk.id)
        if found is None:
            found = self._figures[chunk.id] = frozenset(figures(tokenize(f"{chunk.section} {chunk.text}")))
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
                chunk.id for chunk in self.sections if part_depth(part, chunk) == len(chunk.path) - 1
            ]
        return self._part_nodes[part]

    def parent_of(self, chunk: StoredChunk) -> StoredChunk | None:
        """The row or list a member (an action, a key figure) belongs to; a row holding a list is its own."""
        if chunk.kind in MEMBER_KINDS:
            return self.groups.get(group_key(chunk))
        if chunk.kind == "row" and chunk.items:
            return chunk
        return None


def part_depth(part: PartRef, chunk: StoredChunk) -> int | None:
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
