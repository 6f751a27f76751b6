"""Does each line of `rag/data/` earn its place? Remove it, ask again the questions it could change.

    python -m eval.audit           # report (eval/results/audit.md); part of `make eval`
    python -m eval.audit --gate    # exit 1 when a line changes none of the answers it is tried on
    python -m eval.audit --prune   # delete those lines, one at a time (each judged without the ones before)

The audited files are the hand-written rules: the paraphrase table (`synonyms.tsv`) and the lists
of cues, idioms and measures. Each line is removed in turn, and the questions holding its words
(the only ones it can act on) are asked again; an answer changes when its text, its refusal or its
citations do. The report lists, per line, the questions it changes by split and author, and how
many it turns right or wrong. Language and domain facts are not audited, and kept whatever the
questions: the acronym glossary (`glossary.tsv`, apart from the paraphrases), the stop words and
the number words.

The questions are every evaluation split, each asked of the index the scorer asks it of, and the
blind training questions of `training/questions/` (asked of an index holding the corpus, the
evaluation documents and the training documents). A line is deleted only when it changes no answer
of any of them, so deleting it changes no figure: the audit decides what the data need not hold,
not what scores better. The held-out splits' questions are reported by count, never listed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from unittest import mock

import rag.cues
import rag.numbers
import rag.synonyms
from eval.scorer import (
    DOCUMENT_SPLITS,
    RESULTS_DIR,
    SPLITS,
    UNREAD,
    Question,
    build_assistant,
    load_questions,
    parse_question,
    score,
)
from rag.analyzer import data_lines, stem, tokenize
from rag.assistant import Answer, Assistant

EVAL_DIR = Path(__file__).resolve().parent
TRAINING_DIR = EVAL_DIR / "training"
AUDITED = (
    "synonyms.tsv",
    "overview_cues.txt",
    "quantity_cues.txt",
    "strict_cues.txt",
    "meaning_cues.txt",
    "injection_cues.txt",
    "idioms.txt",
    "measures.txt",
)
FACTS = ("glossary.tsv", "stopwords.txt", "number_words.txt")  # kept whatever the questions
READERS = (rag.cues, rag.numbers, rag.synonyms)  # the modules reading the audited files
CACHES = (
    rag.cues._cues,
    rag.cues._cue_index,
    rag.numbers._measures,
    rag.numbers.measure_forms,
    rag.numbers.measure_words,
    rag.numbers.measure_signs,
    rag.synonyms.synonyms,
    rag.synonyms._trigger_index,
)


@dataclass
class Asked:
    """A question (a conversation: its turns in order), where it comes from, and its answers."""

    question: Question
    split: str
    index: str  # "corpus", "documents" (the scorer's, for the other documents) or "training"
    stems: frozenset[str] = frozenset()  # every stem of every turn it is asked with
    answers: tuple[tuple[object, ...], ...] = ()  # each turn's answer as a reader sees it
    right: tuple[bool, ...] = ()

    @property
    def turns(self) -> tuple[Question, ...]:
        return (self.question, *self.question.follows)


@dataclass
class LineReport:
    file: str
    line: str
    changed: list[Asked] = field(default_factory=list)
    exercised: int = 0  # questions holding its words (asked again)
    fixed: int = 0  # answers it makes right (removed, they go wrong); held-out splits not counted
    broken: int = 0  # answers it makes wrong; held-out splits not counted

    @property
    def idle(self) -> bool:
        """Asked of questions holding its words, it changes none of their answers: evidence that it
        is not needed (a duplicate once stemmed, words the search finds anyway)."""
        return self.exercised > 0 and not self.changed

    @property
    def untried(self) -> bool:
        """No audit question holds its words: no evidence either way, kept."""
        return self.exercised == 0


def _seen(answer: Answer) -> tuple[object, ...]:
    """An answer as its reader sees it (scores aside: they move with any added search term)."""
    cited = tuple((c.document, c.page, c.section, c.text) for c in answer.citations)
    return (answer.answer, answer.refused, answer.refusal_reason, cited)


def questions() -> list[Asked]:
    """The audit's questions (see the module docstring)."""
    asked = [
        Asked(question, split, "documents" if split in DOCUMENT_SPLITS else "corpus")
        for split in SPLITS
        for question in load_questions(split)
    ]
    for path in sorted((TRAINING_DIR / "questions").glob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        asked += [Asked(parse_question(json.loads(line)), "training", "training") for line in lines if line.strip()]
    for item in asked:
        texts = [turn.content for turn in item.question.history] + [turn.question for turn in item.turns]
        item.stems = frozenset(term for text in texts for term in held_stems(text))
    return asked


def ask(item: Asked, assistant: Assistant) -> tuple[tuple[tuple[object, ...], ...], tuple[bool, ...]]:
    """Each scored answer of the question (a conversation's turns asked as the scorer asks them)
    and whether it is right (not among the scorer's misses)."""
    report = score(assistant.ask, [item.question], "audit", item.split)
    missed = {miss["id"] for miss in report.misses()}
    return (
        tuple(_seen(outcome.answer) for outcome in report.outcomes),
        tuple(outcome.question.id not in missed for outcome in report.outcomes),
    )


def key_stems(file: str, line: str) -> frozenset[str]:
    """The stems a question must hold for `line` to act on it: its trigger's stems for a paraphrase
    (matched on the stems of the words that count), else the stems of all its words, elisions
    included ("qu est ce que" is matched on "qu'est-ce que")."""
    trigger = line.partition("\t")[0]
    if file == "synonyms.tsv":
        return frozenset(tokenize(trigger).all_stems)
    return frozenset(held_stems(trigger))


def held_stems(text: str) -> set[str]:
    """The stems of every word of `text`, elided and one-letter ones included (see `key_stems`)."""
    return {stem(token.folded) for token in tokenize(text).tokens}


@contextmanager
def without(file: str, omitted: Sequence[str]) -> Iterator[None]:
    """The data files read as if `omitted` lines of `file` were not there."""

    def lines(name: str) -> list[str]:
        kept = data_lines(name)
        if name == file:
            for line in omitted:
                kept.remove(line)
        return kept

    for cache in CACHES:
        cache.cache_clear()
    with mock.patch.multiple(rag.cues, data_lines=lines), mock.patch.multiple(rag.numbers, data_lines=lines):
        with mock.patch.multiple(rag.synonyms, data_lines=lines):
            try:
                yield
            finally:
                for cache in CACHES:
                    cache.cache_clear()


def audit_line(
    file: str, line: str, asked: list[Asked], assistants: dict[str, Assistant], pruned: Sequence[str] = ()
) -> LineReport:
    """The questions whose answers change when `line` (and the `pruned` lines) are removed."""
    report = LineReport(file, line)
    needed = key_stems(file, line)
    with without(file, [*pruned, line]):
        for item in asked:
            if not needed <= item.stems:
                continue
            report.exercised += 1
            seen, right = ask(item, assistants[item.index])
            if seen != item.answers:
                report.changed.append(item)
                if item.split in UNREAD:  # held out: counted as changed, never as better or worse
                    continue
                report.fixed += sum(before and not after for before, after in zip(item.right, right, strict=True))
                report.broken += sum(after and not before for before, after in zip(item.right, right, strict=True))
    return report


def format_report(reports: list[LineReport]) -> str:
    rows = ["| file | line | answers changed | by split | by author | made right | made wrong |", "|" + " --- |" * 7]
    for report in reports:
        splits = Counter(item.split for item in report.changed)
        authors = Counter(item.question.author or "?" for item in report.changed if item.split not in UNREAD)
        rows.append(
            f"| {report.file} | `{report.line.replace('|', '/').replace(chr(9), ' → ')}` | {len(report.changed)} | "
            + ", ".join(f"{name} {count}" for name, count in splits.most_common())
            + " | "
            + ", ".join(f"{name} {count}" for name, count in authors.most_common(4))
            + f" | {report.fixed} | {report.broken} |"
        )
    idle = [report for report in reports if report.idle]
    untried = [report for report in reports if report.untried]
    facts = ", ".join(f"{name} ({len(data_lines(name))} lines)" for name in FACTS)
    summary = [
        f"{len(reports)} audited lines; {len(idle)} change no answer of the questions holding their words; "
        f"{len(untried)} held by no audit question (kept: no evidence either way).",
        f"Not audited (language and domain facts): {facts}.",
    ]
    return "\n".join([*summary, "", *rows])


def prune(file: str, lines: Sequence[str]) -> None:
    """Delete `lines` from the data file (its comments kept)."""
    path = Path(str(resources.files("rag.data").joinpath(file)))
    text = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for line in lines:
        text.remove(next(raw for raw in text if raw.rstrip("\n") == line))
    path.write_text("".join(text), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="eval.audit", description=__doc__.splitlines()[0])
    parser.add_argument("--gate", action="store_true", help="exit 1 when a line changes no answer")
    parser.add_argument("--prune", action="store_true", help="delete the lines that change no answer")
    args = parser.parse_args(argv)
    asked = questions()
    with tempfile.TemporaryDirectory() as tmp:
        assistants = {
            "corpus": build_assistant(Path(tmp) / "corpus"),
            "documents": build_assistant(Path(tmp) / "documents", documents=True),
            "training": build_assistant(Path(tmp) / "training", documents=True, extra=[TRAINING_DIR / "documents"]),
        }
        for item in asked:
            item.answers, item.right = ask(item, assistants[item.index])
        reports = []
        for file in AUDITED:
            pruned: list[str] = []
            for line in data_lines(file):
                report = audit_line(file, line, asked, assistants, pruned if args.prune else ())
                if args.prune and report.idle:
                    pruned.append(line)
                reports.append(report)
            if pruned:
                prune(file, pruned)
                print(f"{file}: {len(pruned)} lines deleted")
    text = format_report(reports)
    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "audit.md").write_text(text + "\n", encoding="utf-8")
    print(text.split("\n\n")[0])
    for report in reports:
        if report.idle:
            print(f"  no answer changed: {report.file}: {report.line!r} ({report.exercised} questions hold its words)")
    return 1 if args.gate and any(report.idle for report in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
