"""Generated pages kept between builds: a page is built again only when something it shows changed.

A repeat build checks the same tips and, without this, builds every tip
page, week page and listing again (templates, related tips, pagers, the
body's links): most of the core build's time. `KeptPages` keeps each built
`VirtualPage` (HTML, footer, headings, metadata) under a key of exactly
what the page is made from, so an unchanged page comes back as it was:

* what every page shares (`KeptPages.shared`): the core's code and
  templates (`page_cache.core_fingerprint`), the versions of the packages
  that write HTML, the site's language, the feed files of the build, the
  vocabularies (tags, authors) and the schedule settings;
* what the page names (each builder's `*_inputs` beside it): the tips it
  shows, each by `tip_key` (every field of the loaded tip, its body and
  front matter included), and their neighbours, related tips, weeks and
  status as the site index gives them;
* which tips have a page, for each tip its body links to: the builder asks
  `SiteIndex.has_page`, which reports every answer to the page being built;
  the answers are kept with the page and a kept page whose answers differ
  today is built again (a linked tip published or withdrawn since).

Layout: one entry of the build's cache store (`cache_store`, kind
`generated`, keyed by the shared digest): a JSON object mapping page keys to
`[page, answers]`. The store ignores an entry whose header does not match;
an entry or a page not of the expected shape is ignored and built again;
nothing in it is trusted. A page that would not come back from JSON exactly
as built is never kept. Only a build that made a page writes the entry,
with the pages this build used (and some older ones); entries of other
shared digests are removed then.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from ..cache_store import Store
from ..model import Library, Tip
from ..page_cache import core_fingerprint, package_versions
from .base import Heading, VirtualPage
from .index import SiteIndex

KIND = "generated"
# Packages that write a generated page besides those the rendered-page cache names (nh3 cleans the bodies).
PACKAGES = ("nh3", "pydantic")
# Older pages kept beside this build's, so that builds of two states (a preview and a build) do not evict each other.
OLDER_KEPT = 200

log = logging.getLogger("servicetips.pages.kept")
# The entries of the payload this process last read or wrote, by path, with the payload's sha256.
_parsed: dict[Path, tuple[bytes, dict[str, Any]]] = {}


def tip_key(tip: Tip | None) -> str | None:
    """The sha256 of every field of a loaded tip (None for none): any change to the tip is a new key."""
    if tip is None:
        return None
    shown = tip.shown_as
    data = [
        tip.slug,
        tip.path,
        tip.meta.model_dump_json(),
        tip.body,
        tip.body_line,
        tip.front_matter,
        None if shown is None else [sorted(shown.tags.items()), shown.author_name, shown.author_url],
    ]
    return _sha256(data)


def _sha256(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def shared_inputs(library: Library, language: str, feeds: frozenset[str]) -> list:
    """What every generated page may read besides its own inputs (see the module docstring)."""
    versions = []
    for name in PACKAGES:
        try:
            versions.append([name, version(name)])
        except PackageNotFoundError:
            versions.append([name, "-"])
    return [
        core_fingerprint(),
        [list(item) for item in package_versions()],
        versions,
        language,
        sorted(feeds),
        [[key, info.model_dump_json()] for key, info in library.tags.items()],
        [[key, info.model_dump_json()] for key, info in library.authors.items()],
        library.settings.model_dump_json(),
    ]


def encode_page(page: VirtualPage) -> list:
    """A page as JSON-ready data."""
    headings = [[heading.level, heading.id, heading.name] for heading in page.headings]
    return [page.src_uri, page.html, page.meta, page.in_nav, page.footer_html, headings]


def decode_page(data: Any) -> VirtualPage | None:
    """The page `encode_page` wrote, or None when `data` is not exactly that shape."""
    try:
        src_uri, html, meta, in_nav, footer_html, headings = data
        parts = [Heading(level, ident, name) for level, ident, name in headings]
    except (TypeError, ValueError):
        return None
    texts = (src_uri, html, footer_html)
    if not all(type(text) is str for text in texts) or type(meta) is not dict or type(in_nav) is not bool:
        return None
    if not all(type(h.level) is int and type(h.id) is str and type(h.name) is str for h in parts):
        return None
    return VirtualPage(src_uri, html, meta, in_nav, footer_html, tuple(parts))


def _answers_ok(data: Any) -> bool:
    return isinstance(data, list) and all(
        isinstance(pair, list) and len(pair) == 2 and type(pair[0]) is str and type(pair[1]) is bool for pair in data
    )


class KeptPages:
    """The generated pages over site index `index` kept in `folder` (the build cache folder); `save()` writes what is new."""

    def __init__(self, folder: Path, index: SiteIndex) -> None:
        fallback = "generated pages built again next time"
        self.store = Store(folder, KIND, suffix=".json", log=log, name="generated page", fallback=fallback)
        self.shared = _sha256(shared_inputs(index.library, index.language, index.feeds))
        self.path = self.store.path(self.shared)
        self.entries = self._read()
        self.used: dict[str, list] = {}
        self.hits = self.misses = 0
        self._tips: dict[int, tuple[Tip, str | None]] = {}

    def _read(self) -> dict[str, Any]:
        payload = self.store.get(self.shared)
        if payload is None:
            return {}
        digest = hashlib.sha256(payload).digest()
        if _parsed.get(self.path, (None, None))[0] == digest:
            return _parsed[self.path][1]  # a preview's rebuild does not parse the same bytes again
        try:
            entries = json.loads(payload)
        except ValueError:
            return {}
        if not isinstance(entries, dict):
            return {}
        _parsed[self.path] = (digest, entries)
        return entries

    def tip(self, tip: Tip | None) -> str | None:
        """`tip_key(tip)`, worked out once per tip object in this build."""
        if tip is None:
            return None
        found = self._tips.get(id(tip))
        if found is None or found[0] is not tip:
            found = self._tips[id(tip)] = (tip, tip_key(tip))
        return found[1]

    def page(self, index: SiteIndex, src: str, inputs: list, make: Callable[[], VirtualPage]) -> VirtualPage:
        """Page `src`, made from `inputs`: kept, when it is that page and the index's `has_page` answers
        still hold, else `make()`'s."""
        key = _sha256([self.shared, src, inputs])
        entry = self.entries.get(key)
        if isinstance(entry, list) and len(entry) == 2 and _answers_ok(entry[1]):
            page = decode_page(entry[0])
            if (
                page is not None
                and page.src_uri == src
                and all(index.visible.has_page(slug) == answer for slug, answer in entry[1])
            ):
                self.hits += 1
                self.used[key] = entry
                return page
        self.misses += 1
        index.answers = []
        try:
            page = make()
            answers = index.answers
        finally:
            index.answers = None
        encoded = encode_page(page)
        # Kept only when JSON gives back this very page (a tuple in the metadata would come back a list).
        if decode_page(json.loads(json.dumps(encoded, ensure_ascii=False))) == page:
            self.used[key] = [encoded, [[slug, answer] for slug, answer in sorted(set(answers))]]
        return page

    def save(self) -> None:
        """Write the pages this build used (and up to `OLDER_KEPT` older ones) when any page was made."""
        if not self.misses or not self.used:
            return
        kept = dict(self.used)
        for key, value in self.entries.items():
            if len(kept) >= len(self.used) + OLDER_KEPT:
                break
            kept.setdefault(key, value)
        payload = json.dumps(kept, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self.store.put(self.shared, payload)
        if self.store.writable:
            _parsed[self.path] = (hashlib.sha256(payload).digest(), kept)
            self.store.prune([self.shared])
