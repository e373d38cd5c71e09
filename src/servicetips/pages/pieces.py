"""The pieces several page types show: byline, chips, credits, related tips, pager, tip cards and lists.

Each takes the site index, the tip and the page it goes on (`here`, a source
path: links are relative to it). Pieces in raw HTML escape every text
(`markup.html_text`, `markup.html_attr`); Markdown pieces use `markup.md_text`.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..markup import UNPUBLISHED_HREF, html_attr, html_text
from ..model import Tip
from ..routes import href, link, tag_source, tip_source, week_source
from .base import anchor, nav_block
from .index import SiteIndex


def tip_link(index: SiteIndex, here: str, slug: str) -> str:
    """Where a body's link to tip `slug` goes: its page, or (no page yet) nowhere, shown as text."""
    return href(here, tip_source(slug)) if index.visible.has_page(slug) else UNPUBLISHED_HREF


def summary(tip: Tip) -> str:
    """The tip's summary as the page's lead paragraph."""
    return f'<p class="tip-summary">{html_text(tip.summary)}</p>'


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


def chips(index: SiteIndex, tip: Tip, here: str) -> str:
    """The tip's tags as links to their pages."""
    return " ".join(anchor(tag_label(index, tip, tag), href(here, tag_source(tag)), "tip-chip") for tag in tip.tags)


def byline(index: SiteIndex, tip: Tip, here: str) -> str:
    """Tags, author, date and reading time."""
    author = index.library.authors.get(tip.meta.author)
    url = tip.shown_as.author_url if tip.shown_as is not None else (author.url if author else None)
    name = html_text(author_name(index, tip))
    if url:
        name = f'<a href="{html_attr(url)}">{name}</a>'
    published = f'<time datetime="{tip.published.isoformat()}">{index.day(tip.published)}</time>'
    return (
        '<div class="tip-meta" data-search-exclude>\n'
        f"<p>{chips(index, tip, here)}</p>\n"
        f'<p class="tip-byline">By {name} · {published} · {tip.reading_minutes} min read</p>\n'
        "</div>"
    )


def credits_block(index: SiteIndex, tip: Tip, here: str) -> str:
    """The idea's source and the weeks the tip was tip of the week (empty when neither)."""
    lines = []
    source = tip.meta.source
    if source is not None:
        title = f"“{html_text(source.title)}”"
        if source.url:
            title = f'<a href="{html_attr(source.url)}">{title}</a>'
        by = f" by {html_text(source.author)}" if source.author else ""
        lines.append(f"Based on an idea from {title}{by}.")
    weeks = index.weeks_of(tip)
    if weeks:
        links = ", ".join(anchor(str(week), href(here, week_source(week))) for week in weeks)
        lines.append(f"Tip of the week in: {links}.")
    if not lines:
        return ""
    return ('<div class="tip-credits" data-search-exclude>\n'
            + "\n".join(f"<p>{line}</p>" for line in lines) + "\n</div>")


def related_section(index: SiteIndex, tip: Tip, here: str) -> str:
    """Up to three related tips as cards (empty when there is none)."""
    related = index.related(tip)
    if not related:
        return ""
    # No id on the heading: with one, the search plugin would index the
    # block as a section of its own.
    return (
        '<section class="tip-related" aria-label="Related tips" data-search-exclude>\n'
        '<h2 data-search-exclude>Related tips</h2>\n'
        f"{tip_cards(index, related, here)}\n"
        "</section>"
    )


def pager(here: str, older: Tip | None, newer: Tip | None) -> str:
    """Links to the older and the newer tip."""
    links = []
    if older is not None:
        links.append(anchor(f"← Older: {older.title}", href(here, tip_source(older.slug)), "tip-pager__older"))
    if newer is not None:
        links.append(anchor(f"Newer: {newer.title} →", href(here, tip_source(newer.slug)), "tip-pager__newer"))
    return nav_block("tip-pager", "Older and newer tips", links)


def tip_cards(index: SiteIndex, tips: Iterable[Tip], here: str) -> str:
    """Tips as Material's grid cards: title, summary, chips."""
    # The markup of Material's "grid cards", written out: these cards
    # are on every tip page, and raw HTML costs Python-Markdown almost
    # nothing while the same cards in Markdown (md_in_html) cost more
    # than the tip's own body.
    cards = [
        f"<li>\n<p><strong>{anchor(tip.title, href(here, tip_source(tip.slug)))}</strong></p>\n<hr>\n"
        f"<p>{html_text(tip.summary)}</p>\n<p>{chips(index, tip, here)}</p>\n</li>"
        for tip in tips
    ]
    return '<div class="grid cards">\n<ul>\n' + "\n".join(cards) + "\n</ul>\n</div>"


def tip_list(index: SiteIndex, tips: Iterable[Tip], here: str, with_chips: bool = False) -> str:
    """Tips as a list: title, date, summary (and the tags, `with_chips`)."""
    # Raw HTML: a tag page lists every tip of the tag, so in Markdown
    # (md_in_html) it was the one part of the build that grew with the
    # library on a page of its own.
    items = [
        f"<li>\n<p><strong>{anchor(tip.title, href(here, tip_source(tip.slug)))}</strong> · "
        f'<time datetime="{tip.published.isoformat()}">{index.day(tip.published)}</time></p>\n'
        f"<p>{html_text(tip.summary)}</p>\n"
        + (f"<p>{chips(index, tip, here)}</p>\n" if with_chips else "") + "</li>"
        for tip in tips
    ]
    return '<div class="tip-list">\n<ul>\n' + "\n".join(items) + "\n</ul>\n</div>"


def subscribe(index: SiteIndex, here: str) -> str:
    """A sentence with links to the weekly feeds of this build (empty without feeds)."""
    feeds = index.weekly_feeds()
    if not feeds:
        return ""
    links = " · ".join(f"[{feed.name}]({link(here, feed.path)})" for feed in feeds)
    return f"Get the tip of the week in your reader or newsletter tool: {links}."
