"""The assistant service: one object that the API and the chat UI both call.

An answer is three steps: understand the question, hybrid retrieval (a LangChain retriever),
then the answer step (refusal check and French answer); every answer travels with its citations.
With an LLM configured, LangChain chains (`rag.llm`) first make a follow-up standalone and last
write the answer, which is checked against the citations before anyone reads it.
Usage::

    assistant = Assistant.from_settings(get_settings())
    reply = assistant.ask("Quel levier pour l'accès au foncier ?")
    reply.answer, reply.refused, reply.citations
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from rag.analyzer import Text
from rag.answer import compose, definitions, pieces, refusal, suggestions
from rag.errors import IndexUnavailable, IndexUnreachable, UnknownFilter
from rag.llm import Writer
from rag.orders import addresses_the_assistant
from rag.outline import Outline, build_outlines
from rag.question import Query, Topic, analyse, is_follow_up, read
from rag.refusal import Evidence, Thresholds, judge
from rag.retriever import Filters, Hit, HybridRetriever
from rag.search_index import SearchIndex, is_structure
from rag.settings import Settings
from rag.store import ChunkStore, DocumentInfo, StoredChunk
from rag.verifier import verify

logger = logging.getLogger("plan_logement.assistant")
TOPIC_TURNS = 3  # the questions a conversation's topic is followed through (one search each)


@dataclass(frozen=True)
class Citation:
    """A passage backing the answer: the cited text and where to check it."""

    text: str
    document: str
    title: str
    page: int
    section: str
    score: float
    kind: str = "paragraph"
    lever: str = ""  # the row or list the passage belongs to (a plan row's issue), if any
    format: str = "pdf"  # of the document's file: "pdf" (opened at the page) or "md"


@dataclass(frozen=True)
class Turn:
    role: str
    content: str


@dataclass(frozen=True)
class Answer:
    answer: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    refusal_reason: str = ""  # why the documents were judged not to answer (a fixed French phrase)
    refusal_detail: str = ""  # the question's words behind that reason ("Espagne"): never logged
    mode: str = "extractive"  # or "llm": written by the configured LLM, checked against the citations
    suggestions: list[str] = field(default_factory=list)  # a refusal's: questions the documents do answer

    @property
    def explained_reason(self) -> str:
        """The reason as the asker reads it: the fixed phrase, then the words of theirs it is about."""
        return f"{self.refusal_reason} : {self.refusal_detail}" if self.refusal_detail else self.refusal_reason


@dataclass(frozen=True)
class Replace:
    """In a stream: show this text instead of what was streamed (the written answer failed)."""

    text: str


class Assistant:
    """Retrieval + answer over the indexed documents; `reload()` after an ingest."""

    def __init__(self, settings: Settings, store: ChunkStore) -> None:
        self.settings = settings
        self.store = store
        self.thresholds = Thresholds(settings.min_coverage, settings.number_coverage, settings.unknown_word_weight)
        self._generation = -1  # read below; -1 until the index has answered once
        self._checked = time.monotonic()
        self.indexing = False  # set while start-up brings the index in line with the corpus folder
        self.writer = Writer(settings) if settings.llm_base_url else None
        self.llm_outcomes: Counter[str] = Counter()  # written answers accepted, rejected, failed
        self.retriever = HybridRetriever(
            store=store,
            index=SearchIndex([]),
            lexical_weight=settings.lexical_weight,
            dense_spread_floor=settings.dense_spread_floor,
            candidates=settings.candidates,
            k=settings.top_k,
        )
        self._down: IndexUnreachable | None = None  # why the index did not answer last time we asked
        try:
            self.reload()
        except IndexUnreachable as error:  # start anyway: 503 until the index answers (tried each refresh)
            self._down = error
            logger.error("%s : démarrage sans index, nouvel essai toutes les %s s", error, settings.refresh_interval)

    @classmethod
    def from_settings(cls, settings: Settings) -> Assistant:
        return cls(settings, ChunkStore.open(settings))

    @property
    def index(self) -> SearchIndex:
        return self.retriever.index

    def reload(self) -> None:
        """Swap in a fresh snapshot of the store (after documents were added or removed)."""
        generation = self.store.generation()
        self.retriever.index = self._read_index()
        self._generation = generation

    def _read_index(self) -> SearchIndex:
        """A snapshot of the store; with the chunks' vectors when there are few enough for the
        dense search to run in memory (`RAG_DENSE_IN_MEMORY_MAX`), else Chroma's index serves it.
        A passage giving the assistant orders is left out: an uploaded document's text is data. An
        uploaded note of such orders, stuffed with the words officials ask with, changed 15 of 622
        dev and test answers about the other documents and was offered in 24 of 103 refusals; left
        out, 0 and 0 (measured)."""
        chunks = [chunk for chunk in self.store.all_chunks() if not addresses_the_assistant(chunk.text)]
        if len(chunks) > self.settings.dense_in_memory_max:
            return SearchIndex(chunks)
        return SearchIndex(chunks, self.store.vectors([chunk.id for chunk in chunks]))

    def refresh(self) -> bool:
        """Reload if another process (API worker, `ingest`) changed the shared index; checked at
        most every `RAG_REFRESH_INTERVAL` seconds so queries stay cheap. Returns whether it reloaded."""
        now = time.monotonic()
        if now - self._checked < self.settings.refresh_interval:
            return False
        self._checked = now
        try:
            generation = self.store.generation()
        except IndexUnreachable as error:
            self._down = error
            raise
        self._down = None
        if generation == self._generation:
            return False
        self.reload()
        return True

    def snapshot(self) -> SearchIndex:
        """The index one request reads from start to end, after picking up another process's
        writes; raises `IndexUnavailable` while start-up indexes the corpus or when nothing is
        indexed, `IndexUnreachable` when the Chroma server is down and the snapshot alone cannot
        answer (its vectors are not in memory)."""
        if self.indexing:
            raise IndexUnavailable("indexation des documents en cours (démarrage) : réessayez dans quelques secondes")
        try:
            self.refresh()
        except IndexUnreachable:
            if self.index.vectors is None:  # Chroma's index serves the dense search: nothing to answer with
                raise
            # The whole snapshot is in memory: answer from it (writes and /api/health still say 503).
            logger.warning("index injoignable : réponses servies depuis l'instantané en mémoire")
        index = self.index
        if not index.chunks:
            raise self._down or IndexUnavailable("aucun document indexé : lancez l'ingestion du corpus")
        return index

    def ask(self, question: str, history: Sequence[Turn] = (), filters: Filters | None = None) -> Answer:
        """Answer `question` (a follow-up is read with the last user turn of `history`): the
        extractive answer, or the LLM's when one is configured and its answer passes the check."""
        searched, answer = self._extract(question, history, filters)
        return self._written(searched, answer)

    def ask_stream(
        self, question: str, history: Sequence[Turn] = (), filters: Filters | None = None
    ) -> tuple[Answer, Iterator[str | Replace]]:
        """The extractive answer (citations, refusal), and the text to show in pieces as they come:
        with an LLM, its tokens as it writes them, then a `Replace` by the extractive text if the
        written answer fails its check or the model fails midway."""
        searched, answer = self._extract(question, history, filters)
        if not self.writes(answer):
            return answer, iter(pieces(answer.answer))
        return answer, self._stream_written(searched, answer)

    def writes(self, answer: Answer) -> bool:
        """Whether `ask_stream`'s pieces for `answer` are an LLM's tokens (a refusal never is)."""
        return self.writer is not None and not answer.refused

    def _extract(self, question: str, history: Sequence[Turn], filters: Filters | None) -> tuple[str, Answer]:
        """The question as searched (with an LLM, a follow-up made standalone) and its extractive
        answer, all from one snapshot. Plain calls, not a LangChain RunnableSequence: its machinery
        (config, callbacks, a signature inspection per step) cost 0.87 ms per answer, as much as the
        steps themselves (0.9 ms, embedding aside), and all of it held the GIL (measured)."""
        index = self.snapshot()
        if filters:
            _check(filters, index)
        user_turns = [turn.content for turn in history if turn.role == "user"][-TOPIC_TURNS:]
        asked = [read(content) for content in user_turns]
        words = read(question)
        if self.writer and asked and is_follow_up(words):
            question, standalone = self._standalone(question, asked[-1].raw)
            if standalone:  # searched alone, without the previous question's words
                words, asked = read(question), []
        previous = asked[-1] if asked else None
        topic = self._topic(asked, filters, index) if asked else None
        query = analyse(words, index, previous, topic)
        hits = self.retriever.search(query, filters=filters, index=index)
        return question, self._answer(query, hits, index)

    def _topic(self, asked: list[Text], filters: Filters | None, index: SearchIndex) -> Topic | None:
        """What the conversation was about: the passage that answered its last question, that
        question read in its own conversation (each of the last `TOPIC_TURNS` questions searched
        within the topic of the one before, as it was answered), found again in this snapshot
        rather than trusted from the client's copy of the answers."""
        topic, previous = None, None
        for question in asked:
            hits = self.retriever.search(analyse(question, index, previous, topic), k=1, filters=filters, index=index)
            if hits:
                chunk = hits[0].chunk
                topic = Topic(str(chunk.metadata["document"]), tuple(chunk.path))
            previous = question
        return topic

    def _standalone(self, question: str, previous: str) -> tuple[str, bool]:
        """A follow-up rewritten standalone by the LLM (True), to be searched without the previous
        question's words; unchanged (False) when the rewrite fails or drops one of its words."""
        assert self.writer is not None
        try:
            standalone = self.writer.standalone(question, previous)
        except Exception as error:  # the extractive reading of the follow-up stands
            logger.warning("relance non réécrite (%s)", type(error).__name__)
            return question, False
        return (standalone, True) if standalone else (question, False)

    def _written(self, question: str, answer: Answer) -> Answer:
        """The LLM's answer if one is configured and it passes the check, else the extractive one."""
        if self.writer is None or answer.refused:
            return answer
        passages = [citation.text for citation in answer.citations]
        try:
            written = self.writer.write(question, passages)
        except Exception as error:  # down, slow, 5xx, malformed: the extractive answer stands
            return self._fallback(answer, "failed", f"modèle injoignable ou en erreur ({type(error).__name__})")
        check = verify(written, passages)
        if not check.passed:
            return self._fallback(answer, "rejected", check.reason)
        self.llm_outcomes["accepted"] += 1
        return replace(answer, answer=written, mode="llm")

    def _stream_written(self, question: str, answer: Answer) -> Iterator[str | Replace]:
        assert self.writer is not None
        passages = [citation.text for citation in answer.citations]
        written: list[str] = []
        try:
            for piece in self.writer.stream(question, passages):
                written.append(piece)
                yield piece
        except Exception as error:
            self._fallback(answer, "failed", f"modèle injoignable ou en erreur ({type(error).__name__})")
            yield Replace(answer.answer)
            return
        check = verify("".join(written), passages)
        if check.passed:
            self.llm_outcomes["accepted"] += 1
        else:
            self._fallback(answer, "rejected", check.reason)
            yield Replace(answer.answer)

    def _fallback(self, answer: Answer, outcome: str, reason: str) -> Answer:
        """The extractive answer, the written one "rejected" by the verifier or "failed" (endpoint):
        logged and counted (`/metrics`)."""
        self.llm_outcomes[outcome] += 1
        logger.warning("réponse rédigée écartée (%s) : %s", outcome, reason)
        return answer

    def search(self, query: str, k: int, filters: Filters | None = None) -> list[Citation]:
        """Retrieval only (no answer, no refusal): the passages best matching `query`, best first."""
        index = self.snapshot()
        if filters:
            _check(filters, index)
        hits = self.retriever.search(analyse(read(query), index), k=k, filters=filters, index=index)
        return [_citation(hit) for hit in hits]

    def documents(self) -> list[DocumentInfo]:
        """The indexed documents and their numbers of passages."""
        return self.store.documents()

    def outline(self) -> list[Outline]:
        """Each document's structure (axes, sub-axes, levers, key figures), from the index."""
        return build_outlines(self.snapshot().chunks.values())

    def health(self) -> tuple[int, int]:
        """(documents, passages) when the index answers and holds documents; else it raises."""
        index = self.snapshot()
        self.store.generation()  # the index server answers (a bounded call)
        return len({chunk.metadata["document"] for chunk in index.chunks.values()}), len(index.chunks)

    def _answer(self, query: Query, hits: list[Hit], index: SearchIndex) -> Answer:
        """The refusal check, then the French answer citing each retrieved passage (a member with
        its row or list); the acronyms a question asks the meaning of are spelled out first."""
        parents = [index.parent_of(hit.chunk) for hit in hits]
        verdict = judge(query, self.evidence(hits, index, query), index.bm25, self.thresholds)
        if verdict.refused:
            nearest = [str(hit.chunk.metadata["document"]) for hit in hits]
            topics = [top for document in dict.fromkeys([*nearest, *index.topics]) for top in index.topics[document]]
            suggested = suggestions([hit.chunk.metadata for hit in hits], topics, index.acronyms)
            return Answer(
                refusal(suggested),
                refused=True,
                refusal_reason=verdict.reason,
                refusal_detail=verdict.detail,
                suggestions=suggested,
            )
        spelled = definitions(query.source, index.acronyms) if query.asks_meaning and query.source else []
        return Answer(
            answer=compose(hits, parents, spelled),
            refused=False,
            citations=[_citation(hit, parent) for hit, parent in zip(hits, parents, strict=True)],
        )

    def evidence(
        self, hits: list[Hit], index: SearchIndex | None = None, query: Query | None = None
    ) -> Evidence | None:
        """What the refusal step checks: the best passage (with its row or list for a member), its
        section path, its document's title, and whether it is the numbered part `query` names."""
        if not hits:
            return None
        index = index or self.index
        best = hits[0].chunk
        text = (index.parent_of(best) or best).text
        part = bool(query and query.part and best.id in index.part_nodes(query.part))
        return Evidence(text, best.section, str(best.metadata["title"]), is_structure(best), part)


def _check(filters: Filters, index: SearchIndex) -> None:
    """Raise `UnknownFilter` naming the accepted values when a filter matches nothing indexed."""
    documents = sorted(index.topics)  # every indexed document, computed once per snapshot
    if filters.document and filters.document not in documents:
        raise UnknownFilter(f"filters.document : document inconnu ; documents indexés : {', '.join(documents)}")
    if filters.part:
        scope = [filters.document] if filters.document else documents
        parts = [top for document in scope for top in index.topics.get(document, [])]
        if filters.part not in parts:
            listed = " | ".join(f"« {part} »" for part in parts) or "aucune"
            raise UnknownFilter(f"filters.axis : partie inconnue ; parties de premier niveau : {listed}")


def _citation(hit: Hit, parent: StoredChunk | None = None) -> Citation:
    """A member is cited with its row or list (a plan row: its issue and all its actions, a few
    hundred characters) even when one item matched, so the reader checks it in one place."""
    chunk = hit.chunk
    meta = chunk.metadata
    return Citation(
        text=(parent or chunk).text,
        document=str(meta["document"]),
        title=str(meta["title"]),
        page=int(meta["page"]),
        section=chunk.section,
        score=round(float(hit.score), 4),
        kind=chunk.kind,
        lever=str(meta.get("label", "")),
        format=Path(str(meta.get("filename") or "document.pdf")).suffix.lower().lstrip(".") or "pdf",
    )
