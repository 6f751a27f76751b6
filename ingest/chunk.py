"""The data that leaves ingestion: documents and their chunks, in generic node kinds.

Kinds, for any document:
- `document` and `section` (at any level): structure nodes that list their parts;
- `paragraph` and `list` (a lead-in with its items): text passages of a section;
- `row`: a table row, read as "column header : value" pairs (a plan row: an issue and its actions);
- `item` and `figure`: one action of a row, one key figure of a list: searched alone, cited with
  the row or list they belong to (`group`), so an answer shows them in context.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Literal

ChunkKind = Literal["document", "section", "paragraph", "list", "row", "item", "figure"]
# Nodes for the levels above the passages: they list their parts and answer "what does … contain".
STRUCTURE_KINDS: frozenset[str] = frozenset({"document", "section"})
# Searched but cited through the row or list holding them.
MEMBER_KINDS: frozenset[str] = frozenset({"item", "figure"})
PATH_SEPARATOR = " › "
CONTEXT_DEPTH = 2  # headings indexed with a passage: the nearest ones say what it is about


@dataclass(frozen=True)
class Chunk:
    """One citable passage (or searchable member of one) with the structure it sits in.

    `text` is what a citation shows; `path` (the headings above it, outermost first, and a table's
    caption) is indexed with it so that a bare line such as "Animer des webinaires" is still found
    by the part it belongs to. `label` names what a row or list is about (its first cell, its
    lead-in); `items` are a row's list (a plan lever's actions). A row or list and its members
    share `group`, so a member hit is answered with its whole row or list.
    """

    text: str
    document: str
    title: str
    page: int
    kind: ChunkKind
    path: tuple[str, ...] = ()
    label: str = ""
    items: tuple[str, ...] = field(default_factory=tuple)
    group: str = ""
    column: str = ""  # a row holding a list: the header of that list's column ("Leviers identifiés")
    position: int = 0
    author: str = ""  # who speaks ("Préfet de la région Occitanie"), from the PDF metadata
    parts: tuple[str, ...] = field(default_factory=tuple)  # a structure node's or list's parts, one line each

    @property
    def id(self) -> str:
        """Hash of what is indexed and shown: re-ingesting an unchanged document yields the same ids
        (idempotent upsert), and a change in what is indexed (author, context) or cited (a section
        node's listed parts, indexed by their titles only) re-indexes it."""
        payload = json.dumps(
            [
                self.document,
                self.page,
                self.kind,
                self.path,
                self.label,
                self.items,
                self.parts,
                self.lexical_text,
                self.text,
            ],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]

    @property
    def section(self) -> str:
        """Where the chunk sits, as a reader names it: "III. … › A - …"."""
        return PATH_SEPARATOR.join(self.path)

    @property
    def context(self) -> str:
        """The structure that gives the chunk its meaning: the row or list of a member, the path
        of a passage."""
        if self.kind in MEMBER_KINDS:
            return self.label
        return PATH_SEPARATOR.join(self.path[-CONTEXT_DEPTH:])

    @property
    def search_text(self) -> str:
        """Text given to the embedding model: context, then the passage.

        A member is indexed with its row's label only, not the headings above, so that a question
        matching a heading ranks the rows of that part rather than every short action. A structure
        node is indexed by titles only, not by the passages it lists, whose words belong to the
        passages themselves: its heading and its parts' titles (what it is about).
        """
        if self.kind == "document":
            return self.heading
        if self.kind in STRUCTURE_KINDS:
            return "\n".join(dict.fromkeys(line for line in (self.heading, *self.parts) if line))
        return f"{self.context}\n{self.text}" if self.context else self.text

    @property
    def lexical_text(self) -> str:
        """Text given to BM25: the author, then `search_text`. With the author in every passage,
        "le préfet", "l'USH" in a question point to the right document without favouring its one
        paragraph that happens to name them (dev hit@1 +2.7 points; in the embedded text it cost
        as much, so the model does not get it). The title is not added: on the tuning sets it
        cost 0.6 (seed) and 4.7 (other documents) points of hit@1."""
        return f"{self.author}\n{self.search_text}" if self.author else self.search_text

    @property
    def heading(self) -> str:
        """The first line of the text: a structure node's own title."""
        return self.text.split("\n", 1)[0]

    def metadata(self) -> dict[str, str | int]:
        """Flat metadata for Chroma (which only stores scalars); `top` is the outermost heading,
        what the API's part filter selects."""
        data = asdict(self)
        data.pop("text")
        for key in ("path", "items", "parts"):
            data[key] = json.dumps(list(data[key]), ensure_ascii=False)
        data["section"] = self.section
        data["top"] = self.path[0] if self.path else ""
        return data


@dataclass(frozen=True)
class Document:
    """A parsed source file: its id (file stem), display title and chunks in reading order."""

    id: str
    title: str
    filename: str
    sha256: str
    chunks: tuple[Chunk, ...]
    parser: str  # `ingest.parser_version()` of the code that cut it
