"""The chat elected officials use, mounted on the FastAPI app at "/".

It calls the very same `Assistant` as `POST /api/ask` (read from the app state at each call),
so the chat and the API cannot answer differently. The conversation is passed back each turn
so follow-ups ("et pour les entreprises du bâtiment ?") are understood.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import gradio as gr
from fastapi import FastAPI

from app.feedback import FeedbackFull, FeedbackStore
from app.limits import UPLOAD_LIMIT
from app.schemas import MAX_QUESTION_CHARS
from app.ui_render import answer_markdown, outline_html, sources_html
from rag.answer import pieces
from rag.assistant import Assistant, Replace, Turn
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
STREAM_PIECES = 12  # the answer is shown in this many steps when it is long enough to read as it comes


def _history(messages: list[dict[str, Any]]) -> list[Turn]:
    return [Turn(m["role"], _text(m["content"])) for m in messages if m.get("role") == "user"]


def _text(content: Any) -> str:
    """The words of a chat message: Gradio passes a string, or parts such as [{"type": "text", "text": …}]."""
    if isinstance(content, str):
        return content
    parts = content if isinstance(content, list) else [content]
    return " ".join(str(part.get("text", "")) if isinstance(part, dict) else str(part) for part in parts).strip()


def build_ui(app: FastAPI) -> gr.Blocks:
    """The Blocks; `app.state.assistant` is created by the app lifespan, so it is read at call time."""

    def assistant() -> Assistant:
        return app.state.assistant

    def feedback() -> FeedbackStore:
        return app.state.feedback

    def respond(
        question: str, messages: list[dict[str, Any]], answers: list[dict[str, Any]]
    ) -> Iterator[tuple[list[dict[str, Any]], str, list[dict[str, Any]], str]]:
        question = (question or "").strip()
        if not question:
            yield messages, "", answers, ""
            return
        try:
            reply, stream = assistant().ask_stream(question[:MAX_QUESTION_CHARS], _history(messages))
        except IndexUnavailable as error:
            yield (
                [*messages, {"role": "user", "content": question}, {"role": "assistant", "content": f"⚠️ {error}"}],
                "",
                answers,
                "",
            )
            return
        messages = [*messages, {"role": "user", "content": question}]
        if reply.refused or assistant().writer is None:
            text = answer_markdown(reply) + sources_html(reply)
            answers = [*answers, {"question": question, **asdict(reply)}]
            words = pieces(text) if len(text) > 400 else [text]
            step = max(1, len(words) // STREAM_PIECES)
            for end in range(step, len(words) + step, step):
                yield [*messages, {"role": "assistant", "content": "".join(words[:end])}], "", answers, ""
            return
        # Written mode: the model's tokens as they come; replaced by the extractive answer if the
        # written one fails its check (`Replace`), then the sources.
        shown, final = "", replace(reply, mode="llm")
        for piece in stream:
            if isinstance(piece, Replace):
                shown, final = piece.text, reply
            else:
                shown += piece
            yield [*messages, {"role": "assistant", "content": shown}], "", answers, ""
        final = replace(final, answer=shown)
        answers = [*answers, {"question": question, **asdict(final)}]
        content = answer_markdown(final) + sources_html(final)
        yield [*messages, {"role": "assistant", "content": content}], "", answers, ""

    def rate(data: gr.LikeData, answers: list[dict[str, Any]], comment: str) -> str:
        turn = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        number = int(turn) // 2  # messages alternate user, assistant
        if not answers or number >= len(answers):
            return ""
        entry = answers[number]
        rating = "up" if data.liked else "down"
        try:
            feedback().add(
                rating, entry["question"], entry["answer"], entry["refused"], entry["citations"], comment or ""
            )
        except FeedbackFull as error:
            return str(error)
        return "Merci pour votre avis, il a été enregistré." + (" Commentaire joint." if comment else "")

    def outline() -> str:
        try:
            return outline_html(assistant().outline())
        except IndexUnavailable as error:
            return f"<p>{error}</p>"

    with gr.Blocks(title=TITLE) as blocks:
        gr.Markdown(f"# {TITLE}\n{INTRO}")
        answers = gr.State([])
        with gr.Tab("Poser une question"):
            chatbot = gr.Chatbot(
                label="Conversation",
                height=520,
                placeholder="Posez votre question ci-dessous ou choisissez un exemple.",
                feedback_options=["Like", "Dislike"],
                sanitize_html=True,
                elem_id="chat",
            )
            with gr.Row():
                question = gr.Textbox(
                    label="Votre question",
                    placeholder="Ex. : qui peut aider mon agglo à suivre le prix du foncier ?",
                    scale=5,
                    elem_id="question",
                    max_length=MAX_QUESTION_CHARS,
                )
                send = gr.Button("Envoyer", variant="primary", scale=1, elem_id="send")
            gr.Examples(EXAMPLES, inputs=question, label="Exemples de questions (cliquez pour les poser)")
            comment = gr.Textbox(
                label="Commentaire sur la réponse (facultatif, envoyé avec 👍/👎)", lines=1, elem_id="comment"
            )
            thanks = gr.Markdown(elem_id="thanks")
            clear = gr.Button("Nouvelle conversation", variant="secondary")
        with gr.Tab("Parcourir les documents", elem_id="outline-tab"):
            plan = gr.HTML(elem_id="outline")

        outputs = [chatbot, question, answers, thanks]
        send.click(respond, [question, chatbot, answers], outputs)
        question.submit(respond, [question, chatbot, answers], outputs)
        chatbot.like(rate, [answers, comment], thanks)
        clear.click(lambda: ([], [], ""), None, [chatbot, answers, thanks])
        blocks.load(outline, None, plan)
    return blocks


def mount_ui(app: FastAPI) -> FastAPI:
    """Serve the chat at "/" (after the /api routes, which keep precedence)."""
    return gr.mount_gradio_app(
        app, build_ui(app), path="", css=CSS_PATH.read_text(encoding="utf-8"), max_file_size=UPLOAD_LIMIT
    )
