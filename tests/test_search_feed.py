"""servicetips.search: pages fed to Pagefind one by one, and the cache of finished bundles.

The pages are those of tests/fixtures/search/site (a tip page, a hand-written
page, a listing page without `data-pagefind-body`). The reference is
Pagefind's own command run over the same folder.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from servicetips import search
from servicetips.search import (
    BUNDLE_DIR,
    CACHE_FOLDER,
    CACHE_MANIFEST,
    EXCLUDE_SELECTOR,
    UNUSED_FILES,
    PagefindFeed,
    SearchIndexError,
    index_pages,
    page_url,
    pagefind_executable,
    site_pages,
)
from support import snapshot
from support.pagefind import SEARCH_SITE, copy_search_site, fragments


@pytest.fixture
def site(tmp_path) -> Path:
    return copy_search_site(tmp_path)


def pages_of(site: Path) -> list[tuple[str, str]]:
    return [(page_url(path), html) for path, html in site_pages(site)]


def cli_bundle(site: Path) -> Path:
    """The bundle Pagefind's own command writes over the folder (the way the site was indexed before)."""
    command = [str(pagefind_executable()), "--site", str(site), "--output-subdir", BUNDLE_DIR]
    command += ["--force-language", "en", "--exclude-selectors", EXCLUDE_SELECTOR, "--silent"]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    for name in UNUSED_FILES:
        (site / BUNDLE_DIR / name).unlink(missing_ok=True)
    return site / BUNDLE_DIR


def test_page_urls_are_those_pagefind_gives_the_files():
    assert page_url("index.html") == "/"
    assert page_url("tips/one/index.html") == "/tips/one/"
    assert page_url("404.html") == "/404.html"
    assert page_url("plain/other.html") == "/plain/other.html"


def test_the_site_pages_are_read_by_path_without_the_bundle_or_those_already_handed_over(site):
    (site / BUNDLE_DIR).mkdir()
    (site / BUNDLE_DIR / "stray.html").write_text("<html></html>", encoding="utf-8")
    found = [path for path, _ in site_pages(site)]
    assert found == sorted(found) and BUNDLE_DIR + "/stray.html" not in found
    assert "tips/one/index.html" in found
    assert [path for path, _ in site_pages(site, skip=["tips/one/index.html"])] == [
        path for path in found if path != "tips/one/index.html"
    ]


def test_fed_pages_give_the_fragments_and_page_count_of_pagefind_run_over_the_folder(site, tmp_path):
    reference = tmp_path / "reference"
    shutil.copytree(SEARCH_SITE, reference)
    cli = cli_bundle(reference)
    written = index_pages(pages_of(site), site)
    fed = site / BUNDLE_DIR
    # Every page's fragment, byte for byte; the same files beside them.
    assert snapshot(fed / "fragment") == snapshot(cli / "fragment") != {}
    assert sorted(p.name for p in fed.iterdir() if p.is_file() and "pf_meta" not in p.name) == sorted(
        p.name for p in cli.iterdir() if p.is_file() and "pf_meta" not in p.name
    )
    entry = json.loads((fed / "pagefind-entry.json").read_text("utf-8"))
    assert entry["languages"]["en"]["page_count"] == written.pages == 2
    assert json.loads((cli / "pagefind-entry.json").read_text("utf-8"))["languages"]["en"]["page_count"] == 2
    # Every word the command indexed is in the fed index too (the index chunks hold the words).
    assert _words(fed) == _words(cli) != set()


def _words(bundle: Path) -> set[str]:
    # An index chunk is gzip, the signature `pagefind_dci`, then CBOR; words are its text strings.
    found = set()
    for chunk in (bundle / "index").glob("*.pf_index"):
        raw = gzip.decompress(chunk.read_bytes())
        found |= {word.decode() for word in _cbor_text(raw[len(b"pagefind_dci") :])}
    return found


def _cbor_text(data: bytes) -> list[bytes]:
    # Enough CBOR for Pagefind's chunks: arrays, integers and text, which is all they hold.
    words, i = [], 0
    while i < len(data):
        major, info = data[i] >> 5, data[i] & 31
        i += 1
        size = {24: 1, 25: 2, 26: 4, 27: 8}.get(info, 0)
        value = int.from_bytes(data[i : i + size], "big") if size else info
        i += size
        if major == 3:
            words.append(data[i : i + value])
            i += value
    return words


def test_the_same_pages_in_the_same_order_give_the_same_bytes(site, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(SEARCH_SITE, other)
    index_pages(pages_of(site), site)
    index_pages(pages_of(other), other)
    assert snapshot(site / BUNDLE_DIR) == snapshot(other / BUNDLE_DIR) != {}


def test_a_page_added_again_replaces_its_entry_in_place(site, tmp_path):
    # What a preview needs: hand over one changed page and rewrite the bundle.
    pages = pages_of(site)
    url, html = next((url, html) for url, html in pages if url == "/tips/one/")
    changed = html.replace("marmalade", "quince")
    feed = PagefindFeed("en")
    for page in pages:
        feed.add(*page)
    feed.add(url, changed)
    replaced = feed.write(site)
    fresh = tmp_path / "fresh"
    shutil.copytree(SEARCH_SITE, fresh)
    index_pages([(u, changed if u == url else h) for u, h in pages], fresh)
    assert replaced.pages == 2
    assert "quince" in fragments(site)["tips/one/"]["content"]
    assert snapshot(site / BUNDLE_DIR) == snapshot(fresh / BUNDLE_DIR)


def sent_to_pagefind(monkeypatch) -> list[str]:
    """The URLs the binary is sent, in order, for every feed of the test."""
    urls: list[str] = []
    send_all = PagefindFeed._send_all

    def record(self, pages):
        urls.extend(pages)
        return send_all(self, pages)

    monkeypatch.setattr(PagefindFeed, "_send_all", record)
    return urls


def test_a_page_without_the_marker_is_not_sent_and_the_bundle_is_that_of_pagefind_over_the_folder(
    site, tmp_path, monkeypatch
):
    # Pagefind drops such pages once any page has the marker: sending them only costs its time.
    sent = sent_to_pagefind(monkeypatch)
    reference = tmp_path / "reference"
    shutil.copytree(SEARCH_SITE, reference)
    cli = cli_bundle(reference)
    written = index_pages(pages_of(site), site)
    assert sent == ["/plain/", "/tips/one/"] and "/listing/" in dict(pages_of(site))
    assert written.pages == 2
    assert snapshot(site / BUNDLE_DIR / "fragment") == snapshot(cli / "fragment") != {}
    assert _words(site / BUNDLE_DIR) == _words(cli)


def _unmarked(html: str) -> str:
    return html.replace("data-pagefind-body", "")


def test_with_no_page_marked_every_page_is_sent_and_indexed_as_pagefind_over_the_folder(site, tmp_path, monkeypatch):
    sent = sent_to_pagefind(monkeypatch)
    for page in site.rglob("*.html"):
        page.write_text(_unmarked(page.read_text("utf-8")), encoding="utf-8")
    reference = tmp_path / "reference"
    shutil.copytree(site, reference)
    cli = cli_bundle(reference)
    written = index_pages(pages_of(site), site)
    assert sent == ["/listing/", "/plain/", "/tips/one/"]
    assert written.pages == 3
    assert snapshot(site / BUNDLE_DIR / "fragment") == snapshot(cli / "fragment") != {}


@pytest.mark.parametrize("turn", ["marked-later", "unmarked-later"])
def test_a_page_that_gains_or_loses_the_marker_in_a_kept_feed_gives_the_bytes_of_a_fresh_feed(
    site, tmp_path, monkeypatch, turn
):
    # The held-back page must not lose its place: Pagefind numbers pages in the order they reach it.
    pages = pages_of(site)
    listing = next(html for url, html in pages if url == "/listing/")
    marked = listing.replace("<article>", "<article data-pagefind-body>", 1)
    assert marked != listing
    first, last = (listing, marked) if turn == "marked-later" else (marked, listing)
    sent = sent_to_pagefind(monkeypatch)
    feed = PagefindFeed("en")
    try:
        for url, html in pages:
            feed.add(url, first if url == "/listing/" else html)
        before = feed.write(site, close=False)
        feed.add("/listing/", last)
        after = feed.write(site, close=False)
    finally:
        feed.close()
    sent_by_feed = list(sent)  # before the fresh feed below sends its own
    final = [(url, last if url == "/listing/" else html) for url, html in pages]
    assert snapshot(site / BUNDLE_DIR) == _fresh_bundle(final, tmp_path)
    assert (before.pages, after.pages) == ((2, 3) if turn == "marked-later" else (3, 2))
    if turn == "marked-later":
        # The index was started again, in the pages' order, from what the feed kept.
        assert sent_by_feed == ["/plain/", "/tips/one/", "/listing/", "/listing/", "/plain/", "/tips/one/"]
    else:
        assert sent_by_feed == ["/listing/", "/plain/", "/tips/one/", "/listing/"]


def test_the_marker_written_as_text_on_pages_without_it_leaves_every_page_indexed(site, tmp_path, monkeypatch):
    # A page that only mentions the attribute (a code sample) has no searched region: Pagefind indexes every
    # page of a site where none has one, so none may be held back.
    for page in site.rglob("*.html"):
        page.write_text(_unmarked(page.read_text("utf-8")), encoding="utf-8")
    listing = site / "listing" / "index.html"
    listing.write_text(
        listing.read_text("utf-8").replace("</h1>", "</h1><p><code>&lt;article data-pagefind-body&gt;</code></p>"),
        encoding="utf-8",
    )
    reference = tmp_path / "reference"
    shutil.copytree(site, reference)
    cli = cli_bundle(reference)
    written = index_pages(pages_of(site), site)
    assert written.pages == 3
    assert snapshot(site / BUNDLE_DIR / "fragment") == snapshot(cli / "fragment") != {}


def test_a_page_handed_over_while_the_index_is_made_again_waits_for_the_new_index(site, tmp_path, monkeypatch):
    # The restart deletes the old index first: a page sent to it then would fail the write.
    from pagefind.index import PagefindIndex  # noqa: PLC0415 - the API's class, patched for this test only

    deleting, go_on = threading.Event(), threading.Event()
    delete = PagefindIndex.delete_index

    async def slow_delete(self):
        deleting.set()
        await asyncio.get_running_loop().run_in_executor(None, go_on.wait, 30)
        return await delete(self)

    monkeypatch.setattr(PagefindIndex, "delete_index", slow_delete)
    pages = pages_of(site)
    listing = next(html for url, html in pages if url == "/listing/")
    marked = listing.replace("<article>", "<article data-pagefind-body>", 1)
    tip = next(html for url, html in pages if url == "/tips/one/").replace("marmalade", "quince")
    feed = PagefindFeed("en")
    try:
        for page in pages:
            feed.add(*page)
        feed.write(site, close=False)
        feed.add("/listing/", marked)  # first handed over without the marker: the index starts again
        feed.finish()
        assert deleting.wait(30)
        feed.add("/tips/one/", tip)  # while the old index is being deleted
        go_on.set()
        written = feed.write(site)
    finally:
        go_on.set()
        feed.close()
    final = [(url, marked if url == "/listing/" else tip if url == "/tips/one/" else html) for url, html in pages]
    assert written.pages == 3
    assert snapshot(site / BUNDLE_DIR) == _fresh_bundle(final, tmp_path)


def test_pages_handed_over_from_several_threads_are_indexed_in_the_order_they_were_handed_over(site, tmp_path):
    # They queue up and are taken in together: the queue must keep each page's place.
    tip = next(html for url, html in pages_of(site) if url == "/tips/one/")
    pages = [(f"/tips/copy-{n:02d}/", tip.replace("marmalade", f"marmalade{n:02d}")) for n in range(40)]
    order: list[tuple[str, str]] = []
    taking_turns = threading.Lock()
    feed = PagefindFeed("en")

    def hand_over(share: list[tuple[str, str]]) -> None:
        for page in share:
            with taking_turns:  # the order the feed was handed the pages in, as the test sees it
                feed.add(*page)
                order.append(page)

    try:
        threads = [threading.Thread(target=hand_over, args=(pages[n::4],)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        written = feed.write(site)
    finally:
        feed.close()
    assert written.pages == 40 and sorted(order) == sorted(pages)
    assert snapshot(site / BUNDLE_DIR) == _fresh_bundle(order, tmp_path)


def fed(pages: list[tuple[str, str]]) -> PagefindFeed:
    feed = PagefindFeed("en")
    for page in pages:
        feed.add(*page)
    return feed


def built_early(feed: PagefindFeed) -> None:
    # The race a late page must not lose: the early index is done before the page comes.
    feed._finished.building.result(60)


def test_a_bundle_started_early_is_the_bundle_written_at_once(site, tmp_path):
    # finish() lets Pagefind build while the build writes its cards; write() takes that result.
    pages = pages_of(site)
    at_once = tmp_path / "at-once"
    shutil.copytree(SEARCH_SITE, at_once)
    index_pages(pages, at_once)
    feed = fed(pages)
    feed.finish()
    written = feed.write(site)
    assert (written.pages, written.cached) == (2, False)
    assert snapshot(site / BUNDLE_DIR) == snapshot(at_once / BUNDLE_DIR) != {}


def test_a_page_handed_over_after_finish_is_indexed_not_dropped(site, tmp_path):
    # A hook that writes an HTML page after the index was started: the bundle is built again with it.
    pages = pages_of(site)
    tip_url = "/tips/one/"
    late = next(html for url, html in pages if url == tip_url).replace("marmalade", "quince")
    feed = fed([page for page in pages if page[0] != tip_url])
    feed.finish()
    built_early(feed)
    feed.add(tip_url, late)
    written = feed.write(site)
    reference = tmp_path / "reference"
    shutil.copytree(SEARCH_SITE, reference)
    index_pages([page for page in pages if page[0] != tip_url] + [(tip_url, late)], reference)
    assert written.pages == 2 and "quince" in fragments(site)["tips/one/"]["content"]
    assert snapshot(site / BUNDLE_DIR) == snapshot(reference / BUNDLE_DIR)


def test_a_page_changed_after_finish_is_indexed_as_changed(site):
    pages = pages_of(site)
    feed = fed(pages)
    feed.finish()
    built_early(feed)
    feed.add("/tips/one/", dict(pages)["/tips/one/"].replace("marmalade", "quince"))
    feed.write(site)
    assert "quince" in fragments(site)["tips/one/"]["content"]
    assert "marmalade" not in fragments(site)["tips/one/"]["content"]


def test_finish_finds_the_cached_bundle_and_a_write_to_another_cache_looks_again(site, tmp_path):
    cache, other = tmp_path / "cache", tmp_path / "other"
    pages = pages_of(site)
    index_pages(pages, site, cache_dir=cache)
    built = snapshot(site / BUNDLE_DIR)
    feed = fed(pages)
    feed.finish(cache)
    assert feed.write(site, cache).cached
    assert snapshot(site / BUNDLE_DIR) == built
    feed = fed(pages)
    feed.finish(cache)
    again = feed.write(site, other)  # not the folder finish looked in: nothing taken from `cache`
    assert not again.cached and len(cache_files(other)) == 1
    assert snapshot(site / BUNDLE_DIR) == built


def test_write_takes_the_index_finish_started_and_asks_pagefind_once(site, monkeypatch):
    feed = fed(pages_of(site))
    finishing = []
    real = feed._finish
    monkeypatch.setattr(feed, "_finish", lambda: finishing.append(1) or real())
    feed.finish()
    written = feed.write(site)
    assert written.pages == 2 and len(finishing) == 1


def test_a_page_pagefind_refused_before_a_late_page_stops_the_write_and_nothing_is_cached(site, tmp_path):
    # Building again for the late page must not forget that the first index lost a page.
    cache = tmp_path / "cache"
    pages = pages_of(site)
    feed = PagefindFeed("en")
    real = feed._service.send_all

    def refusing(payloads):
        # The binary's answer for /tips/one/ is a failure; the other pages are sent as they would be.
        kept = [payload for payload in payloads if payload["url"] != "/tips/one/"]
        answers = real(kept) if kept else []
        if len(kept) < len(payloads):
            refused = feed._loop.create_future()
            refused.set_exception(RuntimeError("refused"))
            answers.append(refused)
        return answers

    feed._service.send_all = refusing
    for page in pages:
        feed.add(*page)
    feed.finish(cache)
    built_early_or_failed = feed._finished.building.exception(60)
    assert built_early_or_failed is not None
    feed.add("/late/", pages[0][1])
    with pytest.raises(SearchIndexError, match="refused"):
        feed.write(site, cache)
    assert not (cache / CACHE_FOLDER).exists() or cache_files(cache) == []


def test_a_feed_with_no_page_fails_at_write_after_finish(site):
    feed = PagefindFeed("en")
    feed.finish()
    with pytest.raises(SearchIndexError, match="no HTML page to index"):
        feed.write(site)


def test_an_unused_feed_closes_without_writing(site):
    feed = PagefindFeed("en")
    feed.add("/tips/one/", (site / "tips/one/index.html").read_text("utf-8"))
    feed.close()
    feed.close()
    assert not (site / BUNDLE_DIR).exists()


def test_pages_with_nothing_to_search_are_one_line(site):
    with pytest.raises(SearchIndexError) as caught:
        index_pages([("/empty/", "<html lang='en'><body></body></html>")], site)
    assert str(caught.value) == "Pagefind found no page to index (no page has content to search)"


def test_a_binary_that_stops_while_pages_are_fed_is_one_line(site, tmp_path, monkeypatch):
    # Answers the first request (the index is created), then stops: the pages after it fail, not hang.
    stopping = tmp_path / "stopping-pagefind"
    stopping.write_text(
        "#!/bin/sh\nhead -c 1 >/dev/null\n"
        'printf \'%s,\' "$(printf \'{"message_id":1,"payload":{"type":"NewIndex","index_id":0}}\' | base64 -w0)"\n'
        "echo 'Error: out of memory' >&2\nexit 9\n",
        encoding="utf-8",
    )
    stopping.chmod(0o755)
    monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(stopping))
    with pytest.raises(SearchIndexError) as caught:
        index_pages(pages_of(site), site)
    assert str(caught.value) == "Pagefind failed (exit 9): Error: out of memory"
    assert not (site / BUNDLE_DIR).exists()


# The cache of finished bundles.


def cache_files(cache: Path) -> list[Path]:
    """The cache's entries (one folder per bundle kept)."""
    return sorted(p for p in (cache / CACHE_FOLDER).iterdir() if p.is_dir() and not p.name.startswith("."))


def test_the_same_searched_pages_copy_the_bundle_from_the_cache(site, tmp_path):
    cache = tmp_path / "cache"
    first = index_pages(pages_of(site), site, cache_dir=cache)
    built = snapshot(site / BUNDLE_DIR)
    second = index_pages(pages_of(site), site, cache_dir=cache)
    assert (first.cached, second.cached) == (False, True)
    assert snapshot(site / BUNDLE_DIR) == built
    assert (second.pages, second.files, second.bytes) == (first.pages, first.files, first.bytes)
    assert len(cache_files(cache)) == 1


def test_a_change_to_a_searched_page_is_indexed_again_and_one_to_a_listing_page_is_not(site, tmp_path):
    cache = tmp_path / "cache"
    pages = pages_of(site)
    index_pages(pages, site, cache_dir=cache)
    listing = [
        (u, h.replace("</body>", "<p>new listing line</p></body>") if "data-pagefind-body" not in h else h)
        for u, h in pages
    ]
    assert listing != pages
    assert index_pages(listing, site, cache_dir=cache).cached
    tip = [(u, h.replace("marmalade", "quince")) for u, h in pages]
    again = index_pages(tip, site, cache_dir=cache)
    assert not again.cached and "quince" in fragments(site)["tips/one/"]["content"]
    # The order is part of the bundle (Pagefind numbers pages as they come), so of the key.
    assert not index_pages(list(reversed(tip)), site, cache_dir=cache).cached


def test_a_marker_in_capitals_still_counts_as_searched(site, tmp_path):
    # HTML attribute names are case-insensitive: a page marked DATA-PAGEFIND-BODY is indexed, so it is in the key.
    cache = tmp_path / "cache"
    pages = [(u, h.replace("data-pagefind-body", "DATA-PAGEFIND-BODY")) for u, h in pages_of(site)]
    index_pages(pages, site, cache_dir=cache)
    changed = [(u, h.replace("marmalade", "quince")) for u, h in pages]
    assert not index_pages(changed, site, cache_dir=cache).cached
    assert "quince" in fragments(site)["tips/one/"]["content"]


def _damage(entry: Path, how: str, tmp_path: Path) -> None:
    manifest = json.loads((entry / CACHE_MANIFEST).read_text("utf-8"))
    files = entry / "files"
    fragment = next((files / "fragment").iterdir())
    if how == "truncated":
        data = fragment.read_bytes()
        fragment.unlink()  # a new file: the bundle in the site is a link to the same one
        fragment.write_bytes(data[:-10])
    elif how == "flipped":
        data = fragment.read_bytes()
        fragment.unlink()
        fragment.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    elif how == "missing-file":
        fragment.unlink()
    elif how == "not-json":
        (entry / CACHE_MANIFEST).write_bytes(b"PK\x03\x04 some other file")
    elif how == "other-format":
        manifest["format"] = "servicetips-search-bundle-v1"
        (entry / CACHE_MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    elif how == "other-key":
        manifest["key"] = "0" * 64
        (entry / CACHE_MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    elif how == "escaping-path":
        # Size and hash right, but a file that would land outside the bundle.
        evil = b"written outside"
        (entry / "escaped.txt").write_bytes(evil)
        manifest["files"].append(["../escaped.txt", len(evil), hashlib.sha256(evil).hexdigest()])
        (entry / CACHE_MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    elif how == "symlink":
        # A link to a file elsewhere whose hash the manifest was made to match.
        outside = tmp_path / "outside.txt"
        outside.write_bytes(b"a file elsewhere")
        name = fragment.relative_to(files).as_posix()
        fragment.unlink()
        fragment.symlink_to(outside)
        for row in manifest["files"]:
            if row[0] == name:
                row[1:] = [outside.stat().st_size, hashlib.sha256(outside.read_bytes()).hexdigest()]
        (entry / CACHE_MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    elif how == "empty-manifest":
        (entry / CACHE_MANIFEST).write_bytes(b"")


@pytest.mark.parametrize(
    "how",
    [
        "truncated",
        "flipped",
        "missing-file",
        "not-json",
        "other-format",
        "other-key",
        "escaping-path",
        "symlink",
        "empty-manifest",
    ],
)
def test_a_damaged_or_foreign_cache_entry_is_ignored_and_replaced(site, tmp_path, how):
    cache = tmp_path / "cache"
    index_pages(pages_of(site), site, cache_dir=cache)
    built = snapshot(site / BUNDLE_DIR)
    (entry,) = cache_files(cache)
    _damage(entry, how, tmp_path)
    again = index_pages(pages_of(site), site, cache_dir=cache)
    assert not again.cached
    assert snapshot(site / BUNDLE_DIR) == built
    assert not (site / "escaped.txt").exists()
    assert not any(path.is_symlink() for path in (site / BUNDLE_DIR).rglob("*"))
    (rewritten,) = cache_files(cache)
    assert rewritten.name == entry.name
    assert index_pages(pages_of(site), site, cache_dir=cache).cached
    assert snapshot(site / BUNDLE_DIR) == built


def test_the_bundle_from_the_cache_is_readable_by_all_as_the_rest_of_the_site(site, tmp_path):
    cache = tmp_path / "cache"
    index_pages(pages_of(site), site, cache_dir=cache)
    assert index_pages(pages_of(site), site, cache_dir=cache).cached
    bundle = site / BUNDLE_DIR
    assert bundle.stat().st_mode & 0o777 == (site / "tips").stat().st_mode & 0o777
    assert all(path.stat().st_mode & 0o444 == 0o444 for path in bundle.rglob("*"))


def test_an_entry_copied_to_another_key_is_not_taken_for_it(site, tmp_path):
    cache = tmp_path / "cache"
    pages = pages_of(site)
    index_pages(pages, site, cache_dir=cache)
    (entry,) = cache_files(cache)
    changed = [(u, h.replace("marmalade", "quince")) for u, h in pages]
    feed = PagefindFeed("en")
    for page in changed:
        feed.add(*page)
    wanted = feed.key()
    feed.close()
    shutil.copytree(entry, entry.with_name(wanted))
    again = index_pages(changed, site, cache_dir=cache)
    assert not again.cached and "quince" in fragments(site)["tips/one/"]["content"]


def test_the_cache_keeps_the_last_bundles_only(site, tmp_path):
    cache = tmp_path / "cache"
    pages = pages_of(site)
    for word in ("quince", "damson", "medlar"):
        index_pages([(u, h.replace("marmalade", word)) for u, h in pages], site, cache_dir=cache)
    assert len(cache_files(cache)) == search.CACHE_KEEP
    assert not list((cache / CACHE_FOLDER).glob(".*"))


def test_a_cache_folder_that_cannot_be_written_only_costs_speed(site, tmp_path):
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be", encoding="utf-8")
    written = index_pages(pages_of(site), site, cache_dir=blocked)
    assert written.pages == 2 and not written.cached
    assert sorted(fragments(site)) == ["plain/", "tips/one/"]


def test_a_feed_kept_open_rewrites_the_bundle_after_one_page_changes(site, tmp_path):
    # A preview keeps the feed: after a save it hands over the saved page only and writes again.
    pages = pages_of(site)
    feed = PagefindFeed("en")
    try:
        for page in pages:
            feed.add(*page)
        first = feed.write(site, close=False)
        url, html = next((url, html) for url, html in pages if url == "/tips/one/")
        feed.add(url, html.replace("marmalade", "quince"))
        second = feed.write(site, close=False)
    finally:
        feed.close()
    fresh = tmp_path / "fresh"
    shutil.copytree(SEARCH_SITE, fresh)
    index_pages([(u, h.replace("marmalade", "quince")) for u, h in pages], fresh)
    assert first.pages == second.pages == 2
    assert snapshot(site / BUNDLE_DIR) == snapshot(fresh / BUNDLE_DIR)


def test_a_bundle_changed_in_place_in_the_site_is_not_taken_back_from_the_cache(site, tmp_path):
    # The site's bundle shares its files with the cache (hard links): a tool that edits one in place
    # changes the cache's copy too, which its hash then refuses.
    cache = tmp_path / "cache"
    index_pages(pages_of(site), site, cache_dir=cache)
    built = snapshot(site / BUNDLE_DIR)
    with (site / BUNDLE_DIR / "pagefind-entry.json").open("r+b") as entry:
        entry.write(b"{}")
    again = index_pages(pages_of(site), site, cache_dir=cache)
    assert not again.cached
    assert snapshot(site / BUNDLE_DIR) == built


def _inodes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*") if p.is_file()}


def _fresh_bundle(pages: list[tuple[str, str]], tmp_path: Path) -> dict:
    """The bundle of `pages` indexed with no cache at all, in a folder of its own."""
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    index_pages(pages, fresh)
    return snapshot(fresh / BUNDLE_DIR)


def test_after_one_page_changes_the_files_that_did_not_are_linked_from_the_cache_not_written(site, tmp_path):
    cache = tmp_path / "cache"
    pages = pages_of(site)
    index_pages(pages, site, cache_dir=cache)
    (before,) = cache_files(cache)
    kept = _inodes(before / "files")
    changed = [(u, h.replace("marmalade", "quince")) for u, h in pages]
    assert not index_pages(changed, site, cache_dir=cache).cached
    now = _inodes(site / BUNDLE_DIR)
    linked = {name for name, inode in now.items() if kept.get(name) == inode}
    # The script, its worker and WebAssembly and the unchanged page's fragment; not the changed page's.
    assert {"pagefind.js", "pagefind-worker.js", "wasm.en.pagefind"} <= linked
    plain = fragments(site)["plain/"]
    assert any(name.startswith("fragment/") for name in linked)
    assert "quince" in fragments(site)["tips/one/"]["content"] and "quince" not in plain["content"]
    assert len(linked) < len(now)
    assert snapshot(site / BUNDLE_DIR) == _fresh_bundle(changed, tmp_path)


@pytest.mark.parametrize("how", ["flipped", "truncated", "symlink-same-bytes", "folder-symlink"])
def test_a_damaged_or_planted_file_of_an_older_entry_is_never_linked(site, tmp_path, how):
    cache = tmp_path / "cache"
    pages = pages_of(site)
    index_pages(pages, site, cache_dir=cache)
    (entry,) = cache_files(cache)
    files = entry / "files"
    script = files / "pagefind.js"
    data = script.read_bytes()
    script.unlink()  # a new file: the site's copy is a link to the old one
    planted = tmp_path / "planted"
    planted.mkdir()
    if how == "flipped":
        script.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    elif how == "truncated":
        script.write_bytes(data[:-10])
    elif how == "symlink-same-bytes":
        # The right bytes, but in a file outside the cache: linking it would tie the site to that file.
        (planted / "pagefind.js").write_bytes(data)
        script.symlink_to(planted / "pagefind.js")
    else:
        script.write_bytes(data)
        shutil.copytree(files / "fragment", planted / "fragment")
        shutil.rmtree(files / "fragment")
        (files / "fragment").symlink_to(planted / "fragment")
    # Never to be linked: the damaged file, and anything reached through a planted link.
    never = {p.stat().st_ino for p in planted.rglob("*") if p.is_file()}
    if how in ("flipped", "truncated"):
        never.add(script.stat().st_ino)
    changed = [(u, h.replace("marmalade", "quince")) for u, h in pages]
    assert not index_pages(changed, site, cache_dir=cache).cached
    bundle = site / BUNDLE_DIR
    assert never and not never & set(_inodes(bundle).values())
    assert not any(path.is_symlink() for path in bundle.rglob("*"))
    assert snapshot(bundle) == _fresh_bundle(changed, tmp_path)


@pytest.mark.parametrize("planted_at", ["manifest", "same-key-file", "older-entry-file"])
def test_a_fifo_planted_in_the_search_cache_is_refused_not_waited_on(site, tmp_path, planted_at):
    # Opening a FIFO for reading blocks until someone writes to it: the build must not hang on one.
    cache = tmp_path / "cache"
    pages = pages_of(site)
    index_pages(pages, site, cache_dir=cache)
    built = snapshot(site / BUNDLE_DIR)
    (entry,) = cache_files(cache)
    planted = entry / CACHE_MANIFEST if planted_at == "manifest" else entry / "files" / "pagefind.js"
    planted.unlink()
    os.mkfifo(planted)
    changed = [(u, h.replace("marmalade", "quince")) for u, h in pages]
    wanted = changed if planted_at == "older-entry-file" else pages
    outcome: list = []
    worker = threading.Thread(target=lambda: outcome.append(index_pages(wanted, site, cache_dir=cache)), daemon=True)
    worker.start()
    worker.join(120)
    assert not worker.is_alive(), "the build waited on a FIFO in the cache"
    assert not outcome[0].cached
    assert snapshot(site / BUNDLE_DIR) == (built if wanted is pages else _fresh_bundle(changed, tmp_path))
