"""Site files linked from the build cache (LinkingWriter.offer): only the exact bytes of the entry checked.

The page cache and the share cards offer the writer the cache entry whose
payload is about to be written at a path; the writer links the entry's file
instead of writing the bytes again. These tests try to get a link to the
wrong bytes or the wrong file: other bytes asked for, an entry replaced or
changed after it was checked, a symbolic link, another mode, a writer no
build writes through, an offer taken twice, and links that cannot be made.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from servicetips import linked_output
from servicetips.cache_store import Entry, Store
from servicetips.linked_output import LinkingWriter, in_use

PAGE = b"<!doctype html><title>A tip</title><p>Kept in the cache.</p>\n"
KEY = "ab" * 32


@pytest.fixture
def kept(tmp_path: Path) -> Entry:
    return Store(tmp_path / "cache", "pages", suffix=".html", linkable=True).put(KEY, PAGE)


@pytest.fixture
def site_writer(tmp_path: Path):
    """A writer a build writes the (empty) new site through, with no old site to link from."""
    (tmp_path / "staging").mkdir()
    writer = LinkingWriter(None, tmp_path / "staging")
    writer.begin()
    yield writer
    writer.end()


def build_through(writer: LinkingWriter, relative: str, entry: Entry) -> bool:
    """One build's write of `relative` through `writer`, with `entry` offered for it: True when linked."""
    writer.begin()
    try:
        writer.offer(relative, entry)
        return writer.write(relative, PAGE)
    finally:
        writer.end()


def same_file(a: str | Path, b: str | Path) -> bool:
    first, second = os.lstat(a), os.lstat(b)
    return (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)


def test_an_offered_entry_with_the_bytes_asked_for_is_linked(tmp_path, kept, site_writer):
    site_writer.offer("tips/a/index.html", kept)
    assert site_writer.write("tips/a/index.html", PAGE) is True
    assert same_file(kept.path, tmp_path / "staging/tips/a/index.html")
    assert (site_writer.linked_from_cache, site_writer.written) == (1, 0)
    assert in_use(tmp_path / "staging") is site_writer


def test_other_bytes_asked_for_are_written(tmp_path, kept, site_writer):
    site_writer.offer("tips/a/index.html", kept)
    changed = PAGE.replace(b"Kept", b"KEPT")  # a later hook changed the page: same size, other bytes
    assert site_writer.write("tips/a/index.html", changed) is False
    assert (tmp_path / "staging/tips/a/index.html").read_bytes() == changed
    assert not same_file(kept.path, tmp_path / "staging/tips/a/index.html")
    assert Path(kept.path).read_bytes() == PAGE


def test_an_offer_is_for_the_next_write_of_its_path_only(tmp_path, kept, site_writer):
    site_writer.offer("tips/a/index.html", kept)
    site_writer.write("tips/b/index.html", PAGE)  # another path: no link
    assert not same_file(kept.path, tmp_path / "staging/tips/b/index.html")
    assert site_writer.write("tips/a/index.html", PAGE) is True
    assert site_writer.write("tips/a/index.html", PAGE) is False  # written again later: written, not linked
    assert not same_file(kept.path, tmp_path / "staging/tips/a/index.html")
    assert Path(kept.path).read_bytes() == PAGE  # the link was replaced, the entry untouched


def test_an_entry_changed_in_place_after_it_was_checked_is_not_linked(tmp_path, kept, site_writer):
    # Another name of the file (a site written in place) changes it after the build read and checked it.
    with open(kept.path, "r+b") as entry:
        entry.write(PAGE.replace(b"Kept", b"Evil"))  # same inode, same size, other bytes
    site_writer.offer("tips/a/index.html", kept)
    assert site_writer.write("tips/a/index.html", PAGE) is False
    assert (tmp_path / "staging/tips/a/index.html").read_bytes() == PAGE  # the bytes the build meant


def test_two_sites_never_share_a_cache_entry(tmp_path, kept):
    sites = []
    for name in ("prod", "preview"):
        (tmp_path / name).mkdir()
        build_through(LinkingWriter(None, tmp_path / name), "tips/a/index.html", kept)
        sites.append(tmp_path / name / "tips/a/index.html")
    assert same_file(kept.path, sites[0]) and not same_file(kept.path, sites[1])
    with open(sites[1], "wb") as page:  # MkDocs' own write_file, in a --dirty build without our writer
        page.write(PAGE.replace(b"Kept", b"Evil"))
    assert sites[0].read_bytes() == PAGE and Path(kept.path).read_bytes() == PAGE


def test_an_entry_the_replaced_site_links_at_the_same_path_is_linked_again(tmp_path, kept):
    old, new = tmp_path / "site", tmp_path / "staging"
    (old / "tips/a").mkdir(parents=True)
    os.link(kept.path, old / "tips/a/index.html")  # the last build's link: the entry has two names
    new.mkdir()
    writer = LinkingWriter(old, new)
    writer.begin()
    try:
        writer.offer("tips/a/index.html", kept)
        assert writer.write("tips/a/index.html", PAGE) is True
        # At another path, the old site's name is not this file's: another site shares it, no link.
        writer.offer("tips/b/index.html", kept)
        assert writer.write("tips/b/index.html", PAGE) is False
    finally:
        writer.end()
    assert same_file(kept.path, new / "tips/a/index.html")
    assert not same_file(kept.path, new / "tips/b/index.html")


def test_a_dirty_build_over_a_site_that_links_the_entry_keeps_the_link(tmp_path, kept, site_writer):
    site_writer.offer("tips/a/index.html", kept)
    site_writer.write("tips/a/index.html", PAGE)
    # The next build, into the same folder.
    assert build_through(LinkingWriter(None, tmp_path / "staging"), "tips/a/index.html", kept) is True
    assert same_file(kept.path, tmp_path / "staging/tips/a/index.html")
    assert os.stat(kept.path).st_nlink == 2


def test_an_entry_replaced_after_it_was_checked_is_not_linked(tmp_path, kept, site_writer):
    replacement = Path(kept.path).with_name("swap")
    replacement.write_bytes(PAGE)
    os.chmod(replacement, os.stat(kept.path).st_mode)
    os.replace(replacement, kept.path)  # another file now has the entry's name: not the one checked
    site_writer.offer("tips/a/index.html", kept)
    assert site_writer.write("tips/a/index.html", PAGE) is False
    assert not same_file(kept.path, tmp_path / "staging/tips/a/index.html")
    assert (tmp_path / "staging/tips/a/index.html").read_bytes() == PAGE


def test_an_entry_turned_into_a_symbolic_link_is_not_followed(tmp_path, kept, site_writer):
    target = tmp_path / "elsewhere.html"
    target.write_bytes(PAGE)
    os.unlink(kept.path)
    os.symlink(target, kept.path)
    site_writer.offer("tips/a/index.html", kept)
    assert site_writer.write("tips/a/index.html", PAGE) is False
    assert not os.path.islink(tmp_path / "staging/tips/a/index.html")
    assert not same_file(target, tmp_path / "staging/tips/a/index.html")


def test_an_entry_with_another_mode_is_written_not_linked(tmp_path, kept, site_writer):
    os.chmod(kept.path, 0o600)  # linked, the published file would be unreadable to the web server
    site_writer.offer("tips/a/index.html", kept)
    assert site_writer.write("tips/a/index.html", PAGE) is False
    assert stat_mode(tmp_path / "staging/tips/a/index.html") == stat_mode_of_new_file()


def stat_mode(path: Path) -> int:
    return os.stat(path).st_mode & 0o777


def stat_mode_of_new_file() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def test_a_writer_no_build_writes_through_takes_no_offer(tmp_path, kept):
    (tmp_path / "staging").mkdir()
    writer = LinkingWriter(None, tmp_path / "staging")
    writer.offer("tips/a/index.html", kept)  # not begun: a preview, or linking turned off
    assert writer.write("tips/a/index.html", PAGE) is False
    assert in_use(tmp_path / "staging") is None
    writer.begin()
    writer.offer("tips/b/index.html", kept)
    writer.end()  # the build is over: offers not taken are dropped, the writer leaves the registry
    assert writer.write("tips/b/index.html", PAGE) is False
    assert in_use(tmp_path / "staging") is None


def test_links_that_fail_fall_back_to_writing_and_stop_being_tried(tmp_path, kept, site_writer, monkeypatch):
    calls = []

    def refuse(source, target, **kwargs):
        calls.append(source)
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(linked_output.os, "link", refuse)
    for name in ("a", "b"):
        site_writer.offer(f"tips/{name}/index.html", kept)
        assert site_writer.write(f"tips/{name}/index.html", PAGE) is False
        assert (tmp_path / f"staging/tips/{name}/index.html").read_bytes() == PAGE
    assert calls == [kept.path]  # the cache on another disk: tried once
    assert not site_writer.cache_linking


def test_a_built_site_s_cards_and_pages_are_links_to_the_cache(tmp_path):
    """Covered on a real build in tests/test_linked_site.py; here: the writer shares no inode with the old
    site for a cache link, so the old site's removal leaves the cache entry whole."""
    old, new = tmp_path / "site", tmp_path / "staging"
    (old / "tips/a").mkdir(parents=True)
    (old / "tips/a/index.html").write_bytes(PAGE)
    new.mkdir()
    entry = Store(tmp_path / "cache", "pages", suffix=".html", linkable=True).put(KEY, PAGE)
    writer = LinkingWriter(old, new)
    assert build_through(writer, "tips/a/index.html", entry) is True
    assert same_file(entry.path, new / "tips/a/index.html")
    assert (writer.linked_from_cache, writer.linked) == (1, 0)
    os.unlink(old / "tips/a/index.html")
    assert Path(entry.path).read_bytes() == PAGE
