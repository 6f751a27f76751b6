"""Score the assistant (and the LangChain tutorial baseline) on the evaluation questions.

    make eval                                   # every split, both systems
    python -m eval.scorer --split gated --gate  # test and held_out against eval/thresholds.json; exit 1 below

A question names its `evidence`: a phrase the cited passage must contain (compared without
accents, case or whitespace), or for a table value a list of phrases the same passage must all
contain (the row's first cell and the value). Metrics: hit@1, hit@3, MRR, citation tightness (the evidence
within the first 600 characters of the citation holding it), evidence present in the answer,
refusal accuracy (questions that must be refused), false refusals (answerable ones refused),
structure completeness (a question about a part of a document, answered with every sub-part
it must list named), acronym definitions (the answer spells out the acronym asked about),
latency p50/p95. Reported per split, per category and per author, with the misses listed.

Splits: `dev` and `test` (the first authors, whose vocabulary earlier rules were fitted to), and
the blind sets of `questions/blind/`, one file per author who never saw the system: `tuning` (the
authors rules may be tuned on) and `held_out` (only scored: the figure that counts), as listed in
`questions/blind/authors.json`. These four ask about the two documents of `corpus/`.

`docs_tuning` and `docs_held_out` ask about documents of other kinds and layouts (`documents/`:
a PLH, a departmental plan, a deliberation, a circular, a landlord's report, a Markdown note), each
written by one blind author and asked about by another (`questions/documents/<document>.jsonl`).
They are scored on an index holding the corpus and all those documents, as staff would upload
them. Rules may be tuned on the documents of `documents/roles.json`'s "tuning" list; the others
are held out: their misses are never printed.

`conv_tuning` and `conv_held_out` are conversations of two to four turns by blind authors
(`questions/conversations/<author>.jsonl`, roles in its `roles.json`), on the same index: each
turn is asked with the conversation so far (its questions and the system's own answers), and the
follow-up turns are scored. The gate checks `test`, `held_out`, `docs_held_out` and `conv_held_out`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from rag.analyzer import fold
from rag.assistant import Answer, Assistant, Turn
from rag.indexer import index_folder, open_store
from rag.settings import Settings

EVAL_DIR = Path(__file__).resolve().parent
QUESTIONS_DIR = EVAL_DIR / "questions"
BLIND_DIR = QUESTIONS_DIR / "blind"
DOCUMENTS_DIR = EVAL_DIR / "documents"
DOCUMENT_QUESTIONS = QUESTIONS_DIR / "documents"
CONVERSATIONS_DIR = QUESTIONS_DIR / "conversations"
SPLITS = ("dev", "test", "tuning", "held_out", "docs_tuning", "docs_held_out", "conv_tuning", "conv_held_out")
CONVERSATION_SPLITS = ("conv_tuning", "conv_held_out")
DOCUMENT_SPLITS = ("docs_tuning", "docs_held_out", *CONVERSATION_SPLITS)  # scored on the corpus + documents index
UNREAD = ("held_out", "docs_held_out", "conv_held_out")  # splits whose misses are never printed
RESULTS_DIR = EVAL_DIR / "results"
THRESHOLDS = EVAL_DIR / "thresholds.json"
CORPUS = EVAL_DIR.parent / "corpus"
TIGHT_CHARS = 600

Ask = Callable[[str, Sequence[Turn]], Answer]


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    category: str
    evidence: str | tuple[str, ...] | None
    history: tuple[Turn, ...] = ()
    author: str = ""
    parts: tuple[str, ...] = ()  # sub-parts a structure answer must name
    definition: str = ""  # the expansion an answer about an acronym must spell out
    document: str = ""
    follows: tuple[Question, ...] = ()  # a conversation's later turns, asked after this one

    @property
    def phrases(self) -> tuple[str, ...]:
        """The phrases the citation must hold (one, or a table row's label and value)."""
        if self.evidence is None:
            return ()
        return (self.evidence,) if isinstance(self.evidence, str) else self.evidence

    @property
    def must_refuse(self) -> bool:
        return self.evidence is None


@dataclass
class Outcome:
    question: Question
    answer: Answer
    seconds: float
    rank: int | None = None  # 1-based rank of the first citation holding the evidence
    tight: bool = False
    in_answer: bool = False
    complete: bool = False  # every part named in the answer (structure questions)
    defines: bool = False  # the acronym's expansion in the answer


@dataclass
class Report:
    system: str
    split: str
    outcomes: list[Outcome] = field(default_factory=list)

    def metrics(self, outcomes: list[Outcome] | None = None) -> dict[str, float]:
        outcomes = self.outcomes if outcomes is None else outcomes
        answerable = [o for o in outcomes if not o.question.must_refuse]
        refusals = [o for o in outcomes if o.question.must_refuse]
        found = [o for o in answerable if o.rank is not None]
        structure = [o for o in answerable if o.question.parts]
        acronyms = [o for o in answerable if o.question.definition]
        latencies = sorted(o.seconds * 1000 for o in outcomes)

        def share(items: list[Outcome], test: Callable[[Outcome], bool]) -> float:
            return round(sum(map(test, items)) / len(items), 4) if items else float("nan")

        return {
            "questions": len(outcomes),
            "hit@1": share(answerable, lambda o: o.rank == 1),
            "hit@3": share(answerable, lambda o: o.rank is not None and o.rank <= 3),
            "mrr": round(sum(1 / (o.rank or 1) for o in found) / len(answerable), 4) if answerable else float("nan"),
            "tightness": share(found, lambda o: o.tight),
            "evidence_in_answer": share(answerable, lambda o: o.in_answer),
            "refusal_accuracy": share(refusals, lambda o: o.answer.refused),
            "false_refusals": share(answerable, lambda o: o.answer.refused),
            "structure_complete": share(structure, lambda o: o.rank == 1 and o.complete),
            "acronym_defined": share(acronyms, lambda o: o.defines),
            "latency_p50_ms": round(statistics.median(latencies), 2) if latencies else float("nan"),
            "latency_p95_ms": round(percentile(latencies, 95), 2) if latencies else float("nan"),
        }

    def by_category(self) -> dict[str, dict[str, float]]:
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in self.outcomes:
            groups[outcome.question.category].append(outcome)
        return {category: self.metrics(items) for category, items in sorted(groups.items())}

    def by_document(self) -> dict[str, dict[str, float]]:
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in self.outcomes:
            groups[outcome.question.document or "?"].append(outcome)
        return {document: self.metrics(items) for document, items in sorted(groups.items())}

    def by_author(self) -> dict[str, dict[str, float]]:
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in self.outcomes:
            groups[outcome.question.author or "?"].append(outcome)
        return {author: self.metrics(items) for author, items in sorted(groups.items())}

    def misses(self) -> list[dict[str, Any]]:
        rows = []
        for o in self.outcomes:
            q = o.question
            wrong = (o.answer.refused != q.must_refuse) or (not q.must_refuse and o.rank != 1)
            wrong = wrong or bool(q.parts and not o.complete)
            if wrong:
                first = o.answer.citations[0].text[:120] if o.answer.citations else ""
                rows.append(
                    {
                        "id": q.id,
                        "category": q.category,
                        "question": q.question,
                        "evidence": q.evidence,
                        "refused": o.answer.refused,
                        "rank": o.rank,
                        "first_citation": first,
                    }
                )
        return rows


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def squash(text: str) -> str:
    """Compare evidence "up to whitespace, case and accents"."""
    return "".join(fold(text).split())


def blind_authors() -> dict[str, list[str]]:
    """The blind authors by role: `tuning` (rules may be fitted to them) and `held_out` (never)."""
    roles = json.loads((BLIND_DIR / "authors.json").read_text(encoding="utf-8"))
    return {role: list(roles[role]) for role in ("tuning", "held_out")}


def document_roles() -> dict[str, list[str]]:
    """The evaluation documents by role: `tuning` (rules may be fitted to them) and `held_out` (never)."""
    roles = json.loads((DOCUMENTS_DIR / "roles.json").read_text(encoding="utf-8"))
    return {role: list(roles[role]) for role in ("tuning", "held_out")}


def load_questions(split: str) -> list[Question]:
    """The questions of `split`: a file of `questions/`, the blind authors of a role, or the
    questions about the evaluation documents of a role."""
    if split in ("tuning", "held_out"):
        paths = [BLIND_DIR / f"{author}.jsonl" for author in blind_authors()[split]]
    elif split in CONVERSATION_SPLITS:
        roles = json.loads((CONVERSATIONS_DIR / "roles.json").read_text(encoding="utf-8"))
        paths = [CONVERSATIONS_DIR / f"{author}.jsonl" for author in roles[split.removeprefix("conv_")]]
        lines = [line for path in paths for line in path.read_text("utf-8").splitlines() if line]
        return [_conversation(json.loads(line)) for line in lines]
    elif split in DOCUMENT_SPLITS:
        role = split.removeprefix("docs_")
        paths = [DOCUMENT_QUESTIONS / f"{document}.jsonl" for document in document_roles()[role]]
    else:
        paths = [QUESTIONS_DIR / f"{split}.jsonl"]
    return [parse_question(json.loads(line)) for path in paths for line in path.read_text("utf-8").splitlines() if line]


def parse_question(raw: dict[str, Any]) -> Question:
    history = tuple(Turn(turn["role"], turn["content"]) for turn in raw.get("history") or ())
    evidence = raw.get("evidence")
    return Question(
        raw["id"],
        raw["question"],
        raw["category"],
        tuple(evidence) if isinstance(evidence, list) else evidence,
        history,
        author=raw.get("author", ""),
        parts=tuple(raw.get("parts") or ()),
        definition=raw.get("answer_contains") or "",
        document=raw.get("document", ""),
    )


def _conversation(raw: dict[str, Any]) -> Question:
    """A conversation as its first question, with the later turns in `follows` (ids "<id>.2", …)."""
    turns = [
        Question(
            f"{raw['id']}.{number}",
            turn["question"],
            "first" if number == 1 else "followup",
            tuple(turn["evidence"]) if isinstance(turn["evidence"], list) else turn["evidence"],
            author=raw["author"],
            document=raw["document"],
        )
        for number, turn in enumerate(raw["turns"], start=1)
    ]
    return replace(turns[0], follows=tuple(turns[1:]))


def score(ask: Ask, questions: list[Question], system: str, split: str) -> Report:
    """Each question asked with its history; a conversation's follow-ups are asked after it, with
    the conversation so far (its questions and the system's own answers) and scored alone: the
    first turn is what they follow, not what the split measures."""
    report = Report(system, split)
    for question in questions:
        history: list[Turn] = list(question.history)
        for turn in (question, *question.follows):
            outcome = _outcome(ask, turn, history)
            history += [Turn("user", turn.question), Turn("assistant", outcome.answer.answer)]
            if not question.follows or turn is not question:
                report.outcomes.append(outcome)
    return report


def _outcome(ask: Ask, question: Question, history: Sequence[Turn]) -> Outcome:
    started = time.perf_counter()
    answer = ask(question.question, history)
    outcome = Outcome(question, answer, time.perf_counter() - started)
    if question.phrases and not answer.refused:
        phrases = [squash(phrase) for phrase in question.phrases]
        for rank, citation in enumerate(answer.citations, start=1):
            # A citation shows its section (headings, a table's caption) above the passage: both can hold it.
            if all(phrase in squash(f"{citation.section}\n{citation.text}") for phrase in phrases):
                outcome.rank = rank
                head = squash(f"{citation.section}\n{citation.text[:TIGHT_CHARS]}")
                outcome.tight = all(phrase in head for phrase in phrases)
                break
        said = squash(answer.answer)
        outcome.in_answer = all(phrase in said for phrase in phrases)
        outcome.complete = all(squash(part) in said for part in question.parts)
        outcome.defines = squash(question.definition) in said
    return outcome


def build_assistant(
    data_dir: Path, settings: Settings | None = None, documents: bool = False, extra: Sequence[Path] = ()
) -> Assistant:
    """A fresh index of the corpus (and, with `documents`, of the evaluation documents beside it,
    and of the folders `extra`), so the score measures the code as it is now."""
    folder = CORPUS
    if documents:
        folder = data_dir / "documents"
        folder.mkdir(parents=True)
        sources = [*CORPUS.iterdir(), *DOCUMENTS_DIR.iterdir(), *(path for more in extra for path in more.iterdir())]
        for source in sources:
            if source.suffix.lower() in (".pdf", ".md"):
                (folder / source.name).write_bytes(source.read_bytes())
    settings = settings or Settings(data_dir=data_dir, corpus_dir=folder)
    index_folder(folder, open_store(settings))
    return Assistant.from_settings(settings)


def format_table(reports: list[Report]) -> str:
    keys = list(reports[0].metrics())
    header = "| system | split | " + " | ".join(keys) + " |"
    lines = [header, "|" + " --- |" * (len(keys) + 2)]
    for report in reports:
        metrics = report.metrics()
        lines.append(f"| {report.system} | {report.split} | " + " | ".join(str(metrics[k]) for k in keys) + " |")
    return "\n".join(lines)


def format_groups(report: Report, by: str) -> str:
    """Per-category (per-author, per-document) table of one report."""
    keys = ["questions", "hit@1", "hit@3", "refusal_accuracy", "false_refusals", "structure_complete"]
    groups = {"category": report.by_category, "author": report.by_author, "document": report.by_document}[by]()
    lines = [f"\n{report.system} / {report.split} by {by}", f"| {by} | " + " | ".join(keys) + " |"]
    lines.append("|" + " --- |" * (len(keys) + 1))
    for name, metrics in groups.items():
        lines.append(f"| {name} | " + " | ".join(str(metrics[k]) for k in keys) + " |")
    return "\n".join(lines)


def check_gate(report: Report, baseline: Report | None) -> list[str]:
    """Failures against the committed thresholds of the report's split (empty when it passes)."""
    thresholds = json.loads(THRESHOLDS.read_text(encoding="utf-8"))[report.split]
    metrics = report.metrics()
    failures = [
        f"{name} = {metrics[name]} < {minimum}"
        for name, minimum in thresholds["minimum"].items()
        if not metrics[name] >= minimum
    ]
    failures += [
        f"{name} = {metrics[name]} > {maximum}"
        for name, maximum in thresholds["maximum"].items()
        if not metrics[name] <= maximum
    ]
    ratio = thresholds.get("hit@1_vs_baseline")
    if ratio and baseline is not None:
        theirs = baseline.metrics()["hit@1"]
        if metrics["hit@1"] < ratio * theirs:
            failures.append(f"hit@1 = {metrics['hit@1']} < {ratio} × baseline {theirs}")
    return [f"{report.split}: {failure}" for failure in failures]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="eval.scorer", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--split",
        choices=[*SPLITS, "gated", "all"],
        default="all",
        help="gated: test, held_out, docs_held_out, conv_held_out",
    )
    parser.add_argument("--no-baseline", action="store_true", help="score the assistant only")
    parser.add_argument("--gate", action="store_true", help="exit 1 when below eval/thresholds.json")
    args = parser.parse_args(argv)
    splits = {"all": list(SPLITS), "gated": ["test", "held_out", "docs_held_out", "conv_held_out"]}.get(
        args.split, [args.split]
    )

    reports: list[Report] = []
    written: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        for documents in (False, True):
            group = [split for split in splits if (split in DOCUMENT_SPLITS) == documents]
            if not group:
                continue
            assistant = build_assistant(Path(tmp) / ("documents" if documents else "corpus"), documents=documents)
            baseline = None
            if not args.no_baseline:
                from eval.baseline import TutorialBaseline

                baseline = TutorialBaseline(assistant.settings.corpus_dir)
            for split in group:
                questions = load_questions(split)
                reports.append(score(assistant.ask, questions, "assistant", split))
                if baseline is not None:
                    reports.append(score(baseline.ask, questions, "tutorial-baseline", split))
            written += assistant.llm_outcomes

    print(format_table(reports))
    if written:  # RAG_LLM_BASE_URL set: the written mode was scored
        outcomes = written
        judged = outcomes["accepted"] + outcomes["rejected"]
        print(
            f"\nwritten mode: {outcomes['accepted']} accepted, {outcomes['rejected']} rejected by the verifier "
            f"({outcomes['rejected'] / max(judged, 1):.1%}), {outcomes['failed']} endpoint failures"
        )
    for report in reports:
        if report.system == "assistant":
            print(format_groups(report, "category"))
            if report.split in ("tuning", "held_out", *CONVERSATION_SPLITS):
                print(format_groups(report, "author"))
            if report.split in DOCUMENT_SPLITS:
                print(format_groups(report, "document"))
    RESULTS_DIR.mkdir(exist_ok=True)
    for report in reports:
        misses = report.misses()
        if report.system == "assistant" and misses and report.split not in UNREAD:  # held-out misses stay unread
            print(f"\nmisses ({report.split}):")
            for miss in misses:
                status = f"refused={miss['refused']} rank={miss['rank']}"
                print(f"  {miss['id']} [{miss['category']}] {status}: {miss['question']}")
        out = {
            "metrics": report.metrics(),
            "by_category": report.by_category(),
            "by_author": report.by_author(),
            "by_document": report.by_document(),
            "misses": misses if report.split not in UNREAD else len(misses),
        }
        path = RESULTS_DIR / f"{report.system}-{report.split}.json"
        path.write_text(json.dumps(out, ensure_ascii=False, indent=2), encoding="utf-8")
    (RESULTS_DIR / "report.md").write_text(format_table(reports) + "\n", encoding="utf-8")

    if args.gate:
        thresholds = json.loads(THRESHOLDS.read_text(encoding="utf-8"))
        failures = []
        for ours in (r for r in reports if r.system == "assistant" and r.split in thresholds):
            theirs = next((r for r in reports if r.system != "assistant" and r.split == ours.split), None)
            failures += check_gate(ours, theirs)
        for failure in failures:
            print(f"GATE FAILED: {failure}", file=sys.stderr)
        if failures:
            return 1
        print("gate passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
