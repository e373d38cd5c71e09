"""The list of every tip: /tips/, every published tip newest first, with its tags."""

from __future__ import annotations

from collections.abc import Callable

from ..model import Tip
from ..routes import TAGS_INDEX, TIPS_INDEX, WEEKLY_INDEX, href
from .base import Content, VirtualPage, listing_meta, tips_count
from .html import blocks
from .index import SiteIndex
from .pieces import tip_list


def tips_index_page(index: SiteIndex) -> VirtualPage:
    """Every published tip, newest first, with its tags: /tips/."""
    here = TIPS_INDEX
    tips = index.tips
    content = Content()
    content.heading(1, "All tips")
    links = [("by tag", href(here, TAGS_INDEX)), ("week by week", href(here, WEEKLY_INDEX))]
    lead = f"{tips_count(len(tips)).capitalize()}, newest first. Browse them "
    content.add(blocks().links_sentence(lead, links, " or ", "."))
    if tips:
        content.add(tip_list(index, tips, here, with_chips=True), raw=True)
    else:
        content.add(blocks().paragraph("No tip is published yet."))
    return content.page(here, listing_meta("All tips", "Every published tip, newest first."), in_nav=True)


def tips_index_page_inputs(index: SiteIndex, key: Callable[[Tip | None], str | None]) -> list:
    """What `tips_index_page` reads besides `kept.shared_inputs`: the published tips, newest first."""
    return ["all-tips", [key(tip) for tip in index.tips]]
