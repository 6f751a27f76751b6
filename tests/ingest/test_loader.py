"""Unusable files are refused with a reason a staff member can act on."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfWriter
from pypdf.generic import ContentStream

from ingest import DocumentRejected, load_document
from tests.conftest import DATA, PRESS_PDF

AWKWARD = DATA / "awkward"


@pytest.mark.parametrize(
    ("filename", "reason"),
    [
        ("empty.pdf", "vide"),
        ("encrypted.pdf", "chiffré"),
        ("scanned.pdf", "aucun texte"),
        ("mislabelled.pdf", "n'est pas un PDF"),
        ("truncated.pdf", "corrompu"),
        ("latin1.md", "UTF-8"),
        ("notes.docx", "non pris en charge"),
    ],
)
def test_awkward_files_are_rejected_with_a_reason(filename: str, reason: str) -> None:
    with pytest.raises(DocumentRejected, match=reason) as error:
        load_document(AWKWARD / filename)
    assert error.value.filename == filename


def test_pdf_renamed_as_markdown_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(DocumentRejected, match="extension trompeuse"):
        load_document(tmp_path / "note.md", data=PRESS_PDF.read_bytes())


def test_document_title_comes_from_pdf_metadata() -> None:
    document = load_document(PRESS_PDF)
    assert document.title == "Préfet de la région Occitanie — Communiqué de presse"
    assert document.id == PRESS_PDF.stem
    assert len(document.sha256) == 64


def test_a_line_without_sentence_ends_is_cut_into_citable_passages(tmp_path: Path) -> None:
    data = ("# Relevé\n\n" + " ".join(f"parcelle{i}" for i in range(20_000))).encode()
    chunks = load_document(tmp_path / "releve.md", data).chunks
    passages = [chunk for chunk in chunks if chunk.kind == "paragraph"]
    assert len(passages) > 100 and max(len(chunk.text) for chunk in passages) <= 2 * 420


def test_a_document_past_the_passage_budget_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ingest.loader.MAX_PASSAGES", 50)
    sentence = "Paragraphe {} sur le logement social de la commune, ses besoins et ses projets de construction."
    paragraphs = "\n\n".join(sentence.format(i) for i in range(400))
    with pytest.raises(DocumentRejected, match=r"trop long : \d+ passages \(maximum 50\)"):
        load_document(tmp_path / "long.md", f"# Long\n\n{paragraphs}".encode())


def test_a_page_of_megabytes_of_drawing_instructions_is_refused_before_extraction(tmp_path: Path) -> None:
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    drawing = b"BT /F1 12 Tf 72 720 Td (Plan local) Tj ET\n" + b"0 0 m 1 1 l S\n" * 400_000
    stream = ContentStream(None, writer)
    stream.set_data(drawing)
    page.replace_contents(stream)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(DocumentRejected, match="page 1 trop complexe"):
        load_document(tmp_path / "dessin.pdf", buffer.getvalue())
