"""The same store and API against a real `chroma run` server (CHROMA_HOST), as N workers would share it."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
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


def test_two_api_workers_share_one_index(remote_settings: Settings, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"  # workers on one machine share the corpus folder (and uploads land there)
    shutil.copytree(CORPUS, corpus)
    env = {
        "RAG_CORPUS_DIR": str(corpus),
        "CHROMA_HOST": "127.0.0.1",
        "CHROMA_PORT": str(remote_settings.chroma_port),
        "RAG_DATA_DIR": str(tmp_path / "unused"),
        "RAG_API_KEYS": "k",
    }
    ports = [free_port(), free_port()]
    workers = [start_server(env, port) for port in ports]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        for base, process in zip(bases, workers, strict=True):
            wait_healthy(base, process)
        first = httpx.post(f"{bases[0]}/api/ask", json={"question": LAND}).json()
        assert first == httpx.post(f"{bases[1]}/api/ask", json={"question": LAND}).json()
        assert first["citations"][0]["page"] == 4
        note = "# Note de Sète\n\nLa commune de Sète prépare un observatoire de la vacance des logements.\n"
        added = httpx.post(
            f"{bases[0]}/api/documents", files={"file": ("sete.md", note.encode())}, headers={"X-API-Key": "k"}
        )
        assert added.status_code == 201
        time.sleep(1.2)  # workers look for another worker's writes at most once a second
        hits = httpx.get(f"{bases[1]}/api/search", params={"q": "vacance Sète"}).json()
        assert hits[0]["document"] == "sete"
        chat = Client(f"{bases[1]}/", verbose=False)  # the other worker's chat sees the upload too
        try:
            messages, *_ = chat.predict("Que prépare la commune de Sète ?", [], [], api_name="/respond")
        finally:
            chat.close()  # its open event stream would hold the worker's graceful shutdown
        assert "observatoire de la vacance" in message_text(messages[-1])
    finally:
        for process in workers:
            process.terminate()
            process.wait(timeout=20)


@pytest.mark.slow
def test_chroma_down_or_frozen_is_a_503_then_service_resumes_without_restart(tmp_path: Path) -> None:
    chroma_port, api_port = free_port(), free_port()
    chroma = run_chroma(tmp_path / "chroma", chroma_port)
    env = {
        "CHROMA_HOST": "127.0.0.1",
        "CHROMA_PORT": str(chroma_port),
        "RAG_CHROMA_TIMEOUT": "2",
        "RAG_DATA_DIR": str(tmp_path / "data"),
        "RAG_CORPUS_DIR": str(CORPUS),
    }
    api = start_server(env, api_port)
    base = f"http://127.0.0.1:{api_port}"
    question = {"question": "Qui a réuni les acteurs des deuxièmes assises ?"}  # needs the dense search
    try:
        wait_healthy(base, api)
        assert httpx.post(f"{base}/api/ask", json=question, timeout=30).status_code == 200

        chroma.kill()
        chroma.wait(timeout=20)
        time.sleep(1.1)  # past the once-a-second check for other workers' writes
        for route in ("/api/health", "/api/documents"):
            down = httpx.get(f"{base}{route}", timeout=30)
            assert down.status_code == 503 and "index injoignable" in down.json()["detail"], route
        asked = httpx.post(f"{base}/api/ask", json=question, timeout=30)
        assert asked.status_code == 503 and "index injoignable" in asked.json()["detail"]

        chroma = run_chroma(tmp_path / "chroma", chroma_port)  # back, same data: no API restart
        assert httpx.post(f"{base}/api/ask", json=question, timeout=30).status_code == 200

        chroma.send_signal(signal.SIGSTOP)  # frozen: the client gives up after RAG_CHROMA_TIMEOUT
        try:
            time.sleep(1.1)
            started = time.monotonic()
            frozen = httpx.get(f"{base}/api/health", timeout=30)
            assert frozen.status_code == 503 and time.monotonic() - started < 10
        finally:
            chroma.send_signal(signal.SIGCONT)
        assert httpx.get(f"{base}/api/health", timeout=30).status_code == 200
    finally:
        api.terminate()
        api.wait(timeout=20)
        chroma.terminate()
        chroma.wait(timeout=20)
