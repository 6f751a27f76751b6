"""BM25 ranking, how the hybrid retriever fuses its two rankings, and its shortcut (skipping the
query embedding when BM25 decides)."""

from __future__ import annotations

import numpy as np
import pytest

from eval.scorer import load_questions
from rag.assistant import Assistant
from rag.lexical import BM25Index, QueryTerm
from rag.question import ContentWord, Query, analyse, read
from rag.retriever import Filters, HybridRetriever, SearchIndex
from rag.store import ChunkStore, StoredChunk


def test_bm25_ranks_by_term_weight_and_filters() -> None:
    index = BM25Index(
        [
            ("a", "observatoire du foncier"),
            ("b", "foncier foncier et terrains"),
            ("c", "appels d'offres des bailleurs"),
        ]
    )
    found = index.search([QueryTerm("fonci")], k=5)
    assert [chunk_id for chunk_id, _ in found] == ["b", "a"]
    assert found[0][1] > found[1][1] > 0
    assert index.search([QueryTerm("fonci")], k=1) == found[:1]
    assert [chunk_id for chunk_id, _ in index.search([QueryTerm("fonci")], k=5, allowed={"a", "c"})] == ["a"]
    assert index.search([QueryTerm("inconnu")], k=5) == []
    assert index.contains("b", "terrain") and not index.contains("a", "terrain")
    assert not index.contains("a", "inconnu") and not index.contains("z", "fonci")


class FixedDense(ChunkStore):
    """A store whose dense ranking is given (the fusion arithmetic, without a model)."""

    def __init__(self, cosines: dict[str, float]) -> None:
        self.cosines = cosines

    def dense_search(self, query: str, k: int, where: dict[str, object] | None = None) -> list[tuple[str, float]]:
        return sorted(self.cosines.items(), key=lambda item: -item[1])[:k]


def _chunk(id: str, text: str) -> StoredChunk:
    meta = {"document": "doc", "title": "Doc", "page": 1, "kind": "paragraph", "position": ord(id)}
    return StoredChunk(id, text, meta)


def _retriever(cosines: dict[str, float], chunks: list[StoredChunk]) -> HybridRetriever:
    return HybridRetriever(store=FixedDense(cosines), index=SearchIndex(chunks), lexical_weight=0.7)


def test_a_dense_near_tie_does_not_overturn_a_clear_lexical_winner() -> None:
    chunks = [_chunk("a", "observatoires du foncier foncier"), _chunk("b", "foncier"), _chunk("c", "autre chose")]
    query = Query("q", (QueryTerm("fonci"), QueryTerm("observatoir")))
    # The model barely prefers b (0.004): stretching the candidates' spread to 0..1 would make that decisive.
    hits = _retriever({"a": 0.850, "b": 0.854, "c": 0.840}, chunks).search(query)
    assert [hit.chunk.id for hit in hits[:2]] == ["a", "b"]
    # A real dense preference (a wide gap) still counts.
    hits = _retriever({"a": 0.70, "b": 0.90, "c": 0.60}, chunks).search(Query("q", (QueryTerm("fonci"),)))
    assert hits[0].chunk.id == "b"


def test_passages_naming_what_the_question_names_come_first() -> None:
    chunks = [_chunk("a", "le secteur du logement, secteur clé"), _chunk("b", "bonnes pratiques SMS")]
    terms = (QueryTerm("secteur"), QueryTerm("sm"))  # "les SMS (secteurs de mixité sociale)…"
    plain = Query("q", terms)
    named = Query("q", terms, named=(ContentWord("sm"),))
    retriever = _retriever({"a": 0.8, "b": 0.8}, chunks)
    assert retriever.search(plain)[0].chunk.id == "a"
    assert retriever.search(named)[0].chunk.id == "b"


class AlwaysDense(HybridRetriever):
    """The same retriever, but it always embeds the query."""

    def _lexical_decides(
        self, lexical: dict[str, float], boosts: dict[str, float], query: Query, index: SearchIndex
    ) -> bool:
        return False


@pytest.fixture(scope="module")
def always_dense(assistant: Assistant) -> HybridRetriever:
    ours = assistant.retriever
    return AlwaysDense(
        store=ours.store,
        index=ours.index,
        lexical_weight=ours.lexical_weight,
        dense_spread_floor=ours.dense_spread_floor,
        candidates=ours.candidates,
        k=ours.k,
    )


def test_skipping_the_embedding_never_changes_the_best_hit(assistant: Assistant, always_dense: HybridRetriever) -> None:
    skipped = 0
    for question in load_questions("dev"):
        query = analyse(read(question.question), assistant.index)
        fast = assistant.retriever.search(query)
        full = always_dense.search(query)
        assert [hit.group_key for hit in fast[:1]] == [hit.group_key for hit in full[:1]], question.question
        lexical = dict(assistant.index.bm25.search(list(query.terms), assistant.retriever.candidates))
        boosts = assistant.retriever._boosts(query, lexical, assistant.index)
        skipped += assistant.retriever._lexical_decides(lexical, boosts, query, assistant.index)
    assert skipped > 0  # the shortcut is taken on this corpus, so the check above is not vacuous


def test_the_dense_search_in_memory_answers_as_chromas_index_does(assistant: Assistant) -> None:
    """Small indexes are searched in memory (exact), large ones by Chroma's HNSW: on the corpus,
    both give the same answers and citations, filters included."""
    through_chroma = Assistant.from_settings(assistant.settings.model_copy(update={"dense_in_memory_max": 0}))
    assert assistant.index.vectors is not None and through_chroma.index.vectors is None
    for question in load_questions("dev")[:60]:
        ours, theirs = (system.ask(question.question, question.history) for system in (assistant, through_chroma))
        assert (ours.answer, ours.refused) == (theirs.answer, theirs.refused), question.question
        # The same passages in the same order; cosines equal to float precision (dot product vs distance).
        assert [(c.text, c.page) for c in ours.citations] == [(c.text, c.page) for c in theirs.citations]
        assert [c.score for c in ours.citations] == pytest.approx([c.score for c in theirs.citations], abs=2e-4)
    only = Filters(document="2024-12-20_prefet-occitanie_communique-assises-logement")
    assert [c.text for c in assistant.search("foncier", 5, only)] == [
        c.text for c in through_chroma.search("foncier", 5, only)
    ]
    assert {citation.document for citation in assistant.search("foncier", 5, only)} == {only.document}


def test_the_in_memory_search_ranks_by_cosine_within_the_allowed_chunks() -> None:
    chunks = [_chunk("a", "un"), _chunk("b", "deux"), _chunk("c", "trois")]
    vectors = np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]], dtype=np.float32)
    index = SearchIndex(chunks, vectors)
    assert [id for id, _ in index.dense_search([0.0, 1.0], 2)] == ["c", "b"]
    assert [id for id, _ in index.dense_search([0.0, 1.0], 5, allowed={"a", "b"})] == ["b", "a"]
    assert index.dense_search([1.0, 0.0], 1)[0] == ("a", pytest.approx(1.0))


def test_langchain_documents_only_at_the_langchain_boundary(assistant: Assistant) -> None:
    """`invoke` (for LangChain chains) gives the same passages as the typed search, as LangChain documents."""
    question = "Quel levier pour l'accès au foncier ?"
    documents = assistant.retriever.invoke(question)
    hits = assistant.retriever.search(analyse(read(question), assistant.index))
    assert [document.metadata["id"] for document in documents] == [hit.chunk.id for hit in hits]
    assert documents[0].page_content == hits[0].chunk.text and documents[0].metadata["score"] == hits[0].score
