"""A Markdown document as a page to check a source in: rendered (raw HTML in the file is shown as
text, never run), each heading with an anchor, so a citation opens at its section."""

from __future__ import annotations

import re
from html import escape
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

from ingest.blocks import fold

_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")
STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;line-height:1.5;"
    "color:#1a1a1a}table{border-collapse:collapse}td,th{border:1px solid #8a94a3;padding:.3rem .5rem}"
    ":target{background:#fff3c4}"
)


def anchor(heading: str) -> str:
    """The anchor of a heading: its words without accents, joined by hyphens ("Habitat à Nîmes" →
    "habitat-a-nimes"); the citation's link and the page compute it alike."""
    return "-".join(re.findall(r"[a-z0-9]+", fold(heading))) or "section"


def _heading_open(renderer: RendererHTML, tokens: list[Token], index: int, options: Any, env: Any) -> str:
    tokens[index].attrSet("id", anchor(tokens[index + 1].content))
    return renderer.renderToken(tokens, index, options, env)


_MARKDOWN.add_render_rule("heading_open", _heading_open)


def markdown_page(text: str, title: str) -> str:
    body = _MARKDOWN.render(text)
    return (
        f"<!doctype html><html lang='fr'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'><style>{STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )
