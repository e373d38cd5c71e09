"""Feeds and the JSON API: the contract with newsletter tooling.

Input: the library, its schedule (as of one date) and the site's identity.
Output: files as bytes, `OutputFile(path, content)`, which the build hands to
MkDocs. Nothing here reads the clock, and only `write_api_schemas` (run by
hand when an API model changes) touches the file system, so the same inputs
give byte-identical files.

Weekly feeds, one item per published week, newest first, at most
`feed_weeks` (tips/schedule.yml) items:

    feed.xml   RSS 2.0      atom.xml   Atom 1.0      feed.json   JSON Feed 1.1

An item's id is the week's permalink (`<site>weekly/2026-W48/`), so the same
week has the same id in every build, and its date is the week's start, Monday
00:00 UTC. A feed's updated/lastBuildDate is its newest item's date, never
the build time, so rebuilding without a new week changes nothing.

Per-tag feeds, `tags/<tag>/feed.xml` (RSS 2.0): the tag's published tips
(`servicetips.visibility`: published on or before `as_of`), newest first by
published date, at most `feed_weeks`, each with the tip's permalink as id.
A body's link to a tip that is not published yet is shown as its text.

Images (given by `servicetips.share`, which draws them): every item carries
its share card, the week's or the tip's, as RSS `media:content` and
`enclosure`, Atom `link rel="enclosure"` and JSON Feed `image`; an RSS
channel names the site's icon as its `<image>` and asks readers to check
again after `TTL_MINUTES`. With a WebSub hub (`extra: websub_hub:` in
mkdocs.yml), every feed names it (`link rel="hub"`, JSON Feed `hubs`); the
publish workflow pings it after each deploy. The JSON Feed's items and
api/tip-of-the-week.json also link the week's email files.

API (`api/`), described by the versioned JSON Schemas in docs/api/v1/, which
are generated from the pydantic models below (`python -m servicetips.feeds
docs` rewrites them; a test keeps them equal):

    api/tip-of-the-week.json   this week's tip (absent when the week has none)
    api/weeks.json             every published week, newest first
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from feedgen.ext.base import BaseExtension
from feedgen.feed import FeedGenerator
from jinja2 import Environment
from lxml import etree
from pydantic import BaseModel, ConfigDict, Field

from . import routes
from .cache_store import Entry
from .dates import IsoWeek
from .ledger import withdrawal_notice
from .model import Library, Tip
from .render import render_body
from .routes import tip_url, week_url
from .schedule import Schedule, WeekSlot
from .visibility import Visibility, links_shown, partition

SCHEMA_VERSION = routes.API_SCHEMA_VERSION
API_SCHEMA_DIR = routes.API_SCHEMA_DIR
TIP_OF_THE_WEEK_SCHEMA = routes.API_TIP_OF_THE_WEEK_SCHEMA
WEEKS_SCHEMA = routes.API_WEEKS_SCHEMA
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
# feedgen writes its own name and version into every feed by default; a fixed
# generator keeps the output the same across feedgen upgrades.
GENERATOR = "Service Tips"
# How long a reader may keep a feed before asking again (RSS <ttl>). The weekly
# feed changes on Monday at 00:00 UTC: an hour's delay at most is fine.
TTL_MINUTES = 60
ATOM_NS = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class SiteInfo:
    """The published site as feeds name it: absolute URL (ending in '/'), title, description, language.

    Raises ValueError for a missing or relative URL or an empty title; an
    empty description gets a default.
    """

    url: str
    title: str
    description: str
    language: str = "en"

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", normalize_site_url(self.url))
        if not isinstance(self.title, str) or not self.title.strip():
            raise ValueError("the site title is required for feeds; set site_name in mkdocs.yml")
        if not self.description or not self.description.strip():
            # RSS requires a channel description; site_description is optional in MkDocs.
            object.__setattr__(self, "description", f"{self.title}: a new tip every week.")


@dataclass(frozen=True)
class FeedImage:
    """A generated image as feeds attach it: path in the site, size in bytes, text alternative,
    media type and pixel size."""

    path: str
    length: int
    alt: str
    media_type: str = "image/png"
    width: int = 1200
    height: int = 630


@dataclass(frozen=True)
class OutputFile:
    """A generated file: its site-relative path (e.g. 'api/weeks.json') and its bytes; `source`, a build
    cache entry holding the same bytes, which the site may link instead of writing them (a share card)."""

    path: str
    content: bytes
    source: Entry | None = field(default=None, compare=False, repr=False)


def normalize_site_url(url: Any) -> str:
    """The site URL with a trailing '/'; ValueError unless it is an absolute http(s) URL."""
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(
            f"site_url is required for feeds and must be an absolute http(s) URL such as "
            f"https://tips.example.org/ (got {url!r}); set site_url in mkdocs.yml"
        )
    return url if url.endswith("/") else url + "/"


def _normalized(site_url: str | None) -> str | None:
    return None if site_url is None else normalize_site_url(site_url)


def _root(site_url: str | None) -> str:
    # None means "site-relative" (the CLI has no site URL): '/tips/x/' instead of 'https://.../tips/x/'.
    return routes.root_url(None if site_url is None else normalize_site_url(site_url))


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


# --- API payloads -------------------------------------------------------------
# The pydantic models are the one definition of the payloads: the JSON Schemas
# in docs/api/v1/ are generated from them and every payload is built through them.

_URL_DOC = "Absolute on the published site; site-relative (starting with /) in `tips week --format json`."


class WithdrawnInfo(BaseModel):
    """Why and when a week's tip was withdrawn (the week keeps its place and permalink)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    on: date = Field(description="The day the tip was withdrawn.")
    reason: str = Field(description="Why, plain text.")


class WeekEntry(BaseModel):
    """One published week and its tip."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    week: str = Field(pattern=IsoWeek.JSON_PATTERN, description="ISO 8601 week, YYYY-Www.", examples=["2026-W48"])
    start: date = Field(description="The week's Monday (the week starts at 00:00 UTC).", examples=["2026-11-23"])
    end: date = Field(description="The week's Sunday, the last day of the week.", examples=["2026-11-29"])
    week_url: str = Field(
        description="The week's permalink. " + _URL_DOC, json_schema_extra={"format": "uri-reference"}
    )
    slug: str = Field(
        pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", description="The tip's slug: stable, its address is /tips/<slug>/."
    )
    title: str = Field(description="The tip's title, plain text.")
    url: str = Field(
        description="The tip's page (the week's permalink when withdrawn). " + _URL_DOC,
        json_schema_extra={"format": "uri-reference"},
    )
    withdrawn: WithdrawnInfo | None = Field(
        default=None, description="Present only when the week's tip was withdrawn; title and html then say so."
    )


class TipOfTheWeek(WeekEntry):
    """api/tip-of-the-week.json: the tip of the current week."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        title="Service Tips API v1: tip of the week",
        json_schema_extra={"$comment": "Generated from servicetips.feeds.TipOfTheWeek; do not edit by hand."},
    )

    schema_ref: str = Field(alias="$schema", description="URL of this JSON Schema.")
    schema_version: Literal[1] = Field(
        description="Major version of the payload; a breaking change gets a new version and path."
    )
    summary: str = Field(description="One sentence, plain text.")
    tags: list[str] = Field(min_length=1, max_length=3, description="Tag keys; each has a page at /tags/<tag>/.")
    html: str = Field(description="The tip's body as HTML, with absolute links.")
    image: str | None = Field(
        default=None,
        description="The week's share card, a 1200x630 PNG. " + _URL_DOC,
        json_schema_extra={"format": "uri-reference"},
    )
    email_html: str | None = Field(
        default=None,
        description="The week's email-ready HTML (inline styles, at most 600 px wide). " + _URL_DOC,
        json_schema_extra={"format": "uri-reference"},
    )
    email_text: str | None = Field(
        default=None,
        description="The same email as plain text. " + _URL_DOC,
        json_schema_extra={"format": "uri-reference"},
    )


class WeeksIndex(BaseModel):
    """api/weeks.json: every published week, newest first."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        title="Service Tips API v1: published weeks",
        json_schema_extra={"$comment": "Generated from servicetips.feeds.WeeksIndex; do not edit by hand."},
    )

    schema_ref: str = Field(alias="$schema", description="URL of this JSON Schema.")
    schema_version: Literal[1] = Field(
        description="Major version of the payload; a breaking change gets a new version and path."
    )
    weeks: list[WeekEntry] = Field(description="Every week that has started and has a tip, newest first.")


def _week_entry_fields(slot: WeekSlot, site_url: str | None) -> dict[str, Any]:
    tip = _tip_of(slot)
    if slot.withdrawn is not None:
        return {
            "week": str(slot.week),
            "start": slot.week.monday,
            "end": slot.week.sunday,
            "week_url": week_url(slot.week, site_url),
            "slug": tip.slug,
            "title": "Tip withdrawn",
            "url": week_url(slot.week, site_url),
            "withdrawn": WithdrawnInfo(on=slot.withdrawn.on, reason=slot.withdrawn.reason),
        }
    return {
        "week": str(slot.week),
        "start": slot.week.monday,
        "end": slot.week.sunday,
        "week_url": week_url(slot.week, site_url),
        "slug": tip.slug,
        "title": tip.title,
        "url": tip_url(tip.slug, site_url),
    }


def _tip_of(slot: WeekSlot) -> Tip:
    if slot.tip is None:
        raise ValueError(f"{slot.week} has no tip of the week")
    return slot.tip


def week_payload(
    slot: WeekSlot, site_url: str | None, has_page: Callable[[str], bool] | None = None, files: Collection[str] = ()
) -> dict:
    """The tip-of-the-week payload for `slot` as a JSON-ready dict (see `TipOfTheWeek`).

    With `site_url` None, URLs are site-relative ('/tips/<slug>/').
    `has_page` (`Visibility.has_page`) turns the body's links to tips that
    are not published into text. `files`: the site's other generated files
    (`servicetips.share`); the week's card and email files are linked when there.
    """
    site_url = _normalized(site_url)
    tip = _tip_of(slot)
    withdrawn = slot.withdrawn is not None
    notice = withdrawal_notice(slot.week, slot.withdrawn) if withdrawn else ""
    payload = TipOfTheWeek(
        schema_ref=_root(site_url) + TIP_OF_THE_WEEK_SCHEMA,
        schema_version=SCHEMA_VERSION,
        summary=notice if withdrawn else tip.summary,
        tags=list(tip.tags),
        html=_NOTICE.render(notice=notice)
        if withdrawn
        else render_body(tip.body, tip.slug, site_url, links_shown(tip, has_page)),
        **_week_links(slot.week, site_url, files),
        **_week_entry_fields(slot, site_url),
    )
    return payload.model_dump(mode="json", by_alias=True, exclude_none=True)


def _week_links(week: IsoWeek, site_url: str | None, files: Collection[str]) -> dict[str, str]:
    """The week's card and email files that exist in this build, as payload fields."""
    wanted = {
        "image": routes.week_card(week),
        "email_html": routes.week_email_html(week),
        "email_text": routes.week_email_text(week),
    }
    return {key: routes.url(path, site_url) for key, path in wanted.items() if path in files}


def weeks_payload(schedule: Schedule, site_url: str | None) -> dict:
    """The payload of api/weeks.json: every published week, newest first (see `WeeksIndex`)."""
    site_url = _normalized(site_url)
    index = WeeksIndex(
        schema_ref=_root(site_url) + WEEKS_SCHEMA,
        schema_version=SCHEMA_VERSION,
        weeks=[WeekEntry(**_week_entry_fields(slot, site_url)) for slot in schedule.published],
    )
    return index.model_dump(mode="json", by_alias=True, exclude_none=True)


def api_json_schemas() -> dict[str, str]:
    """The API's JSON Schemas as committed under docs/, by path relative to docs/."""
    schemas = {}
    for path, model in ((TIP_OF_THE_WEEK_SCHEMA, TipOfTheWeek), (WEEKS_SCHEMA, WeeksIndex)):
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            **model.model_json_schema(by_alias=True, mode="serialization"),
        }
        schemas[path] = _json_text(schema)
    return schemas


def _json_text(data: Any) -> str:
    # Sorted keys and a fixed layout: the same data is always the same bytes.
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- Feeds --------------------------------------------------------------------

# A withdrawn week's feed content: the notice, escaped by the template.
_NOTICE = Environment(autoescape=True).from_string('<p class="tip-withdrawn">{{ notice }}</p>')


@dataclass(frozen=True)
class _Item:
    """One feed item, independent of the feed format."""

    id: str
    url: str
    title: str
    summary: str
    html: str
    date: datetime
    tags: tuple[tuple[str, str], ...]  # (key, label)
    author_name: str
    author_url: str | None
    updated: datetime | None = None  # a withdrawn week's item: when it was withdrawn
    image: FeedImage | None = None  # the item's share card
    image_url: str = ""
    extra: tuple[tuple[str, str], ...] = ()  # JSON Feed: links to the week's email files


@dataclass(frozen=True)
class _Channel:
    """What a feed says about itself."""

    title: str
    description: str
    home_url: str
    self_url: str
    language: str
    updated: datetime
    tags_url: str
    image: FeedImage | None = None  # the site's icon (RSS <image>)
    image_url: str = ""
    hub: str | None = None  # a WebSub hub


class _Renderer:
    """Turns tips into feed items, rendering each body once per build, however many feeds carry it."""

    def __init__(
        self, library: Library, site: SiteInfo, visible: Visibility, images: Mapping[str, FeedImage] | None = None
    ):
        self.library = library
        self.site = site
        self.visible = visible
        self.images = images or {}
        self._html: dict[str, str] = {}

    def with_image(self, item: _Item, path: str, extra: tuple[tuple[str, str], ...] = ()) -> _Item:
        """`item` with the image at `path` (when the build drew one) and extra links."""
        image = self.images.get(path)
        if image is None:
            return dataclasses.replace(item, extra=extra)
        return dataclasses.replace(item, image=image, image_url=routes.url(image.path, self.site.url), extra=extra)

    def item(self, tip: Tip, item_id: str, url: str, title: str, when: datetime) -> _Item:
        # Keyed by the body and the links shown too: a recorded week's
        # snapshot and today's tip of the same slug may differ.
        shown = links_shown(tip, self.visible.has_page)
        key = (tip.slug, tip.body, None if tip.shown_as is None else tip.shown_as.linked_tips)
        if key not in self._html:
            self._html[key] = render_body(tip.body, tip.slug, self.site.url, shown)
        if tip.shown_as is not None:  # a recorded week: the labels it was sent with
            tags = tuple((t, tip.shown_as.tags.get(t, t)) for t in tip.tags)
            author_name, author_url = tip.shown_as.author_name, tip.shown_as.author_url
        else:
            author = self.library.authors[tip.meta.author]  # validated: every tip names a known author
            tags = tuple((t, self.library.tags[t].label) for t in tip.tags)
            author_name, author_url = author.name, author.url
        return _Item(
            id=item_id,
            url=url,
            title=title,
            summary=tip.summary,
            html=self._html[key],
            date=when,
            tags=tags,
            author_name=author_name,
            author_url=author_url,
        )

    def withdrawn_item(self, slot: WeekSlot) -> _Item:
        """A withdrawn week's item: same id and link, the notice as content, updated when withdrawn."""
        url = week_url(slot.week, self.site.url)
        notice = withdrawal_notice(slot.week, slot.withdrawn)
        return _Item(
            id=url,
            url=url,
            title=f"Tip of the week {slot.week}: withdrawn",
            summary=notice,
            html=_NOTICE.render(notice=notice),
            date=slot.week.start,
            tags=(),
            author_name=self.site.title,
            author_url=None,
            updated=_day_start(slot.withdrawn.on),
        )


def _channel(
    site: SiteInfo,
    title: str,
    description: str,
    home_url: str,
    self_path: str,
    items: list[_Item],
    empty_updated: datetime,
    image: FeedImage | None = None,
    hub: str | None = None,
) -> _Channel:
    # updated is the newest item's date: a rebuild that adds nothing changes nothing.
    updated = max((i.date for i in items), default=empty_updated)
    return _Channel(
        title=title,
        description=description,
        home_url=home_url,
        self_url=routes.url(self_path, site.url),
        language=site.language,
        updated=updated,
        tags_url=routes.tags_index_url(site.url),
        image=image,
        image_url=routes.url(image.path, site.url) if image else "",
        hub=hub,
    )


class _HubExtension(BaseExtension):
    """Names the WebSub hub in an RSS channel as `<atom:link rel="hub">` (feedgen writes only
    the `self` link there; in Atom, `link(rel="hub")` is enough)."""

    def __init__(self):
        self.hub: str | None = None

    def extend_ns(self):
        return {"atom": ATOM_NS}

    def extend_rss(self, feed):
        if self.hub:
            channel = feed[0]
            link = etree.Element(f"{{{ATOM_NS}}}link", href=self.hub, rel="hub")
            # Beside the self link, before the items.
            channel.insert(list(channel).index(channel.find(f"{{{ATOM_NS}}}link")) + 1, link)
        return feed


class _AtomEnclosure(BaseExtension):
    """An Atom entry's `<link rel="enclosure" type=... length=...>`.

    feedgen 1.0 writes an Atom entry's links with their href only (its
    serialiser reads rel and type from the new element instead of the link's
    data), so an enclosure would come out as a second plain link, which
    readers take for the entry's page.
    """

    def __init__(self):
        self.image: tuple[str, int, str] | None = None  # url, length, media type

    def extend_atom(self, entry):
        if self.image:
            url, length, media_type = self.image
            # Unqualified, as feedgen writes every Atom element (the document's default namespace).
            etree.SubElement(entry, "link", rel="enclosure", href=url, type=media_type, length=str(length))
        return entry


def validate_hub(url: Any) -> str | None:
    """A WebSub hub URL from the site settings: None when unset; ValueError unless absolute https."""
    if url in (None, ""):
        return None
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme != "https" or not parts.netloc or any(c in url for c in "\r\n <>\"'"):
        raise ValueError(f"extra.websub_hub must be an absolute https URL, got {url!r}")
    return url


def _feedgen(channel: _Channel, items: list[_Item], rss: bool) -> FeedGenerator:
    fg = FeedGenerator()
    if any(item.image for item in items):  # declared only where used
        fg.load_extension("media", atom=True, rss=True)
    if rss:
        # RSS <author> must be an e-mail address; Dublin Core's creator carries a name.
        fg.load_extension("dc", atom=False, rss=True)
        if channel.hub:
            fg.register_extension("websub", _HubExtension, atom=False, rss=True)
            fg.websub.hub = channel.hub
        fg.ttl(TTL_MINUTES)
        if channel.image:
            fg.image(
                url=channel.image_url,
                title=channel.title,
                link=channel.home_url,
                width=str(channel.image.width),
                height=str(channel.image.height),
            )
    else:
        fg.register_extension("enclosure", BaseExtension, _AtomEnclosure, atom=True, rss=False)
        if channel.hub:
            fg.link(href=channel.hub, rel="hub")
    fg.id(channel.self_url)
    fg.title(channel.title)
    fg.description(channel.description)
    fg.language(channel.language)
    fg.generator(GENERATOR)
    fg.link(href=channel.self_url, rel="self", type="application/rss+xml" if rss else "application/atom+xml")
    fg.link(href=channel.home_url, rel="alternate")  # last link added is RSS's <link>
    fg.updated(channel.updated)  # also lastBuildDate, which feedgen would otherwise set to now
    for item in items:
        entry = fg.add_entry(order="append")  # the default, 'prepend', would reverse our order
        entry.guid(item.id, permalink=True)
        entry.title(item.title)
        entry.link(href=item.url, rel="alternate")
        entry.summary(item.summary)
        # Escaped HTML (type 'html'), not CDATA: valid in both formats, and
        # safe for any text, including a ']]>' that would end a CDATA section.
        entry.content(item.html, type="html")
        entry.published(item.date)
        entry.updated(item.updated or item.date)  # feedgen defaults an entry's updated to now
        entry.author({"name": item.author_name, **({"uri": item.author_url} if item.author_url else {})})
        if rss:
            entry.dc.dc_creator(item.author_name)
        if item.tags:
            entry.category([{"term": key, "label": label, "scheme": channel.tags_url} for key, label in item.tags])
        if item.image and rss:
            entry.enclosure(item.image_url, item.image.length, item.image.media_type)
        elif item.image:
            entry.enclosure.image = (item.image_url, item.image.length, item.image.media_type)
        if item.image:
            entry.media.content(
                url=item.image_url,
                type=item.image.media_type,
                medium="image",
                fileSize=str(item.image.length),
                width=str(item.image.width),
                height=str(item.image.height),
                group=None,
            )
    return fg


def _rss_feed(channel: _Channel, items: list[_Item]) -> bytes:
    """An RSS 2.0 document (with content:encoded and dc:creator)."""
    return _feedgen(channel, items, rss=True).rss_str(pretty=True)


def _atom_feed(channel: _Channel, items: list[_Item]) -> bytes:
    """An Atom 1.0 document."""
    return _feedgen(channel, items, rss=False).atom_str(pretty=True)


def _json_feed(channel: _Channel, items: list[_Item], feed_url: str) -> bytes:
    """A JSON Feed 1.1 document.

    Written by hand: there is no well-kept JSON Feed library, and the format
    is one small dict (https://www.jsonfeed.org/version/1.1/).
    """
    data = {
        "version": JSON_FEED_VERSION,
        "title": channel.title,
        "description": channel.description,
        "home_page_url": channel.home_url,
        "feed_url": feed_url,
        **({"icon": channel.image_url} if channel.image else {}),
        "language": channel.language,
        **({"hubs": [{"type": "WebSub", "url": channel.hub}]} if channel.hub else {}),
        "items": [
            {
                "id": item.id,
                "url": item.url,
                "title": item.title,
                "summary": item.summary,
                "content_html": item.html,
                **({"image": item.image_url} if item.image else {}),
                "date_published": _rfc3339(item.date),
                **({"date_modified": _rfc3339(item.updated)} if item.updated else {}),
                "tags": [label for _, label in item.tags],
                "authors": [{"name": item.author_name, **({"url": item.author_url} if item.author_url else {})}],
                # JSON Feed extensions start with "_" (spec, "Extensions").
                **(
                    {"_service_tips": {"about": routes.url(routes.INTEGRATORS, channel.home_url), **dict(item.extra)}}
                    if item.extra
                    else {}
                ),
            }
            for item in items
        ],
    }
    return _json_text(data).encode("utf-8")


def _weekly_items(renderer: _Renderer, schedule: Schedule, files: Collection[str]) -> list[_Item]:
    """The weekly feeds' items: the newest `feed_weeks` published weeks, newest first."""
    items = []
    for slot in schedule.published[: renderer.library.settings.feed_weeks]:
        links = tuple(_week_links(slot.week, renderer.site.url, files).items())
        extra = tuple((key, url) for key, url in links if key != "image")
        if slot.withdrawn is not None:
            item = renderer.withdrawn_item(slot)
        else:
            tip = _tip_of(slot)
            url = week_url(slot.week, renderer.site.url)
            item = renderer.item(tip, url, url, f"Tip of the week {slot.week}: {tip.title}", slot.week.start)
        items.append(renderer.with_image(item, routes.week_card(slot.week), extra))
    return items


def _tag_items(renderer: _Renderer, schedule: Schedule, tag: str) -> list[_Item]:
    """A tag feed's items: the tag's published tips, newest first, at most `feed_weeks`."""
    library = renderer.library
    tips = renderer.visible.tips_with_tag(tag)
    items = []
    for tip in tips[: library.settings.feed_weeks]:
        url = tip_url(tip.slug, renderer.site.url)
        item = renderer.item(tip, url, url, tip.title, _day_start(tip.published))
        items.append(renderer.with_image(item, routes.tip_card(tip.slug)))
    return items


def build_feeds(
    library: Library,
    schedule: Schedule,
    site: SiteInfo,
    visible: Visibility | None = None,
    images: Mapping[str, FeedImage] | None = None,
    files: Collection[str] = (),
    hub: str | None = None,
) -> list[OutputFile]:
    """Every feed and API file for the site, sorted by path; same inputs, same bytes.

    `visible` is the check's partition of the library (`CheckReport.visible`);
    without it the library is partitioned as of the schedule's date, by the same rule.
    `images`: the share cards and icons by path (`servicetips.share`), attached
    to the items and channels; `files`: the site's other generated paths (the
    email files are linked when there); `hub`: a WebSub hub to advertise.
    """
    visible = visible if visible is not None else partition(library, schedule.as_of)
    # An empty feed still needs a date; the start of the build's week is
    # derived from as_of, so it too is the same for the same inputs.
    empty = schedule.current.start
    images = images or {}
    generated = frozenset(files) | frozenset(images)
    renderer = _Renderer(library, site, visible, images)  # shared, so each body is rendered once for all feeds
    weekly = _weekly_items(renderer, schedule, generated)
    title = f"{site.title}: tip of the week"
    icon = images.get(routes.FAVICON_48)  # RSS allows a channel image at most 144 px wide

    def weekly_channel(path: str) -> _Channel:
        return _channel(site, title, site.description, site.url, path, weekly, empty, icon, hub)

    files = [
        OutputFile(routes.FEED_RSS, _rss_feed(weekly_channel(routes.FEED_RSS), weekly)),
        OutputFile(routes.FEED_ATOM, _atom_feed(weekly_channel(routes.FEED_ATOM), weekly)),
        OutputFile(
            routes.FEED_JSON,
            _json_feed(weekly_channel(routes.FEED_JSON), weekly, routes.url(routes.FEED_JSON, site.url)),
        ),
        OutputFile(routes.API_WEEKS, _json_text(weeks_payload(schedule, site.url)).encode("utf-8")),
    ]
    if schedule.this_week is not None:
        files.append(
            OutputFile(
                routes.API_TIP_OF_THE_WEEK,
                _json_text(week_payload(schedule.this_week, site.url, visible.has_page, generated)).encode("utf-8"),
            )
        )
    for tag, info in library.tags.items():
        items = _tag_items(renderer, schedule, tag)
        path = routes.tag_feed(tag)
        channel = _channel(
            site,
            f"{site.title}: {info.label}",
            info.description,
            routes.tag_url(tag, site.url),
            path,
            items,
            empty,
            icon,
            hub,
        )
        files.append(OutputFile(path, _rss_feed(channel, items)))
    return sorted(files, key=lambda f: f.path)


def write_api_schemas(docs: Path) -> list[Path]:
    """Write the API's JSON Schemas under `docs` (the docs/ folder); return the paths written."""
    written = []
    for relative, text in api_json_schemas().items():
        path = docs / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # python -m servicetips.feeds docs  (after changing an API model)
    for written_path in write_api_schemas(Path(sys.argv[1] if len(sys.argv) > 1 else "docs")):
        print(f"wrote {written_path}")
