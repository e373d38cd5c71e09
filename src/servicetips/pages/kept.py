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
`generated`, keyed by the shared digest): a line of JSON mapping each page
key to where its record lies in the bytes after it (start, then the lengths
of its HTML, its footer and the rest: source path, metadata, headings and
answers, as JSON). The HTML is kept as it is, not as a JSON string: reading
10 MB of escaped HTML back from JSON cost more than the pages it saved. The
store ignores an entry whose header does not match; a record that is not
of the expected shape, or names another page, is ignored and the page
built again; nothing in it is trusted. A page that would not come back
from its record exactly as built is never kept. Only a build that made a page writes the entry,
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
# A kept page: its HTML, its footer HTML, and the rest of it with its `has_page` answers as JSON; UTF-8 each.
Bytes = bytes | memoryview
Record = tuple[Bytes, Bytes, Bytes]
# The index and records of the payload this process last read or wrote, by path, with the payload's sha256.
_parsed: dict[Path, tuple[bytes, tuple[dict[str, Any], bytes]]] = {}


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
        None
        if shown is None
        else [sorted(shown.tags.items()), shown.author_name, shown.author_url, sorted(shown.linked_tips)],
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


def encode_record(page: VirtualPage, answers: list[list]) -> Record:
    """A page and its `has_page` answers as a record: its HTML, its footer, the rest as JSON (UTF-8 each)."""
    headings = [[heading.level, heading.id, heading.name] for heading in page.headings]
    rest = [page.src_uri, page.meta, page.in_nav, headings, answers]
    return (
        page.html.encode("utf-8"),
        page.footer_html.encode("utf-8"),
        json.dumps(rest, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
    )


def decode_record(html: Bytes, footer: Bytes, rest: Bytes) -> tuple[VirtualPage, list[list]] | None:
    """The page and answers `encode_record` wrote, or None when the bytes are not exactly that shape."""
    try:
        src_uri, meta, in_nav, headings, answers = json.loads(bytes(rest))
        parts = tuple(Heading(level, ident, name) for level, ident, name in headings)
        page = VirtualPage(src_uri, str(html, "utf-8"), meta, in_nav, str(footer, "utf-8"), parts)
    except (TypeError, ValueError):  # not JSON, not UTF-8, not the shape written
        return None
    if type(src_uri) is not str or type(meta) is not dict or type(in_nav) is not bool:
        return None
    if not all(type(h.level) is int and type(h.id) is str and type(h.name) is str for h in parts):
        return None
    if not isinstance(answers, list) or not all(
        isinstance(pair, list) and len(pair) == 2 and type(pair[0]) is str and type(pair[1]) is bool for pair in answers
    ):
        return None
    return page, answers


class KeptPages:
    """The generated pages over site index `index` kept in `folder` (the build cache folder).

    `save()` writes what is new.
    """

    def __init__(self, folder: Path, index: SiteIndex) -> None:
        fallback = "generated pages built again next time"
        self.store = Store(folder, KIND, suffix=".bin", log=log, name="generated page", fallback=fallback)
        self.shared = _sha256(shared_inputs(index.library, index.language, index.feeds))
        self.path = self.store.path(self.shared)
        self.entries, self._body = self._read()
        self._view = memoryview(self._body)
        self.used: dict[str, Record] = {}
        self.hits = self.misses = 0
        self._tips: dict[int, tuple[Tip, str | None]] = {}

    def _read(self) -> tuple[dict[str, Any], bytes]:
        payload = self.store.get(self.shared)
        if payload is None:
            return {}, b""
        digest = hashlib.sha256(payload).digest()
        if _parsed.get(self.path, (None, None))[0] == digest:
            return _parsed[self.path][1]  # a preview's rebuild does not parse the same bytes again
        head, _, body = payload.partition(b"\n")
        try:
            entries = json.loads(head)
        except ValueError:
            return {}, b""
        if not isinstance(entries, dict):
            return {}, b""
        _parsed[self.path] = (digest, (entries, body))
        return entries, body

    def _record(self, key: str) -> Record | None:
        """The record kept under `key`, when the index gives it as byte ranges inside the payload."""
        where = self.entries.get(key)
        if not (isinstance(where, list) and len(where) == 4 and all(type(n) is int and n >= 0 for n in where)):
            return None
        start, *lengths = where
        if start + sum(lengths) > len(self._body):
            return None
        html_end = start + lengths[0]
        footer_end = html_end + lengths[1]
        body = self._view  # views, not copies: the payload is some megabytes
        return body[start:html_end], body[html_end:footer_end], body[footer_end : footer_end + lengths[2]]

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
        record = self._record(key)
        found = decode_record(*record) if record is not None else None
        if found is not None:
            page, answers = found
            if page.src_uri == src and all(index.visible.has_page(slug) == answer for slug, answer in answers):
                self.hits += 1
                self.used[key] = record
                return page
        self.misses += 1
        index.answers = []
        try:
            page = make()
            answers = [[slug, answer] for slug, answer in sorted(set(index.answers))]
        finally:
            index.answers = None
        record = encode_record(page, answers)
        # Kept only when the record gives back this very page (a tuple in the metadata would come back a list).
        again = decode_record(*record)
        if again is not None and again[0] == page:
            self.used[key] = record
        return page

    def save(self) -> None:
        """Write the pages this build used (and up to `OLDER_KEPT` older ones) when any page was made."""
        if not self.misses or not self.used:
            return
        kept = dict(self.used)
        for key in self.entries:
            if len(kept) >= len(self.used) + OLDER_KEPT:
                break
            if key not in kept:
                record = self._record(key)
                if record is not None:
                    kept[key] = record
        entries: dict[str, list[int]] = {}
        parts: list[bytes] = []
        offset = 0
        for key, record in kept.items():
            entries[key] = [offset, *(len(part) for part in record)]
            parts.extend(record)
            offset += sum(len(part) for part in record)
        body = b"".join(parts)
        head = json.dumps(entries, separators=(",", ":")).encode("ascii")
        payload = head + b"\n" + body
        self.store.put(self.shared, payload)
        if self.store.writable:
            _parsed[self.path] = (hashlib.sha256(payload).digest(), (entries, body))
            self.store.prune([self.shared])
