"""A small OpenAI-compatible HTTP server on loopback that answers what each test needs: a
supported answer, an invented figure, a 500, text that is not JSON, nothing in time. For the
written mode's fault tests; the real llama.cpp server is in tests/app/test_llm_server.py."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.conftest import free_port

QUESTION = "Combien de ménages attendent un logement social ?"
SUPPORTED = "Fin 2021, 107 500 ménages attendaient un logement social, 6 % de plus qu'en 2020 [1]."
INVENTED = "Fin 2021, 250 000 ménages attendaient un logement social [1]."


class Endpoint:
    """What the fake endpoint does next: "supported", "invented", "500", "not-json" or "slow"."""

    behaviour = "supported"
    rewrite = "Combien de ménages attendaient un logement social en 2020 ?"
    calls = 0


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        Endpoint.calls += 1
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        behaviour = Endpoint.behaviour
        if "reformules" in request["messages"][0]["content"]:  # the follow-up rewrite prompt
            self._send(200, "application/json", json.dumps(_completion(Endpoint.rewrite)).encode())
            return
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


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """The "slow" endpoint writes to a client that already gave up (its timeout): expected."""


def serve() -> Iterator[str]:
    """The endpoint's base URL while the context lasts."""
    server = QuietServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
