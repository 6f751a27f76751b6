"""The chat through Gradio's own client, on the real server: answers and follow-ups."""

from __future__ import annotations

import html

import httpx
from gradio_client import Client

from app.ui_render import WRITTEN_NOTE
from rag.assistant import Assistant
from rag.settings import Settings
from tests.conftest import free_port, message_text, start_server, wait_healthy
from tests.fake_llm import INVENTED, QUESTION, SUPPORTED, Endpoint, serve


def test_a_follow_up_in_the_chat_is_read_with_the_previous_question(server: str) -> None:
    chat = Client(f"{server}/", verbose=False)
    try:
        first = "qui peut aider nos bailleurs pour les appels d'offres ?"
        messages, *_ = chat.predict(first, [], api_name="/respond")
        assert "appels d'offres" in message_text(messages[-1]).lower()
        follow_up = "et pour les entreprises du bâtiment elles-mêmes ?"
        messages, *_ = chat.predict(follow_up, messages, api_name="/respond")
    finally:
        chat.close()  # its open event stream would hold the server's graceful shutdown
    assert "Accompagner les entreprises de construction à se structurer" in message_text(messages[-1])


def test_the_chat_and_the_api_give_the_same_answers(server: str) -> None:
    """One doorway: the chat's message is the API's answer with the same sources."""
    questions = [
        "Combien de ménages attendent un logement social ?",
        "Des bureaux vides, on peut en faire du logement social ?",
        "Quelle est la capitale de l'Australie ?",
    ]
    chat = Client(f"{server}/", verbose=False)
    try:
        for question in questions:
            api = httpx.post(f"{server}/api/ask", json={"question": question}).json()
            messages, *_ = chat.predict(question, [], api_name="/respond")
            shown = message_text(messages[-1])
            assert api["answer"].split("\n")[0] in shown
            for citation in api["citations"][:3]:
                assert html.escape(citation["section"], quote=True).replace("&#x27;", "'") in shown.replace(
                    "&#x27;", "'"
                )
            chat.predict(api_name="/lambda_1")  # a new conversation: each question asked alone
    finally:
        chat.close()


def test_the_chat_in_written_mode_shows_a_checked_answer_or_the_extractive_one(
    corpus_settings: Settings, assistant: Assistant
) -> None:
    """With an LLM endpoint (tests/fake_llm.py): a supported written answer is shown and marked;
    one with an invented figure is replaced by the extractive answer."""
    for base in serve():
        port = free_port()
        env = {"RAG_DATA_DIR": str(corpus_settings.data_dir), "RAG_LLM_BASE_URL": base, "RAG_LLM_TIMEOUT": "5"}
        server = start_server(env, port)
        try:
            wait_healthy(f"http://127.0.0.1:{port}", server)
            chat = Client(f"http://127.0.0.1:{port}/", verbose=False)
            try:
                Endpoint.behaviour = "supported"
                written, *_ = chat.predict(QUESTION, [], api_name="/respond")
                Endpoint.behaviour = "invented"
                replaced, *_ = chat.predict(QUESTION, [], api_name="/respond")
            finally:
                chat.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
    assert SUPPORTED in message_text(written[-1]) and WRITTEN_NOTE in message_text(written[-1])
    shown = message_text(replaced[-1])
    assert INVENTED not in shown and WRITTEN_NOTE not in shown
    assert assistant.ask(QUESTION).answer.split("\n")[0] in shown
