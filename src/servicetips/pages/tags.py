"""The tag pages: /tags/ (every tag with its count) and /tags/<tag>/ (one tag's tips, newest first)."""

from __future__ import annotations

from collections.abc import Callable

from ..model import Tip
from ..routes import TAGS_INDEX, file_href, href, tag_feed, tag_source
from .base import Content, VirtualPage, listing_meta, tips_count
from .html import blocks
from .index import SiteIndex
from .pieces import tip_list


def tags_index_page(index: SiteIndex) -> VirtualPage:
    """Every tag with its description and number of tips: /tags/."""
    here = TAGS_INDEX
    cards = [
        {
            "label": info.label,
            "url": href(here, tag_source(tag)),
            "count": tips_count(len(index.by_tag[tag])),
            "description": info.description,
        }
        for tag, info in index.library.tags.items()
    ]
    content = Content()
    content.heading(1, "Tags")
    content.add(blocks().paragraph("Every tip carries one to three tags. Pick a theme to see its tips, newest first."))
    content.add(blocks().tag_cards(cards))
    return content.page(here, listing_meta("Tags", "Browse the tips by theme."), in_nav=True)


def tags_index_page_inputs(index: SiteIndex) -> list:
    """What `tags_index_page` reads besides `kept.shared_inputs` (the tags' labels and descriptions): the counts."""
    return ["tags", [[tag, len(tips)] for tag, tips in index.by_tag.items()]]


def tag_page(index: SiteIndex, tag: str) -> VirtualPage:
    """One tag: its description and its tips, newest first: /tags/<tag>/."""
    here = tag_source(tag)
    info = index.library.tags[tag]
    tips = index.by_tag[tag]
    content = Content()
    content.heading(1, info.label)
    content.add(blocks().paragraph(info.description, "tip-lead"))
    if tag_feed(tag) in index.feeds:
        follow = [("Follow this tag (RSS)", file_href(here, tag_feed(tag)), "md-button tip-feed-button")]
        content.add(blocks().buttons(follow))
    count = f"{tips_count(len(tips)).capitalize()}, newest first. "
    content.add(blocks().links_sentence(count, [("All tags", href(here, TAGS_INDEX))], "", ""))
    if tips:
        content.add(tip_list(index, tips, here), raw=True)
    else:
        content.add(blocks().paragraph("No published tip carries this tag yet."))
    return content.page(here, listing_meta(info.label, info.description))


def tag_page_inputs(index: SiteIndex, tag: str, key: Callable[[Tip | None], str | None]) -> list:
    """What `tag_page` reads besides `kept.shared_inputs` (the tag's label and description, the feeds)."""
    return ["tag", tag, [key(tip) for tip in index.by_tag[tag]]]
