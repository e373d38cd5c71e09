"""Text that goes into the site's Markdown and HTML, made safe once, in one place.

Tip titles, summaries, tag labels and author names are plain text (the
validator refuses markup, but a lone `<` or `&` is allowed: "Answer in < 2
hours & say thanks"). MkDocs and Material insert page titles and meta values
into HTML without escaping, and Python-Markdown reads `*`, `[` or `\\` as
syntax, so every such text passes through one of the helpers here:

* `md_text` for text inside generated Markdown (headings, link labels),
* `html_text` / `html_attr` for text inside raw HTML,
* `html_page_meta` for page metadata MkDocs and Material print as is.

Tip bodies are not handled here: the core renders them and holds them to an
allow-list (`servicetips.render`, `servicetips.allowlist`).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

# Python-Markdown's backslash-escapable characters (with the tables
# extension's `|`); a backslash before anything else is kept literally.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()>#+\-.!|])")
# Where a body's link to a tip without a page (scheduled, see
# servicetips.visibility) points until the link is replaced by its text
# (`render.body_html`). A fragment, so that no page is looked up for it.
UNPUBLISHED_HREF = "#tips-not-yet-published"
# Meta keys whose values MkDocs or Material print into HTML unescaped.
_TEXT_META_KEYS = ("title", "description", "author")


def md_text(text: str) -> str:
    """Plain text as Markdown that renders exactly that text (escaped once in the HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def html_text(text: str) -> str:
    """Plain text for an HTML text node."""
    return html.escape(text, quote=False)


def html_attr(text: str) -> str:
    """Plain text for a double-quoted HTML attribute value."""
    return html.escape(text, quote=True)


def html_page_meta(meta: Mapping[str, Any]) -> dict[str, Any]:
    """The page metadata values that templates print raw, HTML-escaped; other keys unchanged.

    Material prints `page.meta.title` in `<title>` and the header, and
    `page.meta.description` in `<meta name="description">`, without
    escaping; the search plugin copies `tags` into the index, whose strings
    the search UI inserts as HTML. Front matter is plain text, so it is
    escaped here exactly once.
    """
    escaped = dict(meta)
    for key in _TEXT_META_KEYS:
        if isinstance(escaped.get(key), str):
            escaped[key] = html.escape(escaped[key], quote=True)
    tags = escaped.get("tags")
    if isinstance(tags, list):
        escaped["tags"] = [html.escape(t, quote=True) if isinstance(t, str) else t for t in tags]
    return escaped
