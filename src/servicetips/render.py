"""A tip's Markdown body as HTML for places outside the site: feeds and the JSON API.

The site renders bodies itself (MkDocs); this renderer serves readers who see
the HTML out of context, in a feed reader or a newsletter, so every link must
work on its own: links to other tips (`other.md`, `../other/`, `/tips/other/`)
become the tip's public URL, and other relative links become absolute. With
no site URL (the CLI's JSON), URLs stay site-relative.

It uses Python-Markdown, the renderer MkDocs itself uses, with a small,
safe set of extensions. Raw HTML is already refused by `tips check`
(BODY004); as a second line of defence it is rendered as text here, and
`attr_list` is left out because it lets a body set any attribute
(`{: onclick=... }`). Script URLs (BODY005) are dropped for the same reason.

A link to a tip that has no page in the output (a scheduled tip, see
`servicetips.visibility`) is shown as its text, as on the site.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from typing import Callable, Optional
from urllib.parse import urljoin

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from .body import is_script_url, tip_slug_of_link
from .markup import UNPUBLISHED_HREF, unwrap_links

# Extensions that need no theme CSS or JavaScript to read well in a feed.
EXTENSIONS = ("abbr", "def_list", "fenced_code", "footnotes", "tables", "sane_lists")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def tip_url(slug: str, site_url: Optional[str]) -> str:
    """The public URL of a tip: absolute with a site URL, else site-relative (`/tips/<slug>/`)."""
    path = f"tips/{slug}/"
    return site_url + path if site_url else "/" + path


def resolve_link(target: str, slug: str, site_url: Optional[str],
                 has_page: Optional[Callable[[str], bool]] = None) -> Optional[str]:
    """Where a link or image in tip `slug`'s body points, for a reader outside the site.

    Returns None for a script URL (the link is then dropped), and
    `UNPUBLISHED_HREF` for a tip that `has_page` says has no page (the link
    is then shown as its text). Anchors (such as footnote references),
    external URLs and mail links are kept as they are.
    """
    if is_script_url(target):
        return None
    if not target or target.startswith("#") or _SCHEME.match(target) or target.startswith("//"):
        return target
    linked = tip_slug_of_link(target)
    if linked and has_page is not None and not has_page(linked):
        return UNPUBLISHED_HREF
    if linked:
        fragment = target[target.index("#"):] if "#" in target else ""
        return tip_url(linked, site_url) + fragment
    # A site-relative link ('/about/') is relative to the site's root, which
    # may be a sub-path ('https://example.org/tips-site/'). Any other relative
    # link is resolved as MkDocs resolves it on the site: against the source
    # file, which lives in tips/ (so `card.png` is `/tips/card.png`).
    root = site_url or "/"
    if target.startswith("/"):
        return root + target[1:]
    return urljoin(root + "tips/" + slug + ".md", target)


class _LinkRewriter(Treeprocessor):
    def __init__(self, md: markdown.Markdown, slug: str, site_url: Optional[str],
                 has_page: Optional[Callable[[str], bool]]):
        super().__init__(md)
        self.slug = slug
        self.site_url = site_url
        self.has_page = has_page

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is None:
                    continue
                resolved = resolve_link(value, self.slug, self.site_url, self.has_page)
                if resolved is None:
                    del element.attrib[attribute]
                else:
                    element.set(attribute, resolved)
        unwrap_links(root)


class _FeedSafe(Extension):
    def __init__(self, slug: str, site_url: Optional[str], has_page: Optional[Callable[[str], bool]]):
        super().__init__()
        self.slug = slug
        self.site_url = site_url
        self.has_page = has_page

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 - Python-Markdown's API name
        # Without these two, `<b>` and HTML blocks are escaped and shown as text.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        # Priority 1: after the footnote and abbreviation tree processors add their links.
        md.treeprocessors.register(_LinkRewriter(md, self.slug, self.site_url, self.has_page), "servicetips_links", 1)


def render_body(body: str, slug: str, site_url: Optional[str] = None,
                has_page: Optional[Callable[[str], bool]] = None) -> str:
    """The HTML of tip `slug`'s Markdown body, with links that work outside the site.

    `site_url` is the absolute site URL ending in '/'; None keeps URLs
    site-relative. `has_page(slug)` (`Visibility.has_page`) tells whether a
    linked tip is published; a link to one that is not becomes its text.
    None keeps every link (for a body shown outside any dated output).
    """
    md = markdown.Markdown(extensions=[*EXTENSIONS, _FeedSafe(slug, site_url, has_page)], output_format="html")
    return md.convert(body)
