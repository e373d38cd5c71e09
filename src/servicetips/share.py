"""What the site gives to the outside: share cards, icons, robots.txt, the week's email files and page heads.

Input: the checked library, its schedule, the visibility partition and the
site's identity (`feeds.SiteInfo`). Output, as plain data for any engine:

* `files`: every generated file that is not a page or a feed, as
  `OutputFile(path, bytes)`: a 1200x630 share card for every tip page, week,
  tag and the home page (`servicetips.cards`), the icons
  (`servicetips.icons`), robots.txt (`servicetips.robots`) and, for every
  published week, `weekly/<week>/email.html` and `email.txt`
  (`servicetips.email`);
* `head(src_uri, ...)`: the Open Graph, Twitter card and JSON-LD fragment of
  a page's head (`servicetips.social`), its canonical URL (a week's page
  names its tip's page, so the two are not seen as duplicates, and it is left
  out of the sitemap), its sitemap date (a tip's `published` date) and the extra feed it advertises (a tag's);
* `cards`: every card, by path (`servicetips.card_drawing`): drawn while the
  build goes on, the bytes asked for at the end;
* `images`: the cards and the icon the feeds attach to their items, each
  card's size asked for only when a feed attaches it.

Bodies in the email are the core's allow-listed HTML (`render.render_body`)
of the week as published: a recorded week from its snapshot, a withdrawn
week as the notice. Nothing here reads the clock or the file system, but
for the card drawing the caller may pass (`servicetips.card_drawing`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from markupsafe import Markup

from . import routes
from .card_drawing import CardDrawing
from .cards import Card
from .email import WeekEmail, is_https, render_email_html, render_email_text
from .feeds import FeedImage, OutputFile, SiteInfo
from .icons import icon_files
from .ledger import withdrawal_notice
from .model import Library, Tip
from .pages import WITHDRAWN_TITLE, FeedLink, week_label
from .render import body_html, resolve_link
from .robots import robots_txt
from .routes import tip_url, week_url
from .schedule import Schedule, WeekSlot
from .social import ShareInfo, head_html
from .visibility import Visibility, links_shown


@dataclass(frozen=True)
class PageHead:
    """What one page adds to its head, and the dates and addresses MkDocs takes from the page.

    social: the meta elements and JSON-LD; canonical: an absolute URL when it
    is not the page's own; lastmod: the sitemap date (ISO); feed: a feed of
    its own to advertise (a tag's); in_sitemap: False for a page whose
    canonical URL is another page's (a sitemap lists canonical pages only).
    """

    social: Markup
    canonical: str | None = None
    lastmod: str | None = None
    feed: FeedLink | None = None

    @property
    def in_sitemap(self) -> bool:
        """Whether the page belongs in sitemap.xml: only when it is its own canonical page."""
        return self.canonical is None


class FeedImages(Mapping[str, FeedImage]):
    """The images the feeds attach, by path: the cards and the icon.

    A card's size is asked of the drawing only when a feed looks the card up,
    so the cards no feed attaches can still be drawn while the build goes on.
    """

    def __init__(self, cards: CardDrawing) -> None:
        self._cards = cards
        self._alts: dict[str, str] = {}
        self._fixed: dict[str, FeedImage] = {}

    def add_card(self, path: str, alt: str) -> None:
        """A card (already added to the drawing) with its text alternative."""
        self._alts[path] = alt

    def add(self, image: FeedImage) -> None:
        """An image whose size is known (the icon)."""
        self._fixed[image.path] = image

    def __getitem__(self, path: str) -> FeedImage:
        fixed = self._fixed.get(path)
        if fixed is not None:
            return fixed
        alt = self._alts[path]
        return FeedImage(path, self._cards.length(path), alt)

    def __iter__(self) -> Iterator[str]:
        yield from self._alts
        yield from self._fixed

    def __len__(self) -> int:
        return len(self._alts) + len(self._fixed)


@dataclass
class Reach:
    """Every output of this module for one build (see the module docstring)."""

    files: list[OutputFile] = field(default_factory=list)
    cards: CardDrawing = field(default_factory=CardDrawing)
    images: FeedImages = field(init=False)  # made from `cards`
    heads: dict[str, PageHead] = field(default_factory=dict)
    this_week: dict | None = None  # {"path": ..., "title": ...} of this week's tip, for the 404 page
    site: SiteInfo | None = None

    def __post_init__(self) -> None:
        self.images = FeedImages(self.cards)

    def head(self, src_uri: str, title: str, description: str) -> PageHead:
        """The head of the page at `src_uri`; a page the core did not generate (about, subscribe)
        gets the home card with its own `title` and `description` (plain text)."""
        known = self.heads.get(src_uri)
        if known is not None:
            return known
        site = self.site
        info = ShareInfo(
            kind="page",
            title=title or site.title,
            description=description or site.description,
            url=routes.url(src_uri, site.url),
            image_url=routes.url(routes.HOME_CARD, site.url),
            image_alt=_card_alt(site.title, "", ()),
            site_name=site.title,
            language=site.language,
        )
        return PageHead(social=head_html(info))


def _card_alt(site_name: str, title: str, tags: tuple[str, ...]) -> str:
    if not title:
        return f"{site_name}: customer-service tips"
    return f"{title}" + (f" ({', '.join(tags)})" if tags else "") + f", {site_name}"


def _host(url: str) -> str:
    return urlsplit(url).netloc


def _tag_labels(library: Library, tip: Tip) -> tuple[str, ...]:
    if tip.shown_as is not None:  # a recorded week: the labels it was sent with
        return tuple(tip.shown_as.tags.get(t, t) for t in tip.tags)
    return tuple(library.tags[t].label for t in tip.tags)


def _author(library: Library, tip: Tip) -> str:
    if tip.shown_as is not None:
        return tip.shown_as.author_name
    author = library.authors.get(tip.meta.author)
    return author.name if author else tip.meta.author


class HeadsBuilder:
    """Every card, icon, email file and page head of one build; `servicetips.incremental` reuses it for the
    heads of the pages a preview renders again (without drawing cards)."""

    def __init__(
        self,
        library: Library,
        schedule: Schedule,
        site: SiteInfo,
        visible: Visibility,
        cards: CardDrawing | None = None,
    ):
        self.library, self.schedule, self.site, self.visible = library, schedule, site, visible
        self.reach = Reach(site=site, cards=cards if cards is not None else CardDrawing())

    def card(self, path: str, card: Card, alt: str) -> str:
        self.reach.cards.add(path, card)
        self.reach.images.add_card(path, alt)
        return routes.url(path, self.site.url)

    def tip(self, tip: Tip) -> None:
        site, tags = self.site, _tag_labels(self.library, tip)
        alt = _card_alt(site.title, tip.title, tags)
        image = self.card(
            routes.tip_card(tip.slug), Card(tip.title, "tip", site.title, tags, footer=_host(site.url)), alt
        )
        info = ShareInfo(
            kind="tip",
            title=tip.title,
            description=tip.summary,
            url=tip_url(tip.slug, site.url),
            image_url=image,
            image_alt=alt,
            site_name=site.title,
            language=site.language,
            published=tip.published,
            tags=tags,
            author=_author(self.library, tip),
        )
        self.reach.heads[routes.tip_source(tip.slug)] = PageHead(
            social=head_html(info), lastmod=tip.published.isoformat()
        )

    def week(self, slot: WeekSlot) -> None:
        site = self.site
        withdrawn = slot.withdrawn is not None
        tip = slot.tip
        title = WITHDRAWN_TITLE if withdrawn else tip.title
        tags = () if withdrawn else _tag_labels(self.library, tip)
        label = f"Tip of the week · {slot.week}"
        alt = _card_alt(site.title, f"{label}: {title}", tags)
        image = self.card(
            routes.week_card(slot.week), Card(title, "week", site.title, tags, label=label, footer=_host(site.url)), alt
        )
        own = week_url(slot.week, site.url)
        # A week's page repeats its tip's page: that page is the canonical one.
        # A withdrawn week shows a notice of its own and stays its own.
        canonical = None if withdrawn or not self.visible.has_page(tip.slug) else tip_url(tip.slug, site.url)
        description = withdrawal_notice(slot.week, slot.withdrawn) if withdrawn else tip.summary
        info = ShareInfo(
            kind="week",
            title=f"{slot.week}: {title}",
            description=description,
            url=canonical or own,
            image_url=image,
            image_alt=alt,
            site_name=site.title,
            language=site.language,
        )
        lastmod = (slot.withdrawn.on if withdrawn else max(slot.week.monday, tip.published)).isoformat()
        self.reach.heads[routes.week_source(slot.week)] = PageHead(
            social=head_html(info), canonical=canonical, lastmod=lastmod
        )
        self.email(slot, image, alt, description)

    def email(self, slot: WeekSlot, card_url: str, card_alt: str, summary: str) -> None:
        if not is_https(self.site.url):  # mail clients block what is not https: no email without it
            return
        html_text, plain_text = week_email(slot, self.site, self.visible, card_url, card_alt, summary)
        self.reach.files.append(OutputFile(routes.week_email_html(slot.week), html_text.encode("utf-8")))
        self.reach.files.append(OutputFile(routes.week_email_text(slot.week), plain_text.encode("utf-8")))

    def tag(self, tag: str) -> None:
        site, info = self.site, self.library.tags[tag]
        alt = _card_alt(site.title, f"Tag: {info.label}", ())
        image = self.card(routes.tag_card(tag), Card(info.label, "tag", site.title, footer=_host(site.url)), alt)
        share = ShareInfo(
            kind="tag",
            title=info.label,
            description=info.description,
            url=routes.tag_url(tag, site.url),
            image_url=image,
            image_alt=alt,
            site_name=site.title,
            language=site.language,
        )
        feed = FeedLink(routes.tag_feed(tag), "application/rss+xml", f"{info.label} (RSS)")
        newest = self.visible.tips_with_tag(tag)
        lastmod = newest[0].published.isoformat() if newest else None
        self.reach.heads[routes.tag_source(tag)] = PageHead(social=head_html(share), lastmod=lastmod, feed=feed)

    def home(self) -> None:
        site = self.site
        alt = _card_alt(site.title, "", ())
        image = self.card(routes.HOME_CARD, Card(site.title, "home", site.title, footer=_host(site.url)), alt)
        info = ShareInfo(
            kind="home",
            title=site.title,
            description=site.description,
            url=site.url,
            image_url=image,
            image_alt=alt,
            site_name=site.title,
            language=site.language,
        )
        self.reach.heads[routes.HOME] = PageHead(social=head_html(info))
        # Listing pages change with their newest entry.
        newest = self.visible.published[0].published if self.visible.published else None
        weeks = self.schedule.published
        for uri, title, description, day in (
            (routes.TIPS_INDEX, "All tips", "Every published tip, newest first.", newest),
            (routes.TAGS_INDEX, "Tags", "Browse the tips by theme.", newest),
            (
                routes.WEEKLY_INDEX,
                "Tip of the week",
                "Every tip of the week so far, newest first.",
                weeks[0].week.monday if weeks else None,
            ),
        ):
            listing = ShareInfo(
                kind="page",
                title=title,
                description=description,
                url=routes.url(uri, site.url),
                image_url=image,
                image_alt=alt,
                site_name=site.title,
                language=site.language,
            )
            self.reach.heads[uri] = PageHead(social=head_html(listing), lastmod=_iso(day))


def week_email(
    slot: WeekSlot, site: SiteInfo, visible: Visibility, card_url: str, card_alt: str, summary: str
) -> tuple[str, str]:
    """The week's email as (HTML, plain text): the week as published (a recorded week from its
    snapshot), or, for a withdrawn week, the notice; `summary` is the tip's summary or the notice.

    Raises ValueError unless the site URL is absolute https (mail clients block anything else).
    """
    own = week_url(slot.week, site.url)
    if slot.withdrawn is not None:
        title, tip_link = WITHDRAWN_TITLE, own
        body = str(Markup("<p>{}</p>").format(summary))
    else:
        tip = slot.tip
        title = tip.title
        tip_link = tip_url(tip.slug, site.url) if visible.has_page(tip.slug) else own
        # The week's page shows exactly this body (a recorded week: its
        # snapshot), so the body's own anchors (#a-heading, footnotes) point there.
        body = body_html(
            tip.body,
            lambda target: (
                own + target
                if target.startswith("#")
                else resolve_link(target, tip.slug, site.url, links_shown(tip, visible.has_page))
            ),
        )
    email = WeekEmail(
        week_label=f"Tip of the week · {week_label(slot.week, site.language)}",
        title=title,
        summary=summary,
        body_html=body,
        card_url=card_url,
        card_alt=card_alt,
        tip_url=tip_link,
        week_url=own,
        site_name=site.title,
        site_url=site.url,
        footer=f"You receive this because you follow the {site.title} tip of the week. "
        f"To change or stop it: {routes.url(routes.SUBSCRIBE, site.url)}",
    )
    return render_email_html(email), render_email_text(email)


def this_week_email(library: Library, schedule: Schedule, site: SiteInfo, visible: Visibility) -> tuple[str, str]:
    """This week's email as (HTML, plain text), exactly as the build writes it (`tips week --format email`).

    Raises ValueError when the week has no tip or the site URL is not https.
    """
    slot = schedule.this_week
    if slot is None:
        raise ValueError(f"{schedule.current} has no tip of the week")
    builder = HeadsBuilder(library, schedule, site, visible)
    builder.week(slot)
    if not is_https(site.url):
        raise ValueError(f"the email needs the site's https address, got {site.url}")
    found = {f.path: f.content for f in builder.reach.files}
    return (
        found[routes.week_email_html(slot.week)].decode("utf-8"),
        found[routes.week_email_text(slot.week)].decode("utf-8"),
    )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def build_reach(
    library: Library,
    schedule: Schedule,
    site: SiteInfo,
    visible: Visibility,
    tips_with_pages: list[Tip] | None = None,
    cards: CardDrawing | None = None,
) -> Reach:
    """Cards, icons, robots.txt, email files and page heads for one build; same inputs, same bytes.

    `tips_with_pages` defaults to the published tips (the preview passes its scheduled ones too).
    `cards`: what draws the cards (`card_drawing.CardDrawing`: with a cache, in a second
    process); by default they are drawn here, when asked for. The bytes are the same either way.
    """
    builder = HeadsBuilder(library, schedule, site, visible, cards)
    for tip in tips_with_pages if tips_with_pages is not None else visible.published:
        builder.tip(tip)
    for slot in schedule.published:
        builder.week(slot)
    for tag in library.tags:
        builder.tag(tag)
    builder.home()
    reach = builder.reach
    icons = icon_files()
    for path in routes.ICONS:
        reach.files.append(OutputFile(path, icons[path]))
    # The feeds' channel image (RSS allows at most 144 px wide).
    reach.images.add(FeedImage(routes.FAVICON_48, len(icons[routes.FAVICON_48]), site.title, width=48, height=48))
    reach.files.append(OutputFile(routes.ROBOTS, robots_txt(site.url).encode("utf-8")))
    reach.files.sort(key=lambda f: f.path)
    slot = schedule.this_week
    if slot is not None and slot.withdrawn is None and visible.has_page(slot.tip.slug):
        reach.this_week = {"path": routes.public_path(routes.tip_source(slot.tip.slug)), "title": slot.tip.title}
    elif slot is not None:
        reach.this_week = {"path": routes.public_path(routes.week_source(slot.week)), "title": WITHDRAWN_TITLE}
    return reach
