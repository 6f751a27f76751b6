"""Feedback of officials on answers (👍/👎 and a comment), kept in SQLite under the data directory.

Each row keeps the question, the answer and its citations as they were shown, so staff can
review what the assistant said, not what it would say today.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
create table if not exists feedback (
    id integer primary key autoincrement,
    created_at text not null,
    rating text not null check (rating in ('up', 'down')),
    comment text not null default '',
    question text not null,
    answer text not null,
    refused integer not null,
    citations text not null
)
"""
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# What a spreadsheet skips before reading a formula: spaces, line breaks, no-break and zero-width spaces, a BOM.
INVISIBLE = " \t\r\n\u00a0\u2007\u202f\u200b\u200c\u200d\u2060\ufeff"
COLUMNS = ("id", "created_at", "rating", "comment", "question", "answer", "refused", "citations")


class FeedbackFull(RuntimeError):
    """The feedback table holds its maximum: the oldest rows are kept, new ones refused."""


class FeedbackStore:
    """Append-only feedback table, capped at `max_rows` (anyone may write to it: a flood must not
    fill the disk nor push out real feedback); one connection per call (SQLite handles locking)."""

    def __init__(self, path: Path, max_rows: int = 20_000) -> None:
        self.path = path
        self.max_rows = max_rows
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as connection:
            connection.execute(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        # A streamed export is read by whichever worker thread asks for its next row, one at a time.
        return sqlite3.connect(self.path, timeout=10, check_same_thread=False)

    def add(
        self, rating: str, question: str, answer: str, refused: bool, citations: list[dict[str, Any]], comment: str = ""
    ) -> int:
        row = (datetime.now(UTC).isoformat(timespec="seconds"), rating, comment, question, answer, int(refused))
        with self._lock, self._connect() as connection:
            (count,) = connection.execute("select count(*) from feedback").fetchone()
            if count >= self.max_rows:
                raise FeedbackFull(f"stockage des avis plein ({self.max_rows}) : exportez-les puis archivez la base")
            cursor = connection.execute(
                "insert into feedback (created_at, rating, comment, question, answer, refused, citations)"
                " values (?, ?, ?, ?, ?, ?, ?)",
                (*row, json.dumps(citations, ensure_ascii=False)),
            )
            return int(cursor.lastrowid or 0)

    def export(self, fmt: str) -> Iterator[str]:
        """All feedback as CSV (for a spreadsheet) or JSON Lines (for scripts), a row at a time: the
        export of a full table never sits whole in memory."""
        if fmt == "csv":
            yield ",".join(COLUMNS) + "\r\n"
        with self._connect() as connection:
            for record in connection.execute(f"select {', '.join(COLUMNS)} from feedback order by id"):
                row = dict(zip(COLUMNS, record, strict=True))
                if fmt == "jsonl":
                    row["citations"] = json.loads(row["citations"])
                    row["refused"] = bool(row["refused"])
                    yield json.dumps(row, ensure_ascii=False) + "\n"
                else:
                    buffer = io.StringIO()
                    csv.DictWriter(buffer, fieldnames=COLUMNS).writerow({k: _inert(v) for k, v in row.items()})
                    yield buffer.getvalue()


def _inert(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula ("=HYPERLINK(…)", "+cmd|…", "@SUM(…)")
    is written with a leading apostrophe, which shows it as typed (OWASP "CSV injection")."""
    if isinstance(value, str) and unicodedata.normalize("NFKC", value.lstrip(INVISIBLE))[:1] in FORMULA_STARTS:
        return "'" + value  # also behind invisible characters, and full-width "＝" (NFKC: "=")
    return value
