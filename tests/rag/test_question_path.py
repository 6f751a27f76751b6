"""One question's path through the code: read once, analysed once, then searched, checked and answered.

Measured on the real corpus index with the real model. The path is followed by a profiler: the
frames of project code that hold the question (its text, its words or its analysis), and the
module each one enters from another module.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

import rag.analyzer
from rag.analyzer import Text, fold
from rag.assistant import Assistant, Turn
from rag.question import Query

ROOT = Path(__file__).resolve().parents[2]
PLAIN = "Combien de logements sociaux sont prévus en 2024 ?"
CONVERSATION = [
    Turn("user", "Quel levier pour l'accès au foncier ?"),
    Turn("assistant", "…"),
    Turn("user", "Et qui le pilote ?"),
    Turn("assistant", "…"),
]
FOLLOW_UP = "et pour les petites communes, ça marche comment ?"


class _CountingWords:
    """Stands in for the tokeniser's pattern and counts the texts it splits into words."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self.split: Counter[str] = Counter()

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        self.split[text] += 1
        return self.pattern.finditer(text)


@pytest.fixture
def splits(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    counting = _CountingWords(rag.analyzer._WORD)
    monkeypatch.setattr(rag.analyzer, "_WORD", counting)
    return counting.split


def test_a_question_is_split_into_words_once_per_answer(assistant: Assistant, splits: Counter[str]) -> None:
    assistant.ask(PLAIN)
    assert splits[fold(PLAIN)] == 1
    splits.clear()
    # A follow-up: the conversation's questions are read for its topic and its context, once each.
    assistant.ask(FOLLOW_UP, CONVERSATION)
    asked = [FOLLOW_UP, *(turn.content for turn in CONVERSATION if turn.role == "user")]
    assert {question: splits[fold(question)] for question in asked} == dict.fromkeys(asked, 1)


def _module(frame: FrameType | None) -> str | None:
    """The project module a frame runs in (rag.*, ingest.*), or None."""
    if frame is None:
        return None
    path = Path(frame.f_code.co_filename)
    if not path.is_relative_to(ROOT) or ".venv" in path.parts:
        return None
    relative = path.relative_to(ROOT).with_suffix("")
    return ".".join(relative.parts) if relative.parts[0] in ("rag", "ingest") else None


def _entries(ask: Callable[[], Any], question: str) -> Counter[str]:
    """How many times each project module is entered, from another module, by a call holding
    `question`: the string itself, its words (`Text`) or its analysis (`Query`)."""

    def holds(value: object) -> bool:
        return (
            (isinstance(value, str) and value == question)
            or isinstance(value, Query)
            or (isinstance(value, Text) and value.raw == question)
        )

    entries: Counter[str] = Counter()

    def profile(frame: FrameType, event: str, _: object) -> None:
        if event != "call" or (module := _module(frame)) is None or _module(frame.f_back) == module:
            return
        if any(holds(value) for value in list(frame.f_locals.values())):
            entries[module] += 1

    sys.setprofile(profile)
    try:
        ask()
    finally:
        sys.setprofile(None)
    return entries


@pytest.mark.parametrize(
    ("question", "history"), [(PLAIN, []), ("Qui pilote le comité régional ?", []), (FOLLOW_UP, CONVERSATION)]
)
def test_following_one_question_no_module_is_entered_more_than_three_times(
    assistant: Assistant, question: str, history: list[Turn]
) -> None:
    """Entered once, and again at most twice: the question is read (`question.read`), analysed
    (`question.analyse`), searched (once more for a conversation's topic), checked and answered,
    without going back and forth between modules (before: `ingest.blocks` entered 9 times,
    `rag.analyzer` and `rag.retriever` 3 times each, `rag.query` ⇄ `rag.analyzer`)."""
    entries = _entries(lambda: assistant.ask(question, history), question)
    assert entries["rag.question"] >= 1 and entries["rag.retriever"] >= 1  # the path was followed
    assert max(entries.values()) <= 3, entries
