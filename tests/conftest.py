"""Shared fixtures: the real corpus indexed once with the real model, and a real uvicorn server.

Every test also gets its own empty data directory (RAG_DATA_DIR), so nothing touches the
user's index.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from rag.assistant import Assistant
from rag.indexer import index_folder, open_store
from rag.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
DATA = Path(__file__).parent / "data"
PLAN_PDF = CORPUS / "ush-occitanie_plan-action-production-logements-sociaux.pdf"
PRESS_PDF = CORPUS / "2024-12-20_prefet-occitanie_communique-assises-logement.pdf"


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("RAG_DATA_DIR", str(data_dir))
    get_settings.cache_clear()
    return data_dir


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of an index holding the real corpus, built once for the session."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("corpus-index"), corpus_dir=CORPUS)
    index_folder(CORPUS, open_store(settings))
    return settings


@pytest.fixture(scope="session")
def assistant(corpus_settings: Settings) -> Assistant:
    return Assistant.from_settings(corpus_settings)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(
    env: dict[str, str], port: int, factory: str = "app.main:create_app", workers: int = 1
) -> subprocess.Popen[bytes]:
    """uvicorn serving an app factory on loopback, as `make run` does; its log goes to a file
    (a pipe nobody reads would block the server once full). Tests drive thousands of questions
    from one address: no rate limit unless `env` sets one."""
    env = {"RAG_RATE_LIMIT_PER_MINUTE": "0", **env}
    command = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1", "--workers", str(workers)]
    command.append("--no-proxy-headers")  # as `make run`: the app decides whom to believe (RAG_TRUSTED_PROXIES)
    log = tempfile.NamedTemporaryFile(prefix=f"server-{port}-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [*command, "--port", str(port), "--no-access-log"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    process.log_path = log.name  # type: ignore[attr-defined]
    return process


def wait_healthy(base_url: str, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {Path(process.log_path).read_text()[-3000:]}")  # type: ignore[attr-defined]
        try:
            if httpx.get(f"{base_url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{base_url} not healthy after {timeout}s")


@pytest.fixture(scope="session")
def server(corpus_settings: Settings) -> Iterator[str]:
    """Base URL of a real uvicorn server over the corpus index."""
    port = free_port()
    process = start_server({"RAG_DATA_DIR": str(corpus_settings.data_dir)}, port)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base_url, process)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=20)


STAFF_KEY = {"X-API-Key": "cle-de-test"}
# Questions the load tests ask over and over, each with a phrase its first citation must hold.
LOAD_EXPECTED = {
    "Quel levier du plan concerne l'accès au foncier ?": "observatoires du foncier",
    "De combien le parc locatif a-t-il crû entre 2016 et 2021 ?": "13,3%",
    "Combien de ménages attendent un logement social ?": "107 500 ménages",
    "Quel est le taux d'équipement en logement social de la région ?": "11,5 %",
}


@pytest.fixture(scope="session")
def staff(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A server over its own copy of the corpus, with an API key, started on an empty index."""
    root = tmp_path_factory.mktemp("staff")
    corpus = root / "corpus"
    shutil.copytree(CORPUS, corpus)
    port = free_port()
    env = {"RAG_DATA_DIR": str(root / "data"), "RAG_CORPUS_DIR": str(corpus), "RAG_API_KEYS": "cle-de-test,autre"}
    env["RAG_MAX_UPLOAD_BYTES"] = "300000"
    process = start_server(env, port)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base_url, process)
        yield base_url, corpus
    finally:
        process.terminate()
        process.wait(timeout=20)


def long_pdf(pages: int) -> bytes:
    """An ordinary report of `pages` pages: each cheap alone, together minutes of reading."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    for page in range(pages):
        pdf.setFont("Helvetica-Bold", 14)
        pdf.drawString(60, 800, f"Chapitre {page + 1} - Logements du quartier {page}")
        pdf.setFont("Helvetica", 10)
        for line in range(60):
            pdf.drawString(
                60, 780 - 12 * line, f"Ligne {line} : la commune réhabilite {line} logements vacants en {page}."
            )
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def message_text(message: dict[str, Any]) -> str:
    """The text of a chat message as `gradio_client` returns it (a string, or a list of parts)."""
    content = message["content"]
    parts = content if isinstance(content, list) else [content]
    return " ".join(part["text"] if isinstance(part, dict) else str(part) for part in parts)
