"""The phrases that say what a question asks for, read from `rag/data/*_cues.txt`.

A cue file lists phrases as officials write them ("combien", "qui est", "résume"); a question's
words are matched against every phrase of a file in one pass. Set phrases that would mislead the
lists ("quand même" asks no date) are taken out first (`idioms.txt`).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from rag.analyzer import Phrases, data_lines, first_occurrences, fold, phrase_index

Cue = tuple[tuple[str, ...], int]  # a cue's words and where it starts among the words read


@lru_cache
def _cues(name: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(fold(line).split()) for line in data_lines(name))


@lru_cache
def _cue_index(name: str) -> Phrases:
    return phrase_index(_cues(name))


def cue_words(words: Sequence[str]) -> list[str]:
    """The folded words (stop words kept, numbers out: see `Text.letters`) less the set phrases of
    `idioms.txt`."""
    idioms = _cues("idioms.txt")
    return [word for i, word in enumerate(words) if not any(_covered(words, i, idiom) for idiom in idioms)]


def _covered(words: Sequence[str], index: int, phrase: tuple[str, ...]) -> bool:
    """Whether words[index] is part of an occurrence of `phrase`."""
    size = len(phrase)
    return any(tuple(words[start : start + size]) == phrase for start in range(max(0, index - size + 1), index + 1))


def find_cues(words: list[str], name: str) -> list[Cue]:
    """Each cue of the data file `name` that occurs in `words`, with where it first starts, in
    the file's order."""
    cues = _cues(name)
    found = first_occurrences(words, _cue_index(name))
    return [(cues[rank], start) for rank, start in sorted(found.items())]
