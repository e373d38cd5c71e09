"""The site's generated pages as plain data: where each goes, its finished HTML, its metadata.

Input: the checked library, its schedule (as of one date), which tips are
published on that date (`servicetips.visibility`) and the feed files that
exist. Output: `VirtualPage`s that the MkDocs hooks hand over as generated
files, and the Markdown that replaces the `<!-- tips:... -->` markers in
hand-written pages. Nothing here imports MkDocs or touches the file system.

The package: `index` (the site index: ranks, tags, related tips,
neighbours), `pieces` (what several page types show), one builder per page
type (`tip`, `all_tips`, `tags`, `weekly`), `markers` (the one registry of markers),
`base` (the page as data, labels, the tip body's placement) and `kept`
(generated pages kept between builds, by a key of their inputs; each
builder's `*_inputs` beside it names what its page reads). Where each page
goes, and every link between pages, comes from `servicetips.routes`.

A generated page's content is finished HTML from the autoescaped templates
pieces.html and pages.html; its Markdown is only `PAGE_PLACEHOLDER`, which
the hooks replace with that HTML (MkDocs' Markdown never reads it). Links
between pages are relative URLs from `servicetips.routes` (`href`, for
directory URLs, as mkdocs.yml sets). Hand-written pages stay Markdown, with
relative `.md` links MkDocs resolves and `--strict` checks. Page metadata
stays plain text here and is escaped by `markup.html_page_meta` when the
page is rendered, for generated and hand-written pages alike.

Only published tips have a page, and only they are listed, counted, related
or paged to; a body's link to a tip that is not published yet is shown as its
text. The preview (`Visibility.preview`) also gives scheduled tips a page,
with a banner that says so, out of the search index and every listing. Every
tip page has a fixed amount of surrounding content (three related tips, an
older and a newer tip, the weeks it was tip of the week), so its size does
not grow with the library.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from ..dates import day_label
from ..model import Library, Tip
from ..routes import TAGS_INDEX, TIPS_INDEX, WEEKLY_INDEX, tag_source, tip_source, week_source
from ..schedule import Schedule, WeekSlot
from ..visibility import Visibility
from .all_tips import tips_index_page, tips_index_page_inputs
from .base import (
    PAGE_PLACEHOLDER,
    TIP_SEARCH_BOOST,
    WEEKLY_FEEDS,
    WITHDRAWN_TITLE,
    FeedLink,
    Heading,
    VirtualPage,
    insert_content,
    problems_markdown,
    site_body_html,
    week_label,
    week_title,
    withdrawal_notice,
)
from .index import RELATED_PER_TIP, SiteIndex
from .kept import KeptPages
from .markers import LATEST_ON_HOME, MARKERS, marker_markdown, replace_markers, unknown_marker
from .tags import tag_page, tag_page_inputs, tags_index_page, tags_index_page_inputs
from .tip import tip_page, tip_page_inputs
from .weekly import week_page, week_page_inputs, weekly_index_page, weekly_index_page_inputs

__all__ = [
    "LATEST_ON_HOME",
    "MARKERS",
    "PAGE_PLACEHOLDER",
    "RELATED_PER_TIP",
    "TIP_SEARCH_BOOST",
    "WEEKLY_FEEDS",
    "WITHDRAWN_TITLE",
    "FeedLink",
    "Heading",
    "KeptPages",
    "SiteIndex",
    "SitePages",
    "VirtualPage",
    "day_label",
    "insert_content",
    "problems_markdown",
    "site_body_html",
    "unknown_marker",
    "week_label",
    "week_title",
    "withdrawal_notice",
]


class SitePages:
    """Every generated page, and the marker contents, of one build: the page builders over one site index."""

    def __init__(
        self,
        library: Library,
        schedule: Schedule,
        feeds: Collection[str] = (),
        visible: Visibility | None = None,
        language: str = "en",
    ):
        self.index = SiteIndex(library, schedule, feeds, visible, language)

    def pages(self, kept: KeptPages | None = None) -> list[VirtualPage]:
        """Every generated page: tips, tags, the weekly archive and the week permalinks.

        With `kept` (the build's `KeptPages`), a page whose inputs are those
        of a page kept from an earlier build is that page, not built again.
        """
        index = self.index

        def made(src: str, inputs: Callable[[], list], make: Callable[[], VirtualPage]) -> VirtualPage:
            return make() if kept is None else kept.page(index, src, inputs(), make)

        key = kept.tip if kept is not None else None
        pages = [
            made(
                tip_source(tip.slug),
                lambda tip=tip: tip_page_inputs(index, tip, key),
                lambda tip=tip: tip_page(index, tip),
            )
            for tip in index.visible.with_pages
        ]
        pages.append(made(TIPS_INDEX, lambda: tips_index_page_inputs(index, key), lambda: tips_index_page(index)))
        pages.append(made(TAGS_INDEX, lambda: tags_index_page_inputs(index), lambda: tags_index_page(index)))
        pages.extend(
            made(
                tag_source(tag), lambda tag=tag: tag_page_inputs(index, tag, key), lambda tag=tag: tag_page(index, tag)
            )
            for tag in index.library.tags
        )
        pages.append(made(WEEKLY_INDEX, lambda: weekly_index_page_inputs(index, key), lambda: weekly_index_page(index)))
        published = index.schedule.published
        for number, slot in enumerate(published):
            newer = published[number - 1] if number > 0 else None
            older = published[number + 1] if number + 1 < len(published) else None
            pages.append(
                made(
                    week_source(slot.week),
                    lambda slot=slot, older=older, newer=newer: week_page_inputs(slot, older, newer, key),
                    lambda slot=slot, older=older, newer=newer: week_page(index, slot, older, newer),
                )
            )
        if kept is not None:
            kept.save()
        return pages

    def tip_page(self, tip: Tip) -> VirtualPage:
        """The page of one tip: /tips/<slug>/."""
        return tip_page(self.index, tip)

    def tags_index_page(self) -> VirtualPage:
        """Every tag with its count: /tags/."""
        return tags_index_page(self.index)

    def tag_page(self, tag: str) -> VirtualPage:
        """One tag's tips: /tags/<tag>/."""
        return tag_page(self.index, tag)

    def weekly_index_page(self) -> VirtualPage:
        """Every published week: /weekly/."""
        return weekly_index_page(self.index)

    def week_page(self, slot: WeekSlot, older: WeekSlot | None = None, newer: WeekSlot | None = None) -> VirtualPage:
        """One week's permalink: /weekly/<week>/."""
        return week_page(self.index, slot, older, newer)

    def weekly_feeds(self) -> list[FeedLink]:
        """The weekly feeds that exist in this build, for the page head and header."""
        return self.index.weekly_feeds()

    def related(self, tip: Tip) -> list[Tip]:
        """Up to three other tips: most tags in common first, then the newest."""
        return self.index.related(tip)

    def neighbours(self, tip: Tip) -> tuple[Tip | None, Tip | None]:
        """The tip published just before this one, and the one just after."""
        return self.index.neighbours(tip)

    def marker_markdown(self, name: str, here: str) -> str | None:
        """The Markdown for `<!-- tips:NAME -->` in the page at `here`; None for an unknown name."""
        return marker_markdown(self.index, name, here)

    def replace_markers(self, markdown: str, here: str) -> tuple[str, list[str]]:
        """Replace every known marker; return the new Markdown and the unknown marker names."""
        return replace_markers(self.index, markdown, here)
