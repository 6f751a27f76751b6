"""The data that leaves ingestion: documents and their chunks."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Literal

ChunkKind = Literal["enjeu", "action", "figure", "paragraph", "document", "axis", "sub_axis", "section"]
# Nodes for the levels above the passages: they list their parts and answer "what does … contain".
STRUCTURE_KINDS: frozenset[str] = frozenset({"document", "axis", "sub_axis", "section"})


@dataclass(frozen=True)
class Chunk:
    """One citable passage with the structure it sits in.

    `text` is what a citation shows; `context` (axis › sub-axis › enjeu, or the section heading)
    is indexed with it so that a bare action such as "Animer des webinaires" is still found by
    the lever it belongs to. `lever` names the plan row (enjeu) the chunk belongs to, so an
    action hit can be answered with its whole lever.
    """

    text: str
    document: str
    title: str
    page: int
    kind: ChunkKind
    section: str = ""
    axis: str = ""
    sub_axis: str = ""
    enjeu: str = ""
    actions: tuple[str, ...] = field(default_factory=tuple)
    position: int = 0
    author: str = ""  # who speaks ("Préfet de la région Occitanie"), from the PDF metadata
    parts: tuple[str, ...] = field(default_factory=tuple)  # a structure node's parts, one line each

    @property
    def id(self) -> str:
        """Hash of what is indexed: re-ingesting an unchanged document yields the same ids
        (idempotent upsert), and a change in what is indexed (author, context) re-indexes it."""
        payload = json.dumps(
            [
                self.document,
                self.page,
                self.kind,
                self.section,
                self.enjeu,
                self.actions,
                self.parts,
                self.lexical_text,
            ],
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]

    @property
    def context(self) -> str:
        """The structure that gives the passage its meaning: the enjeu of an action, the axis path
        of a lever, the heading of a paragraph or figure."""
        if self.kind == "action":
            return self.enjeu
        if self.axis:
            return " › ".join(part for part in (self.axis, self.sub_axis) if part)
        return self.section

    @property
    def search_text(self) -> str:
        """Text given to the embedding model: context, then the passage.

        An action is indexed with its enjeu only, not the axis titles, so that a question
        matching an axis title ranks the lever rows of that axis rather than every short action.
        A structure node is indexed by titles only, not by the passages it lists, whose words belong
        to the passages themselves: an axis or sub-axis by its title and its parts' titles (what
        it is about), a document or a section by its title (its parts are the whole document).
        """
        if self.kind in ("axis", "sub_axis"):
            return "\n".join(dict.fromkeys(line for line in (self.heading, *self.parts) if line))
        if self.kind in STRUCTURE_KINDS:
            return self.heading
        return f"{self.context}\n{self.text}" if self.context else self.text

    @property
    def lexical_text(self) -> str:
        """Text given to BM25: the author, then `search_text`. With the author in every passage,
        "le préfet", "l'USH" in a question point to the right document without favouring its one
        paragraph that happens to name them (dev hit@1 +2.7 points; in the embedded text it cost
        as much, so the model does not get it)."""
        return f"{self.author}\n{self.search_text}" if self.author else self.search_text

    @property
    def heading(self) -> str:
        """The first line of the text: a structure node's own title."""
        return self.text.split("\n", 1)[0]

    def metadata(self) -> dict[str, str | int]:
        """Flat metadata for Chroma (which only stores scalars)."""
        data = asdict(self)
        data.pop("text")
        data["actions"] = json.dumps(list(self.actions), ensure_ascii=False)
        data["parts"] = json.dumps(list(self.parts), ensure_ascii=False)
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
