"""Domain errors of the assistant, each carrying the HTTP status the API answers it with.

Raised anywhere below the API; `app/errors.py` turns any of them into `{"detail": message}`
with `status`, so the status of an error is decided here, once, next to its meaning.
"""

from __future__ import annotations

from ingest import DocumentRejected


class IndexUnavailable(RuntimeError):
    """Nothing is indexed yet: the assistant cannot answer anything."""

    status = 503


class IndexUnreachable(IndexUnavailable):
    """The index server (Chroma) does not answer: retry once it is back, no restart needed."""


class DocumentNotFound(LookupError):
    """No indexed document has this id."""

    status = 404

    def __str__(self) -> str:
        return f"document inconnu : {self.args[0]}"


class UnknownFilter(ValueError):
    """A filter names no indexed document or top-level part: answering from nothing would read as
    "the documents do not say", so the caller is told which values exist."""

    status = 422


class DocumentTooLarge(DocumentRejected):
    """The upload exceeds the size limit."""

    status = 413


class DuplicateDocument(ValueError):
    """The same content is already indexed under another name."""

    status = 409


__all__ = [
    "DocumentNotFound",
    "DocumentRejected",
    "DocumentTooLarge",
    "DuplicateDocument",
    "IndexUnavailable",
    "IndexUnreachable",
    "UnknownFilter",
]
