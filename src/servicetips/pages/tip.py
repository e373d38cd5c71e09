"""The page of one tip, /tips/<slug>/: title, summary, byline, body, then credits, related tips and pager."""

from __future__ import annotations

from collections.abc import Callable

from ..model import Tip
from ..routes import tip_source
from ..visibility import Status
from .base import TIP_SEARCH_BOOST, Content, VirtualPage, site_body_html
from .html import blocks
from .index import SiteIndex
from .pieces import author_name, byline, credits_block, pager, related_section, summary, tip_link


def tip_page(index: SiteIndex, tip: Tip) -> VirtualPage:
    """The page of one tip: /tips/<slug>/ (in the preview, a scheduled tip's page says so)."""
    here = tip_source(tip.slug)
    scheduled = index.visible.status(tip.slug) is Status.SCHEDULED
    content = Content()
    # The page's own h1 (with its id and permalink): Material adds one from
    # the title only to a page without any, and that one would have neither.
    content.heading(1, tip.title)
    if scheduled:
        content.add(scheduled_banner(index, tip))
    content.add(summary(tip), raw=True)
    content.add(byline(index, tip, here), raw=True)
    content.add(site_body_html(tip, here, lambda slug: tip_link(index, here, slug)), raw=True)
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
    return content.page(here, meta, footer_html=footer)


def tip_page_inputs(index: SiteIndex, tip: Tip, key: Callable[[Tip | None], str | None]) -> list:
    """What `tip_page` reads besides `kept.shared_inputs` and `has_page` (any change here changes the page's key).

    `key` names a tip by every field of it (`KeptPages.tip`): the tip, its
    related tips and its older and newer neighbours, as the page shows them.
    """
    status = index.visible.status(tip.slug)
    return [
        "tip",
        key(tip),
        None if status is None else status.value,
        [str(week) for week in index.weeks_of(tip)],
        [key(other) for other in index.related(tip)],
        [key(other) for other in index.neighbours(tip)],
    ]


def scheduled_banner(index: SiteIndex, tip: Tip) -> str:
    """The preview's notice on a scheduled tip's page (an admonition, as Material styles it)."""
    return str(
        blocks().scheduled(
            f"Scheduled: on the site from {index.day(tip.published)}",
            "Only the preview shows this tip. The site, its search, the feeds and the API leave it out until its ",
            "published",
            " date.",
        )
    )
