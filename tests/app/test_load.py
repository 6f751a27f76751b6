"""A bounded load test on loopback: 16 concurrent clients, 1,000 questions, while a document is
uploaded and replaced. No error, no answer lost, and answers stay correct throughout."""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.conftest import LOAD_EXPECTED, STAFF_KEY

CLIENTS = 16
REQUESTS = 1000


@pytest.mark.slow
def test_answers_stay_correct_under_load_during_an_upload(staff: tuple[str, Path]) -> None:
    base, _ = staff
    questions = list(itertools.islice(itertools.cycle(LOAD_EXPECTED), REQUESTS))
    uploads: list[int] = []

    def write_while_loaded() -> None:
        for version in range(3):
            note = f"# Note de Sète\n\nVersion {version} : la commune de Sète prépare un observatoire local.\n"
            files = {"file": ("sete.md", note.encode())}
            uploads.append(httpx.post(f"{base}/api/documents", files=files, headers=STAFF_KEY, timeout=120).status_code)

    def ask(question: str) -> tuple[str, int, str]:
        with httpx.Client(timeout=60) as client:
            response = client.post(f"{base}/api/ask", json={"question": question})
        first = response.json()["citations"][0]["text"] if response.status_code == 200 else ""
        return question, response.status_code, first

    writer = threading.Thread(target=write_while_loaded)
    writer.start()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(ask, questions))
    writer.join(timeout=300)

    assert len(results) == REQUESTS
    assert [status for _, status, _ in results] == [200] * REQUESTS
    wrong = [(question, first[:80]) for question, _, first in results if LOAD_EXPECTED[question] not in first]
    assert wrong == []
    assert uploads == [201, 200, 200]
    assert httpx.delete(f"{base}/api/documents/sete", headers=STAFF_KEY).status_code == 204
