"""Domain errors of the assistant: what went wrong, in words a caller can act on.

Raised anywhere below the API; `app/errors.py` decides the HTTP status each one is answered with
and turns it into `{"detail": message}`.
"""

from __future__ import annotations

from ingest import DocumentRejected


class IndexUnavailable(RuntimeError):
    """Nothing is indexed yet: the assistant cannot answer anything."""


class IndexUnreachable(IndexUnavailable):
    """The index server (Chroma) does not answer: retry once it is back, no restart needed."""


class DocumentNotFound(LookupError):
    """No indexed document has this id."""

    def __str__(self) -> str:
        return f"document inconnu : {self.args[0]}"


class UnknownFilter(ValueError):
    """A filter names no indexed document or top-level part: answering from nothing would read as
    "the documents do not say", so the caller is told which values exist."""


class DocumentTooLarge(DocumentRejected):
    """The upload exceeds the size limit."""


class DuplicateDocument(ValueError):
    """The same content is already indexed under another name."""


__all__ = [
    "DocumentNotFound",
    "DocumentRejected",
    "DocumentTooLarge",
    "DuplicateDocument",
    "IndexUnavailable",
    "IndexUnreachable",
    "UnknownFilter",
]
