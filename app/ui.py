"""The chat elected officials use, mounted on the FastAPI app at "/".

It is a second doorway to the same service as `POST /api/ask` (app/service.py): the question is
validated as an `AskRequest`, answered in the answer threads, logged on the same line. Each
answer is kept with the chat message showing it, so a 👍/👎 is stored with exactly what it rates.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import gradio as gr
from fastapi import FastAPI
from fastapi.concurrency import iterate_in_threadpool
from pydantic import ValidationError

from app import service
from app.errors import DOMAIN_ERRORS, describe
from app.feedback import FeedbackStore
from app.limits import UPLOAD_LIMIT
from app.schemas import MAX_HISTORY_TURNS, MAX_QUESTION_CHARS, AskRequest, FeedbackIn
from app.ui_render import answer_markdown, outline_html, sources_html
from rag.assistant import Answer, Replace
from rag.errors import IndexUnavailable

TITLE = "Assistant Plan Logement Occitanie"
INTRO = (
    "Je réponds à partir des documents publics indexés (l'onglet « Parcourir les documents » les montre) : "
    "d'abord le **plan d'action de l'USH Occitanie** pour la production de logements sociaux et le "
    "**communiqué du Préfet du 20 décembre 2024**, puis ceux que vos services ajoutent. Je cite toujours "
    "mes sources ; ce que les documents ne disent pas, je ne le sais pas, et je le dis."
)
EXAMPLES = [
    "Mon agglo veut suivre le prix des terrains, qui peut nous aider ?",
    "Des bureaux vides, on peut en faire du logement social ?",
    "Combien de ménages attendent un logement social ?",
    "Comment aider les entreprises du BTP à répondre aux appels d'offres des bailleurs ?",
    "Quand ont eu lieu les deuxièmes assises régionales du logement ?",
]
CSS_PATH = Path(__file__).parent / "static" / "ui.css"
HEAD_PATH = Path(__file__).parent / "static" / "ui_head.html"
STREAM_PIECES = 12  # the answer is shown in this many steps when it is long enough to read as it comes
NOT_AN_ANSWER = (
    "Cet avis ne porte sur aucune réponse enregistrée (message d'erreur, conversation effacée, ou réponse "
    "encore en cours d'écriture)."
)
# After an answer arrives: its first line at the top of the chat (the sources follow below it),
# instead of the end of the last source card.
SHOW_ANSWER_JS = """() => {
  const answers = document.querySelectorAll('#chat .bot-row');
  const last = answers[answers.length - 1];
  const wrap = last && last.closest('.bubble-wrap');
  if (!wrap) return;
  wrap.scrollTop += last.getBoundingClientRect().top - wrap.getBoundingClientRect().top - 36;  // below the label
  const chat = document.querySelector('#chat');
  const top = chat.getBoundingClientRect().top;
  if (top < 0 || top > window.innerHeight / 2) chat.scrollIntoView({block: 'start'});
}"""

Messages = list[dict[str, Any]]
Records = dict[str, dict[str, Any]]  # chat message index → the answer it shows, as rated


def _history(records: Records) -> list[dict[str, str]]:
    """The conversation so far as the API takes it: each answered question and its answer text."""
    turns: list[dict[str, str]] = []
    for _, record in sorted(records.items(), key=lambda item: int(item[0])):
        turns += [{"role": "user", "content": record["question"]}, {"role": "assistant", "content": record["answer"]}]
    return turns[-MAX_HISTORY_TURNS:]


def _record(question: str, answer: Answer) -> dict[str, Any]:
    return {"question": question, **asdict(answer)}


def build_ui(app: FastAPI) -> gr.Blocks:
    """The Blocks; `app.state.assistant` is created by the app lifespan, so it is read at call time."""

    def feedback() -> FeedbackStore:
        return app.state.feedback

    async def respond(
        question: str, messages: Messages, records: Records, request: gr.Request
    ) -> AsyncIterator[tuple[Messages, str, Records, Any]]:
        question = (question or "").strip()
        if not question:
            yield messages, "", records, ""
            return
        messages = [*messages, {"role": "user", "content": question}]
        request_id = request.headers.get("x-request-id", "") if request else ""
        try:
            asked = AskRequest(question=question, history=_history(records))  # type: ignore[arg-type]
            streamed = await service.ask_stream(app.state, asked, "chat", request_id)
        except ValidationError as error:
            problem = "; ".join(describe(dict(e)) for e in error.errors())
            yield [*messages, {"role": "assistant", "content": f"⚠️ Question refusée : {problem}."}], "", records, ""
            return
        except DOMAIN_ERRORS as error:  # the index unavailable, an unknown filter…
            yield [*messages, {"role": "assistant", "content": f"⚠️ {error}"}], "", records, ""
            return
        reply, shown, key = streamed.answer, "", str(len(messages))
        final = replace(reply, mode="llm") if streamed.written else reply
        text = answer_markdown(reply)
        # While a cited answer shows piece by piece it is already the answer a 👍/👎 rates; a written
        # one is known only once written (and checked).
        rated = records if streamed.written else {**records, key: _record(question, reply)}
        thanks: Any = ""
        async for piece in iterate_in_threadpool(streamed.pieces):  # an LLM's tokens come as it writes
            if isinstance(piece, Replace):  # the written answer failed its check: the extractive one
                shown, final = piece.text, reply
            else:
                shown += piece
            if streamed.written or len(text) > 400:  # the last "Merci" cleared once, then left alone
                yield [*messages, {"role": "assistant", "content": shown}], "", rated, thanks
                thanks = gr.skip()
        if streamed.written:
            final = replace(final, answer=shown)
        message: dict[str, Any] = {"role": "assistant", "content": answer_markdown(final) + sources_html(final)}
        if final.suggestions:  # a refusal: questions the documents do answer, asked by a click
            message["options"] = [{"value": question, "label": question} for question in final.suggestions]
        records = {**records, key: _record(question, final)}
        yield [*messages, message], "", records, thanks

    async def ask_option(
        data: gr.SelectData, messages: Messages, records: Records, request: gr.Request
    ) -> AsyncIterator[tuple[Messages, str, Records, Any]]:
        async for update in respond(str(data.value), messages, records, request):
            yield update

    def rate(data: gr.LikeData, records: Records, comment: str) -> tuple[str, str]:
        """Store the verdict with the answer of the rated message, and only the comment typed for it
        (then cleared); anything else that was rated (an error message) is not stored."""
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        record = records.get(str(index))
        if record is None:
            return NOT_AN_ANSWER, comment
        try:
            verdict = FeedbackIn(
                rating="up" if data.liked is True or data.liked == "Like" else "down",
                comment=comment or "",
                question=record["question"],
                answer=record["answer"],
                refused=record["refused"],
                citations=record["citations"],
            )
        except ValidationError as error:
            return "Avis non enregistré : " + "; ".join(describe(dict(e)) for e in error.errors()), comment
        try:
            service.give_feedback(feedback(), verdict)
        except DOMAIN_ERRORS as error:
            return str(error), comment
        return "Merci pour votre avis, il a été enregistré." + (" Commentaire joint." if comment else ""), ""

    def outline() -> str:
        try:
            return outline_html(app.state.assistant.outline())
        except IndexUnavailable as error:
            return f"<p>{error}</p>"

    with gr.Blocks(title=TITLE) as blocks:
        gr.Markdown(f"# {TITLE}\n{INTRO}")
        records = gr.State({})
        with gr.Tab("Poser une question"):
            chatbot = gr.Chatbot(
                label="Conversation",
                height=520,
                placeholder="Posez votre question ci-dessous ou choisissez un exemple.",
                feedback_options=["Like", "Dislike"],
                sanitize_html=True,
                autoscroll=False,
                elem_id="chat",
            )
            with gr.Row():
                question = gr.Textbox(
                    label="Votre question",
                    placeholder="Ex. : qui peut aider mon agglo à suivre le prix du foncier ?",
                    scale=5,
                    elem_id="question",
                    info=f"{MAX_QUESTION_CHARS} caractères au plus.",
                )
                send = gr.Button("Envoyer", variant="primary", scale=1, elem_id="send")
            examples = gr.Examples(EXAMPLES, inputs=question, label="Exemples de questions (cliquez pour les poser)")
            comment = gr.Textbox(
                label="Commentaire sur la réponse (facultatif, envoyé avec 👍/👎)", lines=1, elem_id="comment"
            )
            thanks = gr.Markdown(elem_id="thanks")
            clear = gr.Button("Nouvelle conversation", variant="secondary", elem_id="new-conversation")
        with gr.Tab("Parcourir les documents", elem_id="outline-tab"):
            plan = gr.HTML(elem_id="outline")

        inputs, outputs = [question, chatbot, records], [chatbot, question, records, thanks]
        for event in (send.click, question.submit, examples.load_input_event.then):
            event(respond, inputs, outputs).then(None, js=SHOW_ANSWER_JS)
        chatbot.option_select(ask_option, [chatbot, records], outputs).then(None, js=SHOW_ANSWER_JS)
        chatbot.like(rate, [records, comment], [thanks, comment])
        chatbot.clear(lambda: ({}, ""), None, [records, thanks])  # the chat's own trash icon
        clear.click(lambda: ([], {}, "", ""), None, [chatbot, records, thanks, comment])
        blocks.load(outline, None, plan)
    return blocks


def mount_ui(app: FastAPI) -> FastAPI:
    """Serve the chat at "/" (after the /api routes, which keep precedence), in French whatever
    the browser's language, without Gradio's English footer links."""
    return gr.mount_gradio_app(
        app,
        build_ui(app),
        path="",
        css=CSS_PATH.read_text(encoding="utf-8"),
        head=HEAD_PATH.read_text(encoding="utf-8"),
        footer_links=[],
        max_file_size=UPLOAD_LIMIT,
    )
