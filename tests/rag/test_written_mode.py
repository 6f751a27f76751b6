"""The written mode against endpoints that misbehave: a small OpenAI-compatible HTTP server on
loopback that answers what each test needs (a supported answer, an invented figure, a 500, text
that is not JSON, nothing in time). Whatever it does, the question gets an answer, extractive when
the written one cannot be trusted. The real llama.cpp server is in tests/app/test_llm_server.py."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rag.assistant import Assistant, Replace
from rag.settings import Settings
from tests.conftest import free_port

QUESTION = "Combien de ménages attendent un logement social ?"
SUPPORTED = "Fin 2021, 107 500 ménages attendaient un logement social, 6 % de plus qu'en 2020 [1]."
INVENTED = "Fin 2021, 250 000 ménages attendaient un logement social [1]."


class Endpoint:
    """What the fake endpoint does next: "supported", "invented", "500", "not-json" or "slow"."""

    behaviour = "supported"
    calls = 0


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        Endpoint.calls += 1
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        behaviour = Endpoint.behaviour
        if behaviour == "slow":
            time.sleep(3)
        if behaviour == "500":
            self._send(500, "application/json", b'{"error": {"message": "boom"}}')
        elif behaviour == "not-json":
            self._send(200, "application/json", b"<html>proxy error</html>")
        elif request.get("stream"):
            text = SUPPORTED if behaviour == "supported" else INVENTED
            chunks = [text[i : i + 12] for i in range(0, len(text), 12)]
            body = "".join(f"data: {json.dumps(_chunk(piece))}\n\n" for piece in chunks) + "data: [DONE]\n\n"
            self._send(200, "text/event-stream", body.encode())
        else:
            text = SUPPORTED if behaviour in ("supported", "slow") else INVENTED
            self._send(200, "application/json", json.dumps(_completion(text)).encode())

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _completion(text: str) -> dict[str, object]:
    message = {"role": "assistant", "content": text}
    return {
        "id": "c",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
    }


def _chunk(text: str) -> dict[str, object]:
    return {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}],
    }


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


@pytest.fixture(scope="module")
def written(corpus_settings: Settings, endpoint: str) -> Assistant:
    settings = corpus_settings.model_copy(update={"llm_base_url": endpoint, "llm_timeout": 1.0})
    return Assistant.from_settings(settings)


def test_a_supported_written_answer_is_given_with_the_same_sources(written: Assistant, assistant: Assistant) -> None:
    Endpoint.behaviour = "supported"
    answer = written.ask(QUESTION)
    assert (answer.mode, answer.answer) == ("llm", SUPPORTED)
    assert answer.citations == assistant.ask(QUESTION).citations


@pytest.mark.parametrize(
    ("behaviour", "outcome"), [("invented", "rejected"), ("500", "failed"), ("not-json", "failed"), ("slow", "failed")]
)
def test_an_untrustworthy_or_failing_endpoint_gives_the_extractive_answer(
    written: Assistant, assistant: Assistant, behaviour: str, outcome: str
) -> None:
    Endpoint.behaviour = behaviour
    before = written.llm_outcomes[outcome]
    started = time.monotonic()
    answer = written.ask(QUESTION)
    assert time.monotonic() - started < 2.5  # the timeout (1 s), not the endpoint's 3 s
    assert answer == assistant.ask(QUESTION)  # mode "extractive", the same text and sources
    assert written.llm_outcomes[outcome] == before + 1


def test_an_endpoint_that_is_down_gives_the_extractive_answer(corpus_settings: Settings, assistant: Assistant) -> None:
    settings = corpus_settings.model_copy(update={"llm_base_url": f"http://127.0.0.1:{free_port()}/v1"})
    down = Assistant.from_settings(settings)
    assert down.ask(QUESTION) == assistant.ask(QUESTION)
    assert down.llm_outcomes["failed"] == 1


def test_a_refusal_never_reaches_the_model(written: Assistant) -> None:
    calls = Endpoint.calls
    answer = written.ask("Quel temps fera-t-il à Toulouse demain ?")
    assert answer.refused and answer.mode == "extractive" and Endpoint.calls == calls


def test_streaming_sends_the_tokens_then_replaces_an_answer_that_fails(
    written: Assistant, assistant: Assistant
) -> None:
    Endpoint.behaviour = "supported"
    _, pieces = written.ask_stream(QUESTION)
    streamed = list(pieces)
    assert "".join(piece for piece in streamed if isinstance(piece, str)) == SUPPORTED and len(streamed) > 3
    assert not [piece for piece in streamed if isinstance(piece, Replace)]

    Endpoint.behaviour = "invented"
    _, pieces = written.ask_stream(QUESTION)
    *tokens, last = list(pieces)
    assert "".join(str(token) for token in tokens) == INVENTED  # shown as it came…
    assert last == Replace(assistant.ask(QUESTION).answer)  # …then replaced by the extractive answer
