"""Site search: the Pagefind index of the site's pages, fed while they are rendered, and its cache.

Pagefind (the `pagefind-bin` package ships its binary) reads the finished
HTML and writes a search bundle into `<site>/pagefind/`: a small script, its
WebAssembly, and the index split into chunks and one fragment per page, so a
reader's browser fetches only the pieces that answer a query (about 200 KB
at 5,000 tips, where a single lunr index would be 10 MB).

Which pages are searched is decided in the page template: the content of a
page that is not excluded (`search: exclude` in its metadata, as every
listing page is) carries `data-pagefind-body`, so Pagefind indexes only
those; the parts of a tip page that repeat other pages (byline, credits,
related tips, pager) carry `data-search-exclude`, which Pagefind is told to
skip here (but for the tag chips).

Less to read: a marked page is handed over as its searched region with
the title and meta tags (`searched_part`), a fifth of its bytes, since
Pagefind reads nothing else of it; the bundle is the same, byte for byte.

Off the critical path: `PagefindFeed` starts Pagefind as a service (its
Python API, PyPI `pagefind`, over the binary's stdin and stdout) in a
background thread, and each page's HTML is handed over as soon as it is
rendered (`add`: pages queue, and the thread sends all that came since its
last turn in one write), so the binary parses pages on the other core while
the next ones are rendered; `write` then only builds the index and writes it.
Once every page is handed over, `finish` lets Pagefind build the index while
the caller does other work (a build writes its share cards meanwhile), and
`write` takes the result. Pagefind numbers pages in the order they are
added: the same pages added in the same order give the same bytes (a full
build adds them in MkDocs' page order, then the site's other HTML files by
path). Pagefind's own command over the folder adds them in the order the
file system lists them, so its bundle holds the same fragments and words
but may number them otherwise.

Only what Pagefind will index is sent to it: a page without the marker
anywhere in it is held back, since Pagefind drops such pages once any page
has the marker (at 1,000 tips 35 listing pages and emails are 1.5 MB of the
6.1 MB it would read, and most come last, just before the index is built).
Whether one does is judged by the pages that were cut down to their
searched region (`searched_part`: the marker on an opening tag, for
certain); the word merely written somewhere (a code sample) does not count.
Should no page carry the marker for certain, the held pages go at `finish`,
in their order; and should what the binary holds ever be in another order
than a fresh feed of the same pages would give (a page first handed over
without the marker comes again with it), the index is started again from
the pages kept here, so the bytes are always those of a fresh feed.

A cache (`<cache folder>/search/`) keeps the last bundles by the sha256 of
everything Pagefind reads: the searched pages' URLs and HTML in order, the
options, the binary's bytes, its Python API's version and this module's
source. A build whose searched pages did not change takes the bundle from
there instead of waiting for Pagefind: its files are hard links to the
cache's (a thousand links take hundredths of a second where writing the
files can take a second on a busy disk). A build whose searched pages did
change still links each file whose bytes a kept bundle holds under the same
name (read and compared byte for byte: with one tip changed, every fragment
but its own, and the scripts), and writes only the others, while the oldest
entry is removed as Pagefind builds the index. An entry is made in a temporary
folder renamed into place; one that is not what it claims (another format or
key, a file of the wrong size or hash, not a regular file, or a path outside
the bundle) is ignored and replaced, never trusted; the folder is safe to
delete.

This module knows nothing of MkDocs: it takes pages (URL and HTML) or a
folder and returns what it wrote, or raises `SearchIndexError` with one line
that says what went wrong.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import logging
import os
import re
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path, PurePosixPath

from . import routes
from .cache_store import read_regular

#: The bundle's folder inside the site; the search script loads it from here.
BUNDLE_DIR = routes.SEARCH_BUNDLE
#: Left out of the index: what repeats other pages or says nothing of the tip (credits, related
#: tips, pager, byline) and permalink signs. A tip's tag chips (in .tip-meta, beside the byline)
#: stay in, so a tip is found by its tags.
EXCLUDE_SELECTOR = "[data-search-exclude]:not(.tip-meta), .tip-byline, .headerlink"
#: Pagefind has no time limit of its own; a hung binary must not hang the build.
TIMEOUT_SECONDS = 600
#: Pagefind's ready-made UIs, and the WebAssembly for pages of no known language:
#: the site has its own search script and one language, so nothing loads these.
UNUSED_FILES = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "wasm.unknown.pagefind",
)
#: Pagefind's own Python API reads the same variable: a binary to use instead of pagefind-bin's.
BINARY_VARIABLE = "PAGEFIND_BINARY_PATH"
#: The cache's folder inside the build cache folder; an entry is a folder named by its key holding
#: `files/` (the bundle) and `manifest.json` (this format's name, the key, each file's size and sha256).
CACHE_FOLDER = "search"
CACHE_FORMAT = "servicetips-search-bundle-v2"
CACHE_MANIFEST = "manifest.json"
#: Bundles kept: the last build's and the one before (a change undone is a hit again).
CACHE_KEEP = 2
#: Pagefind indexes only pages with this attribute once any page has it (HTML attribute names
#: are case-insensitive, so the test is too); other pages cannot change the bundle.
_MARKER = re.compile(rb"data-pagefind-body", re.IGNORECASE)
#: searched_part works on the UTF-8 bytes: bytes.lower() is ASCII-only, as HTML's case-insensitivity is, keeps
#: every offset, and lets plain substring searches stand in for re.IGNORECASE (ten times slower on 25 MB).
_BODY = b"data-pagefind-body"
#: The opening tag of the searched region, as the page template writes it.
_REGION_OPEN = re.compile(rb"<([a-z][a-z0-9]*)\s[^<>]*?\bdata-pagefind-body(?=[\s/>])[^<>]*>")
#: Where text is not markup (or markup Pagefind may read otherwise): a region holding one is not cut
#: out, since its end could not be found by counting tags.
_RAW_TEXT = (b"<!--", b"<![cdata[", b"<script", b"<style", b"<textarea", b"<title", b"<xmp", b"<plaintext")
_RAW_TEXT += (b"<noscript", b"<iframe", b"<noembed", b"<noframes", b"<template")
#: What Pagefind reads outside the searched region: the metadata tags as the page template writes them.
_META_TAG = re.compile(rb'<meta data-pagefind-meta="[^"<>]*" content="[^"<>]*">')
#: Outside the region these could change what Pagefind takes: its title (first h1), image, or attributes.
_OUTSIDE_READ = (b"<h1", b"<img")
_HTML_TAG = re.compile(rb"<html\b[^<>]*>")
_TITLE = re.compile(rb"<title>[^<>]*</title>")

log = logging.getLogger("servicetips.search")


class SearchIndexError(Exception):
    """Pagefind could not index the site; the message is one line."""


@dataclass(frozen=True)
class SearchIndex:
    """What was written: pages indexed, the bundle's files and bytes, and whether it came from the cache."""

    pages: int
    files: int
    bytes: int
    cached: bool = False


def pagefind_executable() -> Path:
    """The Pagefind binary: $PAGEFIND_BINARY_PATH if set, else the one shipped in `pagefind-bin`."""
    if os.environ.get(BINARY_VARIABLE):
        return Path(os.environ[BINARY_VARIABLE])
    try:
        # Imported here: a missing package becomes this one-line error, not an import failure of the core.
        from pagefind_bin import get_executable  # noqa: PLC0415

        return get_executable()
    except (ImportError, FileNotFoundError) as exc:
        raise SearchIndexError(f"Pagefind is not installed ({exc}); run `make install`") from None


def page_url(path: str) -> str:
    """The URL Pagefind gives the HTML file at `path` in the site ('tips/x/index.html' -> '/tips/x/')."""
    url = "/" + PurePosixPath(path).as_posix().lstrip("/")
    return url[: -len("index.html")] if url.endswith("/index.html") else url


def searched_part(html: str) -> str | None:
    """What Pagefind reads of a searched page, as a small page of its own; None to hand over the whole page.

    Once pages carry `data-pagefind-body`, Pagefind takes a page's words,
    headings and anchors from that region only, and from outside it only
    its `data-pagefind-*` attributes (our `<meta data-pagefind-meta>` tags),
    and a title or image from an h1 or img. So a page made of the `<html>`
    tag, the title, those meta tags and the region gives the same fragment
    and index bytes (tests compare the bundles both ways), while Pagefind
    parses a fifth of the bytes: at 1,000 tips it takes in 25 MB of pages,
    Material's header, navigation and footer, for 5 MB it reads. The exclude
    selectors (EXCLUDE_SELECTOR) name classes and attributes, never an
    ancestor, so they match the same elements in the region alone.

    Cut out only where nothing can differ: one lower-case marker on an
    opening tag, the region ending at the last closing tag of its name with
    as many of those opened as closed inside, no comment, script or other
    raw-text element inside it, and nothing Pagefind reads outside it but
    the meta tags. Any other page is handed over whole.

    Found by searching the bytes, not with an HTML parser: parsing every
    page again in this process would cost about what the cut saves
    Pagefind. The checks above are what make the byte search safe: a page
    that fails any of them goes whole, and tests/test_search_trim.py builds
    the bundle both ways and compares it byte for byte.
    """
    data = html.encode("utf-8", "surrogateescape")
    low = data.lower()
    at = data.find(_BODY)
    if at < 0 or low.count(_BODY) != 1:
        return None
    start = data.rfind(b"<", 0, at)
    found = _REGION_OPEN.match(data, start) if start >= 0 else None
    if found is None:
        return None
    name = found.group(1)
    closing = b"</" + name + b">"
    end = data.rfind(closing)
    if end < found.end():
        return None
    end += len(closing)
    region = low[start:end]
    opened = region.count(b"<" + name)
    if opened != len(re.findall(rb"<" + name + rb"[\s/>]", region)) or not (
        opened == region.count(b"</" + name) == data.count(closing, start, end)
    ):
        return None
    if any(raw in region for raw in _RAW_TEXT):
        return None
    # Outside the region: before it (0, start) and after it (end, len); searched in place, not copied.
    metas = _META_TAG.findall(data, 0, start) + _META_TAG.findall(data, end)
    if low.count(b"data-pagefind", 0, start) + low.count(b"data-pagefind", end) != len(metas):
        return None
    if any(low.find(tag, 0, start) >= 0 or low.find(tag, end) >= 0 for tag in _OUTSIDE_READ):
        return None
    html_tag = _HTML_TAG.search(data, 0, start)
    if html_tag is None or low.count(b"<html", 0, start) + low.count(b"<html", end) != 1:
        return None
    title = _TITLE.search(data, 0, start)
    head = (title.group(0) if title else b"") + b"".join(metas)
    page = b"<!DOCTYPE html>\n" + html_tag.group(0) + b"<head>" + head + b"</head><body>" + data[start:end]
    return (page + b"</body></html>").decode("utf-8", "surrogateescape")


def site_pages(site_dir: Path, skip: Iterable[str] = ()) -> Iterator[tuple[str, str]]:
    """Every HTML file of the site outside the bundle, as (path relative to the site, HTML), by path.

    `skip` names paths (relative, '/'-separated) already handed over.
    """
    site_dir = Path(site_dir)
    skipped = set(skip)
    found = []
    for folder, dirs, files in os.walk(site_dir):
        relative = Path(folder).relative_to(site_dir).as_posix()
        if relative == ".":
            dirs[:] = [name for name in dirs if name != BUNDLE_DIR]
            relative = ""
        found.extend(f"{relative}/{name}".lstrip("/") for name in files if name.endswith(".html"))
    for path in sorted(found):
        if path not in skipped:
            try:
                yield path, (site_dir / path).read_text("utf-8", errors="surrogateescape")
            except OSError as exc:
                raise SearchIndexError(f"cannot read {site_dir / path}: {exc.strerror or exc}") from None


class _Service:
    """Pagefind's service (its Python API), with the one part replaced that cannot serve a site.

    The API's reader of the binary's answers sleeps 0.1 s before each one
    (100 s for 1,000 pages) and waits forever when the binary stops; this
    reader reads answers as they come and fails every waiting request, with
    the binary's exit code and first words, when its output ends.
    """

    @staticmethod
    def make(executable: Path):
        """A `PagefindService` subclass instance (created in the running loop) for `executable`."""
        # Imported here: only a build that indexes needs it; its absence is one line, not a traceback.
        try:
            from pagefind.service import PagefindService  # noqa: PLC0415
        except ImportError as exc:
            raise SearchIndexError(f"Pagefind's Python API is not installed ({exc}); run `make install`") from None

        class Service(PagefindService):
            noise: list[str]

            def __init__(self) -> None:
                super().__init__()
                self._bin = str(executable)  # a Path would show as PosixPath(...) in the error
                self.noise = []
                self.ended: SearchIndexError | None = None

            async def send(self, payload):
                # Once the binary's output has ended no answer can come: fail at once instead of waiting.
                if self.ended is not None:
                    raise self.ended
                try:
                    return await self._send(payload)
                except (BrokenPipeError, ConnectionResetError):
                    # It stopped reading: say why it stopped (its exit code and words) once its output ends.
                    with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
                        await asyncio.wait_for(asyncio.shield(self._poll_task), 30)
                    raise self.ended or SearchIndexError("Pagefind failed: it stopped reading its input") from None

            async def _send(self, payload):
                # The API's send, less its debug lines: they format every request, page HTML and all,
                # whether or not debug logging is on (0.06 s of the GIL at 1,000 pages, 0.2 s untrimmed).
                self._message_id += 1
                future = self._loop.create_future()
                self._responses[self._message_id] = future
                request = {"message_id": self._message_id, "payload": payload}
                self._backend.stdin.write(base64.b64encode(json.dumps(request).encode("utf-8")) + b",")
                await self._backend.stdin.drain()  # the binary answers a request once it has read its comma
                return await future

            def send_all(self, payloads: list[dict]) -> list[asyncio.Future]:
                """Write these requests at once; a future for each answer (failed by the reader if the binary
                stops). One write, not a task and a drain per page: those cost the loop's thread, and so the
                GIL the pages are rendered with, more than the encoding."""
                if self.ended is not None:
                    raise self.ended
                futures, requests = [], []
                for payload in payloads:
                    self._message_id += 1
                    future = self._loop.create_future()
                    self._responses[self._message_id] = future
                    request = {"message_id": self._message_id, "payload": payload}
                    requests.append(base64.b64encode(json.dumps(request).encode("utf-8")) + b",")
                    futures.append(future)
                self._backend.stdin.write(b"".join(requests))
                return futures

            async def _wait_for_responses(self) -> None:
                # Read in blocks and split on commas (base64 has none): the bundle comes back as one
                # answer of several MB, beyond the stream's line limit that readuntil() keeps to.
                stdout, pending = self._backend.stdout, bytearray()
                while block := await stdout.read(1 << 20):
                    if b"," not in block:
                        pending += block  # only new blocks are searched: a long answer is read in linear time
                        continue
                    first, *answers, rest = block.split(b",")
                    for answer in (bytes(pending + first), *answers):
                        self._answer(answer)
                    pending = bytearray(rest)
                self.noise.append(pending.decode("utf-8", "replace"))
                code = await self._backend.wait()
                failure = SearchIndexError(f"Pagefind failed (exit {code}): {_first_line(''.join(self.noise))}")
                self.ended = failure
                for future in self._responses.values():
                    if not future.done():
                        future.add_done_callback(lambda done: done.exception())  # raised by send, or dropped
                        future.set_exception(failure)
                self._responses.clear()

            def _answer(self, chunk: bytes) -> None:
                try:
                    answer = json.loads(base64.b64decode(chunk, validate=True))
                except ValueError:
                    # Not a protocol message: the binary's stderr shares the pipe (a panic, a warning).
                    self.noise.append(chunk.decode("utf-8", "replace") + ",")
                    return
                if not isinstance(answer, dict):
                    return
                future = self._responses.pop(answer.get("message_id"), None)
                payload = answer.get("payload") or {}
                if future is None or future.done():
                    return
                if payload.get("type") == "Error":
                    message = _first_line(payload.get("message", ""))
                    future.set_exception(SearchIndexError(f"Pagefind failed: {message}"))
                else:
                    future.set_result(payload)

            async def close(self) -> None:
                # The API's close waits up to 5 s for answers still due; nothing here needs them then.
                self._poll_task.cancel()
                if self._backend.returncode is None:
                    self._backend.kill()
                await self._backend.wait()

        return Service()


@dataclass(frozen=True)
class _Finished:
    """Where `PagefindFeed.finish` left the bundle: found in the cache, or being built by Pagefind."""

    cache_dir: Path | None
    added: int  # how many pages had been handed over: a later one means building again
    store: Path | None = None
    key: str | None = None
    found: tuple[list[tuple[str, bytes]], dict[str, Path]] | None = None
    building: Future | None = None


class PagefindFeed:
    """One Pagefind index, fed page by page from any thread while the pages are rendered.

        feed = PagefindFeed("en")
        for url, html in pages:  # e.g. as each page is rendered
            feed.add(url, html)
        feed.finish(cache_dir)  # optional: the index is built while the caller goes on
        written = feed.write(site_dir, cache_dir)  # or feed.close() to drop it

    The binary runs in a background thread's event loop; `add` returns at
    once. Adding a URL again replaces its page (it keeps its place).
    """

    def __init__(self, language: str = "en", trim: bool = True) -> None:
        self.language = language
        self.trim = trim  # hand over each page's searched part only (`searched_part`); the same bundle
        self._pages: dict[str, tuple[bytes, bool]] = {}  # url -> (sha256 of the HTML, searched), in order added
        self._html: dict[str, str] = {}  # url -> the HTML last handed over for it (what Pagefind reads of it)
        self._given: dict[str, None] = {}  # the URLs the binary holds, in the order each was first sent
        self._surely: set[str] = set()  # pages handed over that carry the marker for certain (they were cut)
        self._restarting = False  # the index is being made again: pages handed over meanwhile wait for it
        self._inbox: list[tuple[str, str]] = []  # pages handed over, not yet taken in by the loop's thread
        self._draining: Future | None = None  # the loop's turn to take in the inbox, once scheduled
        self._added = 0  # pages handed over so far, a URL added again counted again
        self._finished: _Finished | None = None  # what `finish` started, for `write`
        self._lock = threading.Lock()
        self._scheduled: list[Future] = []
        self._sent: list[asyncio.Future] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="pagefind", daemon=True)
        self._thread.start()
        self._service = self._index = None
        self._fingerprint = ""
        try:
            self._call(self._start(pagefind_executable()), TIMEOUT_SECONDS)
        except BaseException:
            self.close()
            raise
        # Hashing the binary (10 MB) happens in the loop's thread, beside the first pages' rendering.
        self._scheduled.append(asyncio.run_coroutine_threadsafe(self._take_fingerprint(), self._loop))

    def add(self, url: str, html: str) -> None:
        """Hand `html` over for `url`; errors show at `write`."""
        with self._lock:  # counted and queued together: `finish` waits for every page it counted
            self._added += 1
            self._inbox.append((url, html))
            # Pages queue up while the loop's thread is busy and are taken in together: one wake-up of that
            # thread for many pages, not one each (each takes the GIL from the pages being rendered).
            if self._draining is None:
                self._draining = asyncio.run_coroutine_threadsafe(self._drain(), self._loop)
                self._scheduled.append(self._draining)

    def add_file(self, path: str, html: str) -> None:
        """Hand over the HTML file at `path` (relative to the site) under the URL Pagefind gives it."""
        self.add(page_url(path), html)

    def key(self) -> str:
        """The sha256 of everything the bundle is made from, once every page added so far is taken in."""
        self._wait_scheduled()
        pages = list(self._pages.items())
        if self._surely:  # Pagefind then indexes only the pages with the marker (see `_unsent`)
            pages = [page for page in pages if page[1][1]]
        digest = hashlib.sha256()
        digest.update(self._fingerprint.encode("utf-8"))
        digest.update(json.dumps([self.language, EXCLUDE_SELECTOR, UNUSED_FILES]).encode("utf-8"))
        for url, (html_digest, _) in pages:
            digest.update(hashlib.sha256(url.encode("utf-8", "surrogateescape")).digest() + html_digest)
        return digest.hexdigest()

    def finish(self, cache_dir: Path | None = None) -> None:
        """Every page is handed over: look for the bundle in the cache, else let Pagefind build the index
        while the caller goes on; `write` (with the same `cache_dir`) then takes it. A page added after
        this is not lost: `write` sees it and has the index built again."""
        try:
            self._finished = self._start_finishing(cache_dir)
        except BaseException:
            self.close()
            raise

    def write(self, site_dir: Path, cache_dir: Path | None = None, close: bool = True) -> SearchIndex:
        """Write the bundle into `site_dir/pagefind/`, replacing any earlier one, and stop the binary.

        With `cache_dir`, a bundle of the same pages is copied from the cache
        instead of waiting for Pagefind, and a new one is kept there. With
        `close=False` the binary keeps the index: `add` a changed page and
        `write` again (a preview), the same bytes as a fresh feed of the pages.
        """
        site_dir = Path(site_dir)
        try:
            if not site_dir.is_dir():
                raise SearchIndexError(f"the site folder {site_dir} does not exist")
            finished, self._finished = self._finished, None
            if finished is None or finished.added != self._added or finished.cache_dir != cache_dir:
                if finished is not None and finished.building is not None:
                    # Built before the last pages came: let it end before Pagefind is asked again. Its
                    # failure (a page Pagefind refused, a timeout) stops the write: that page is in no index.
                    self._result(finished.building, TIMEOUT_SECONDS)
                finished = self._start_finishing(cache_dir)
            if not self._pages:
                raise SearchIndexError(f"no HTML page to index in {site_dir}")
            store, key, found = finished.store, finished.key, finished.found
            cached = found is not None
            if cached and close:
                # Stop sending pages first: the loop's thread would hold the GIL against every file written.
                self.close()
            if cached:
                files, sources = found
            else:
                files = self._bundle_files(finished.building)
                # One tip changed leaves most fragments as they were: those are linked, not written again.
                sources = _cache_matches(store, files) if store is not None else None
            written = _summary(files, cached)
            bundle = _install(files, site_dir, sources)
            if store is not None and not cached:
                _cache_write(store, key, files, bundle)
            return written
        except BaseException:
            self.close()
            raise
        finally:
            if close:
                self.close()

    def _start_finishing(self, cache_dir: Path | None) -> _Finished:
        """The cache's bundle for the pages handed over, else Pagefind set to build the index."""
        with self._lock:
            added = self._added
        self._wait_scheduled()  # every page counted in `added` is in `_sent` after this
        if not self._pages:
            return _Finished(cache_dir, added)  # `write` says so
        key = self.key() if cache_dir is not None else None
        store = Path(cache_dir) / CACHE_FOLDER if cache_dir is not None else None
        found = _cache_read(store, key) if store is not None else None
        if found is not None:
            return _Finished(cache_dir, added, store, key, found)
        # Pagefind builds the index from here on; meanwhile the cache makes room for the new entry
        # (removing an old bundle's thousand files takes 0.03 to 0.15 s), off the critical path.
        building = asyncio.run_coroutine_threadsafe(self._finish(), self._loop)
        if store is not None:
            with contextlib.suppress(OSError):  # no cache folder yet, or one that cannot be used
                _cache_prune(store, CACHE_KEEP - 1)
        return _Finished(cache_dir, added, store, key, None, building)

    def close(self) -> None:
        """Stop the binary and the thread; the index is dropped. Safe to call twice."""
        if self._loop.is_closed():
            return
        if self._thread.is_alive():
            with contextlib.suppress(SearchIndexError, OSError):  # already gone
                self._call(self._shutdown(), 30)
        self._service = None
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(30)
        if not self._thread.is_alive():
            self._loop.close()

    def _bundle_files(self, building: Future) -> list[tuple[str, bytes]]:
        files = self._result(building, TIMEOUT_SECONDS)
        return sorted((name, content) for name, content in files if name not in UNUSED_FILES)

    def _wait_scheduled(self) -> None:
        with self._lock:
            scheduled, self._scheduled = self._scheduled, []
        try:
            for future in scheduled:
                future.result(TIMEOUT_SECONDS)
        except FutureTimeout:
            raise SearchIndexError(f"Pagefind took more than {TIMEOUT_SECONDS} s to take the pages in") from None

    def _call(self, coroutine, timeout: float):
        return self._result(asyncio.run_coroutine_threadsafe(coroutine, self._loop), timeout)

    def _result(self, future: Future, timeout: float):
        try:
            return future.result(timeout)
        except FutureTimeout:
            future.cancel()
            raise SearchIndexError(f"Pagefind took more than {timeout:.0f} s") from None
        except SearchIndexError:
            raise
        except Exception as exc:  # noqa: BLE001 - the API's own errors, a broken pipe to a binary that stopped
            raise SearchIndexError(self._failure(exc)) from None

    def _failure(self, exc: BaseException) -> str:
        return f"Pagefind failed: {_first_line(str(exc)) or type(exc).__name__}"

    async def _start(self, executable: Path) -> None:
        self._service = _Service.make(executable)
        try:
            await self._service.launch()
        except OSError as exc:
            self._service = None
            raise SearchIndexError(f"Pagefind did not run: {exc}") from None
        await self._new_index()

    async def _new_index(self) -> None:
        config = {"force_language": self.language, "exclude_selectors": [EXCLUDE_SELECTOR]}
        self._index = await self._service.create_index(config)
        self._given = {}

    async def _take_fingerprint(self) -> None:
        self._fingerprint = _fingerprint()

    async def _drain(self) -> None:
        with self._lock:
            pages, self._inbox, self._draining = self._inbox, [], None
        self._send_all([url for url, html in pages if self._take(url, html)])

    def _take(self, url: str, html: str) -> bool:
        """Take in a page handed over; True when it is to be sent to the binary."""
        part = searched_part(html)  # None: not cut (no marker for certain, or one that cannot be cut safely)
        if self.trim and part is not None:
            html = part
        data = html.encode("utf-8", "surrogateescape")
        # Hashed here, in the loop's thread: hashlib lets go of the GIL, the renderer goes on.
        # A URL added again keeps its place, as Pagefind keeps its page's (the order it numbers pages in).
        searched = _MARKER.search(data) is not None  # the marker's letters anywhere: the page may be searched
        self._pages[url] = (hashlib.sha256(data).digest(), searched)
        (self._surely.add if part is not None else self._surely.discard)(url)
        self._html[url] = html
        # One the binary holds must be replaced, marker or not; while the index is made again, it waits.
        return (searched or url in self._given) and not self._restarting

    def _send_all(self, urls: list[str]) -> None:
        """Send the binary these pages (their HTML as last handed over), in order; each answer is awaited at
        write. The payload is the one the API's `add_html_file` sends."""
        if not urls:
            return
        index_id = self._index._index_id
        payloads = []
        for url in urls:
            self._given.setdefault(url)
            payloads.append(
                {
                    "type": "AddFile",
                    "index_id": index_id,
                    "url": url,
                    "file_contents": self._html[url],
                    "file_path": None,
                }
            )
        self._sent.extend(self._service.send_all(payloads))

    def _unsent(self) -> list[str] | None:
        """The URLs a fresh feed of the pages handed over would index that the binary lacks, in their order;
        None when the binary holds those it has in another order (the index must start again)."""
        searched = [url for url, (_, marked) in self._pages.items() if marked]
        # No page with the marker for certain: Pagefind may index every page, so every page goes.
        wanted = searched if self._surely else list(self._pages)
        wanted_set = set(wanted)
        held = [url for url in self._given if url in wanted_set]
        return wanted[len(held) :] if held == wanted[: len(held)] else None

    async def _settle(self) -> None:
        # Only what is gathered is taken off: a page sent meanwhile stays for the next `_finish` to await.
        sent, self._sent = self._sent, []
        answers = await asyncio.gather(*sent, return_exceptions=True)
        for answer in answers:
            if isinstance(answer, SearchIndexError):
                raise answer
            if isinstance(answer, BaseException):
                raise SearchIndexError(self._failure(answer))

    async def _shutdown(self) -> None:
        # Pages still on their way (the bundle came from the cache, or the build failed) are dropped.
        for task in self._sent:
            task.cancel()
        await asyncio.gather(*self._sent, return_exceptions=True)
        self._sent.clear()
        if self._service is not None:
            await self._service.close()

    async def _finish(self) -> list[tuple[str, bytes]]:
        await self._settle()
        unsent = self._unsent()
        if unsent is None:
            # Rare (a page first handed over without the marker came again with it): a fresh index, fed
            # in the pages' own order, gives the bytes a fresh feed would. A page handed over meanwhile is
            # kept, not sent to the index being deleted, and goes with the rest.
            self._restarting = True
            try:
                await self._index.delete_index()
                await self._new_index()
            finally:
                self._restarting = False
            unsent = self._unsent()
        self._send_all(unsent or [])
        await self._settle()
        # The files come back in memory, not written by the binary: it answers WriteFiles before its
        # writes are done (they finish in the background), so the bundle could be read half-written.
        return [(PurePosixPath(file["path"]).as_posix(), file["content"]) for file in await self._index.get_files()]


def index_pages(
    pages: Iterable[tuple[str, str]],
    site_dir: Path,
    language: str = "en",
    cache_dir: Path | None = None,
    trim: bool = True,
) -> SearchIndex:
    """Index `pages` ((URL, HTML) in order) into `site_dir/pagefind/`; see `PagefindFeed.write`."""
    feed = PagefindFeed(language, trim)
    try:
        for url, html in pages:
            feed.add(url, html)
    except BaseException:
        feed.close()
        raise
    return feed.write(site_dir, cache_dir)


def index_site(site_dir: Path, language: str = "en", cache_dir: Path | None = None) -> SearchIndex:
    """Index the HTML files in `site_dir` (by path) into `site_dir/pagefind/`, replacing any earlier bundle.

    One language for the whole site (`language`, the theme's): Pagefind would
    otherwise split the index by each page's `lang`.
    """
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        raise SearchIndexError(f"the site folder {site_dir} does not exist")
    return index_pages(((page_url(path), html) for path, html in site_pages(site_dir)), site_dir, language, cache_dir)


def _install(files: list[tuple[str, bytes]], site_dir: Path, sources: dict[str, Path] | None = None) -> Path:
    """Put the bundle's files in a new folder in the site, then in the old bundle's place; return its path.

    With `sources` (the cache's copies, of all files or some) those files
    are hard links: a thousand links take two hundredths of a second where
    creating the files took from 0.04 to 1.2 s on a busy disk. The cache
    never changes a file it holds, and each one is checked (against its hash,
    or byte for byte) before it is used.
    """
    staging = None
    try:
        staging = Path(tempfile.mkdtemp(prefix=".pagefind-", dir=site_dir))
        staging.chmod(0o777 & ~_umask())  # as any folder of the site, not mkdtemp's owner-only
        for folder in sorted({PurePosixPath(name).parent for name, _ in files} - {PurePosixPath(".")}):
            (staging / folder).mkdir(parents=True, exist_ok=True)
        for name, content in files:
            target = os.path.join(staging, name)  # a string: Paths cost more than the links here
            source = sources.get(name) if sources is not None else None
            if source is not None:
                try:
                    os.link(source, target, follow_symlinks=False)
                    continue
                except OSError:
                    sources = None  # another file system, or links not allowed: write the bytes
            with open(target, "wb") as output:
                output.write(content)
        # A --dirty build or a preview rebuild writes into the previous folder:
        # start from nothing, so no chunk of an older index is left behind.
        bundle = site_dir / BUNDLE_DIR
        if bundle.is_symlink() or bundle.is_file():
            bundle.unlink()
        elif bundle.exists():
            shutil.rmtree(bundle)
        staging.rename(bundle)
    except OSError as exc:
        raise SearchIndexError(f"cannot write the search bundle in {site_dir}: {exc.strerror or exc}") from None
    finally:
        if staging is not None and staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return bundle


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _summary(files: list[tuple[str, bytes]], cached: bool) -> SearchIndex:
    entry = dict(files).get("pagefind-entry.json", b"")
    try:
        languages = json.loads(entry)["languages"]
        pages = sum(int(info.get("page_count", 0)) for info in languages.values())
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SearchIndexError(f"Pagefind wrote no usable pagefind-entry.json: {exc}") from None
    if pages == 0:
        raise SearchIndexError("Pagefind found no page to index (no page has content to search)")
    return SearchIndex(pages=pages, files=len(files), bytes=sum(len(content) for _, content in files), cached=cached)


@lru_cache(maxsize=4)
def _binary_fingerprint(executable: str, size: int, mtime_ns: int) -> str:
    # The binary's own bytes: a PAGEFIND_BINARY_PATH or an upgraded package is another index.
    digest = hashlib.sha256()
    with open(executable, "rb") as binary:
        for block in iter(lambda: binary.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fingerprint() -> str:
    """What writes the bundle besides the pages: the binary, the Python API's version, this module."""
    executable = pagefind_executable()
    try:
        stat = executable.stat()
        binary = _binary_fingerprint(str(executable), stat.st_size, stat.st_mtime_ns)
    except OSError:
        binary = "missing"
    try:
        api = metadata.version("pagefind")
    except metadata.PackageNotFoundError:
        api = "missing"
    return json.dumps([binary, api, hashlib.sha256(Path(__file__).read_bytes()).hexdigest()])


def _cache_read(store: Path, key: str) -> tuple[list[tuple[str, bytes]], dict[str, Path]] | None:
    """The bundle kept under `key` (its files, and where each lies), or None when absent or not what it claims."""
    entry = store / key
    read = read_regular(entry / CACHE_MANIFEST)
    if read is None:
        return None
    found = _cache_check(entry, read[0], key)
    if found is None:
        log.info(f"search: ignored a damaged or foreign cache entry {entry.name}")
        shutil.rmtree(entry, ignore_errors=True)
        return None
    with contextlib.suppress(OSError):
        os.utime(entry / CACHE_MANIFEST)  # kept as recently used
    return found


def _cache_check(entry: Path, manifest: bytes, key: str) -> tuple[list[tuple[str, bytes]], dict[str, Path]] | None:
    try:
        header = json.loads(manifest)
        if header["format"] != CACHE_FORMAT or header["key"] != key or not isinstance(header["files"], list):
            return None
        files, sources = [], {}
        for name, size, sha in header["files"]:
            part = PurePosixPath(name)
            if not isinstance(name, str) or part.is_absolute() or ".." in part.parts or not part.parts:
                return None
            path = entry / "files" / part
            # A regular file only: a link planted in the folder must not lead the build elsewhere, nor a
            # FIFO hold it (`read_regular` opens without following or blocking).
            read = read_regular(path, size) if isinstance(size, int) else None
            if read is None:
                return None
            content = read[0]
            if len(content) != size or hashlib.sha256(content).hexdigest() != sha:
                return None
            files.append((part.as_posix(), content))
            sources[part.as_posix()] = path
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not any(name == "pagefind-entry.json" for name, _ in files):
        return None
    return files, sources


def _cache_matches(store: Path, files: list[tuple[str, bytes]]) -> dict[str, Path]:
    """The files of the kept bundles that hold exactly the bytes of a new bundle's file of the same name.

    Each is read and compared byte for byte (the manifests are not trusted:
    a damaged or foreign entry simply matches nothing); only regular files
    in real folders of an entry count, so a link planted there leads nowhere.
    Reading the thousand files of a bundle takes about 0.015 s.
    """
    found: dict[str, Path] = {}
    try:
        entries = sorted(
            (p for p in store.iterdir() if not p.name.startswith(".") and not p.is_symlink() and p.is_dir()),
            key=_last_used,
            reverse=True,
        )
    except OSError:
        return found
    for entry in entries[:CACHE_KEEP]:
        real_folders: dict[str, bool] = {}
        base = os.path.join(entry, "files")  # strings, not Paths: a thousand joins cost 0.03 s as Paths
        for name, content in files:
            if name in found or name.startswith("/") or ".." in name.split("/"):
                continue
            folder = os.path.dirname(name)
            if folder not in real_folders:
                real_folders[folder] = _real_folder(entry, PurePosixPath(folder))
            path = os.path.join(base, name)
            if real_folders[folder] and _same_bytes(path, content):
                found[name] = Path(path)
    return found


def _real_folder(entry: Path, folder: PurePosixPath) -> bool:
    """True when `entry/files/folder` and every folder on the way are folders, not links."""
    path = entry / "files"
    for step in (".", *folder.parts):
        path = path / step if step != "." else path
        try:
            if not stat.S_ISDIR(os.lstat(path).st_mode):
                return False
        except OSError:
            return False
    return True


def _same_bytes(path: str, content: bytes) -> bool:
    read = read_regular(path, len(content))
    return read is not None and read[0] == content


def _last_used(entry: Path) -> int:
    try:
        return (entry / CACHE_MANIFEST).stat().st_mtime_ns
    except OSError:
        return 0


def _cache_write(store: Path, key: str, files: list[tuple[str, bytes]], bundle: Path) -> None:
    """Keep the bundle under `key`; a folder that cannot be written only costs the next build's speed.

    The entry is made in a temporary folder renamed into place, so a reader
    never sees half of one; its files are hard links to the bundle just
    written (copies where links cannot be made).
    """
    temporary = None
    try:
        store.mkdir(parents=True, exist_ok=True)
        temporary = Path(tempfile.mkdtemp(prefix=".tmp-", dir=store))
        linking = True
        for folder in sorted({os.path.dirname(name) for name, _ in files}):
            (temporary / "files" / folder).mkdir(parents=True, exist_ok=True)
        for name, content in files:
            target = os.path.join(temporary, "files", name)
            if linking:
                try:
                    os.link(os.path.join(bundle, name), target, follow_symlinks=False)
                    continue
                except OSError:
                    linking = False
            with open(target, "wb") as output:
                output.write(content)
        listed = [[name, len(content), hashlib.sha256(content).hexdigest()] for name, content in files]
        manifest = {"format": CACHE_FORMAT, "key": key, "files": listed}
        (temporary / CACHE_MANIFEST).write_text(json.dumps(manifest, separators=(",", ":")), encoding="utf-8")
        entry = store / key
        if entry.exists():
            shutil.rmtree(entry)  # damaged (a sound one would have been used)
        temporary.rename(entry)
        _cache_prune(store)
    except OSError as exc:
        log.info(f"search: the bundle was not cached ({store}: {exc.strerror or exc})")
    finally:
        if temporary is not None and temporary.exists():
            shutil.rmtree(temporary, ignore_errors=True)


def _cache_prune(store: Path, keep: int = CACHE_KEEP) -> None:
    # The newest entries stay; a temporary folder an hour old was left by a build that was stopped.
    entries = sorted(
        (p for p in store.iterdir() if p.is_dir() and not p.name.startswith(".")), key=_last_used, reverse=True
    )
    stale = [p for p in store.glob(".tmp-*") if time.time() - p.stat().st_mtime > 3600]
    for old in entries[keep:] + stale:
        shutil.rmtree(old, ignore_errors=True)


def _first_line(text: str) -> str:
    # Pagefind says what went wrong first ("Error: ..."), then how it might have come about.
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else "no message"
