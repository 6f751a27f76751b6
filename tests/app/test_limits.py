"""What an anonymous client can cost, on a real server: body sizes, rates, uploads, headers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from starlette.types import Scope

from app.limits import WRONG_KEYS_BURST, client_address, key_accepted
from tests.conftest import CORPUS, STAFF_KEY, free_port, start_server, wait_healthy


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A server with a small rate limit (5 a minute, bursts of 5); its base URL and process id."""
    root = tmp_path_factory.mktemp("limited")
    env = {
        "RAG_DATA_DIR": str(root / "data"),
        "RAG_CORPUS_DIR": str(CORPUS),
        "RAG_API_KEYS": "cle-de-test",
        "RAG_RATE_LIMIT_PER_MINUTE": "5",
        "RAG_RATE_LIMIT_BURST": "5",
    }
    port = free_port()
    process = start_server(env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, process)
        yield base, process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_an_oversized_body_is_refused_before_it_is_read(limited: tuple[str, int]) -> None:
    base, pid = limited
    before = psutil.Process(pid).memory_info().rss

    def chunks() -> Iterator[bytes]:  # 200 MiB streamed without Content-Length
        yield b'{"question": "'
        for _ in range(200):
            yield b"x" * (1024 * 1024)
        yield b'"}'

    try:
        response = httpx.post(f"{base}/api/ask", content=chunks(), headers={"content-type": "application/json"})
        status, detail = response.status_code, response.json()["detail"]
    except httpx.HTTPError:  # the server may close the connection after answering 413
        status, detail = 413, "volumineux"
    assert status == 413 and "volumineux" in detail
    declared = httpx.post(
        f"{base}/api/feedback", content=b"x" * 1_000_000, headers={"content-type": "application/json"}
    )
    assert declared.status_code == 413
    assert psutil.Process(pid).memory_info().rss - before < 50 * 1024 * 1024


def test_gradio_upload_route_takes_no_file(limited: tuple[str, int]) -> None:
    base, _ = limited
    files = {"files": ("page.html", b"<html>" + b"x" * 100_000 + b"</html>", "text/html")}
    response = httpx.post(f"{base}/gradio_api/upload", files=files)
    assert response.status_code == 413


def test_the_client_address_believes_forwarded_for_only_from_trusted_proxies() -> None:
    def scope(peer: str, forwarded: str) -> Scope:
        return {"client": (peer, 1234), "headers": [(b"x-forwarded-for", forwarded.encode())]}

    proxies = frozenset({"10.0.0.1"})
    assert client_address(scope("203.0.113.9", "1.2.3.4"), proxies) == "203.0.113.9"
    assert client_address(scope("10.0.0.1", "1.2.3.4, 198.51.100.7"), proxies) == "198.51.100.7"
    assert client_address(scope("10.0.0.1", "198.51.100.7, 10.0.0.1"), proxies) == "198.51.100.7"
    assert client_address(scope("10.0.0.1", ""), proxies) == "10.0.0.1"
    assert key_accepted("cle", frozenset({"autre", "cle"})) and not key_accepted("cl", frozenset({"cle"}))
    assert not key_accepted(None, frozenset({"cle"}))


def test_anonymous_bursts_get_429_with_retry_after_while_keyed_calls_pass(limited: tuple[str, int]) -> None:
    base, _ = limited
    feedback = {"rating": "up", "question": "q", "answer": "a", "refused": False, "citations": []}
    statuses = [httpx.post(f"{base}/api/feedback", json=feedback).status_code for _ in range(8)]
    assert statuses[0] == 201 and 429 in statuses  # earlier tests of this server used some of the burst
    refused = httpx.post(f"{base}/api/ask", json={"question": "Combien de ménages attendent ?"})
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    assert "trop de requêtes" in refused.json()["detail"]
    keyed = httpx.post(f"{base}/api/ask", json={"question": "Combien de ménages attendent ?"}, headers=STAFF_KEY)
    assert keyed.status_code == 200


def test_wrong_api_keys_are_slowed_down_while_the_right_one_passes(limited: tuple[str, int]) -> None:
    """Guessing keys: after a few wrong ones a client gets 429 whatever it tries next, even on a
    route without a question limit; the staff's key is never counted."""
    base, _ = limited
    wrong = [
        httpx.delete(f"{base}/api/documents/inconnu", headers={"X-API-Key": f"essai-{n}"}).status_code
        for n in range(WRONG_KEYS_BURST + 3)
    ]
    assert wrong[:WRONG_KEYS_BURST] == [401] * WRONG_KEYS_BURST and set(wrong[WRONG_KEYS_BURST:]) == {429}
    refused = httpx.delete(f"{base}/api/documents/inconnu", headers={"X-API-Key": "essai-encore"})
    assert "clés API refusées" in refused.json()["detail"] and int(refused.headers["retry-after"]) >= 1
    assert httpx.delete(f"{base}/api/documents/inconnu", headers=STAFF_KEY).status_code == 404


def test_a_forwarded_for_header_does_not_make_a_new_client(limited: tuple[str, int]) -> None:
    """No proxy is trusted by default: rotating X-Forwarded-For from one address is still one client,
    and the 429s are logged and counted like any response."""
    base, _ = limited
    feedback = {"rating": "up", "question": "q", "answer": "a", "refused": False, "citations": []}
    statuses = [
        httpx.post(f"{base}/api/feedback", json=feedback, headers={"X-Forwarded-For": f"10.0.{n // 250}.{n % 250}"})
        for n in range(12)
    ]
    assert 429 in {response.status_code for response in statuses}
    assert 'status="429"' in httpx.get(f"{base}/metrics").text


@pytest.mark.parametrize(
    "path", ["/", "/api/health", "/documents/ush-occitanie_plan-action-production-logements-sociaux.pdf"]
)
def test_security_headers_on_every_kind_of_response(limited: tuple[str, int], path: str) -> None:
    base, _ = limited
    response = httpx.get(f"{base}{path}")
    assert response.status_code == 200
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["referrer-policy"] == "same-origin"


def test_staff_upload_still_takes_documents_up_to_its_own_limit(limited: tuple[str, int], tmp_path: Path) -> None:
    base, _ = limited
    note = "# Note\n\n" + "La commune de Sète prépare un observatoire de la vacance des logements. " * 4000
    assert len(note.encode()) > 256_000  # above the limit of other requests
    response = httpx.post(f"{base}/api/documents", files={"file": ("longue.md", note.encode())}, headers=STAFF_KEY)
    assert response.status_code == 201
    assert httpx.delete(f"{base}/api/documents/longue", headers=STAFF_KEY).status_code == 204
