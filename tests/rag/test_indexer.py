"""Indexing is an idempotent sync: unchanged documents cost nothing, changed ones are replaced,
removed ones disappear, and an unreadable file leaves the index as it was."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import rag.indexer
from ingest import Document, DocumentRejected
from rag.indexer import index_folder, main, open_store
from rag.settings import Settings
from tests.conftest import DATA


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    shutil.copy(DATA / "2024-12-20_prefet-occitanie_communique-assises-logement.md", folder / "communique.md")
    shutil.copy(DATA / "awkward" / "accents.md", folder / "nimes.md")
    return folder


def test_reindexing_unchanged_documents_changes_nothing(folder: Path, isolated_data_dir: Path) -> None:
    store = open_store(Settings(data_dir=isolated_data_dir))
    first = index_folder(folder, store)
    ids = {chunk.id for chunk in store.all_chunks()}
    second = index_folder(folder, store)
    assert first.added == first.chunks == len(ids) and first.removed == 0
    assert (second.added, second.removed) == (0, 0)
    assert {chunk.id for chunk in store.all_chunks()} == ids


def test_a_restart_reads_only_the_files_that_changed(
    folder: Path, isolated_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(Settings(data_dir=isolated_data_dir))
    first = index_folder(folder, store)
    read: list[str] = []
    real_load = rag.indexer.load_document

    def recording_load(path: Path) -> Document:
        read.append(path.name)
        return real_load(path)

    monkeypatch.setattr(rag.indexer, "load_document", recording_load)
    lines: list[str] = []
    second = index_folder(folder, store, progress=lines.append)
    assert read == [] and (second.documents, second.chunks) == (first.documents, first.chunks)
    assert all("fichier inchangé" in line for line in lines)
    (folder / "nimes.md").write_text("# Habitat à Nîmes\n\nUn seul paragraphe, réécrit.\n", encoding="utf-8")
    index_folder(folder, store)
    assert read == ["nimes.md"]
    assert [chunk.text for chunk in store.all_chunks("nimes")] == ["Un seul paragraphe, réécrit."]
    # Another version of the parser (code or pypdf) reads every file again.
    monkeypatch.setattr(rag.indexer, "parser_version", lambda: "une autre version")
    read.clear()
    index_folder(folder, store)
    assert sorted(read) == ["communique.md", "nimes.md"]


def test_changed_document_replaces_its_chunks_and_removed_one_disappears(folder: Path, isolated_data_dir: Path) -> None:
    store = open_store(Settings(data_dir=isolated_data_dir))
    index_folder(folder, store)
    (folder / "nimes.md").write_text("# Habitat à Nîmes\n\nUn seul paragraphe, réécrit.\n", encoding="utf-8")
    index_folder(folder, store)
    assert [chunk.text for chunk in store.all_chunks("nimes")] == ["Un seul paragraphe, réécrit."]
    (folder / "nimes.md").unlink()
    index_folder(folder, store)
    assert [info.id for info in store.documents()] == ["communique"]


def test_unreadable_file_aborts_before_any_write(folder: Path, isolated_data_dir: Path) -> None:
    store = open_store(Settings(data_dir=isolated_data_dir))
    index_folder(folder, store)
    before = sorted(chunk.id for chunk in store.all_chunks())
    (folder / "nimes.md").write_text("# Nîmes\n\nVersion modifiée.\n", encoding="utf-8")
    shutil.copy(DATA / "awkward" / "encrypted.pdf", folder / "encrypted.pdf")
    with pytest.raises(DocumentRejected, match="chiffré"):
        index_folder(folder, store)
    assert sorted(chunk.id for chunk in store.all_chunks()) == before


def test_ingest_command_reports_and_fails_clearly(
    folder: Path, isolated_data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(folder)]) == 0
    out = capsys.readouterr().out
    assert "2 documents" in out and "passages" in out and " s" in out
    shutil.copy(DATA / "awkward" / "truncated.pdf", folder / "truncated.pdf")
    assert main([str(folder)]) == 2
    err = capsys.readouterr().err
    assert "truncated.pdf" in err and "inchangé" in err
    assert len(open_store(Settings(data_dir=isolated_data_dir)).documents()) == 2


def test_progress_is_reported_document_by_document(folder: Path, isolated_data_dir: Path) -> None:
    lines: list[str] = []
    index_folder(folder, open_store(Settings(data_dir=isolated_data_dir)), progress=lines.append)
    assert [line.split(" : ")[0] for line in lines] == ["[1/2] communique.md", "[2/2] nimes.md"]
    assert all("passages" in line and "ajoutés" in line for line in lines)


def test_start_up_leaves_out_what_it_cannot_read_and_serves_the_newer_of_two_files(
    folder: Path, isolated_data_dir: Path
) -> None:
    store = open_store(Settings(data_dir=isolated_data_dir))
    (folder / "casse.pdf").write_bytes(b"%PDF-1.7 tronque")
    newer = folder / "nimes.markdown"  # "nimes.md" replaced by a new file of another extension, crash before cleanup
    newer.write_text("# Nîmes\n\nLa nouvelle version parle de la réhabilitation du parc ancien.\n", encoding="utf-8")
    os.utime(folder / "nimes.md", (1_000_000_000, 1_000_000_000))
    with pytest.raises(DocumentRejected):
        index_folder(folder, store)  # the `ingest` command refuses before writing
    report = index_folder(folder, store, strict=False)  # start-up serves the rest
    assert report.documents == 2 and {info.id for info in store.documents()} == {"communique", "nimes"}
    assert "réhabilitation du parc ancien" in " ".join(chunk.text for chunk in store.all_chunks("nimes"))
