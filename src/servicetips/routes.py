"""The public URL contract: where every output of the site lives, and how one output links to another.

Public URLs are a contract with readers, search engines and newsletter
tools (design.md "Public URLs"): this is the one module that spells a path
of the site. Every other module asks it for

* the *source path* of a page (`tips/<slug>.md`, as MkDocs names a page),
* the *public path* of any output (`tips/<slug>/`, `feed.xml`; no leading
  slash, relative to the site's root),
* the *URL* of an output: absolute with a site URL, site-relative
  (`/tips/<slug>/`) without one (the CLI has no site URL),
* the *link* from one page to another: `link` for Markdown (MkDocs
  resolves `.md` links for the configured URL style and `--strict` refuses a
  broken one), `href` and `file_href` for raw HTML (which MkDocs leaves as
  written).

Pages (directory URLs):

    index.md              /                      home
    tips/index.md         /tips/                 every tip
    tips/<slug>.md        /tips/<slug>/          one tip
    tags/index.md         /tags/                 every tag with its count
    tags/<tag>.md         /tags/<tag>/           one tag's tips
    weekly/index.md       /weekly/               every published week
    weekly/<week>.md      /weekly/2026-W48/      one week's permalink
    subscribe.md          /subscribe/            how to get the tip

Files: the weekly feeds (`feed.xml`, `atom.xml`, `feed.json`), a tag's feed
(`tags/<tag>/feed.xml`), the API (`api/tip-of-the-week.json`,
`api/weeks.json`, schemas in `api/v1/`), a week's email
(`weekly/<week>/email.html`, `.txt`), share cards (`cards/...png`), images
beside the tips (`tips/<path>`), robots.txt, the sitemap and the icons.
"""

from __future__ import annotations

import posixpath

from .dates import IsoWeek

# -- top-level folders and files (first segments of public paths) -------------

TIPS = "tips"
TAGS = "tags"
WEEKLY = "weekly"
API = "api"
CARDS = "cards"
ASSETS = "assets"  # the theme's and the hand-written pages' own files
SEARCH_BUNDLE = "pagefind"  # the search index and its scripts (servicetips.search)

# -- pages (source paths) -------------------------------------------------------

HOME = "index.md"
TIPS_INDEX = f"{TIPS}/index.md"
TAGS_INDEX = f"{TAGS}/index.md"
WEEKLY_INDEX = f"{WEEKLY}/index.md"
SUBSCRIBE = "subscribe.md"
INTEGRATORS = "integrators.md"  # feeds and API for integrators (the JSON Feed's extension points here)

# -- files ----------------------------------------------------------------------

FEED_RSS = "feed.xml"
FEED_ATOM = "atom.xml"
FEED_JSON = "feed.json"
TAG_FEED_NAME = "feed.xml"
API_TIP_OF_THE_WEEK = f"{API}/tip-of-the-week.json"
API_WEEKS = f"{API}/weeks.json"
API_SCHEMA_VERSION = 1
API_SCHEMA_DIR = f"{API}/v{API_SCHEMA_VERSION}"
API_TIP_OF_THE_WEEK_SCHEMA = f"{API_SCHEMA_DIR}/tip-of-the-week.schema.json"
API_WEEKS_SCHEMA = f"{API_SCHEMA_DIR}/weeks.schema.json"
EMAIL_HTML_NAME = "email.html"
EMAIL_TEXT_NAME = "email.txt"
HOME_CARD = f"{CARDS}/home.png"
ROBOTS = "robots.txt"
SITEMAP = "sitemap.xml"
FAVICON_ICO = "favicon.ico"
FAVICON_PNG = "favicon.png"
FAVICON_48 = "favicon-48.png"
TOUCH_ICON = "apple-touch-icon.png"
ICONS = (FAVICON_ICO, FAVICON_PNG, FAVICON_48, TOUCH_ICON)

# Files beside the tips that pages may show (images of a tip's body). They
# are published under /tips/ as they are; no SVG, which can carry scripts.
TIP_ASSET_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif")


def tip_source(slug: str) -> str:
    """Source path of a tip's page (and of the tip's file in the tips folder): `tips/<slug>.md`."""
    return f"{TIPS}/{slug}.md"


def tag_source(tag: str) -> str:
    """Source path of a tag's page, published at /tags/<tag>/."""
    return f"{TAGS}/{tag}.md"


def week_source(week: IsoWeek | str) -> str:
    """Source path of a week's permalink page, published at /weekly/<YYYY>-W<WW>/."""
    return f"{WEEKLY}/{week}.md"


def tag_feed(tag: str) -> str:
    """Path of a tag's RSS feed: `tags/<tag>/feed.xml`."""
    return f"{TAGS}/{tag}/{TAG_FEED_NAME}"


def week_email_html(week: IsoWeek | str) -> str:
    """Path of a week's email-ready HTML: `weekly/<week>/email.html`."""
    return f"{WEEKLY}/{week}/{EMAIL_HTML_NAME}"


def week_email_text(week: IsoWeek | str) -> str:
    """Path of a week's plain-text email: `weekly/<week>/email.txt`."""
    return f"{WEEKLY}/{week}/{EMAIL_TEXT_NAME}"


def tip_card(slug: str) -> str:
    """Path of a tip's share card: `cards/tips/<slug>.png`."""
    return f"{CARDS}/{TIPS}/{slug}.png"


def week_card(week: IsoWeek | str) -> str:
    """Path of a week's share card: `cards/weekly/<week>.png`."""
    return f"{CARDS}/{WEEKLY}/{week}.png"


def tag_card(tag: str) -> str:
    """Path of a tag's share card: `cards/tags/<tag>.png`."""
    return f"{CARDS}/{TAGS}/{tag}.png"


def tip_asset(relative: str) -> str:
    """Path of a file kept beside the tips (`card.png`, `img/a.png`), published under tips/ as it is."""
    return f"{TIPS}/{relative}"


def is_tip_page(src: str) -> bool:
    """Whether a source path is a tip's page (`tips/<slug>.md`, not the tips index)."""
    return src.startswith(f"{TIPS}/") and src.endswith(".md") and src != TIPS_INDEX


def is_tip_link_path(path: str) -> bool:
    """Whether a site-absolute link path (`/tips/<slug>/`) is in the tips' folder."""
    return path.startswith(f"/{TIPS}/")


# -- public paths and URLs ------------------------------------------------------


def public_path(src: str) -> str:
    """The public path (no leading slash) of an output: a page's folder with directory URLs, a file's own path."""
    if src == HOME:
        return ""
    if src.endswith("/index.md"):
        return src[: -len("index.md")]
    if src.endswith(".md"):
        return src[: -len(".md")] + "/"
    return src


def root_url(site_url: str | None) -> str:
    """The site's root: `site_url` (ending in '/'), or '/' for site-relative URLs."""
    if site_url is None:
        return "/"
    return site_url if site_url.endswith("/") else site_url + "/"


def url(src: str, site_url: str | None) -> str:
    """The URL of an output: absolute with a site URL, else site-relative ('/tips/<slug>/')."""
    return root_url(site_url) + public_path(src)


def tip_url(slug: str, site_url: str | None) -> str:
    """The public URL of a tip: absolute with a site URL, else site-relative (`/tips/<slug>/`)."""
    return url(tip_source(slug), site_url)


def week_url(week: IsoWeek | str, site_url: str | None) -> str:
    """The permalink of a week, `<site>weekly/2026-W48/`: also the week's feed item id."""
    return url(week_source(week), site_url)


def tag_url(tag: str, site_url: str | None) -> str:
    """The public URL of a tag's page."""
    return url(tag_source(tag), site_url)


def tags_index_url(site_url: str | None) -> str:
    """The public URL of the tags index."""
    return url(TAGS_INDEX, site_url)


def body_base(slug: str, site_url: str | None) -> str:
    """The URL a tip's body is resolved against outside the site: its source file's, as MkDocs resolves it."""
    return root_url(site_url) + tip_source(slug)


# -- links between outputs ------------------------------------------------------


def link(from_src: str, to_src: str) -> str:
    """A relative link from one source path to another, for Markdown (MkDocs resolves `.md` links)."""
    return posixpath.relpath(to_src, posixpath.dirname(from_src) or ".")


def href(from_src: str, to_src: str) -> str:
    """A relative URL from one page to another, for raw HTML (which MkDocs does not rewrite)."""
    # Page URLs are folders: up from the page to the folders both share, then
    # down to the target. (posixpath.relpath does the same with path
    # normalisation the URLs never need, and was a measurable part of a
    # large build: ~13,000 calls.)
    source = public_path(from_src).split("/")[:-1]
    target = public_path(to_src).split("/")[:-1]
    common = 0
    while common < min(len(source), len(target)) and source[common] == target[common]:
        common += 1
    return "../" * (len(source) - common) + "".join(f"{part}/" for part in target[common:]) or "./"


def file_href(from_src: str, path: str) -> str:
    """A relative URL from a page to a file of the site (`tips/card.png`), for raw HTML."""
    source = public_path(from_src).split("/")[:-1]
    target = path.split("/")
    common = 0
    while common < min(len(source), len(target) - 1) and source[common] == target[common]:
        common += 1
    return "../" * (len(source) - common) + "/".join(target[common:])


# First segments of every public path this module defines: a tag key may
# not take one (a tag's page is /tags/<key>/, and a key is shown beside the
# top-level sections). model.RESERVED_NAMES adds the hand-written pages and
# names kept for paths to come.
TOP_LEVEL_NAMES = frozenset(
    name.split("/")[0].split(".")[0]
    for name in (
        TIPS,
        TAGS,
        WEEKLY,
        API,
        CARDS,
        ASSETS,
        SEARCH_BUNDLE,
        HOME,
        SUBSCRIBE,
        FEED_RSS,
        FEED_ATOM,
        FEED_JSON,
        ROBOTS,
        SITEMAP,
        *ICONS,
    )
)
