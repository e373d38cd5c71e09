"""Reading back the search index Pagefind wrote into a site.

Pagefind keeps one fragment per indexed page in `pagefind/fragment/*.pf_fragment`:
gzip, then the signature `pagefind_dcd`, then JSON (url, content, meta, ...).
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import frontmatter

from support.paths import REPO

DOCS = REPO / "docs"
# A small built site (hand-made pages) for the search tests to index.
SEARCH_SITE = REPO / "tests" / "fixtures" / "search" / "site"

SIGNATURE = b"pagefind_dcd"


def copy_search_site(folder: Path) -> Path:
    """A copy of the search fixture site in `folder`, for a test to index (Pagefind writes into it)."""
    return Path(shutil.copytree(SEARCH_SITE, folder / "site"))


def fragments(site: Path) -> dict[str, dict]:
    """Every indexed page's fragment by its URL path without the leading slash ('tips/x/')."""
    found = {}
    for path in sorted((Path(site) / "pagefind" / "fragment").glob("*.pf_fragment")):
        raw = gzip.decompress(path.read_bytes())
        assert raw.startswith(SIGNATURE), path
        fragment = json.loads(raw[len(SIGNATURE) :].decode("utf-8"))
        found[fragment["url"].lstrip("/")] = fragment
    return found


def tags_of(fragment: dict) -> list[str]:
    """The tip's tags in order, from the metadata keys tag1, tag2, ... (see overrides/main.html)."""
    tags, n = [], 1
    while f"tag{n}" in fragment["meta"]:
        tags.append(fragment["meta"][f"tag{n}"])
        n += 1
    return tags


def searched_hand_written_pages(docs: Path = DOCS) -> set[str]:
    """URL paths of the hand-written pages that are searched: all but those with `search: exclude`."""
    pages = set()
    for path in sorted(docs.glob("*.md")):
        search = frontmatter.load(str(path)).metadata.get("search") or {}
        if not search.get("exclude"):
            pages.add("" if path.stem == "index" else f"{path.stem}/")
    return pages
