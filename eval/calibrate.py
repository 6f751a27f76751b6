"""Calibrate the refusal thresholds on the tuning questions, and check them on authors left out.

    python -m eval.calibrate

The tuning questions are `dev`, the blind `tuning` authors and the questions about the tuning
documents (`docs_tuning`, scored on an index holding them; never `test`, `held_out` nor the held-out
documents). For
each question it records what the refusal step sees (the analysed question and the best passage),
then scores every setting of the grid: the share of must-refuse questions refused, and of
answerable ones wrongly refused. The rule: the most refusals among the settings that keep false
refusals within FALSE_REFUSAL_BUDGET (else the fewest false refusals). Leave-one-author-out: for
each author (dev counts as one), the setting chosen on the others is scored on that author — what
a new author would see. Copy the chosen values into rag/settings.py (or RAG_* variables).
"""

from __future__ import annotations

import itertools
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from eval.scorer import Question, build_assistant, load_questions
from rag.assistant import Assistant
from rag.question import Query, analyse, read
from rag.refusal import Evidence, Thresholds, judge
from rag.settings import Settings

COVERAGE = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3]
NUMBER_COVERAGE = [0.15, 0.2, 0.25, 0.3, 0.4, 0.5]
UNKNOWN_WEIGHT = [0.5, 1.0, 2.0]
FALSE_REFUSAL_BUDGET = 0.03


@dataclass(frozen=True)
class Case:
    question: Question
    query: Query
    evidence: Evidence | None
    assistant: Assistant  # the index the question was asked of (the corpus, or the corpus and the documents)


def evidence_of(assistant: Assistant, question: str, previous: str | None) -> tuple[Query, Evidence | None]:
    """The query and what the refusal step sees for it."""
    index = assistant.index
    query = analyse(read(question), index, read(previous) if previous else None)
    return query, assistant.evidence(assistant.retriever.search(query, index=index), index, query)


def rates(cases: list[Case], thresholds: Thresholds) -> tuple[float, float]:
    """(share of must-refuse questions refused, share of answerable ones refused)."""
    caught = wrong = refuse = answer = 0
    for case in cases:
        refused = judge(case.query, case.evidence, case.assistant.index.bm25, thresholds).refused
        if case.question.must_refuse:
            refuse += 1
            caught += refused
        else:
            answer += 1
            wrong += refused
    return caught / max(refuse, 1), wrong / max(answer, 1)


def choose(scored: dict[Thresholds, tuple[float, float]]) -> Thresholds:
    within = [t for t, (_, false) in scored.items() if false <= FALSE_REFUSAL_BUDGET]
    if within:
        return max(within, key=lambda t: (scored[t][0], -scored[t][1]))
    return min(scored, key=lambda t: (scored[t][1], -scored[t][0]))


def main() -> None:
    grid = [Thresholds(*values) for values in itertools.product(COVERAGE, NUMBER_COVERAGE, UNKNOWN_WEIGHT)]
    with tempfile.TemporaryDirectory() as tmp:
        groups: dict[str, list[Case]] = defaultdict(list)
        for documents, splits in ((False, ("dev", "tuning")), (True, ("docs_tuning",))):
            assistant = build_assistant(Path(tmp) / str(documents), documents=documents)
            for split in splits:
                for question in load_questions(split):
                    previous = next((t.content for t in reversed(question.history) if t.role == "user"), None)
                    query, evidence = evidence_of(assistant, question.question, previous)
                    groups[question.author or split].append(Case(question, query, evidence, assistant))
        scores = {
            author: {thresholds: rates(cases, thresholds) for thresholds in grid} for author, cases in groups.items()
        }
    print(f"false-refusal budget {FALSE_REFUSAL_BUDGET}; leave-one-author-out:")
    print("| left out | coverage | number_coverage | unknown_word_weight | refused right | false refusals |")
    print("| --- | --- | --- | --- | --- | --- |")
    for author in groups:
        others = [a for a in groups if a != author]
        pooled = {t: _pool(t, others, groups, scores) for t in grid}
        chosen = choose(pooled)
        right, false = scores[author][chosen]
        print(
            f"| {author} | {chosen.coverage} | {chosen.number_coverage} | {chosen.unknown_weight} "
            f"| {right:.3f} | {false:.3f} |"
        )
    settings = Settings()
    current = Thresholds(settings.min_coverage, settings.number_coverage, settings.unknown_word_weight)
    if current in scores[next(iter(groups))]:
        right, false = _pool(current, list(groups), groups, scores)
        print(f"\ncurrent settings {current}: refused right {right:.3f}, false refusals {false:.3f}")
    chosen = choose({t: _pool(t, list(groups), groups, scores) for t in grid})
    right, false = _pool(chosen, list(groups), groups, scores)
    print(
        f"\nchosen on all tuning questions: RAG_MIN_COVERAGE={chosen.coverage} "
        f"RAG_NUMBER_COVERAGE={chosen.number_coverage} RAG_UNKNOWN_WORD_WEIGHT={chosen.unknown_weight} "
        f"(refused right {right:.3f}, false refusals {false:.3f})"
    )


def _pool(
    thresholds: Thresholds,
    authors: list[str],
    groups: dict[str, list[Case]],
    scores: dict[str, dict[Thresholds, tuple[float, float]]],
) -> tuple[float, float]:
    """Rates over several authors, weighted by their numbers of questions of each kind."""
    refuse = {a: sum(c.question.must_refuse for c in groups[a]) for a in authors}
    answer = {a: len(groups[a]) - refuse[a] for a in authors}
    right = sum(scores[a][thresholds][0] * refuse[a] for a in authors) / max(sum(refuse.values()), 1)
    false = sum(scores[a][thresholds][1] * answer[a] for a in authors) / max(sum(answer.values()), 1)
    return right, false


if __name__ == "__main__":
    main()
