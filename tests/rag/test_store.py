"""A document is visible whole or not at all: while it is written, after a failed write, after a
process dies half-way through one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from chromadb.api.client import SharedSystemClient
from langchain_core.embeddings import Embeddings

from ingest import Document, load_document
from rag import store as store_module
from rag.assistant import Assistant
from rag.errors import IndexUnreachable
from rag.indexer import open_store
from rag.library import DocumentLibrary
from rag.settings import Settings
from rag.store import ChunkStore


def plan(paragraphs: int, version: str) -> Document:
    text = "# Plan de Nîmes\n\n" + "\n\n".join(
        f"## Quartier {number}\n\nAction {number} ({version}) : réhabiliter les logements du centre ancien. "
        + "Les façades, les toitures et les réseaux sont repris, les logements vacants remis en location. " * 6
        for number in range(paragraphs)
    )
    return load_document(Path("nimes.md"), text.encode())


class Watching(Embeddings):
    """The real model, and a look at what readers see before each batch is embedded; fails at
    batch `fail_at` when set (the index server going away mid-write)."""

    def __init__(self, model: Embeddings, store: ChunkStore, fail_at: int | None = None) -> None:
        self.model, self.store, self.fail_at = model, store, fail_at
        self.seen: list[tuple[list[tuple[str, int]], int]] = []  # (documents listed, chunks readable)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.seen.append(
            ([(info.id, info.chunks) for info in self.store.documents()], len(self.store.all_chunks("nimes")))
        )
        if self.fail_at is not None and len(self.seen) > self.fail_at:
            raise ConnectionError("index server gone")
        return self.model.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.model.embed_query(text)


@pytest.fixture
def store(isolated_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> ChunkStore:
    monkeypatch.setattr(store_module, "ADD_BATCH", 10)  # several batches from a small document
    return open_store(Settings(data_dir=isolated_data_dir))


def test_a_new_document_is_invisible_until_written_whole(store: ChunkStore) -> None:
    watching = Watching(store.embeddings, store)
    store.embeddings = watching
    document = plan(35, "v1")
    store.sync_document(document)
    assert len(watching.seen) == -(-len(document.chunks) // 10) > 3
    assert all(seen == ([], 0) for seen in watching.seen)  # 10, 20, 30… chunks written: none shown
    assert [(info.id, info.chunks) for info in store.documents()] == [("nimes", len(document.chunks))]
    assert len(store.all_chunks("nimes")) == len(document.chunks)


def test_a_replaced_document_is_the_old_version_whole_then_the_new_one(store: ChunkStore) -> None:
    old, new = plan(12, "v1"), plan(35, "v2")
    store.sync_document(old)
    watching = Watching(store.embeddings, store)
    store.embeddings = watching
    store.sync_document(new)
    assert all(seen == ([("nimes", len(old.chunks))], len(old.chunks)) for seen in watching.seen)
    assert {chunk.text for chunk in store.all_chunks()} == {chunk.text for chunk in new.chunks}


def test_a_failed_write_leaves_the_previous_version_and_its_leftovers_are_pruned(store: ChunkStore) -> None:
    old = plan(12, "v1")
    store.sync_document(old)
    store.embeddings = Watching(store.embeddings, store, fail_at=2)
    with pytest.raises(IndexUnreachable):
        store.sync_document(plan(35, "v2"))  # 20 chunks of v2 written, never published
    assert [(info.id, info.chunks) for info in store.documents()] == [("nimes", len(old.chunks))]
    assert {chunk.text for chunk in store.all_chunks()} == {chunk.text for chunk in old.chunks}
    assert store.prune() == 0  # too recent: it could be another process's write in progress
    assert store.prune(grace=0) == 20
    assert store.count() == len(old.chunks)


def test_an_index_written_before_the_register_is_published_by_the_next_sync(store: ChunkStore) -> None:
    """Indexes built by earlier versions have chunks and no register: start-up's sync lists them."""
    document = plan(12, "v1")
    store.sync_document(document)
    store._register.delete(ids=["nimes"])
    assert store.documents() == [] and store.all_chunks() == []
    report = store.sync_document(document)
    assert report.added == 0 and [info.id for info in store.documents()] == ["nimes"]
    assert len(store.all_chunks()) == len(document.chunks)


def test_an_empty_store_gives_an_empty_snapshot(store: ChunkStore, isolated_data_dir: Path) -> None:
    """A server starting on an empty index (before the corpus is indexed) must start."""
    assert store.vectors([]).shape == (0, 0)
    assistant = Assistant(Settings(data_dir=isolated_data_dir), store)
    assert assistant.index.chunks == {} and assistant.index.dense_search([0.0] * 384, 5) == []


def test_a_deleted_data_folder_is_unhealthy_but_questions_are_still_answered(
    store: ChunkStore, isolated_data_dir: Path
) -> None:
    """Chroma keeps answering from a database file deleted under it: health must say the index is
    gone (a restart rebuilds it), while questions are answered from the snapshot in memory."""
    store.sync_document(plan(3, "v1"))
    assistant = Assistant(Settings(data_dir=isolated_data_dir, refresh_interval=0), store)
    assert assistant.health() == (1, assistant.health()[1])
    shutil.rmtree(isolated_data_dir)
    with pytest.raises(IndexUnreachable, match="supprimé"):
        assistant.health()
    reply = assistant.ask("Que prévoit le plan pour les logements vacants du centre ancien ?")
    assert not reply.refused and reply.citations


def test_a_corrupt_local_index_is_moved_aside_and_rebuilt_from_the_documents(isolated_data_dir: Path) -> None:
    """SQLite calls the database file corrupt: the index is set aside (kept for a post-mortem) and
    rebuilt from the document folder, instead of a server that cannot start."""
    folder = isolated_data_dir.parent / "documents"
    folder.mkdir()
    (folder / "nimes.md").write_text("# Plan de Nîmes\n\nRéhabiliter les logements vacants du centre ancien.\n")
    settings = Settings(data_dir=isolated_data_dir, corpus_dir=folder)
    DocumentLibrary(Assistant.from_settings(settings), folder, settings.max_upload_bytes).reconcile()
    SharedSystemClient.clear_system_cache()
    with (settings.chroma_dir / "chroma.sqlite3").open("r+b") as database:
        database.write(b"not a database" * 100)

    assistant = Assistant.from_settings(settings)  # starts, on a new empty index
    DocumentLibrary(assistant, folder, settings.max_upload_bytes).reconcile()
    assert [info.id for info in assistant.store.documents()] == ["nimes"]
    assert len(list(isolated_data_dir.glob("chroma.corrupt-*"))) == 1
