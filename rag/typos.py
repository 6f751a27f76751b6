"""Typo correction of a question's stems against the documents' vocabulary ("logemnt" →
"logement", "attendent" → "attent")."""

from __future__ import annotations

import os
from functools import lru_cache

LONG_WORD = 10  # stems this long may be two edits away from the vocabulary ("president" is not "present")
PREFIX_MIN = 5
PREFIX_SHARE = 0.8


@lru_cache(maxsize=8192)
def correct_typo(stem: str, vocabulary: frozenset[str]) -> str | None:
    """The vocabulary stem one edit away (two for long words), if exactly one is closest."""
    if len(stem) < 5 or stem[0].isdigit():
        return None
    budget = 1 if len(stem) < LONG_WORD else 2
    best: list[tuple[int, str]] = []
    for candidate in _by_start(vocabulary, 1).get(stem[0], ()):  # a correction keeps the initial
        if abs(len(candidate) - len(stem)) > budget:
            continue
        distance = _edit_distance(stem, candidate, budget)
        if distance <= budget:
            best.append((distance, candidate))
    if not best:
        return _shared_prefix(stem, vocabulary)
    best.sort()
    if len(best) > 1 and best[0][0] == best[1][0]:
        return None
    return best[0][1]


@lru_cache(maxsize=8)
def _by_start(vocabulary: frozenset[str], size: int) -> dict[str, list[str]]:
    """Vocabulary stems (of at least `size` letters) by their first `size` letters, so a new word
    is compared only with the stems that can match it, not with the whole vocabulary."""
    buckets: dict[str, list[str]] = {}
    for term in sorted(vocabulary):
        if len(term) >= size:
            buckets.setdefault(term[:size], []).append(term)
    return buckets


def _shared_prefix(stem: str, vocabulary: frozenset[str]) -> str | None:
    """A vocabulary stem sharing most of its beginning ("attendent" → "attent"), if any."""
    best, best_length = None, 0
    for candidate in _by_start(vocabulary, PREFIX_MIN).get(stem[:PREFIX_MIN], ()):
        length = len(os.path.commonprefix([stem, candidate]))
        if length >= max(PREFIX_MIN, PREFIX_SHARE * min(len(stem), len(candidate))) and length > best_length:
            best, best_length = candidate, length
    return best


def _edit_distance(a: str, b: str, budget: int) -> int:
    """Levenshtein distance, giving up (returning budget + 1) once it must exceed `budget`."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        if min(current) > budget:
            return budget + 1
        previous = current
    return previous[-1]
