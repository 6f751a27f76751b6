"""Calibrate the refusal thresholds on the dev split (never on test).

    python -m eval.calibrate

For each dev question it records what the refusal check sees (the share of the question the best
passage covers, whether a number is asked and present), then searches the thresholds that keep
false refusals of answerable questions lowest first, and refuse the most must-refuse questions
second. Copy the chosen values into rag/settings.py (or RAG_* variables).
"""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path

from eval.scorer import build_assistant, load_questions
from rag.assistant import Assistant
from rag.query import Query
from rag.refusal import Evidence, Thresholds, judge

COVERAGE = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4]
NUMBER_COVERAGE = [0.2, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7]
UNKNOWN_WEIGHT = [0.25, 0.5, 1.0, 1.5, 2.0, 3.0]


def evidence_of(assistant: Assistant, question: str, previous: str | None) -> tuple[Query, Evidence | None]:
    """The query and what the refusal step sees for it."""
    query = assistant.index.understand(question, previous)
    documents = assistant.retriever.invoke(query.text, understood=query)
    return query, assistant.evidence(documents)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        assistant = build_assistant(Path(tmp))
        cases = []
        for question in load_questions("dev"):
            previous = next((t.content for t in reversed(question.history) if t.role == "user"), None)
            cases.append((question, *evidence_of(assistant, question.question, previous)))
    answerable = sum(not case[0].must_refuse for case in cases)
    refusals = len(cases) - answerable
    results = []
    for coverage, number, unknown in itertools.product(COVERAGE, NUMBER_COVERAGE, UNKNOWN_WEIGHT):
        thresholds = Thresholds(coverage, number, unknown)
        false_refusals = refused_right = 0
        for question, query, evidence in cases:
            refused = judge(query, evidence, assistant.index.bm25, thresholds).refused
            false_refusals += refused and not question.must_refuse
            refused_right += refused and question.must_refuse
        results.append((false_refusals, -refused_right, coverage, number, unknown))
    results.sort()
    print(f"dev: {answerable} answerable, {refusals} to refuse")
    print("false_refusals | refusals_caught | coverage | number_coverage | unknown_word_weight")
    best_per_cost = {}
    for row in results:  # the best setting for each number of false refusals (the trade-off curve)
        best_per_cost.setdefault(row[0], row)
    for false_refusals, caught, coverage, number, unknown in list(best_per_cost.values())[:8]:
        print(f"{false_refusals:14d} | {-caught:15d} | {coverage:8} | {number:15} | {unknown}")


if __name__ == "__main__":
    main()
