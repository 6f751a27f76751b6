"""The written mode against endpoints that misbehave (tests/fake_llm.py): whatever they do, the
question gets an answer, extractive when the written one cannot be trusted."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from rag.assistant import Assistant, Replace, Turn
from rag.settings import Settings
from tests.conftest import free_port
from tests.fake_llm import INVENTED, QUESTION, SUPPORTED, Endpoint, serve


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    yield from serve()


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


def test_a_follow_up_is_rewritten_standalone_when_the_rewrite_keeps_its_words(
    written: Assistant, assistant: Assistant
) -> None:
    Endpoint.behaviour = "invented"  # the written answers fail: the extractive ones show what was searched
    history = [Turn("user", QUESTION), Turn("assistant", "…")]
    Endpoint.rewrite = "Combien de ménages attendaient un logement social en 2020 ?"
    assert written.ask("et en 2020 ?", history).citations == assistant.ask(Endpoint.rewrite).citations
    Endpoint.rewrite = "Quel est le budget du plan ?"  # "2020" dropped: the rewrite is not used
    assert written.ask("et en 2020 ?", history) == assistant.ask("et en 2020 ?", history)
