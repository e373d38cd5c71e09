"""A tip's Markdown body as HTML: rendered once, held to the allow-list, linked for each place.

Every body is rendered with the one Markdown configuration
(`servicetips.markdown_config`) by one reused Python-Markdown instance, and
the result is kept in a cache keyed by the body's text: `tips check` renders
each body to compare it with the allow-list, and the site pages, feeds and
API of the same build reuse that HTML instead of rendering again.

`body_html` is the only way out for a body: it takes the sanitized HTML
(`allowlist.sanitize`), points its links at the place that shows it (a
page of the site, or a feed reader that needs absolute URLs) and
sanitizes the result once more, so what leaves the core is allow-listed
whatever the check said.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import urljoin

import markdown

from .allowlist import sanitize, url_scheme
from .body import tip_slug_of_link
from .markdown_config import new_markdown
from .markup import UNPUBLISHED_HREF
from .routes import body_base, root_url, tip_url

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_UNPUBLISHED_LINK = re.compile(
    r'<a\s[^>]*?href="' + re.escape(UNPUBLISHED_HREF) + r'(?:#[^"]*)?"[^>]*>(.*?)</a>', re.DOTALL
)
_CACHE_SIZE = 32768  # more than the bodies of a large library; old bodies drop out under `mkdocs serve`

_markdown: markdown.Markdown | None = None


def rendered(body: str) -> str:
    """The body's HTML exactly as the one Markdown configuration writes it (not yet sanitized)."""
    return _rendered(body)


@lru_cache(maxsize=_CACHE_SIZE)
def _rendered(body: str) -> str:
    global _markdown
    if _markdown is None:
        _markdown = new_markdown()
    # One instance for every body: building one loads ten extensions, which
    # costs more than rendering a typical tip. reset() clears footnotes,
    # abbreviations, reference links and the HTML stash between bodies.
    _markdown.reset()
    return _markdown.convert(body)


# Allow-listed HTML of bodies handed in by the build's body cache (`body_cache`),
# so a body checked in an earlier build is not rendered again for its pages.
_remembered: dict[str, str] = {}


def remember_clean(body: str, clean: str) -> None:
    """Keep `clean` as `clean_html(body)` (from the body cache, which checked and rendered it before)."""
    if len(_remembered) >= _CACHE_SIZE:
        _remembered.pop(next(iter(_remembered)))
    _remembered[body] = clean


def clean_html(body: str) -> str:
    """The body's HTML through the allow-list, links as written in the body."""
    remembered = _remembered.get(body)
    return remembered if remembered is not None else _clean_html(body)


@lru_cache(maxsize=_CACHE_SIZE)
def _clean_html(body: str) -> str:
    return sanitize(_rendered(body))


def body_html(body: str, resolve: Callable[[str], str | None]) -> str:
    """The body's allow-listed HTML with every link and image URL passed through `resolve`.

    `resolve(url)` returns the URL to use, or None to drop it. The result
    is sanitized again: a resolver cannot bring in what the allow-list refuses.
    """
    linked = sanitize(clean_html(body), resolve_url=resolve)
    if UNPUBLISHED_HREF in linked:
        # A link to a tip without a page yet is shown as its text. Links do
        # not nest, and the sanitizer escapes `<` and `>` inside attribute
        # values, so a link is `<a ...>` up to the next `</a>`.
        linked = _UNPUBLISHED_LINK.sub(r"\1", linked)
    return sanitize(linked)


def resolve_link(
    target: str, slug: str, site_url: str | None, has_page: Callable[[str], bool] | None = None
) -> str | None:
    """Where a link or image in tip `slug`'s body points, for a reader outside the site.

    Anchors (such as footnote references), external URLs and mail links are
    kept as they are; None (drop it) for a URL whose scheme is not allowed;
    `UNPUBLISHED_HREF` for a tip that `has_page` says has no page (the link
    is then shown as its text).
    """
    scheme = url_scheme(target)
    if scheme is not None and scheme not in ("http", "https", "mailto"):
        return None
    if not target or target.startswith(("#", "//")) or _SCHEME.match(target):
        return target
    linked = tip_slug_of_link(target)
    if linked and has_page is not None and not has_page(linked):
        return UNPUBLISHED_HREF
    if linked:
        fragment = target[target.index("#") :] if "#" in target else ""
        return tip_url(linked, site_url) + fragment
    # A site-relative link ('/about/') is relative to the site's root, which
    # may be a sub-path ('https://example.org/tips-site/'). Any other relative
    # link is resolved as MkDocs resolves it on the site: against the source
    # file, which lives in tips/ (so `card.png` is `/tips/card.png`).
    if target.startswith("/"):
        return root_url(site_url or None) + target[1:]
    return urljoin(body_base(slug, site_url or None), target)


def render_body(
    body: str, slug: str, site_url: str | None = None, has_page: Callable[[str], bool] | None = None
) -> str:
    """The allow-listed HTML of tip `slug`'s body, with links that work outside the site (feeds, API).

    `site_url` is the absolute site URL ending in '/'; None keeps URLs
    site-relative. `has_page(slug)` (`Visibility.has_page`) tells whether a
    linked tip is published; a link to one that is not becomes its text.
    None keeps every link (for a body shown outside any dated output).
    """
    return body_html(body, lambda target: resolve_link(target, slug, site_url, has_page))
