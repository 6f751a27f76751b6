"""Read a Markdown press release into blocks: headings, paragraphs, bullets; markup stripped."""

from __future__ import annotations

import re

from ingest.blocks import Block, join_lines

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*$")
_BULLET = re.compile(r"^\s*(?:[-*+•▪]|\d+[.)])\s+(.*)$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>]+)>")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1", re.DOTALL)
_HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def strip_markup(text: str) -> str:
    """Keep the words a reader sees: link labels, not targets; no emphasis marks or HTML tags."""
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _HTML_TAG.sub("", text)
    previous = None
    while previous != text:  # nested emphasis such as ***bold italic***
        previous, text = text, _EMPHASIS.sub(r"\2", text)
    return text


def read_markdown(source: str) -> list[Block]:
    """Split on blank lines; a `#` line is a heading, a `-`/`*` line starts a bullet."""
    blocks: list[Block] = []
    pending: list[str] = []
    pending_kind = "paragraph"

    def flush() -> None:
        nonlocal pending_kind
        text = join_lines([strip_markup("\n".join(pending))])
        if text:
            blocks.append(Block(pending_kind, text, page=1))  # type: ignore[arg-type]
        pending.clear()
        pending_kind = "paragraph"

    for raw in source.splitlines():
        line = raw.rstrip()
        if heading := _HEADING.match(line):
            flush()
            blocks.append(Block("heading", strip_markup(heading.group(2)), 1, level=len(heading.group(1))))
        elif bullet := _BULLET.match(line):
            flush()
            pending_kind = "bullet"
            pending.append(bullet.group(1))
        elif not line.strip():
            flush()
        else:
            pending.append(line)
    flush()
    return blocks
