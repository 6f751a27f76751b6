"""Reading an upload in a process of its own, within a whole-document budget, cancellable."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psutil
import pytest

from ingest import DocumentRejected, load_document
from ingest.worker import Budget, Cancelled, read_within_budget
from tests.conftest import CORPUS, long_pdf

ROOMY = Budget(cpu_seconds=60, memory_bytes=2 * 2**30)


def processes() -> set[int]:
    """This process's descendants alive (the forkserver and its readers)."""
    return {child.pid for child in psutil.Process().children(recursive=True) if child.status() != psutil.STATUS_ZOMBIE}


def test_a_file_read_in_the_worker_is_the_file_read_here() -> None:
    path = next(CORPUS.glob("*.pdf"))
    assert read_within_budget(path.name, path.read_bytes(), ROOMY) == load_document(path)


def test_a_rejection_in_the_worker_names_its_reason() -> None:
    with pytest.raises(DocumentRejected, match="PDF"):
        read_within_budget("faux.pdf", b"pas un pdf", ROOMY)


def test_the_cpu_budget_stops_a_long_document_and_names_the_limit() -> None:
    data = long_pdf(400)
    started = time.monotonic()
    with pytest.raises(DocumentRejected, match="budget de calcul"):
        read_within_budget("rapport.pdf", data, Budget(cpu_seconds=2, memory_bytes=2 * 2**30))
    assert time.monotonic() - started < 10


def test_a_cancelled_reading_stops_at_once_and_leaves_no_process(tmp_path: Path) -> None:
    """The client hung up: its file's reading is killed, not left to run for minutes."""
    data = long_pdf(400)
    read_within_budget("note.md", b"# Note\n\nUn paragraphe sur les logements vacants du bourg.", ROOMY)
    before = processes()  # the forkserver, started by the first reading, stays
    cancelled = threading.Event()
    threading.Timer(1.0, cancelled.set).start()
    started = time.monotonic()
    with pytest.raises(Cancelled):
        read_within_budget("rapport.pdf", data, ROOMY, cancelled)
    assert time.monotonic() - started < 4
    assert processes() == before
