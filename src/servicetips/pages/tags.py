"""The tag pages: /tags/ (every tag with its count) and /tags/<tag>/ (one tag's tips, newest first)."""

from __future__ import annotations

from ..markup import md_text
from ..routes import TAGS_INDEX, link, tag_feed, tag_source
from .base import VirtualPage, grid, join, listing_meta, tips_count
from .index import SiteIndex
from .pieces import tip_list


def tags_index_page(index: SiteIndex) -> VirtualPage:
    """Every tag with its description and number of tips: /tags/."""
    here = TAGS_INDEX
    cards = []
    for tag, info in index.library.tags.items():
        count = len(index.by_tag[tag])
        cards.append(
            f"-   **[{md_text(info.label)}]({link(here, tag_source(tag))})** · {tips_count(count)}\n\n"
            f"    ---\n\n"
            f"    {md_text(info.description)}"
        )
    markdown = join(
        [
            "# Tags",
            "Every tip carries one to three tags. Pick a theme to see its tips, newest first.",
            grid(cards),
        ]
    )
    return VirtualPage(here, markdown, listing_meta("Tags", "Browse the tips by theme."), in_nav=True)


def tag_page(index: SiteIndex, tag: str) -> VirtualPage:
    """One tag: its description and its tips, newest first: /tags/<tag>/."""
    here = tag_source(tag)
    info = index.library.tags[tag]
    tips = index.by_tag[tag]
    follow = ""
    if tag_feed(tag) in index.feeds:
        follow = f"[Follow this tag (RSS)]({link(here, tag_feed(tag))}){{ .md-button .tip-feed-button }}"
    listing = tip_list(index, tips, here) if tips else "No published tip carries this tag yet."
    markdown = join(
        [
            f"# {md_text(info.label)}",
            f"{md_text(info.description)}\n{{ .tip-lead }}",
            follow,
            f"{tips_count(len(tips)).capitalize()}, newest first. [All tags]({link(here, TAGS_INDEX)})",
            listing,
        ]
    )
    return VirtualPage(here, markdown, listing_meta(info.label, info.description))
