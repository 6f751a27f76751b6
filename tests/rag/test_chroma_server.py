"""The same store and API against a real `chroma run` server (CHROMA_HOST), as N workers would share it."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import chromadb
import httpx
import pytest
from gradio_client import Client

from rag.assistant import Assistant
from rag.indexer import index_folder, open_store
from rag.settings import Settings
from tests.conftest import CORPUS, free_port, message_text, start_server, wait_healthy

LAND = "Quel levier du plan concerne l'accès au foncier ?"
REFRESH = 0.2  # RAG_REFRESH_INTERVAL of the servers started here: how long another process's write takes to show


def run_chroma(path: Path, port: int) -> subprocess.Popen[bytes]:
    """`chroma run` on loopback, once it answers its heartbeat."""
    chroma = Path(sys.executable).with_name("chroma")
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
            return process
        except Exception:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise
            time.sleep(0.3)


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    port = free_port()
    process = run_chroma(tmp_path_factory.mktemp("chroma-server"), port)
    yield port
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def remote_settings(chroma_server: int, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    settings = Settings(data_dir=tmp_path_factory.mktemp("remote"), chroma_host="127.0.0.1", chroma_port=chroma_server)
    index_folder(CORPUS, open_store(settings))
    return settings


def test_store_on_chroma_server_answers_like_embedded(remote_settings: Settings, assistant: Assistant) -> None:
    remote = Assistant.from_settings(remote_settings)
    assert not (remote_settings.data_dir / "chroma").exists(), "nothing written to the embedded store"
    assert remote.ask(LAND) == assistant.ask(LAND)
    assert sorted(info.id for info in remote.store.documents()) == sorted(
        info.id for info in assistant.store.documents()
    )


def test_the_multi_worker_deployment_api_workers_and_the_chat_process(
    remote_settings: Settings, tmp_path: Path
) -> None:
    """As the README deploys it: `create_api` with two uvicorn workers on one port, the chat in a
    process of its own, one `chroma run`, one corpus folder. Every chat call succeeds (with two
    workers behind the chat's port, a message and its event stream can land on different
    processes), the follow-up included, and each side sees the other's writes."""
    corpus = tmp_path / "corpus"  # workers on one machine share the corpus folder (and uploads land there)
    shutil.copytree(CORPUS, corpus)
    env = {
        "RAG_CORPUS_DIR": str(corpus),
        "CHROMA_HOST": "127.0.0.1",
        "CHROMA_PORT": str(remote_settings.chroma_port),
        "RAG_DATA_DIR": str(tmp_path / "unused"),
        "RAG_API_KEYS": "k",
        "RAG_REFRESH_INTERVAL": str(REFRESH),
    }
    api_port, chat_port = free_port(), free_port()
    api = start_server(env, api_port, factory="app.main:create_api", workers=2)
    chat_process = start_server(env, chat_port)
    api_base, chat_base = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{chat_port}"
    try:
        wait_healthy(api_base, api)
        wait_healthy(chat_base, chat_process)
        with httpx.Client(base_url=api_base, timeout=30) as http:  # new connections: both workers answer
            answers = [
                http.post("/api/ask", json={"question": LAND}, headers={"Connection": "close"}) for _ in range(8)
            ]
        assert {response.status_code for response in answers} == {200}
        assert all(response.json() == answers[0].json() for response in answers)
        assert answers[0].json()["citations"][0]["page"] == 4
        assert httpx.get(f"{api_base}/").status_code == 404  # no chat on the API workers

        note = "# Note de Sète\n\nLa commune de Sète prépare un observatoire de la vacance des logements.\n"
        added = httpx.post(
            f"{api_base}/api/documents", files={"file": ("sete.md", note.encode())}, headers={"X-API-Key": "k"}
        )
        assert added.status_code == 201
        time.sleep(2 * REFRESH)  # processes look for another one's writes at most every REFRESH seconds
        chat = Client(f"{chat_base}/", verbose=False)
        try:
            replies = [chat.predict(LAND, [], [], api_name="/respond")[0] for _ in range(10)]
            sete, *_ = chat.predict("Que prépare la commune de Sète ?", [], [], api_name="/respond")
            follow_up, *_ = chat.predict("et pour le littoral ?", sete, [], api_name="/respond")
        finally:
            chat.close()  # its open event stream would hold the process's graceful shutdown
        assert all("observatoires du foncier" in message_text(messages[-1]) for messages in replies)
        assert "observatoire de la vacance" in message_text(sete[-1])
        assert len(follow_up) == len(sete) + 2 and message_text(follow_up[-2]) == "et pour le littoral ?"
        hits = httpx.get(f"{api_base}/api/search", params={"q": "vacance Sète"}).json()
        assert hits[0]["document"] == "sete"
    finally:
        for process in (api, chat_process):
            process.terminate()
            process.wait(timeout=20)


def api_env(tmp_path: Path, chroma_port: int, timeout: float) -> dict[str, str]:
    """An API over the corpus, its index on the Chroma server at `chroma_port`."""
    return {
        "CHROMA_HOST": "127.0.0.1",
        "CHROMA_PORT": str(chroma_port),
        "RAG_CHROMA_TIMEOUT": str(timeout),
        "RAG_DATA_DIR": str(tmp_path / "data"),
        "RAG_CORPUS_DIR": str(CORPUS),
        "RAG_REFRESH_INTERVAL": str(REFRESH),
    }


def answered_within(seconds: float, url: str, question: dict[str, str] | None = None) -> bool:
    """Whether `url` answers 200 within `seconds` (a question when given, else a GET)."""
    deadline = time.monotonic() + seconds
    while True:
        response = httpx.post(url, json=question, timeout=30) if question else httpx.get(url, timeout=30)
        if response.status_code == 200 or time.monotonic() > deadline:
            return response.status_code == 200
        time.sleep(0.2)


@pytest.mark.slow
def test_with_chroma_frozen_questions_fail_fast_instead_of_queueing(tmp_path: Path) -> None:
    """Large-index mode (Chroma runs the dense search) with the server frozen: the questions in
    flight wait RAG_CHROMA_TIMEOUT once, the breaker then answers the others 503 at once, instead
    of each waiting its own timeout behind the four answer threads (12 questions: three rounds)."""
    chroma_port, api_port = free_port(), free_port()
    chroma = run_chroma(tmp_path / "chroma", chroma_port)
    env = {**api_env(tmp_path, chroma_port, timeout=3), "RAG_DENSE_IN_MEMORY_MAX": "0"}
    api = start_server(env, api_port)
    base = f"http://127.0.0.1:{api_port}"
    try:
        wait_healthy(base, api)
        chroma.send_signal(signal.SIGSTOP)
        time.sleep(2 * REFRESH)

        def timed(number: int) -> tuple[int, float]:
            started = time.monotonic()
            question = {"question": f"Qui a réuni les acteurs des assises n° {number} ?"}  # not cached
            response = httpx.post(f"{base}/api/ask", json=question, timeout=60)
            return response.status_code, time.monotonic() - started

        with ThreadPoolExecutor(12) as pool:
            results = list(pool.map(timed, range(12)))
        assert {status for status, _ in results} == {503}
        # The first four wait one timeout together, the eight queued behind them are answered at
        # once: nobody waits a second timeout (without the breaker: 3, 6 then 9 s).
        assert max(elapsed for _, elapsed in results) < 3 * 1.7, results
    finally:
        chroma.send_signal(signal.SIGCONT)
        api.terminate()
        api.wait(timeout=20)
        chroma.terminate()
        chroma.wait(timeout=20)


@pytest.mark.slow
@pytest.mark.parametrize("in_memory", [True, False], ids=["vectors in memory", "dense search by Chroma"])
def test_chroma_down_or_frozen_is_a_503_then_service_resumes_without_restart(tmp_path: Path, in_memory: bool) -> None:
    """Health, documents and writes need Chroma: 503 while it is down. Questions too when Chroma
    runs the dense search; with the snapshot's vectors in memory they are answered from it."""
    chroma_port, api_port = free_port(), free_port()
    chroma = run_chroma(tmp_path / "chroma", chroma_port)
    env = {**api_env(tmp_path, chroma_port, timeout=2), "RAG_DENSE_IN_MEMORY_MAX": "20000" if in_memory else "0"}
    api = start_server(env, api_port)
    base = f"http://127.0.0.1:{api_port}"
    question = {"question": "Qui a réuni les acteurs des deuxièmes assises ?"}  # needs the dense search
    try:
        wait_healthy(base, api)
        before = httpx.post(f"{base}/api/ask", json=question, timeout=30)
        assert before.status_code == 200

        chroma.kill()
        chroma.wait(timeout=20)
        time.sleep(2 * REFRESH)  # past the check for other workers' writes
        for route in ("/api/health", "/api/documents"):
            down = httpx.get(f"{base}{route}", timeout=30)
            assert down.status_code == 503 and "index injoignable" in down.json()["detail"], route
        for _ in range(3):  # across the periodic check of the index server
            asked = httpx.post(f"{base}/api/ask", json=question, timeout=30)
            if in_memory:
                assert asked.status_code == 200 and asked.json() == before.json()
            else:
                assert asked.status_code == 503 and "index injoignable" in asked.json()["detail"]
            time.sleep(REFRESH)
        assert httpx.get(f"{base}/api/live", timeout=5).status_code == 200  # alive: no restart wanted

        chroma = run_chroma(tmp_path / "chroma", chroma_port)  # back, same data: no API restart
        assert answered_within(2 + 1, f"{base}/api/ask", question)  # the breaker's window (RAG_CHROMA_TIMEOUT) at most

        chroma.send_signal(signal.SIGSTOP)  # frozen: the client gives up after RAG_CHROMA_TIMEOUT
        try:
            time.sleep(2 * REFRESH)
            started = time.monotonic()
            frozen = httpx.get(f"{base}/api/health", timeout=30)
            assert frozen.status_code == 503 and time.monotonic() - started < 10
        finally:
            chroma.send_signal(signal.SIGCONT)
        assert answered_within(2 + 1, f"{base}/api/health")
    finally:
        api.terminate()
        api.wait(timeout=20)
        chroma.terminate()
        chroma.wait(timeout=20)


@pytest.mark.slow
def test_the_api_starts_with_chroma_down_says_503_and_serves_once_it_is_up(tmp_path: Path) -> None:
    """A deployment restarting before its index server: the API listens, answers 503 "index
    injoignable" as JSON, and once Chroma answers indexes the corpus and serves, without a restart."""
    chroma_port, api_port = free_port(), free_port()
    env = api_env(tmp_path, chroma_port, timeout=2)
    api = start_server(env, api_port)
    base = f"http://127.0.0.1:{api_port}"
    chroma = None
    try:
        deadline = time.monotonic() + 120
        while True:  # listening, though nothing answers on Chroma's port
            try:
                if httpx.get(f"{base}/api/live", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                assert api.poll() is None, "the API exited with Chroma down"
                assert time.monotonic() < deadline
                time.sleep(0.3)
        for response in (
            httpx.get(f"{base}/api/health", timeout=30),
            httpx.post(f"{base}/api/ask", json={"question": LAND}, timeout=30),
        ):
            assert response.status_code == 503 and "index injoignable" in response.json()["detail"]

        chroma = run_chroma(tmp_path / "chroma", chroma_port)
        wait_healthy(base, api)
        answer = httpx.post(f"{base}/api/ask", json={"question": LAND}, timeout=30).json()
        assert not answer["refused"] and "foncier" in answer["citations"][0]["text"]
    finally:
        api.terminate()
        api.wait(timeout=20)
        if chroma is not None:
            chroma.terminate()
            chroma.wait(timeout=20)
