"""Request and response models of the HTTP API: the contract staff tools and the UI rely on."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

MAX_QUESTION_CHARS = 1000
MAX_HISTORY_TURNS = 20
ECMA_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000\ufeff"
)


class Turn(BaseModel):
    """One earlier message of the conversation, so follow-ups can be understood."""

    model_config = ConfigDict(extra="forbid")

    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)


class AskFilters(BaseModel):
    """Restrict the answer to one document and/or one top-level part of a document."""

    model_config = ConfigDict(extra="forbid")

    document: str | None = Field(None, max_length=200, description="Identifiant de document.")
    axis: str | None = Field(
        None, max_length=300, description="Partie de premier niveau d'un document, titre tel qu'écrit (« III. … »)."
    )


class AskRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"question": "Quel levier du plan concerne l'accès au foncier ?"}]},
    )

    question: str = Field(
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        description="La question, en français.",
        json_schema_extra={"pattern": r"\S"},
    )
    history: list[Turn] = Field(
        default_factory=list, max_length=MAX_HISTORY_TURNS, description="Messages précédents, pour les relances."
    )
    filters: AskFilters | None = None

    @field_validator("question")
    @classmethod
    def not_blank(cls, value: str) -> str:
        """Blank means JSON Schema's `\\s` (ECMAScript whitespace), so the published pattern and
        this check agree on what a client may send."""
        if not value.strip(ECMA_WHITESPACE):
            raise ValueError("la question est vide")
        return value.strip(ECMA_WHITESPACE)


# The `responses` of a route in the OpenAPI document: status → {"model", "description"}.
Responses = dict[int | str, dict[str, Any]]


class CitationOut(BaseModel):
    text: str = Field(description="Le passage cité, tel qu'il figure dans le document.")
    document: str = Field(description="Identifiant du document (nom du fichier sans extension).")
    title: str
    page: int
    section: str = Field(
        description="Titres des parties au-dessus du passage (« III. … › A - … »), et sa légende de tableau."
    )
    score: float
    kind: str = Field(
        description="paragraph, list, row (ligne de tableau), item (élément d'une ligne), figure (chiffre clé) ; "
        "ou, pour une question sur une partie entière : document, section (le passage liste alors ses parties)."
    )
    lever: str = Field(description="La ligne de tableau ou la liste à laquelle le passage appartient, s'il y en a une.")
    format: Literal["pdf", "md"] = Field(
        "pdf", description="Format du fichier source : /documents/{document}.pdf#page=N ou /documents/{document}.md"
    )


class AskResponse(BaseModel):
    answer: str
    refused: bool = Field(description="Vrai quand les documents ne répondent pas à la question.")
    citations: list[CitationOut] = Field(description="Sources, la meilleure d'abord.")
    refusal_reason: str = Field(
        "", description="Quand la réponse est un refus : pourquoi (par ex. « lieu absent des documents : Espagne »)."
    )
    suggestions: list[str] = Field(
        default_factory=list,
        description="Quand la réponse est un refus : des questions proches auxquelles les documents répondent.",
    )
    mode: Literal["extractive", "llm"] = Field(
        "extractive",
        description="« llm » : rédigée par le modèle configuré (RAG_LLM_BASE_URL) et vérifiée sur les sources ; "
        "« extractive » : citée des passages.",
    )


class DocumentOut(BaseModel):
    id: str
    title: str
    filename: str
    chunks: int


class UploadOut(DocumentOut):
    replaced: bool = Field(description="Vrai si un document du même nom a été remplacé.")


class LiveOut(BaseModel):
    status: Literal["ok"]


class HealthOut(BaseModel):
    status: Literal["ok"]
    documents: int
    chunks: int


class FeedbackIn(BaseModel):
    """An official's verdict on one answer, with the answer as it was shown."""

    model_config = ConfigDict(extra="forbid")

    rating: Literal["up", "down"]
    comment: str = Field("", max_length=2000)
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    answer: str = Field(max_length=20_000)
    refused: bool = False
    citations: list[CitationOut] = Field(default_factory=list, max_length=50)


class FeedbackOut(BaseModel):
    id: int


class ErrorOut(BaseModel):
    detail: str
