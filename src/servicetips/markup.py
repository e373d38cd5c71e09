"""Text that goes into the site's Markdown and HTML, made safe once, in one place.

Tip titles, summaries, tag labels and author names are plain text (the
validator refuses markup, but a lone `<` or `&` is allowed: "Answer in < 2
hours & say thanks"). MkDocs and Material insert page titles and meta values
into HTML without escaping, and Python-Markdown reads `*`, `[` or `\\` as
syntax, so every such text passes through one of the helpers here:

* `md_text` for text inside generated Markdown (headings, link labels),
* `html_text` / `html_attr` for text inside raw HTML,
* `html_page_meta` for page metadata MkDocs and Material print as is.

`rewrite_links` points a body's links at the page that shows it (a link to
a tip that has no page yet, a scheduled tip, points at `UNPUBLISHED_HREF`
and is shown as its text, see `unwrap_links`), and `SafeAttributes` is a Python-Markdown extension (listed in mkdocs.yml)
that drops event-handler attributes and script URLs from rendered Markdown:
`attr_list`, which the generated pages need, would otherwise let a tip body
write `{ onclick=... }`.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from typing import Any, Callable, Mapping, Optional

from markdown import Markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markdown.util import AMP_SUBSTITUTE, HTML_PLACEHOLDER_RE

from .body import code_free_lines, is_script_url, tip_slug_of_link

# Python-Markdown's backslash-escapable characters (with the tables
# extension's `|`); a backslash before anything else is kept literally.
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()>#+\-.!|])")
# `](target` of an inline link or image, and `[label]: target` definitions.
_INLINE_TARGET = re.compile(r"\]\(\s*(<[^>\n]*>|[^\s)]+)")
_REF_TARGET = re.compile(r"^( {0,3}\[[^\]]+\]:[ \t]*)(<[^>\n]*>|\S+)")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# Where a body's link to a tip without a page (scheduled, see
# servicetips.visibility) points until the rendered link is replaced by its
# text. A fragment, so that no page is looked up for it; the body writing
# this target itself only loses its own link.
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


def rewrite_links(body: str, tip_href: Callable[[str], str],
                  file_href: Optional[Callable[[str], str]] = None) -> str:
    """Re-point the links of a tip's body for the page that shows it.

    Links to another tip (`x.md`, `../x.md`, `/tips/x/`, `../x/`) become
    `tip_href(slug)`: tips link to each other in several accepted forms, and
    MkDocs resolves and checks only `.md` links. With `file_href`, other
    relative links (an image beside the tip, `images/card.png`) become
    `file_href(target)`, for pages outside `tips/` such as a week's
    permalink. Fragments are kept; code blocks and code spans are left alone.
    """
    lines = body.split("\n")

    def replace(target: str) -> str:
        bare = target[1:-1] if target.startswith("<") and target.endswith(">") else target
        slug = tip_slug_of_link(bare)
        if slug:
            fragment = bare[bare.index("#"):] if "#" in bare else ""
            return tip_href(slug) + fragment
        if file_href is not None and slug is None and _is_relative_file(bare):
            return file_href(bare)
        return target

    for number, visible in code_free_lines(body):
        if "](" not in visible and "]:" not in visible:
            continue
        # Targets are found in the line with its code spans blanked (same
        # columns), and replaced in the original line.
        original = lines[number - 1]
        spans = [m.span(1) for m in _INLINE_TARGET.finditer(visible)]
        spans += [m.span(2) for m in _REF_TARGET.finditer(visible)]
        pieces, last = [], 0
        for start, end in sorted(spans):
            pieces.append(original[last:start])
            pieces.append(replace(original[start:end]))
            last = end
        lines[number - 1] = "".join(pieces) + original[last:]
    return "\n".join(lines)


def _is_relative_file(target: str) -> bool:
    """True for a link to a file relative to the tip (`card.png`), not a URL, anchor or site path."""
    return bool(target) and not (target.startswith(("#", "/")) or _SCHEME.match(target))


class _DropUnsafeAttributes(Treeprocessor):
    """Remove `on*` attributes and script URLs that Markdown syntax (attr_list) could add."""

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            for name in list(element.attrib):
                value = self._as_browser_sees_it(element.attrib[name])
                if name.lower().startswith("on") or (
                    name.lower() in ("href", "src", "action", "formaction") and is_script_url(value)
                ):
                    del element.attrib[name]

    def _as_browser_sees_it(self, value: str) -> str:
        # Markdown keeps entities (`&#106;`) as placeholders into its HTML
        # stash until the very end; put them back so `&#106;avascript:` is
        # recognised, as it will be in the page.
        blocks = self.md.htmlStash.rawHtmlBlocks

        def restore(match: re.Match) -> str:
            index = int(match.group(1))
            return str(blocks[index]) if index < len(blocks) else ""

        return HTML_PLACEHOLDER_RE.sub(restore, value).replace(AMP_SUBSTITUTE, "&")


def unwrap_links(root: etree.Element, href: str = UNPUBLISHED_HREF) -> None:
    """Replace every `<a>` in `root` whose href is `href` (a further `#fragment` allowed) by its content."""
    while True:
        # A fragment may follow (`[x](later.md#why)`): the whole link goes.
        found = next(((parent, child) for parent in root.iter() for child in parent
                      if child.tag == "a" and (child.get("href") or "").split("#")[:2] == href.split("#")), None)
        if found is None:
            return
        _unwrap(*found)


def _unwrap(parent: etree.Element, element: etree.Element) -> None:
    index = list(parent).index(element)
    previous = parent[index - 1] if index else None

    def add_text(after: Optional[etree.Element], text: Optional[str]) -> None:
        if not text:
            return
        if after is None:
            parent.text = (parent.text or "") + text
        else:
            after.tail = (after.tail or "") + text

    add_text(previous, element.text)
    inner = list(element)
    parent.remove(element)
    for offset, child in enumerate(inner):
        parent.insert(index + offset, child)
    add_text(inner[-1] if inner else previous, element.tail)


class _UnlinkUnpublished(Treeprocessor):
    """Show a body's links to tips that have no page yet as their text (see `UNPUBLISHED_HREF`)."""

    def run(self, root: etree.Element) -> None:
        unwrap_links(root)


class SafeAttributes(Extension):
    """Python-Markdown extension: no event handlers or script URLs from Markdown syntax."""

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's API name
        # Priority -1: after attr_list (8) has set the attributes and after
        # `unescape` (0) has put back the `&` and backslash escapes Markdown
        # hides in placeholders, so an entity-encoded scheme is seen as the
        # browser will see it.
        md.treeprocessors.register(_DropUnsafeAttributes(md), "servicetips_safe_attributes", -1)
        # Priority 7.5: after the inline patterns (20) made the links, before
        # MkDocs (5 and 0) records and checks them: the fragment names no anchor.
        md.treeprocessors.register(_UnlinkUnpublished(md), "servicetips_unlink_unpublished", 7.5)


def makeExtension(**kwargs: Any) -> SafeAttributes:  # noqa: N802 - Python-Markdown's entry point name
    """Entry point for `markdown_extensions: [servicetips.markup]` in mkdocs.yml."""
    return SafeAttributes(**kwargs)
