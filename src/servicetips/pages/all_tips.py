"""The list of every tip: /tips/, every published tip newest first, with its tags."""

from __future__ import annotations

from ..routes import TAGS_INDEX, TIPS_INDEX, WEEKLY_INDEX, link
from .base import VirtualPage, join, listing_meta, tips_count
from .index import SiteIndex
from .pieces import tip_list


def tips_index_page(index: SiteIndex) -> VirtualPage:
    """Every published tip, newest first, with its tags: /tips/."""
    here = TIPS_INDEX
    tips = index.tips
    listing = tip_list(index, tips, here, with_chips=True) if tips else "No tip is published yet."
    markdown = join(
        [
            "# All tips",
            f"{tips_count(len(tips)).capitalize()}, newest first. Browse them [by tag]({link(here, TAGS_INDEX)}) "
            f"or [week by week]({link(here, WEEKLY_INDEX)}).",
            listing,
        ]
    )
    return VirtualPage(here, markdown, listing_meta("All tips", "Every published tip, newest first."), in_nav=True)
