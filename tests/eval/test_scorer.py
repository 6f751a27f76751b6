"""The scorer's arithmetic, on a deterministic fake answerer (fast, no model)."""

from __future__ import annotations

from collections.abc import Sequence

from eval.scorer import Question, score, squash
from rag.assistant import Answer, Citation, Turn


def cite(text: str) -> Citation:
    return Citation(text=text, document="d", title="t", page=1, section="", score=1.0)


ANSWERS = {
    "q1": Answer("Levier : observatoires du foncier", False, [cite("Les observatoires du foncier"), cite("autre")]),
    "q2": Answer("…", False, [cite("rien"), cite("x"), cite("le parc locatif : 13,3 %")]),
    "q3": Answer("Je ne trouve pas", True, []),
    "q4": Answer("…", False, [cite("Paris")]),
}


def fake_ask(question: str, history: Sequence[Turn] = ()) -> Answer:
    return ANSWERS[question]


def test_metrics_count_ranks_refusals_and_tightness() -> None:
    questions = [
        Question("1", "q1", "lever", "Observatoires du FONCIER"),
        Question("2", "q2", "figure", "13,3 %"),
        Question("3", "q3", "refuse_missing", None),
        Question("4", "q4", "refuse_offtopic", None),
    ]
    metrics = score(fake_ask, questions, "fake", "dev").metrics()
    assert metrics["hit@1"] == 0.5
    assert metrics["hit@3"] == 1.0
    assert metrics["mrr"] == round((1 + 1 / 3) / 2, 4)
    assert metrics["evidence_in_answer"] == 0.5
    assert metrics["refusal_accuracy"] == 0.5
    assert metrics["false_refusals"] == 0.0
    assert metrics["tightness"] == 1.0


def test_evidence_matching_ignores_accents_case_and_whitespace() -> None:
    assert squash("trame de marché multi-opérations") == squash("Trame de marche multi- operations")
