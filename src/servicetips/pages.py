"""The site's generated pages as plain data: where each goes, its Markdown, its metadata.

Input: the checked library, its schedule (as of one date), which tips are
published on that date (`servicetips.visibility`) and the feed files that
exist. Output: `VirtualPage`s that the MkDocs hooks hand over as
generated files, and the Markdown that replaces the `<!-- tips:... -->`
markers in hand-written pages: only what depends on the build's date (the
field table and tag list are kept in the guide itself, see docblocks.py).
Nothing here imports MkDocs or touches the file system.

Pages and their public URLs (a contract, see the design):

    tips/<slug>.md        /tips/<slug>/          one tip
    tags/index.md         /tags/                 every tag with its count
    tags/<tag>.md         /tags/<tag>/           one tag's tips, newest first
    weekly/index.md       /weekly/               every published week, newest first
    weekly/<week>.md      /weekly/2026-W48/      one week's permalink

Links between pages are relative `.md` links, so MkDocs resolves them for
the configured URL style and `--strict` fails on a broken one. Front-matter
text is written with `markup.md_text` (Markdown) or `markup.html_text` (raw
HTML); page metadata stays plain text here and is escaped by
`markup.html_page_meta` when the page is rendered, for generated and
hand-written pages alike.

Only published tips have a page, and only they are listed, counted, related
or paged to; a body's link to a tip that is not published yet is shown as its
text. The preview (`Visibility.preview`) also gives scheduled tips a page,
with a banner that says so, out of the search index and every listing.

Every tip page has a fixed amount of surrounding content (three related
tips, an older and a newer tip, the weeks it was tip of the week), so its
size does not grow with the library.
"""

from __future__ import annotations

import heapq
import json
import posixpath
import re
from itertools import combinations
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Collection, Iterable, Optional


from .dates import IsoWeek
from .ledger import withdrawal_notice as ledger_notice
from .markup import UNPUBLISHED_HREF, html_attr, html_text, md_text
from .model import Library, Tip
from .body import tip_slug_of_link
from .render import body_html
from .schedule import Schedule, WeekSlot
from .visibility import Status, Visibility, partition

HOME = "index.md"
TAGS_INDEX = "tags/index.md"
WEEKLY_INDEX = "weekly/index.md"
LATEST_ON_HOME = 6
RELATED_PER_TIP = 3
# Tips are what readers search for: rank them above the hand-written pages
# when both match. Listing pages (tags, weekly, home) are left out of the
# index entirely, since they only repeat the tips' titles and summaries.
TIP_SEARCH_BOOST = 2
MARKER = re.compile(r"<!--\s*tips:([a-z-]+)\s*-->")
# Where a tip's body goes in a generated page's Markdown. The body itself
# never enters the page's Markdown: MkDocs renders the page around this
# comment, and the hook puts the core's allow-listed body HTML in its place
# (`insert_body`). So nothing in a body is read by MkDocs' Markdown, expanded
# as a `<!-- tips:... -->` marker or left unsanitized on the site.
BODY_PLACEHOLDER = "<!-- servicetips:tip-body -->"
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def tip_uri(slug: str) -> str:
    """Source path of a tip's page; MkDocs publishes it at /tips/<slug>/."""
    return f"tips/{slug}.md"


def tag_uri(tag: str) -> str:
    """Source path of a tag's page, published at /tags/<tag>/."""
    return f"tags/{tag}.md"


def week_uri(week: IsoWeek) -> str:
    """Source path of a week's permalink page, published at /weekly/<YYYY>-W<WW>/."""
    return f"weekly/{week}.md"


def link(from_uri: str, to_uri: str) -> str:
    """A relative link from one source path to another, as MkDocs resolves links in Markdown."""
    return posixpath.relpath(to_uri, posixpath.dirname(from_uri) or ".")


def page_url(uri: str) -> str:
    """The URL path (no leading slash) a page's source path is published at, with directory URLs."""
    if uri == "index.md":
        return ""
    if uri.endswith("/index.md"):
        return uri[: -len("index.md")]
    return uri[: -len(".md")] + "/"


def href(from_uri: str, to_uri: str) -> str:
    """A relative URL from one page to another, for raw HTML (which MkDocs does not rewrite)."""
    # Page URLs are folders: up from the page to the folders both share, then
    # down to the target. (posixpath.relpath does the same with path
    # normalisation the URLs never need, and was a measurable part of a
    # large build: ~13,000 calls.)
    source = page_url(from_uri).split("/")[:-1]
    target = page_url(to_uri).split("/")[:-1]
    common = 0
    while common < min(len(source), len(target)) and source[common] == target[common]:
        common += 1
    return "../" * (len(source) - common) + "".join(f"{part}/" for part in target[common:]) or "./"


def _a(text: str, url: str, css: str = "") -> str:
    css_attr = f' class="{css}"' if css else ""
    return f'<a{css_attr} href="{html_attr(url)}">{html_text(text)}</a>'


def day_label(day: date) -> str:
    """A date as readers see it: '2 Jun 2026'."""
    return f"{day.day} {day:%b %Y}"


def week_label(week: IsoWeek) -> str:
    """A week with its dates: '2026-W48 · 23-29 Nov 2026'."""
    return f"{week} · {week.date_range_label()}"


@dataclass(frozen=True)
class VirtualPage:
    """A generated page: its source path, its Markdown and its page metadata (plain text)."""

    src_uri: str
    markdown: str
    meta: dict[str, Any] = field(default_factory=dict)
    in_nav: bool = False
    # Finished HTML shown after the page's content (a tip's credits, related
    # tips and pager). It stays out of the Markdown, where Python-Markdown
    # would parse it again on every page, and out of the search index.
    footer_html: str = ""
    # The tip's body as allow-listed HTML, for BODY_PLACEHOLDER in `markdown`.
    body_html: str = ""

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
    FeedLink("feed.xml", "application/rss+xml", "RSS"),
    FeedLink("atom.xml", "application/atom+xml", "Atom"),
    FeedLink("feed.json", "application/feed+json", "JSON Feed"),
)


# Files beside the tips that pages may show (images of a tip's body). They
# are published under /tips/ as they are; no SVG, which can carry scripts.
TIP_ASSET_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif")


def tag_feed_path(tag: str) -> str:
    """Path of a tag's RSS feed, as the feeds module writes it."""
    return f"tags/{tag}/feed.xml"


class SitePages:
    """Builds every generated page, and the marker contents, for one library and schedule."""

    def __init__(self, library: Library, schedule: Schedule, feeds: Collection[str] = (),
                 visible: Optional[Visibility] = None):
        self.library = library
        self.schedule = schedule
        self.feeds = frozenset(feeds)
        # The check's partition (`CheckReport.visible`); without one, the
        # library is partitioned as of the schedule's date by the same rule.
        self.visible = visible if visible is not None else partition(library, schedule.as_of)
        self.tips = self.visible.published
        self._rank = {tip.slug: index for index, tip in enumerate(self.tips)}
        self._by_tag = {tag: self.visible.tips_with_tag(tag) for tag in library.tags}
        self._by_tag_set: dict[frozenset, list[Tip]] = {}  # tips (newest first) having all tags of the set
        for tip in self.tips:
            unique = sorted(set(tip.tags))
            for size in range(1, len(unique) + 1):
                for group in combinations(unique, size):
                    self._by_tag_set.setdefault(frozenset(group), []).append(tip)
        self._weeks: dict[str, list[IsoWeek]] = {}
        for slot in schedule.published:
            self._weeks.setdefault(slot.tip.slug, []).append(slot.week)

    # -- the pages ----------------------------------------------------------

    def pages(self) -> list[VirtualPage]:
        """Every generated page: tips, tags, the weekly archive and the week permalinks."""
        pages = [self.tip_page(tip) for tip in self.visible.with_pages]
        pages.append(self.tags_index_page())
        pages.extend(self.tag_page(tag) for tag in self.library.tags)
        pages.append(self.weekly_index_page())
        published = self.schedule.published
        for index, slot in enumerate(published):
            newer = published[index - 1] if index > 0 else None
            older = published[index + 1] if index + 1 < len(published) else None
            pages.append(self.week_page(slot, older, newer))
        return pages

    def weekly_feeds(self) -> list[FeedLink]:
        """The weekly feeds that exist in this build, for the page head and header."""
        return [feed for feed in WEEKLY_FEEDS if feed.path in self.feeds]

    def related(self, tip: Tip) -> list[Tip]:
        """Up to three other tips: most tags in common first, then the newest."""
        # Walked from an index of tag sets instead of scoring every other tip:
        # with 1,000 tips, scoring all pairs was a tenth of the build.
        tags = sorted(set(tip.tags))
        chosen: list[Tip] = []
        seen = {tip.slug}
        for size in range(len(tags), 0, -1):
            # Tips that share exactly `size` tags sit in the list of that tag set;
            # merged newest first, the first ones found are the ones to show.
            streams = [self._by_tag_set.get(frozenset(group), ()) for group in combinations(tags, size)]
            for other in heapq.merge(*streams, key=lambda t: self._rank[t.slug]):
                if other.slug in seen or len(set(tags) & set(other.tags)) != size:
                    continue
                seen.add(other.slug)
                chosen.append(other)
                if len(chosen) == RELATED_PER_TIP:
                    return chosen
        for other in self.tips:  # too few tips share a tag: fill with the newest
            if len(chosen) >= RELATED_PER_TIP:
                break
            if other.slug not in seen:
                seen.add(other.slug)
                chosen.append(other)
        return chosen

    def neighbours(self, tip: Tip) -> tuple[Optional[Tip], Optional[Tip]]:
        """The tip published just before this one, and the one just after (None at the ends)."""
        index = self._rank.get(tip.slug)
        if index is None:  # a scheduled tip in the preview is in no order yet
            return None, None
        older = self.tips[index + 1] if index + 1 < len(self.tips) else None
        newer = self.tips[index - 1] if index > 0 else None
        return older, newer

    def tip_page(self, tip: Tip) -> VirtualPage:
        """The page of one tip: /tips/<slug>/."""
        here = tip_uri(tip.slug)
        scheduled = self.visible.status(tip.slug) is Status.SCHEDULED
        parts = [
            f"# {md_text(tip.title)}",
            self._scheduled_banner(tip) if scheduled else "",
            self._summary(tip),
            self._byline(tip, here),
            BODY_PLACEHOLDER,
        ]
        footer = "\n".join(part for part in (
            self._credits(tip, here),
            self._related_section(tip, here),
            self._pager(here, *self.neighbours(tip)),
        ) if part)
        meta = {
            "title": tip.title,
            "description": tip.summary,
            "author": self._author_name(tip),
            "tags": [self.library.tags[tag].label for tag in tip.tags],
            "hide": ["toc"],
            # A scheduled tip (preview only) stays out of the preview's search.
            "search": {"exclude": True} if scheduled else {"boost": TIP_SEARCH_BOOST},
        }
        body = site_body_html(tip, here, lambda slug: self._tip_link(here, slug))
        return VirtualPage(here, _join(parts), meta, footer_html=footer, body_html=body)

    def _tip_link(self, here: str, slug: str) -> str:
        """Where a body's link to tip `slug` goes: its page, or (no page yet) nowhere, shown as text."""
        return href(here, tip_uri(slug)) if self.visible.has_page(slug) else UNPUBLISHED_HREF

    def _scheduled_banner(self, tip: Tip) -> str:
        return (f'!!! warning tip-scheduled "Scheduled: on the site from {day_label(tip.published)}"\n\n'
                "    Only the preview shows this tip. The site, its search, the feeds and the API "
                "leave it out until its `published` date.\n")

    def tags_index_page(self) -> VirtualPage:
        """Every tag with its description and number of tips: /tags/."""
        here = TAGS_INDEX
        cards = []
        for tag, info in self.library.tags.items():
            count = len(self._by_tag[tag])
            cards.append(
                f"-   **[{md_text(info.label)}]({link(here, tag_uri(tag))})** · {_tips_count(count)}\n\n"
                f"    ---\n\n"
                f"    {md_text(info.description)}"
            )
        markdown = _join([
            "# Tags",
            "Every tip carries one to three tags. Pick a theme to see its tips, newest first.",
            _grid(cards),
        ])
        return VirtualPage(here, markdown, _listing_meta("Tags", "Browse the tips by theme."), in_nav=True)

    def tag_page(self, tag: str) -> VirtualPage:
        """One tag: its description and its tips, newest first: /tags/<tag>/."""
        here = tag_uri(tag)
        info = self.library.tags[tag]
        tips = self._by_tag[tag]
        follow = ""
        if tag_feed_path(tag) in self.feeds:
            follow = (f"[Follow this tag (RSS)]({link(here, tag_feed_path(tag))})"
                      "{ .md-button .tip-feed-button }")
        listing = (self._tip_list(tips, here) if tips
                   else "No published tip carries this tag yet.")
        markdown = _join([
            f"# {md_text(info.label)}",
            f"{md_text(info.description)}\n{{ .tip-lead }}",
            follow,
            f"{_tips_count(len(tips)).capitalize()}, newest first. "
            f"[All tags]({link(here, TAGS_INDEX)})",
            listing,
        ])
        return VirtualPage(here, markdown, _listing_meta(info.label, info.description))

    def weekly_index_page(self) -> VirtualPage:
        """Every published week, newest first, each with its tip: /weekly/."""
        here = WEEKLY_INDEX
        weeks = []
        for slot in self.schedule.published:
            current = " · this week" if slot.week == self.schedule.current else ""
            if slot.withdrawn is not None:
                weeks.append(_join([
                    f"[{week_label(slot.week)}]({link(here, week_uri(slot.week))}){current}\n{{ .tip-eyebrow }}",
                    f"## [{WITHDRAWN_TITLE}]({link(here, week_uri(slot.week))})",
                    md_text(withdrawal_notice(slot)),
                ]))
                continue
            weeks.append(_join([
                f"[{week_label(slot.week)}]({link(here, week_uri(slot.week))}){current}\n{{ .tip-eyebrow }}",
                f"## [{md_text(slot.tip.title)}]({link(here, tip_uri(slot.tip.slug))})",
                md_text(slot.tip.summary),
                self._chips(slot.tip, here),
            ]))
        if not weeks:
            first = IsoWeek.parse(self.library.settings.first_week)
            weeks.append(f"No week has a tip yet. The first tip of the week is for {week_label(first)}.")
        markdown = _join([
            "# Tip of the week",
            "Every Monday one tip becomes the tip of the week. Here is every week so far, newest "
            "first; each week has a permanent page you can link to.",
            self._subscribe(here),
            *weeks,
        ])
        meta = _listing_meta("Tip of the week", "Every tip of the week so far, newest first.")
        return VirtualPage(here, markdown, meta, in_nav=True)

    def week_page(self, slot: WeekSlot, older: Optional[WeekSlot] = None,
                  newer: Optional[WeekSlot] = None) -> VirtualPage:
        """A week's permalink: the week's tip in full, linking to the tip's own page."""
        here = week_uri(slot.week)
        tip = slot.tip
        if slot.withdrawn is not None:
            return self._withdrawn_week_page(slot, older, newer)
        pager = []
        if older is not None:
            pager.append(_a(f"← {older.week}: {week_title(older)}", href(here, week_uri(older.week)),
                            "tip-pager__older"))
        if newer is not None:
            pager.append(_a(f"{newer.week}: {week_title(newer)} →", href(here, week_uri(newer.week)),
                            "tip-pager__newer"))
        markdown = _join([
            f"Tip of the week · {week_label(slot.week)}\n{{ .tip-eyebrow }}",
            f"# {md_text(tip.title)}",
            self._summary(tip),
            self._byline(tip, here),
            BODY_PLACEHOLDER,
            f"[Open this tip on its own page]({link(here, tip_uri(tip.slug))}){{ .md-button }} "
            f"[All weeks]({link(here, WEEKLY_INDEX)}){{ .md-button }}",
            _nav_block("tip-pager", "Other weeks", pager),
        ])
        meta = _listing_meta(f"{slot.week}: {tip.title}", tip.summary)
        body = site_body_html(tip, here, lambda slug: self._tip_link(here, slug))
        return VirtualPage(here, markdown, meta, body_html=body)

    def _withdrawn_week_page(self, slot: WeekSlot, older: Optional[WeekSlot],
                             newer: Optional[WeekSlot]) -> VirtualPage:
        """A recorded week whose tip was withdrawn: same permalink, an honest notice instead of the tip."""
        here = week_uri(slot.week)
        pager = []
        if older is not None:
            pager.append(_a(f"← {older.week}: {week_title(older)}", href(here, week_uri(older.week)),
                            "tip-pager__older"))
        if newer is not None:
            pager.append(_a(f"{newer.week}: {week_title(newer)} →", href(here, week_uri(newer.week)),
                            "tip-pager__newer"))
        markdown = _join([
            f"Tip of the week · {week_label(slot.week)}\n{{ .tip-eyebrow }}",
            f"# {WITHDRAWN_TITLE}",
            f'!!! warning "Withdrawn"\n\n    {md_text(withdrawal_notice(slot))}',
            f"[All weeks]({link(here, WEEKLY_INDEX)}){{ .md-button }}",
            _nav_block("tip-pager", "Other weeks", pager),
        ])
        meta = _listing_meta(f"{slot.week}: {WITHDRAWN_TITLE}", withdrawal_notice(slot))
        return VirtualPage(here, markdown, meta)

    # -- markers in hand-written pages --------------------------------------

    def marker_markdown(self, name: str, from_uri: str) -> Optional[str]:
        """The Markdown for `<!-- tips:NAME -->` in the page at `from_uri`; None for an unknown name."""
        makers: dict[str, Callable[[str], str]] = {
            "this-week": self._this_week,
            "latest": self._latest,
            "tag-chips": self._tag_chips,
        }
        maker = makers.get(name)
        return None if maker is None else maker(from_uri)

    def replace_markers(self, markdown: str, from_uri: str) -> tuple[str, list[str]]:
        """Replace every known marker; return the new Markdown and the unknown marker names."""
        unknown: list[str] = []

        def replace(match: re.Match) -> str:
            content = self.marker_markdown(match.group(1), from_uri)
            if content is None:
                unknown.append(match.group(1))
                return match.group(0)
            return content

        return MARKER.sub(replace, markdown), unknown

    def _this_week(self, here: str) -> str:
        slot = self.schedule.this_week
        if slot is None:
            first = IsoWeek.parse(self.library.settings.first_week)
            if self.schedule.current < first:
                text = f"The first tip of the week arrives in {week_label(first)}."
            elif not self.schedule.published:
                text = "There is no tip of the week yet: it starts with the first published tip."
            else:
                text = (f"There is no tip of the week for {week_label(self.schedule.current)}. "
                        f"[Browse past weeks]({link(here, WEEKLY_INDEX)})")
            return f'!!! note "Tip of the week"\n\n    {text}\n'
        if slot.withdrawn is not None:
            return (f'!!! note "Tip of the week · {week_label(slot.week)}"\n\n'
                    f"    {md_text(withdrawal_notice(slot))} [Past weeks]({link(here, WEEKLY_INDEX)})\n")
        tip = slot.tip
        target = link(here, tip_uri(tip.slug))
        return (
            f'!!! tip tip-of-the-week "Tip of the week · {week_label(slot.week)}"\n\n'
            f"    ## [{md_text(tip.title)}]({target}) {{ .tip-week-title }}\n\n"
            f"    {md_text(tip.summary)}\n\n"
            f"    [Read this week's tip]({target}){{ .md-button .md-button--primary }} "
            f"[Past weeks]({link(here, WEEKLY_INDEX)}){{ .md-button }}\n"
        )

    def _latest(self, here: str) -> str:
        if not self.tips:
            return "No tip is published yet."
        return self._tip_cards(self.tips[:LATEST_ON_HOME], here)

    def _tag_chips(self, here: str) -> str:
        chips = [
            f"[{md_text(info.label)} ({len(self._by_tag[tag])})]({link(here, tag_uri(tag))}){{ .tip-chip }}"
            for tag, info in self.library.tags.items()
        ]
        return '<div class="tip-chips" markdown>\n\n' + " ".join(chips) + "\n\n</div>\n"

    def _summary(self, tip: Tip) -> str:
        return f'<p class="tip-summary">{html_text(tip.summary)}</p>'

    def _author_name(self, tip: Tip) -> str:
        if tip.shown_as is not None:  # a recorded week: the name it was sent with
            return tip.shown_as.author_name
        author = self.library.authors.get(tip.meta.author)
        return author.name if author else tip.meta.author

    def _tag_label(self, tip: Tip, tag: str) -> str:
        if tip.shown_as is not None:  # a recorded week: the labels it was sent with
            return tip.shown_as.tags.get(tag, tag)
        return self.library.tags[tag].label

    def _chips(self, tip: Tip, here: str) -> str:
        return " ".join(_a(self._tag_label(tip, tag), href(here, tag_uri(tag)), "tip-chip") for tag in tip.tags)

    def _byline(self, tip: Tip, here: str) -> str:
        author = self.library.authors.get(tip.meta.author)
        url = tip.shown_as.author_url if tip.shown_as is not None else (author.url if author else None)
        name = html_text(self._author_name(tip))
        if url:
            name = f'<a href="{html_attr(url)}">{name}</a>'
        published = f'<time datetime="{tip.published.isoformat()}">{day_label(tip.published)}</time>'
        return (
            '<div class="tip-meta" data-search-exclude>\n'
            f"<p>{self._chips(tip, here)}</p>\n"
            f'<p class="tip-byline">By {name} · {published} · {tip.reading_minutes} min read</p>\n'
            "</div>"
        )

    def _credits(self, tip: Tip, here: str) -> str:
        lines = []
        source = tip.meta.source
        if source is not None:
            if source.title is not None:
                title = f"“{html_text(source.title)}”"
            else:  # a work published without a title is named by its first words
                title = f"an untitled piece that opens “{html_text(source.opening)}”"
            if source.url:
                title = f'<a href="{html_attr(source.url)}">{title}</a>'
            by = f" by {html_text(source.author)}" if source.author else ""
            lines.append(f"Based on an idea from {title}{by}.")
        weeks = self._weeks.get(tip.slug, [])
        if weeks:
            links = ", ".join(_a(str(week), href(here, week_uri(week))) for week in weeks)
            lines.append(f"Tip of the week in: {links}.")
        if not lines:
            return ""
        return ('<div class="tip-credits" data-search-exclude>\n'
                + "\n".join(f"<p>{line}</p>" for line in lines) + "\n</div>")

    def _related_section(self, tip: Tip, here: str) -> str:
        related = self.related(tip)
        if not related:
            return ""
        # No id on the heading: with one, the search plugin would index the
        # block as a section of its own.
        return (
            '<section class="tip-related" aria-label="Related tips" data-search-exclude>\n'
            '<h2 data-search-exclude>Related tips</h2>\n'
            f"{self._tip_cards(related, here)}\n"
            "</section>"
        )

    def _pager(self, here: str, older: Optional[Tip], newer: Optional[Tip]) -> str:
        links = []
        if older is not None:
            links.append(_a(f"← Older: {older.title}", href(here, tip_uri(older.slug)), "tip-pager__older"))
        if newer is not None:
            links.append(_a(f"Newer: {newer.title} →", href(here, tip_uri(newer.slug)), "tip-pager__newer"))
        return _nav_block("tip-pager", "Older and newer tips", links)

    def _tip_cards(self, tips: Iterable[Tip], here: str) -> str:
        # The markup of Material's "grid cards", written out: these cards
        # are on every tip page, and raw HTML costs Python-Markdown almost
        # nothing while the same cards in Markdown (md_in_html) cost more
        # than the tip's own body.
        cards = [
            f"<li>\n<p><strong>{_a(tip.title, href(here, tip_uri(tip.slug)))}</strong></p>\n<hr>\n"
            f"<p>{html_text(tip.summary)}</p>\n<p>{self._chips(tip, here)}</p>\n</li>"
            for tip in tips
        ]
        return '<div class="grid cards">\n<ul>\n' + "\n".join(cards) + "\n</ul>\n</div>"

    def _tip_list(self, tips: Iterable[Tip], here: str) -> str:
        # Raw HTML: a tag page lists every tip of the tag, so in Markdown
        # (md_in_html) it was the one part of the build that grew with the
        # library on a page of its own.
        items = [
            f"<li>\n<p><strong>{_a(tip.title, href(here, tip_uri(tip.slug)))}</strong> · "
            f'<time datetime="{tip.published.isoformat()}">{day_label(tip.published)}</time></p>\n'
            f"<p>{html_text(tip.summary)}</p>\n</li>"
            for tip in tips
        ]
        return '<div class="tip-list">\n<ul>\n' + "\n".join(items) + "\n</ul>\n</div>"

    def _subscribe(self, here: str) -> str:
        feeds = self.weekly_feeds()
        if not feeds:
            return ""
        links = " · ".join(f"[{feed.name}]({link(here, feed.path)})" for feed in feeds)
        return f"Get the tip of the week in your reader or newsletter tool: {links}."


def site_body_html(tip: Tip, here: str, tip_href: Optional[Callable[[str], str]] = None) -> str:
    """The tip's allow-listed body HTML for the page at `here`, its links pointing from that page.

    The body was written next to its tip, in tips/: links to other tips
    (`other.md`, `../other/`, `/tips/other/`) go to `tip_href(slug)` (by
    default the tip's page; `UNPUBLISHED_HREF` shows the link as its text),
    and other relative links (an image beside the tip, `card.png`) to the
    file in tips/.
    """
    tip_href = tip_href or (lambda slug: href(here, tip_uri(slug)))

    def resolve(target: str) -> str:
        slug = tip_slug_of_link(target)
        if slug:
            fragment = target[target.index("#"):] if "#" in target else ""
            return tip_href(slug) + fragment
        if slug is None and target and not target.startswith(("#", "/")) and not _SCHEME.match(target):
            return _file_href(here, posixpath.normpath(f"tips/{target}"))
        return target

    return body_html(tip.body, resolve)


def _file_href(from_uri: str, path: str) -> str:
    """A relative URL from a page to a file of the site (`tips/card.png`)."""
    source = page_url(from_uri).split("/")[:-1]
    target = path.split("/")
    common = 0
    while common < min(len(source), len(target) - 1) and source[common] == target[common]:
        common += 1
    return "../" * (len(source) - common) + "/".join(target[common:])


def insert_body(content: str, html: str) -> str:
    """A generated page's rendered HTML with its tip body HTML in place of BODY_PLACEHOLDER.

    Raises ValueError unless the placeholder is there exactly once: a page
    that lost it would otherwise be published without its tip, or twice.
    """
    if content.count(BODY_PLACEHOLDER) != 1:
        raise ValueError("the page does not hold exactly one tip body placeholder")
    return content.replace(BODY_PLACEHOLDER, html)


WITHDRAWN_TITLE = "Tip withdrawn"


def week_title(slot: WeekSlot) -> str:
    """The title a week shows: its tip's, or a plain notice when the tip was withdrawn."""
    return WITHDRAWN_TITLE if slot.withdrawn is not None else slot.tip.title


def withdrawal_notice(slot: WeekSlot) -> str:
    """The sentence that replaces a withdrawn tip on its week page (the same as in its feed items)."""
    return ledger_notice(slot.week, slot.withdrawn)


def problems_markdown(report_text: str) -> str:
    """The preview's page while the library has errors: the same lines `tips check` prints."""
    longest = max((len(run) for run in re.findall(r"`+", report_text)), default=0)
    fence = "`" * max(3, longest + 1)
    return _join([
        "# The tips have problems",
        "The preview shows this page until every error below is fixed; it reloads by itself "
        "when you save. `tips check` prints the same list.",
        f"{fence}text\n{report_text.rstrip()}\n{fence}",
    ])


def _listing_meta(title: str, description: str) -> dict[str, Any]:
    # Listing pages repeat titles and summaries of tips: out of the search
    # index, so that a search lands on the tip itself.
    return {"title": title, "description": description, "hide": ["toc"], "search": {"exclude": True}}


def _tips_count(count: int) -> str:
    return f"{count} tip" if count == 1 else f"{count} tips"


def _grid(cards: list[str]) -> str:
    return '<div class="grid cards" markdown>\n\n' + "\n\n".join(cards) + "\n\n</div>"


def _nav_block(css_class: str, label: str, links: list[str]) -> str:
    if not links:
        return ""
    return (f'<nav class="{css_class}" aria-label="{html_attr(label)}" data-search-exclude>\n<p>'
            + " ".join(links) + "</p>\n</nav>")


def _join(parts: Iterable[str]) -> str:
    return "\n\n".join(part for part in parts if part) + "\n"
