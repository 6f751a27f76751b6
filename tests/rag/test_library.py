"""Document management keeps the index answering as before when a write is refused."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ingest import DocumentRejected
from rag.assistant import Assistant
from rag.errors import DocumentNotFound, DuplicateDocument
from rag.library import DocumentLibrary, safe_filename
from rag.settings import Settings
from tests.conftest import DATA, PLAN_PDF, PRESS_PDF

QUESTION = "Combien de participants aux deuxièmes assises régionales du logement ?"


@pytest.fixture
def library(tmp_path: Path, isolated_data_dir: Path) -> DocumentLibrary:
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(PRESS_PDF, folder / PRESS_PDF.name)
    settings = Settings(data_dir=isolated_data_dir, corpus_dir=folder)
    library = DocumentLibrary(Assistant.from_settings(settings), folder, max_bytes=200_000)
    library.reconcile()
    return library


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.md", "passwd.md"),
        ("C:\\temp\\Plan Logement été.PDF", "Plan-Logement-ete.pdf"),
        ("notes.md", "notes.md"),
    ],
)
def test_filenames_are_sanitised(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


@pytest.mark.parametrize("name", ["", "..", "script.sh", ".pdf"])
def test_unusable_filenames_are_refused(name: str) -> None:
    with pytest.raises(DocumentRejected):
        safe_filename(name)


@pytest.mark.parametrize(
    ("filename", "reason"),
    [("encrypted.pdf", "chiffré"), ("scanned.pdf", "aucun texte"), ("truncated.pdf", "corrompu")],
)
def test_refused_upload_is_not_kept_and_answers_stay_the_same(
    library: DocumentLibrary, filename: str, reason: str
) -> None:
    before = library.assistant.ask(QUESTION)
    files_before = sorted(path.name for path in library.folder.iterdir())
    with pytest.raises(DocumentRejected, match=reason):
        library.add(filename, (DATA / "awkward" / filename).read_bytes())
    assert sorted(path.name for path in library.folder.iterdir()) == files_before
    assert library.assistant.ask(QUESTION) == before


def test_oversized_upload_is_refused(library: DocumentLibrary) -> None:
    with pytest.raises(DocumentRejected, match="trop volumineux"):
        library.add("gros.md", b"# Titre\n\n" + b"x" * 300_000)


def test_add_replace_and_remove_a_markdown_document(library: DocumentLibrary) -> None:
    info, replaced = library.add("nimes.md", (DATA / "awkward" / "accents.md").read_bytes())
    assert (info.id, replaced) == ("nimes", False)
    reply = library.assistant.ask("créer l'observatoire à Nîmes ?")
    assert reply.citations and reply.citations[0].document == "nimes"
    info, replaced = library.add("nimes.md", "# Nîmes\n\nUn seul paragraphe sur la réhabilitation.\n".encode())
    assert replaced and info.chunks == 1
    library.remove("nimes")
    assert [doc.id for doc in library.list()] == [PRESS_PDF.stem]
    assert not (library.folder / "nimes.md").exists()
    with pytest.raises(DocumentNotFound):
        library.remove("nimes")


def test_same_content_under_another_name_is_not_indexed_twice(library: DocumentLibrary) -> None:
    with pytest.raises(DuplicateDocument):
        library.add("copie.pdf", PRESS_PDF.read_bytes())
    assert len(library.list()) == 1


def test_reconcile_finishes_an_interrupted_write(library: DocumentLibrary) -> None:
    # A crash after the file was put in place but before the index was updated:
    shutil.copy(DATA / "awkward" / "accents.md", library.folder / "nimes.md")
    (library.folder / ".upload-abc123").write_bytes(b"partial")
    library.reconcile()
    assert {doc.id for doc in library.list()} == {PRESS_PDF.stem, "nimes"}
    assert not (library.folder / ".upload-abc123").exists()


def test_reindex_unknown_document_is_not_found(library: DocumentLibrary) -> None:
    with pytest.raises(DocumentNotFound):
        library.reindex("inconnu")
    assert library.reindex(PRESS_PDF.stem).id == PRESS_PDF.stem


def test_a_replace_cut_short_by_a_crash_never_brings_the_old_version_back(library: DocumentLibrary) -> None:
    """Replacing "nimes.pdf" by "nimes.md", killed after the new file is published and renamed but
    before the old one is removed: both files are left. The register says which was published;
    the next start deletes the other, and a delete removes every file of the name."""
    shutil.copy(PLAN_PDF, library.folder / "nimes.pdf")
    library.reconcile()
    markdown = (DATA / "awkward" / "accents.md").read_bytes()
    library.add("nimes.md", markdown)
    shutil.copy(PLAN_PDF, library.folder / "nimes.pdf")  # the old file the crash left behind
    library.reconcile()  # the next start
    assert not (library.folder / "nimes.pdf").exists()
    assert next(info for info in library.list() if info.id == "nimes").filename == "nimes.md"

    shutil.copy(PLAN_PDF, library.folder / "nimes.pdf")  # left again, and deleted before any restart
    library.remove("nimes")
    assert not list(library.folder.glob("nimes.*"))
    library.reconcile()
    assert "nimes" not in {info.id for info in library.list()}


def dead_pid() -> int:
    """The pid of a process that has ended."""
    child = subprocess.Popen(["true"])  # noqa: S607
    child.wait()
    return child.pid


def test_a_restart_leaves_another_workers_upload_in_progress_alone(library: DocumentLibrary) -> None:
    """Workers share the folder: one restarting must not delete the file another is indexing (its
    lease runs), while a file a crash left (lease over, or none) is cleaned up."""
    in_progress = library._stage(b"# Nimes\n\nUn document en cours d'indexation par un autre worker.")
    orphan = library.folder / in_progress.name.replace(f"-{os.getpid()}-", f"-{dead_pid()}-")
    orphan.write_bytes(b"partial")  # its owner died mid-write: a crash's leftover
    expired = library.folder / ".upload-1000-crashed"  # no lease: written before leases, or over
    expired.write_bytes(b"partial")
    library.reconcile()
    assert in_progress.exists() and not orphan.exists() and not expired.exists()
