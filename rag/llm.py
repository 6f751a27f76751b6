"""The optional written mode: an OpenAI-compatible LLM rewrites the answer from the cited passages.

Off unless `RAG_LLM_BASE_URL` is set (the State's Albert API, vLLM, Ollama, llama.cpp…); then
`langchain-openai` is imported, not before. The model only ever sees what retrieval found, numbered,
and the prompt (`data/llm_prompt.txt`); `rag.verifier` checks what it writes before anyone reads
it, and the assistant falls back to the extractive answer on any failure.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from importlib import resources

from langchain_core.runnables import Runnable

from rag.analyzer import analyze
from rag.settings import Settings

PROMPT_FILE = "llm_prompt.txt"
REWRITE_FILE = "llm_rewrite.txt"
REWRITE_MAX_CHARS = 400  # a standalone question, not an essay


def prompt_parts(name: str = PROMPT_FILE) -> tuple[str, str]:
    """(system message, user message template) from a prompt file, its comment lines dropped."""
    text = resources.files("rag.data").joinpath(name).read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    system, _, user = body.partition("\n---\n")
    return system.strip(), user.strip()


def numbered(passages: Sequence[str]) -> str:
    return "\n\n".join(f"[{number}] {passage}" for number, passage in enumerate(passages, start=1))


class Writer:
    """Two LangChain chains on the configured chat model: prompt | ChatOpenAI | text, one writing
    an answer from numbered passages, one making a follow-up standalone."""

    def __init__(self, settings: Settings) -> None:
        from langchain_core.output_parsers import StrOutputParser
        from langchain_core.prompts import ChatPromptTemplate
        from langchain_openai import ChatOpenAI
        from pydantic import SecretStr

        model = ChatOpenAI(
            base_url=settings.llm_base_url,
            model=settings.llm_model,
            api_key=SecretStr(settings.llm_api_key or "sans-cle"),  # local servers want none, the client one
            timeout=settings.llm_timeout,
            max_retries=0,  # the extractive answer is the retry
            temperature=0,
            max_tokens=settings.llm_max_tokens,
        )

        def chain(prompt_file: str) -> Runnable[dict[str, str], str]:
            system, user = prompt_parts(prompt_file)
            return ChatPromptTemplate.from_messages([("system", system), ("human", user)]) | model | StrOutputParser()

        self.answering = chain(PROMPT_FILE)
        self.rewriting = chain(REWRITE_FILE)

    def write(self, question: str, passages: Sequence[str]) -> str:
        return self.answering.invoke({"question": question, "passages": numbered(passages)})

    def stream(self, question: str, passages: Sequence[str]) -> Iterator[str]:
        """The answer as the model writes it, piece by piece."""
        yield from self.answering.stream({"question": question, "passages": numbered(passages)})

    def standalone(self, question: str, previous: str) -> str | None:
        """A follow-up ("et à Montpellier ?") rewritten as a question of its own, or None when the
        rewrite drops one of the follow-up's own words (then the extractive reading is used)."""
        rewrite = self.rewriting.invoke({"question": question, "previous": previous})
        rewrite = rewrite.strip().strip("«»\"' \n")[:REWRITE_MAX_CHARS]
        kept = set(analyze(rewrite))
        return rewrite if rewrite and all(term in kept for term in analyze(question)) else None
