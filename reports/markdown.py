"""The Director's text: plain text or Markdown, to sanitised HTML, in numbered paragraphs.

The papers number every paragraph of a section: "2. Background / 2.1 The Board had previously
agreed ... / 2.2 ...". A bulleted or numbered list belongs to the paragraph before it (seed 001
§2.3: "The following conclusions were agreed ...:" then its bullets), so it is not numbered on
its own. ``numbered_paragraphs(2, body)`` gives ``[("2.1", html), ("2.2", html), ...]``.

Rules
-----
* Paragraphs are separated by a blank line. A block that starts with a list item (``-``, ``*``,
  ``+``, ``1.``, ``1)``), a quote (``>``), a table row (``|``) or an indented line continues
  the paragraph before it. A list written straight under its paragraph's last line (no blank
  line between, as plain-text writers do) is treated the same.
* A paragraph that starts with its own number ("3.2 The Steering Group agreed ...") loses it:
  the numbers are given in order, so a typo in the source (seed 002 prints two 3.2s and two
  4.1s) cannot reach the Board.
* A single line break is kept as a line break (plain text reads as typed).
* The HTML is sanitised by nh3 with an allow-list: paragraphs, emphasis, lists, quotes, links
  (absolute http, https and mailto only, with rel="noopener noreferrer"), code,
  sub/superscript and simple tables. Everything else is stripped; ``script`` and ``style``
  lose their content too.
"""

from __future__ import annotations

import re

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

__all__ = [
    "ALLOWED_ATTRIBUTES",
    "ALLOWED_TAGS",
    "numbered_paragraphs",
    "render_markdown",
    "sanitise",
    "split_paragraphs",
]

ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "strong",
        "em",
        "b",
        "i",
        "u",
        "ul",
        "ol",
        "li",
        "blockquote",
        "a",
        "code",
        "pre",
        "sub",
        "sup",
        "hr",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"colspan"}, "td": {"colspan"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
EXTENSIONS = ("tables", "sane_lists", "nl2br")

_LIST_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+\S")
_CONTINUATION = re.compile(r"^(?:\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+|\s{0,3}[>|]|\s{4,}|\t)")
_OWN_NUMBER = re.compile(r"^\s{0,3}\d{1,3}\.\d{1,3}\.?\s+(?=\S)")


def sanitise(html: str) -> str:
    """HTML reduced to the allow-list (see the module's docstring)."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        url_relative="deny",  # a link in a printed paper must say where it goes
    )


def render_markdown(text: str) -> SafeString:
    """Markdown (or plain text) to sanitised HTML, safe to put in a template."""
    html = markdown_lib.markdown(text or "", extensions=list(EXTENSIONS), output_format="html")
    return mark_safe(sanitise(html))  # noqa: S308 - sanitised by nh3 just above


def _blocks(text: str) -> list[list[str]]:
    """The text's blocks (runs of non-blank lines); a list item straight under a non-list line
    starts a new block, as if a blank line were there."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if not line.strip():
            if current:
                blocks.append(current)
                current = []
            continue
        if (
            current
            and _LIST_ITEM.match(line)
            and not _CONTINUATION.match(current[-1])
            and not any(_LIST_ITEM.match(previous) for previous in current)
        ):
            # "...agreed:\n- All targets ..." : the list begins under its paragraph.
            blocks.append(current)
            current = []
        current.append(line)
    if current:
        blocks.append(current)
    return blocks


def split_paragraphs(text: str) -> list[str]:
    """The Markdown source of each numbered paragraph (a paragraph and the lists, quotes and
    tables that follow it), with any number the writer typed at its start removed."""
    paragraphs: list[list[str]] = []
    for block in _blocks(text):
        if paragraphs and _CONTINUATION.match(block[0]):
            paragraphs[-1].append("\n".join(block))
            continue
        first = _OWN_NUMBER.sub("", block[0], count=1)
        paragraphs.append(["\n".join([first, *block[1:]])])
    return ["\n\n".join(parts) for parts in paragraphs]


def numbered_paragraphs(section_number: int, text: str) -> list[tuple[str, SafeString]]:
    """``[("2.1", html), ("2.2", html), ...]`` for the body of section 2."""
    return [
        (f"{section_number}.{index}", render_markdown(source))
        for index, source in enumerate(split_paragraphs(text), start=1)
    ]
