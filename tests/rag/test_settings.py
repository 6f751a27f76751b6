"""Settings whose defaults depend on other settings."""

from __future__ import annotations

from rag.settings import Settings


def test_answer_threads_fit_the_work_unless_set() -> None:
    assert (
        Settings(llm_base_url=None, answer_threads=None).answer_thread_count == 4
    )  # extractive answers: CPU-bound, a few threads
    assert (
        Settings(llm_base_url="http://127.0.0.1:8080/v1", answer_threads=None).answer_thread_count == 40
    )  # waits on the network
    assert Settings(answer_threads=2, llm_base_url="http://127.0.0.1:8080/v1").answer_thread_count == 2
