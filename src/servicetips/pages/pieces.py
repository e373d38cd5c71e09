"""The pieces several page types show: byline, chips, credits, related tips, pager, tip cards and lists.

Each takes the site index, the tip and the page it goes on (`here`, a source
path: links are relative to it), gathers the plain data (texts and URLs from
`servicetips.routes`) and renders it with the autoescaped macros of
templates/pieces.html (`pages.html`). Markdown pieces use `markup.md_text`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..markup import UNPUBLISHED_HREF
from ..model import Tip
from ..routes import file_href, href, tag_source, tip_source, week_source
from ..visibility import links_shown
from .html import blocks, pieces
from .index import SiteIndex


def tip_link(index: SiteIndex, here: str, slug: str) -> str:
    """Where a body's link to tip `slug` goes: its page, or (no page yet) nowhere, shown as text."""
    return href(here, tip_source(slug)) if index.has_page(slug) else UNPUBLISHED_HREF


def body_tip_link(index: SiteIndex, here: str, tip: Tip) -> Callable[[str], str]:
    """Where `tip`'s body links to other tips go (`tip_link`); a recorded week's snapshot shows the links it
    was recorded with (`visibility.links_shown`), and its other tip links as text."""
    shown = links_shown(tip, index.has_page)  # index.has_page records its answers for the page cache
    return lambda slug: href(here, tip_source(slug)) if shown(slug) else UNPUBLISHED_HREF


def summary(tip: Tip) -> str:
    """The tip's summary as the page's lead paragraph."""
    return str(pieces().summary(tip.summary))


def author_name(index: SiteIndex, tip: Tip) -> str:
    """The author's name: as a recorded week was sent, else from authors.yml."""
    if tip.shown_as is not None:  # a recorded week: the name it was sent with
        return tip.shown_as.author_name
    author = index.library.authors.get(tip.meta.author)
    return author.name if author else tip.meta.author


def tag_label(index: SiteIndex, tip: Tip, tag: str) -> str:
    """A tag's label: as a recorded week was sent, else from tags.yml."""
    if tip.shown_as is not None:  # a recorded week: the labels it was sent with
        return tip.shown_as.tags.get(tag, tag)
    return index.library.tags[tag].label


def _chip_items(index: SiteIndex, tip: Tip, here: str) -> list[tuple[str, str]]:
    return [(tag_label(index, tip, tag), href(here, tag_source(tag))) for tag in tip.tags]


def chips(index: SiteIndex, tip: Tip, here: str) -> str:
    """The tip's tags as links to their pages."""
    return str(pieces().chips(_chip_items(index, tip, here)))


def byline(index: SiteIndex, tip: Tip, here: str) -> str:
    """Tags, author, date and reading time."""
    author = index.library.authors.get(tip.meta.author)
    url = tip.shown_as.author_url if tip.shown_as is not None else (author.url if author else None)
    return str(
        pieces().byline(
            _chip_items(index, tip, here),
            author_name(index, tip),
            url,
            tip.published.isoformat(),
            index.day(tip.published),
            tip.reading_minutes,
        )
    )


def credits_block(index: SiteIndex, tip: Tip, here: str) -> str:
    """The idea's source and the weeks the tip was tip of the week (empty when neither)."""
    weeks = [(str(week), href(here, week_source(week))) for week in index.weeks_of(tip)]
    if tip.meta.source is None and not weeks:
        return ""
    return str(pieces().credits(tip.meta.source, weeks))


def related_section(index: SiteIndex, tip: Tip, here: str) -> str:
    """Up to three related tips as cards (empty when there is none)."""
    related = index.related(tip)
    if not related:
        return ""
    # No id on the heading: with one, the search plugin would index the
    # block as a section of its own.
    return str(pieces().related(_cards(index, related, here)))


def pager(here: str, older: Tip | None, newer: Tip | None) -> str:
    """Links to the older and the newer tip."""
    links = []
    if older is not None:
        links.append((f"← Older: {older.title}", href(here, tip_source(older.slug)), "tip-pager__older"))
    if newer is not None:
        links.append((f"Newer: {newer.title} →", href(here, tip_source(newer.slug)), "tip-pager__newer"))
    return nav_block("tip-pager", "Older and newer tips", links)


def nav_block(css_class: str, label: str, links: list[tuple[str, str, str]]) -> str:
    """A labelled <nav> of (text, url, class) links; empty without links."""
    return str(pieces().nav(css_class, label, links)) if links else ""


def _cards(index: SiteIndex, tips: Iterable[Tip], here: str) -> list[dict]:
    return [
        {
            "title": tip.title,
            "url": href(here, tip_source(tip.slug)),
            "summary": tip.summary,
            "chips": _chip_items(index, tip, here),
        }
        for tip in tips
    ]


def tip_cards(index: SiteIndex, tips: Iterable[Tip], here: str) -> str:
    """Tips as Material's grid cards: title, summary, chips."""
    # The markup of Material's "grid cards", written out: these cards
    # are on every tip page, and raw HTML costs Python-Markdown almost
    # nothing while the same cards in Markdown (md_in_html) cost more
    # than the tip's own body.
    return str(pieces().tip_cards(_cards(index, tips, here)))


def tip_list(index: SiteIndex, tips: Iterable[Tip], here: str, with_chips: bool = False) -> str:
    """Tips as a list: title, date, summary (and the tags, `with_chips`)."""
    # Raw HTML: a tag page lists every tip of the tag, so in Markdown
    # (md_in_html) it was the one part of the build that grew with the
    # library on a page of its own.
    items = [
        {
            "title": tip.title,
            "url": href(here, tip_source(tip.slug)),
            "published": tip.published.isoformat(),
            "day": index.day(tip.published),
            "summary": tip.summary,
            "chips": _chip_items(index, tip, here) if with_chips else (),
        }
        for tip in tips
    ]
    return str(pieces().tip_list(items))


def subscribe(index: SiteIndex, here: str) -> str:
    """A paragraph with links to the weekly feeds of this build (empty without feeds)."""
    feeds = index.weekly_feeds()
    if not feeds:
        return ""
    links = [(feed.name, file_href(here, feed.path)) for feed in feeds]
    lead = "Get the tip of the week in your reader or newsletter tool: "
    return str(blocks().links_sentence(lead, links, " · ", "."))
