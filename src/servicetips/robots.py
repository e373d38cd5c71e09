"""robots.txt: every page may be crawled, and the sitemap is named by its absolute URL.

Search engines read robots.txt from the host's root only, so on a site
published under a sub-path the file is ignored (harmless); the Sitemap
line must be absolute either way (robots.txt has no base URL).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from .routes import SITEMAP


def robots_txt(site_url: str) -> str:
    """The text of robots.txt for the site at `site_url` (absolute http(s), ending in '/')."""
    parts = urlsplit(site_url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"robots.txt needs the site's absolute URL, got {site_url!r}")
    if "\n" in site_url or "\r" in site_url:
        raise ValueError("the site URL must be one line")
    root = site_url if site_url.endswith("/") else site_url + "/"
    return f"User-agent: *\nAllow: /\n\nSitemap: {root}{SITEMAP}\n"
