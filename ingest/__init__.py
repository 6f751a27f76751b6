"""Ingestion: read source documents (PDF, Markdown) and cut them into structure-aware chunks.

Nothing here touches the store or the model: `ingest` turns files into plain `Chunk` data and
`rag.indexer` writes them to Chroma. Usage::

    from ingest import load_document
    document = load_document(Path("corpus/plan.pdf"))
"""

from ingest.chunk import Chunk, Document
from ingest.errors import DocumentRejected
from ingest.loader import SUPPORTED_SUFFIXES, load_document, parser_version

__all__ = ["Chunk", "Document", "DocumentRejected", "SUPPORTED_SUFFIXES", "load_document", "parser_version"]
