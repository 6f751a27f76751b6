"""The chat through Gradio's own client, on the real server: answers and follow-ups."""

from __future__ import annotations

from gradio_client import Client

from tests.conftest import message_text


def test_a_follow_up_in_the_chat_is_read_with_the_previous_question(server: str) -> None:
    chat = Client(f"{server}/", verbose=False)
    try:
        first = "qui peut aider nos bailleurs pour les appels d'offres ?"
        messages, *_ = chat.predict(first, [], [], api_name="/respond")
        assert "appels d'offres" in message_text(messages[-1]).lower()
        follow_up = "et pour les entreprises du bâtiment elles-mêmes ?"
        messages, *_ = chat.predict(follow_up, messages, [], api_name="/respond")
    finally:
        chat.close()  # its open event stream would hold the server's graceful shutdown
    assert "Accompagner les entreprises de construction à se structurer" in message_text(messages[-1])
