"""BM25 ranking and the hybrid retriever's shortcut (skipping the query embedding when BM25 decides)."""

from __future__ import annotations

import pytest

from eval.scorer import load_questions
from rag.assistant import Assistant
from rag.lexical import BM25Index, QueryTerm
from rag.query import Query, build_query
from rag.retriever import HybridRetriever


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


class AlwaysDense(HybridRetriever):
    """The same retriever, but it always embeds the query."""

    def _lexical_decides(self, lexical: dict[str, float], query: Query) -> bool:
        return False


@pytest.fixture(scope="module")
def always_dense(assistant: Assistant) -> HybridRetriever:
    ours = assistant.retriever
    return AlwaysDense(
        store=ours.store, index=ours.index, lexical_weight=ours.lexical_weight, candidates=ours.candidates, k=ours.k
    )


def test_skipping_the_embedding_never_changes_the_best_lever(
    assistant: Assistant, always_dense: HybridRetriever
) -> None:
    skipped = 0
    for question in load_questions("dev"):
        query = build_query(question.question, assistant.index.vocabulary)
        fast = assistant.retriever.search(query)
        full = always_dense.search(query)
        assert [hit.lever_key for hit in fast[:1]] == [hit.lever_key for hit in full[:1]], question.question
        lexical = dict(assistant.index.bm25.search(list(query.terms), assistant.retriever.candidates))
        skipped += assistant.retriever._lexical_decides(lexical, query)
    assert skipped > 0  # the shortcut is taken on this corpus, so the check above is not vacuous
