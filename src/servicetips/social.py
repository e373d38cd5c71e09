"""What a page's head tells link previews and search engines: Open Graph, Twitter card, JSON-LD.

From plain data (`ShareInfo`) to one HTML fragment for the page head,
rendered by a Jinja2 template with autoescape (templates/social.html), so
a hostile title is text in every attribute. JSON-LD sits in a script
element, where HTML escaping does not apply: its JSON escapes `<`, `>` and
`&` as \\u escapes, so no title can close the element.

Tips are `og:type=article` with their date and tags and JSON-LD `Article`;
the home page is `WebSite`; weeks and tags are `website` with no JSON-LD.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from .cards import HEIGHT, MEDIA_TYPE, WIDTH
from .jinja import environment

# "page": any other page (about, subscribe, the listings), shown with the home page's card.
OG_TYPES = {"tip": "article", "week": "website", "tag": "website", "home": "website", "page": "website"}


@dataclass(frozen=True)
class ShareInfo:
    """One page as previews show it; plain text, absolute URLs.

    kind: tip, week, tag, home or page (any other page); image_url: the page's share card;
    published and tags: for tips (article:published_time, article:tag).
    """

    kind: str
    title: str
    description: str
    url: str
    image_url: str
    image_alt: str
    site_name: str
    language: str = "en"
    published: date | None = None
    tags: tuple[str, ...] = ()
    author: str = ""

    def __post_init__(self) -> None:
        if self.kind not in OG_TYPES:
            raise ValueError(f"unknown page kind {self.kind!r}")
        object.__setattr__(self, "tags", tuple(self.tags))


def json_ld(info: ShareInfo) -> dict | None:
    """The page's schema.org data: Article for a tip, WebSite for the home page, else None."""
    if info.kind == "home":
        return {
            "@context": "https://schema.org",
            "@type": "WebSite",
            "name": info.site_name,
            "url": info.url,
            "description": info.description,
            "inLanguage": info.language,
        }
    if info.kind != "tip":
        return None
    data = {
        "@context": "https://schema.org",
        "@type": "Article",
        "headline": info.title,
        "description": info.description,
        "url": info.url,
        "mainEntityOfPage": info.url,
        "image": {"@type": "ImageObject", "url": info.image_url, "width": WIDTH, "height": HEIGHT},
        "inLanguage": info.language,
        "keywords": list(info.tags),
        "publisher": {"@type": "Organization", "name": info.site_name},
    }
    if info.published:
        data["datePublished"] = info.published.isoformat()
    if info.author:
        data["author"] = {"@type": "Person", "name": info.author}
    return data


def script_json(data: dict) -> str:
    """JSON safe inside an HTML script element: `<`, `>` and `&` as \\u escapes; keys sorted."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def head_html(info: ShareInfo) -> Markup:
    """The meta elements and JSON-LD for the page head, as one HTML fragment."""
    data = json_ld(info)
    html = (
        environment()
        .get_template("social.html")
        .render(
            info=info,
            og_type=OG_TYPES[info.kind],
            width=WIDTH,
            height=HEIGHT,
            media_type=MEDIA_TYPE,
            json_ld=Markup(script_json(data)) if data else None,
        )
    )
    return Markup(html)
