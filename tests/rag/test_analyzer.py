"""The French analyzer shared by indexing and query understanding."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from rag.analyzer import analyze, stem


def test_analysis_folds_elides_and_stems() -> None:
    assert analyze("l'accès aux terrains") == analyze("acces terrain")


def test_stemming_is_safe_from_many_threads() -> None:
    # The API answers in a thread pool; one shared Snowball stemmer raised IndexError under load.
    words = [
        f"{root}{suffix}"
        for root in ("log", "construct", "financ", "amenag")
        for suffix in ("ement", "ements", "ation", "ations", "eur", "eurs", "euse", "ables", "ité", "ités")
    ]
    words = [f"{word}{'x' * n}" for n in range(25) for word in words]  # distinct: the cache does not hide the stemmer
    stem.cache_clear()
    with ThreadPoolExecutor(max_workers=8) as pool:
        concurrent = list(pool.map(stem, words))
    stem.cache_clear()
    assert concurrent == [stem(word) for word in words]
