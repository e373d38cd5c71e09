"""What every page builder shares: the page as data, the tip body's placement, labels and small Markdown helpers."""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ..allowlist import heading_id
from ..body import tip_slug_of_link
from ..dates import IsoWeek
from ..ledger import withdrawal_notice as ledger_notice
from ..markup import html_text
from ..model import Tip
from ..render import body_html
from ..routes import FEED_ATOM, FEED_JSON, FEED_RSS, file_href, href, tip_asset, tip_source
from ..schedule import WeekSlot
from .html import blocks, pieces

# Tips are what readers search for: rank them above the hand-written pages
# when both match. Listing pages (tags, weekly, home) are left out of the
# index entirely, since they only repeat the tips' titles and summaries.
TIP_SEARCH_BOOST = 2
# A generated page's whole Markdown. Its content is finished HTML made here
# (`VirtualPage.html`), never read by MkDocs' Markdown: the hook puts it in
# place of this comment once MkDocs has rendered the page (`insert_content`),
# or skips MkDocs' Markdown altogether for it (hooks/fast_pages.py). So
# nothing in a tip is read by MkDocs' Markdown, expanded as a
# `<!-- tips:... -->` marker or left unsanitized on the site.
PAGE_PLACEHOLDER = "<!-- servicetips:page -->"
WITHDRAWN_TITLE = "Tip withdrawn"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class Heading:
    """A heading of a generated page: level, id and text as HTML (what the page's table of contents lists)."""

    level: int
    id: str
    name: str


@dataclass(frozen=True)
class VirtualPage:
    """A generated page: its source path, its content as finished HTML, its headings and metadata (plain text)."""

    src_uri: str
    html: str
    meta: dict[str, Any] = field(default_factory=dict)
    in_nav: bool = False
    # Finished HTML shown after the page's content (a tip's credits, related
    # tips and pager), out of the search index.
    footer_html: str = ""
    headings: tuple[Heading, ...] = ()

    @property
    def markdown(self) -> str:
        """The page's Markdown: only the placeholder of its content (as MkDocs reads it from `source`)."""
        return PAGE_PLACEHOLDER + "\n"

    def toc_tokens(self) -> list[dict[str, Any]]:
        """The headings nested as Python-Markdown's toc extension gives them (`level`, `id`, `name`, `children`)."""
        tokens: list[dict[str, Any]] = []
        open_: list[dict[str, Any]] = []  # the chain of headings the next one may nest under
        for heading in self.headings:
            token = {"level": heading.level, "id": heading.id, "name": heading.name, "children": []}
            while open_ and open_[-1]["level"] >= heading.level:
                open_.pop()
            (open_[-1]["children"] if open_ else tokens).append(token)
            open_.append(token)
        return tokens

    @property
    def source(self) -> str:
        """The page as a Markdown file: YAML front matter, then the Markdown."""
        if not self.meta:
            return self.markdown
        # JSON is valid YAML, and writing it is ~20x faster than yaml.safe_dump.
        front = json.dumps(self.meta, ensure_ascii=False)
        return f"---\n{front}\n---\n\n{self.markdown}"


@dataclass(frozen=True)
class FeedLink:
    """A weekly feed a page can advertise: path in the site, media type, and a short name."""

    path: str
    media_type: str
    name: str


WEEKLY_FEEDS = (
    FeedLink(FEED_RSS, "application/rss+xml", "RSS"),
    FeedLink(FEED_ATOM, "application/atom+xml", "Atom"),
    FeedLink(FEED_JSON, "application/feed+json", "JSON Feed"),
)


def week_label(week: IsoWeek, language: str = "en") -> str:
    """A week with its dates in the site's language: '2026-W48 · 23-29 Nov 2026'."""
    return f"{week} · {week.date_range_label(language)}"


def week_title(slot: WeekSlot) -> str:
    """The title a week shows: its tip's, or a plain notice when the tip was withdrawn."""
    return WITHDRAWN_TITLE if slot.withdrawn is not None else slot.tip.title


def withdrawal_notice(slot: WeekSlot) -> str:
    """The sentence that replaces a withdrawn tip on its week page (the same as in its feed items)."""
    return ledger_notice(slot.week, slot.withdrawn)


def site_body_html(tip: Tip, here: str, tip_href: Callable[[str], str] | None = None) -> str:
    """The tip's allow-listed body HTML for the page at `here`, its links pointing from that page.

    The body was written next to its tip, in tips/: links to other tips
    (`other.md`, `../other/`, `/tips/other/`) go to `tip_href(slug)` (by
    default the tip's page; `UNPUBLISHED_HREF` shows the link as its text),
    and other relative links (an image beside the tip, `card.png`) to the
    file in tips/.
    """
    tip_href = tip_href or (lambda slug: href(here, tip_source(slug)))

    def resolve(target: str) -> str:
        slug = tip_slug_of_link(target)
        if slug:
            fragment = target[target.index("#") :] if "#" in target else ""
            return tip_href(slug) + fragment
        if slug is None and target and not target.startswith(("#", "/")) and not _SCHEME.match(target):
            return file_href(here, posixpath.normpath(tip_asset(target)))
        return target

    return body_html(tip.body, resolve)


def insert_content(rendered: str, html: str) -> str:
    """A generated page's rendered HTML with its content HTML in place of PAGE_PLACEHOLDER.

    Raises ValueError unless the placeholder is there exactly once: a page
    that lost it would otherwise be published without its content, or twice.
    """
    if rendered.count(PAGE_PLACEHOLDER) != 1:
        raise ValueError("the page does not hold exactly one content placeholder")
    return rendered.replace(PAGE_PLACEHOLDER, html)


class Content:
    """A generated page's HTML, block by block, with the ids and texts of its headings.

    Blocks are joined the way Python-Markdown joined them when these pages
    were Markdown (one newline; two after a block that was raw HTML there),
    so pages keep their bytes. Heading ids are made as the toc extension
    makes them, held to the heading-id rule (`allowlist.heading_id`), so
    anchors people link to stay the same and no title takes a theme's id.
    """

    def __init__(self) -> None:
        self._parts: list[tuple[str, bool]] = []
        self._ids: set[str] = set()
        self.headings: list[Heading] = []

    def add(self, html: str, raw: bool = False) -> None:
        """Add a block (nothing when empty); `raw` for a block that stood as raw HTML in the page's Markdown."""
        if html:
            self._parts.append((str(html), raw))

    def heading(self, level: int, text: str, url: str | None = None) -> None:
        """Add a heading of plain `text` (a link to `url`, if given), with its permalink."""
        ident = heading_id(text, self._ids)
        inner = pieces().anchor(text, url) if url else text
        self.headings.append(Heading(level, ident, html_text(text)))
        self.add(str(blocks().heading(level, ident, inner)))

    def html(self) -> str:
        """The blocks joined."""
        out = []
        after_raw = False
        for number, (html, raw) in enumerate(self._parts):
            if number:
                out.append("\n\n" if after_raw else "\n")
            out.append(html)
            after_raw = raw
        return "".join(out)

    def page(self, src_uri: str, meta: dict[str, Any], in_nav: bool = False, footer_html: str = "") -> VirtualPage:
        """The generated page at `src_uri` with this content."""
        return VirtualPage(src_uri, self.html(), meta, in_nav, footer_html, tuple(self.headings))


def problems_markdown(report_text: str) -> str:
    """The preview's page while the library has errors: the same lines `tips check` prints."""
    longest = max((len(run) for run in re.findall(r"`+", report_text)), default=0)
    fence = "`" * max(3, longest + 1)
    return join(
        [
            "# The tips have problems",
            "The preview shows this page until every error below is fixed; it reloads by itself "
            "when you save. `tips check` prints the same list.",
            f"{fence}text\n{report_text.rstrip()}\n{fence}",
        ]
    )


def listing_meta(title: str, description: str) -> dict[str, Any]:
    """Metadata of a listing page: out of the search index, so that a search lands on the tip itself."""
    return {"title": title, "description": description, "hide": ["toc"], "search": {"exclude": True}}


def tips_count(count: int) -> str:
    """'1 tip', '2 tips'."""
    return f"{count} tip" if count == 1 else f"{count} tips"


def join(parts: Iterable[str]) -> str:
    """Markdown blocks, empty ones left out, one blank line apart."""
    return "\n\n".join(part for part in parts if part) + "\n"
