"""A two-column table drawn with no rule (the plan's layout without its grid) is read as the same rows."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from ingest.pdf_reader import read_pdf

ROWS = [
    (
        ["Renforcer les actions de", "communication auprès du", "grand public"],
        [
            "- Campagne de communication à destination",
            "du public à travers la presse régionale",
            "- Supports vidéo diffusés sur les sites",
        ],
    ),
    (["Renforcer la sensibilisation", "des élus"], ["- Évènements associant professionnels et élus"]),
]


def _unruled_plan() -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    y = 780.0
    page.setFont("Helvetica-Bold", 12)
    page.drawString(63, y, "I. Agir pour mieux cadrer la production")
    y -= 22
    page.setFont("Helvetica-Bold", 10.5)
    page.drawString(63, y, "A - Faire évoluer les regards")
    y -= 22
    page.setFont("Helvetica", 9)
    page.drawString(70, y, "Enjeux et freins répertoriés")
    page.drawString(246, y, "Leviers d'interventions identifiés")
    for left, right in ROWS:
        y -= 20
        top = y
        for offset, line in enumerate(left):
            page.drawString(70, top - 11.5 * offset, line)
        for offset, line in enumerate(right):
            page.drawString(246 if line.startswith("-") else 253, top - 11.5 * offset, line)
        y = top - 11.5 * (max(len(left), len(right)) - 1)
    page.setFont("Helvetica", 9)
    for number in range(12):  # body text, so that 9 pt is the body size and the labels are not headings
        page.drawString(63, 300 - 12 * number, "Texte courant du document, une ligne de paragraphe ordinaire.")
    page.save()
    return buffer.getvalue()


def test_rows_of_an_unruled_two_column_table() -> None:
    blocks, _ = read_pdf(_unruled_plan(), "variante.pdf")
    rows = [block for block in blocks if block.kind == "row"]
    assert [row.text for row in rows] == [
        "Renforcer les actions de communication auprès du grand public",
        "Renforcer la sensibilisation des élus",
    ]
    assert rows[0].items == [
        "Campagne de communication à destination du public à travers la presse régionale",
        "Supports vidéo diffusés sur les sites",
    ]
    assert rows[1].items == ["Évènements associant professionnels et élus"]
    assert rows[0].header == "Enjeux et freins répertoriés"
    assert rows[0].cells[0][0] == "Leviers d'interventions identifiés"
