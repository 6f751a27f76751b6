"""The one way into the assistant, for `POST /api/ask`, `POST /api/ask/stream` and the chat.

Both doorways send an `AskRequest` (the same validation and limits), run the answer in one of
the `RAG_ANSWER_THREADS` threads kept for answers, and write the same log line; the mode (cited
or written by the configured LLM) is the assistant's decision, not the caller's.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
from starlette.datastructures import State

from app.feedback import FeedbackStore
from app.schemas import AskRequest, FeedbackIn
from rag.assistant import Answer, Assistant, Replace, Turn
from rag.retriever import Filters

T = TypeVar("T")
logger = logging.getLogger("plan_logement.answers")


@dataclass(frozen=True)
class Streamed:
    """An answer to stream: its extractive form (citations, refusal), the pieces of text to show
    as they come, and whether those are an LLM's tokens (which a `Replace` may supersede)."""

    answer: Answer
    pieces: Iterator[str | Replace]
    written: bool


async def ask(state: State, request: AskRequest, channel: str, request_id: str = "") -> Answer:
    assistant: Assistant = state.assistant
    started = time.perf_counter()
    reply = await _answering(state, assistant.ask, request.question, *_context(request))
    _log(state, channel, request_id, request.question, reply, reply.mode, started)
    return reply


async def ask_stream(state: State, request: AskRequest, channel: str, request_id: str = "") -> Streamed:
    assistant: Assistant = state.assistant
    started = time.perf_counter()
    reply, pieces = await _answering(state, assistant.ask_stream, request.question, *_context(request))
    written = assistant.writes(reply)
    _log(state, channel, request_id, request.question, reply, "llm" if written else "extractive", started)
    return Streamed(reply, pieces, written)


async def _answering(state: State, answer: Callable[..., T], *args: Any) -> T:
    """Run `answer` off the event loop in one of the threads kept for answers (more threads than
    the cores can run only cost memory: see the setting)."""
    return await anyio.to_thread.run_sync(functools.partial(answer, *args), limiter=state.answer_threads)


def _context(request: AskRequest) -> tuple[list[Turn], Filters | None]:
    history = [Turn(turn.role, turn.content) for turn in request.history]
    return history, Filters(document=request.filters.document, part=request.filters.axis) if request.filters else None


def _log(state: State, channel: str, request_id: str, question: str, reply: Answer, mode: str, started: float) -> None:
    """One JSON line per answer, whichever doorway asked: refusals and their reason are counted
    in the log, not shown to the official. An official's question may name people or places: the
    log keeps its hash (to count repeats) and length, and its text only with `RAG_LOG_QUESTIONS`;
    the refusal reason is the fixed phrase, without the question's words it is about."""
    line: dict[str, object] = {
        "event": "answer",
        "channel": channel,
        "request_id": request_id,
        "question_sha256": hashlib.sha256(question.encode()).hexdigest()[:16],
        "question_chars": len(question),
        "refused": reply.refused,
        "refusal_reason": reply.refusal_reason,
        "mode": mode,
        "citations": len(reply.citations),
        "ms": round((time.perf_counter() - started) * 1000, 2),
    }
    if state.settings.log_questions:
        line["question"] = question
    logger.info(json.dumps(line, ensure_ascii=False))


def give_feedback(store: FeedbackStore, verdict: FeedbackIn) -> int:
    """Store a validated 👍/👎 with the answer it rates (`POST /api/feedback` and the chat)."""
    citations = [citation.model_dump() for citation in verdict.citations]
    return store.add(verdict.rating, verdict.question, verdict.answer, verdict.refused, citations, verdict.comment)
