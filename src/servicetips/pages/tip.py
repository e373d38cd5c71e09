"""The page of one tip, /tips/<slug>/: title, summary, byline, body, then credits, related tips and pager."""

from __future__ import annotations

from ..markup import md_text
from ..model import Tip
from ..routes import tip_source
from ..visibility import Status
from .base import BODY_PLACEHOLDER, TIP_SEARCH_BOOST, VirtualPage, join, site_body_html
from .index import SiteIndex
from .pieces import author_name, byline, credits_block, pager, related_section, summary, tip_link


def tip_page(index: SiteIndex, tip: Tip) -> VirtualPage:
    """The page of one tip: /tips/<slug>/ (in the preview, a scheduled tip's page says so)."""
    here = tip_source(tip.slug)
    scheduled = index.visible.status(tip.slug) is Status.SCHEDULED
    parts = [
        f"# {md_text(tip.title)}",
        scheduled_banner(index, tip) if scheduled else "",
        summary(tip),
        byline(index, tip, here),
        BODY_PLACEHOLDER,
    ]
    footer = "\n".join(
        part
        for part in (
            credits_block(index, tip, here),
            related_section(index, tip, here),
            pager(here, *index.neighbours(tip)),
        )
        if part
    )
    meta = {
        "title": tip.title,
        "description": tip.summary,
        "author": author_name(index, tip),
        "tags": [index.library.tags[tag].label for tag in tip.tags],
        "hide": ["toc"],
        # A scheduled tip (preview only) stays out of the preview's search.
        "search": {"exclude": True} if scheduled else {"boost": TIP_SEARCH_BOOST},
    }
    body = site_body_html(tip, here, lambda slug: tip_link(index, here, slug))
    return VirtualPage(here, join(parts), meta, footer_html=footer, body_html=body)


def scheduled_banner(index: SiteIndex, tip: Tip) -> str:
    """The preview's notice on a scheduled tip's page."""
    return (
        f'!!! warning tip-scheduled "Scheduled: on the site from {index.day(tip.published)}"\n\n'
        "    Only the preview shows this tip. The site, its search, the feeds and the API "
        "leave it out until its `published` date.\n"
    )
