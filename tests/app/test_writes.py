"""Writes under load and crashes during writes, on a real uvicorn server over loopback.

Each request reads one snapshot of the index: 16 clients asking for a minute while documents
are added, replaced (also PDF → Markdown) and deleted get only 200s with the right answers. A
server killed (SIGKILL) in the middle of any kind of write starts again and serves either the
old or the new document whole.
"""

from __future__ import annotations

import itertools
import os
import random
import shutil
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from eval.scorer import load_questions
from ingest import load_document
from tests.conftest import CORPUS, LOAD_EXPECTED, PLAN_PDF, STAFF_KEY, free_port, start_server, wait_healthy

CLIENTS = 16
LOAD_SECONDS = 60
NOTE = "# Note de Sète\n\nVersion {n} : la commune de Sète prépare un observatoire local du logement.\n"


def long_note(n: int, paragraphs: int = 300) -> bytes:
    """A Markdown note long enough (a few seconds to embed) for a crash to land inside its write."""
    body = "\n\n".join(
        f"Paragraphe {i} de la version {n} : la commune étudie le foncier du secteur {i}." for i in range(paragraphs)
    )
    return f"# Note longue {n}\n\n{body}\n".encode()


def variant_pdf(n: int) -> bytes:
    """A PDF of its own content hash (the plan, with a trailing comment): not a duplicate upload."""
    return PLAN_PDF.read_bytes() + f"\n% variante {n}\n".encode()


def upload(base: str, name: str, data: bytes) -> int:
    return httpx.post(f"{base}/api/documents", files={"file": (name, data)}, headers=STAFF_KEY, timeout=300).status_code


def delete(base: str, document: str) -> int:
    return httpx.delete(f"{base}/api/documents/{document}", headers=STAFF_KEY, timeout=300).status_code


@pytest.mark.slow
def test_answers_stay_right_while_documents_are_added_replaced_and_deleted(staff: tuple[str, Path]) -> None:
    base, _ = staff
    stop = threading.Event()
    writes: list[tuple[str, int]] = []

    def write_until_stopped() -> None:
        for n in itertools.count():
            if stop.is_set():
                return
            writes.append(("pdf", upload(base, "churn.pdf", variant_pdf(n))))
            writes.append(("pdf → md", upload(base, "churn.md", NOTE.format(n=n).encode())))
            writes.append(("md", upload(base, "churn.md", NOTE.format(n=f"{n}b").encode())))
            writes.append(("delete", delete(base, "churn")))

    def ask_until_stopped(_: int) -> list[tuple[str, int | str, str]]:
        results: list[tuple[str, int | str, str]] = []
        questions = itertools.cycle(LOAD_EXPECTED)
        with httpx.Client(timeout=60) as client:
            while not stop.is_set():
                question = next(questions)
                try:
                    response = client.post(f"{base}/api/ask", json={"question": question})
                except httpx.HTTPError as error:  # a dropped connection counts as a failure
                    results.append((question, type(error).__name__, ""))
                    continue
                first = response.json()["citations"][0]["text"] if response.status_code == 200 else ""
                results.append((question, response.status_code, first))
        return results

    writer = threading.Thread(target=write_until_stopped)
    writer.start()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        futures = [pool.submit(ask_until_stopped, i) for i in range(CLIENTS)]
        time.sleep(LOAD_SECONDS)
        stop.set()
        results = [row for future in futures for row in future.result()]
    writer.join(timeout=600)

    assert len(results) > 1000
    failures = [(question, status) for question, status, _ in results if status != 200]
    assert failures == []
    wrong = [(question, first[:80]) for question, _, first in results if LOAD_EXPECTED[question] not in first]
    assert wrong == []
    assert len(writes) >= 8 and all(status in (200, 201, 204) for _, status in writes), writes
    if delete(base, "churn") not in (204, 404):
        pytest.fail("could not clean up the churn document")


def _expected_chunks(name: str, data: bytes) -> int:
    return len(load_document(Path(name), data).chunks)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "before", "write"),
    [
        ("new", None, ("new.md", long_note(100))),
        ("same-extension replace", ("new.md", long_note(101)), ("new.md", long_note(102))),
        ("extension-changing replace", ("new.pdf", variant_pdf(103)), ("new.md", long_note(103))),
        ("delete", ("new.md", long_note(104)), None),
    ],
)
def test_server_starts_after_a_crash_during_a_write(
    tmp_path: Path, kind: str, before: tuple[str, bytes] | None, write: tuple[str, bytes] | None
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    env = {"RAG_DATA_DIR": str(tmp_path / "data"), "RAG_CORPUS_DIR": str(corpus), "RAG_API_KEYS": "cle-de-test"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port)
    try:
        wait_healthy(base, server)
        if before:
            assert upload(base, *before) == 201
        whole = {0} | {_expected_chunks(*version) for version in (before, write) if version}
        action: Callable[[], int] = (lambda: upload(base, *write)) if write else (lambda: delete(base, "new"))
        threading.Thread(target=lambda: _quietly(action), daemon=True).start()
        seen = _listed_until(base, time.monotonic() + random.uniform(0.2, 1.0))
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=20)
        assert set(seen) <= whole, (kind, seen, whole)  # during the write: the old version or the new, whole

        server = start_server(env, port)
        wait_healthy(base, server)  # it starts, whatever the write left in corpus/
        listed = {doc["id"]: doc["chunks"] for doc in httpx.get(f"{base}/api/documents").json()}
        assert listed.get("new", 0) in whole, (kind, listed.get("new"), whole)
        assert not list(corpus.glob(".upload-*"))
        answer = httpx.post(f"{base}/api/ask", json={"question": "Combien de ménages attendent un logement social ?"})
        assert answer.status_code == 200 and "107 500 ménages" in answer.json()["citations"][0]["text"]
    finally:
        server.kill()
        server.wait(timeout=20)


def _listed_until(base: str, deadline: float) -> list[int]:
    """How many passages `/api/documents` lists for "new", polled until `deadline`."""
    seen = []
    with httpx.Client(base_url=base, timeout=10) as client:
        while time.monotonic() < deadline:
            listed = {doc["id"]: doc["chunks"] for doc in client.get("/api/documents").json()}
            seen.append(listed.get("new", 0))
    return seen


@pytest.mark.slow
def test_the_port_opens_before_a_large_corpus_is_indexed(tmp_path: Path) -> None:
    """Start-up indexes in the background: health and questions say 503 "indexation en cours"
    meanwhile (a load balancer waits), then the server answers."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    (corpus / "note-longue.md").write_bytes(long_note(1, paragraphs=1500))
    env = {"RAG_DATA_DIR": str(tmp_path / "data"), "RAG_CORPUS_DIR": str(corpus)}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(env, port)
    try:
        statuses: list[int] = []
        asked: list[bool] = []
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and 200 not in statuses:
            try:
                response = httpx.get(f"{base}/api/health", timeout=5)
            except httpx.TransportError:
                time.sleep(0.2)
                continue
            statuses.append(response.status_code)
            if response.status_code == 503:
                assert "indexation" in response.json()["detail"]
                assert httpx.get(f"{base}/api/live", timeout=5).status_code == 200  # alive, not ready
                question = httpx.post(f"{base}/api/ask", json={"question": "Combien de ménages attendent ?"})
                # 503 while indexing; 200 once it finished (it may, between the two calls)
                waiting = question.status_code == 503 and "indexation" in question.json()["detail"]
                assert waiting or question.status_code == 200
                asked.append(waiting)
            time.sleep(0.2)
        assert statuses[0] == 503 and statuses[-1] == 200, statuses
        assert asked and asked[0], asked  # the first question, asked while health said indexing, waited
        listed = {doc["id"]: doc["chunks"] for doc in httpx.get(f"{base}/api/documents").json()}
        assert listed["note-longue"] == _expected_chunks("note-longue.md", long_note(1, paragraphs=1500))
    finally:
        server.kill()
        server.wait(timeout=20)


def _quietly(action: Callable[[], int]) -> None:
    try:
        action()
    except httpx.HTTPError:  # the server was killed mid-request: expected
        pass


@pytest.mark.slow
def test_the_same_answers_in_the_same_order_after_restarts_and_a_rebuilt_index(tmp_path: Path) -> None:
    """Ties are broken by a stable key (document, position, id), not by a set's iteration order."""
    questions = [question.question for question in load_questions("dev")[:40]]

    def answers(data: Path) -> list[object]:
        port = free_port()
        server = start_server({"RAG_DATA_DIR": str(data), "RAG_CORPUS_DIR": str(CORPUS)}, port)
        try:
            wait_healthy(f"http://127.0.0.1:{port}", server)
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
                return [client.post("/api/ask", json={"question": question}).json() for question in questions]
        finally:
            server.terminate()
            server.wait(timeout=20)

    first = answers(tmp_path / "data")
    assert answers(tmp_path / "data") == first  # restarted over the same index
    assert answers(tmp_path / "rebuilt") == first  # a new index built from the same corpus
