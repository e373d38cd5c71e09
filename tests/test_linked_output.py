"""Unchanged files as links to the previous site (servicetips.linked_output): only exact bytes, never outside it.

`LinkingWriter.write` puts a file into the new site folder as a hard link to
the old site's file at the same path when that file has exactly the same
bytes, and writes it otherwise. These tests link and refuse to link on real
files: changed bytes of the same size, a symbolic link to a file outside
(/etc/passwd-style), a linked folder, a linked site folder, a file with a
second name, another mode, a link that fails, a file swapped between the
comparison and the link, and paths that try to leave the site.
"""

from __future__ import annotations

import errno
import os
import threading
import time
from pathlib import Path

import pytest

from servicetips import linked_output
from servicetips.linked_output import LinkingWriter, link_or_write, writer
from servicetips.site_output import make_staging_dir, replaced_site

PAGE = b"<!doctype html><title>A tip</title><p>The same bytes as last time.</p>\n"


@pytest.fixture
def sites(tmp_path: Path) -> tuple[Path, Path]:
    """An old site with one page at tips/a/index.html, and an empty new one beside it."""
    old, new = tmp_path / "site", tmp_path / "staging"
    (old / "tips" / "a").mkdir(parents=True)
    (old / "tips" / "a" / "index.html").write_bytes(PAGE)
    new.mkdir()
    return old, new


def same_file(a: Path, b: Path) -> bool:
    first, second = os.lstat(a), os.lstat(b)
    return (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)


def test_the_same_bytes_become_a_link_to_the_old_file(sites):
    old, new = sites
    writer = LinkingWriter(old, new)
    assert writer.write("tips/a/index.html", PAGE) is True
    assert same_file(old / "tips/a/index.html", new / "tips/a/index.html")
    assert os.stat(new / "tips/a/index.html").st_nlink == 2
    assert (writer.linked, writer.written) == (1, 0)


def test_other_bytes_of_the_same_size_are_written_not_linked(sites):
    old, new = sites
    changed = PAGE.replace(b"same", b"SAME")
    assert len(changed) == len(PAGE)
    assert LinkingWriter(old, new).write("tips/a/index.html", changed) is False
    assert (new / "tips/a/index.html").read_bytes() == changed
    assert not same_file(old / "tips/a/index.html", new / "tips/a/index.html")
    assert (old / "tips/a/index.html").read_bytes() == PAGE


def test_a_longer_or_shorter_file_is_written(sites):
    old, new = sites
    writer = LinkingWriter(old, new)
    assert writer.write("tips/a/index.html", PAGE + b" ") is False
    assert writer.write("tips/a/index.html", PAGE[:-1]) is False
    assert (new / "tips/a/index.html").read_bytes() == PAGE[:-1]


def test_a_path_the_old_site_lacks_is_written(sites):
    old, new = sites
    assert LinkingWriter(old, new).write("tips/b/index.html", PAGE) is False
    assert (new / "tips/b/index.html").read_bytes() == PAGE


def test_no_old_site_only_writes(tmp_path):
    new = tmp_path / "staging"
    writer = LinkingWriter(tmp_path / "missing", new)
    assert writer.write("index.html", PAGE) is False
    assert LinkingWriter(None, new).write("index.html", PAGE) is False
    assert (new / "index.html").read_bytes() == PAGE


def test_a_symlink_in_the_old_site_is_never_followed(sites, tmp_path):
    # The old site could hold a link to any file of the system (think /etc/passwd) with the page's bytes.
    old, new = sites
    secret = tmp_path / "elsewhere" / "passwd"
    secret.parent.mkdir()
    secret.write_bytes(PAGE)
    (old / "tips/a/index.html").unlink()
    (old / "tips/a/index.html").symlink_to(secret)
    assert LinkingWriter(old, new).write("tips/a/index.html", PAGE) is False
    written = new / "tips/a/index.html"
    assert not written.is_symlink() and written.read_bytes() == PAGE
    assert not same_file(secret, written)
    assert os.stat(secret).st_nlink == 1


def test_a_linked_folder_in_the_old_site_is_never_followed(sites, tmp_path):
    old, new = sites
    outside = tmp_path / "outside"
    (outside / "a").mkdir(parents=True)
    (outside / "a" / "index.html").write_bytes(PAGE)
    (old / "tips" / "a" / "index.html").unlink()
    (old / "tips" / "a").rmdir()
    (old / "tips").rmdir()
    (old / "tips").symlink_to(outside, target_is_directory=True)
    assert LinkingWriter(old, new).write("tips/a/index.html", PAGE) is False
    assert not same_file(outside / "a/index.html", new / "tips/a/index.html")
    assert os.stat(outside / "a/index.html").st_nlink == 1


def test_an_old_site_that_is_itself_a_link_is_not_used(sites, tmp_path):
    old, new = sites
    alias = tmp_path / "alias"
    alias.symlink_to(old, target_is_directory=True)
    assert LinkingWriter(alias, new).write("tips/a/index.html", PAGE) is False
    assert os.stat(old / "tips/a/index.html").st_nlink == 1


def test_a_folder_at_the_path_in_the_old_site_is_not_linked(sites):
    old, new = sites
    (old / "tips" / "b.html").mkdir()
    assert LinkingWriter(old, new).write("tips/b.html", PAGE) is False
    assert (new / "tips/b.html").read_bytes() == PAGE


def test_a_file_with_a_second_name_is_not_linked(sites, tmp_path):
    # Its bytes are shared with a folder outside the old site, which could change them later.
    old, new = sites
    os.link(old / "tips/a/index.html", tmp_path / "second-name")
    assert LinkingWriter(old, new).write("tips/a/index.html", PAGE) is False
    assert os.stat(tmp_path / "second-name").st_nlink == 2


def test_a_file_with_another_mode_is_not_linked(sites):
    old, new = sites
    (old / "tips/a/index.html").chmod(0o600)
    assert LinkingWriter(old, new).write("tips/a/index.html", PAGE) is False
    assert (new / "tips/a/index.html").stat().st_mode & 0o777 == 0o666 & ~linked_output._umask()
    assert not same_file(old / "tips/a/index.html", new / "tips/a/index.html")


@pytest.mark.parametrize(("code", "keeps_trying"), [(errno.EXDEV, False), (errno.EPERM, False), (errno.EMLINK, True)])
def test_a_link_that_fails_falls_back_to_writing(sites, monkeypatch, code, keeps_trying):
    old, new = sites

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(linked_output.os, "link", refuse)
    writer = LinkingWriter(old, new)
    assert writer.write("tips/a/index.html", PAGE) is False
    assert (new / "tips/a/index.html").read_bytes() == PAGE
    assert writer.linking is keeps_trying  # another file system: no more comparisons for nothing


def test_a_file_swapped_after_the_comparison_is_not_linked(sites, monkeypatch):
    # Between reading the old file and linking it, the old name is given to another file.
    old, new = sites
    real_link = os.link
    swapped = old / "tips/a/swapped"

    def swap_then_link(source, target, **kwargs):
        swapped.write_bytes(b"x" * len(PAGE))
        os.replace(swapped, source)
        return real_link(source, target, **kwargs)

    monkeypatch.setattr(linked_output.os, "link", swap_then_link)
    assert LinkingWriter(old, new).write("tips/a/index.html", PAGE) is False
    assert (new / "tips/a/index.html").read_bytes() == PAGE
    assert not same_file(old / "tips/a/index.html", new / "tips/a/index.html")


def test_writing_over_a_linked_file_never_changes_the_old_site(sites):
    old, new = sites
    writer = LinkingWriter(old, new)
    assert writer.write("tips/a/index.html", PAGE) is True
    assert writer.write("tips/a/index.html", b"newer") is False
    assert (new / "tips/a/index.html").read_bytes() == b"newer"
    assert (old / "tips/a/index.html").read_bytes() == PAGE
    assert os.stat(old / "tips/a/index.html").st_nlink == 1


def test_a_writer_without_links_replaces_a_shared_file_instead_of_writing_in_place(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "feed.xml").write_bytes(b"old")
    os.link(site / "feed.xml", tmp_path / "elsewhere")
    LinkingWriter(None, site).write("feed.xml", b"new")
    assert (site / "feed.xml").read_bytes() == b"new"
    assert (tmp_path / "elsewhere").read_bytes() == b"old"


@pytest.mark.parametrize("relative", ["../outside.html", "/etc/passwd", "tips/../../x", "", "tips//a", "./a"])
def test_a_path_that_could_leave_the_site_is_refused(sites, relative):
    old, new = sites
    with pytest.raises(ValueError, match="inside the site"):
        LinkingWriter(old, new).write(relative, PAGE)
    assert not (new.parent / "outside.html").exists()


def test_a_folder_removed_after_it_was_made_is_made_again(sites):
    old, new = sites
    writer = LinkingWriter(old, new)
    writer.write("tips/b/index.html", b"one")
    (new / "tips/b/index.html").unlink()
    (new / "tips/b").rmdir()
    writer.write("tips/b/index.html", b"two")
    assert (new / "tips/b/index.html").read_bytes() == b"two"


def test_folders_are_made_once_per_writer(sites, monkeypatch):
    old, new = sites
    made = []
    real = os.makedirs
    monkeypatch.setattr(linked_output.os, "makedirs", lambda path, **kw: (made.append(path), real(path, **kw)))
    writer = LinkingWriter(old, new)
    for name in ("a", "b", "c"):
        writer.write(f"tips/{name}/index.html", PAGE)
        writer.write(f"tips/{name}/card.png", b"png")
    assert len(made) == len(set(made)) == 4  # tips/a, b, c, and tips itself (makedirs recurses), each once
    assert sorted(p.relative_to(new).as_posix() for p in new.rglob("*") if p.is_file()) == [
        f"tips/{name}/{file}" for name in "abc" for file in ("card.png", "index.html")
    ]


def test_the_public_function_links_or_writes(sites):
    old, new = sites
    assert link_or_write(old, new, "tips/a/index.html", PAGE) is True
    assert link_or_write(old, new, "tips/a/card.png", b"png") is False
    assert same_file(old / "tips/a/index.html", new / "tips/a/index.html")
    assert (new / "tips/a/card.png").read_bytes() == b"png"


def test_a_staging_folder_names_the_site_it_replaces_and_nothing_else_does(tmp_path):
    staging = make_staging_dir(tmp_path / "site")
    assert replaced_site(staging) == tmp_path / "site"
    assert replaced_site(tmp_path / "site") is None
    assert replaced_site(tmp_path / ".site-staging-nothex00") is None
    assert replaced_site(tmp_path / ".site-old-1a2b3c4d") is None


def test_writers_of_one_build_share_the_folders_they_made(sites):
    old, new = sites
    assert writer(old, new) is writer(str(old), Path(new) / "tips" / "..")
    assert writer(None, new) is not writer(old, new)
    link_or_write(None, new, "a/b.html", PAGE)
    assert (new / "a/b.html").read_bytes() == PAGE


def test_a_fifo_swapped_in_after_the_check_neither_hangs_nor_is_linked(sites):
    # Someone who can write the old site puts a FIFO where the checked file was: opening it for
    # reading would wait for a writer forever; it must be refused at once.
    old, new = sites
    page = old / "tips" / "a" / "index.html"
    found = os.lstat(page)
    page.unlink()
    os.mkfifo(page)
    signal = pytest.importorskip("signal")

    def hung(*_args):
        raise AssertionError("opening the FIFO blocked")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(10)
    try:
        assert LinkingWriter._same_bytes(str(page), found, PAGE) is False
        assert LinkingWriter(old, new).write("tips/a/index.html", PAGE) is False
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert (new / "tips/a/index.html").read_bytes() == PAGE
    assert not same_file(page, new / "tips/a/index.html")


# -- folders made ahead ------------------------------------------------------------


def finish_ahead(writer: LinkingWriter) -> None:
    """Wait until the thread has done all it will (`end` would stop it, not wait for it to finish)."""
    writer._ahead.join(30)
    assert not writer._ahead.is_alive()


def slow_mkdir(monkeypatch) -> threading.Event:
    """Make every os.mkdir take 10 ms; the event is set at the first one."""
    real, started = os.mkdir, threading.Event()

    def slow(path, *args, **kwargs):
        started.set()
        time.sleep(0.01)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(linked_output.os, "mkdir", slow)
    return started


def slow_writer(sites, monkeypatch) -> LinkingWriter:
    """A writer whose thread is under way making 1,000 folders, 10 ms each."""
    old, new = sites
    started = slow_mkdir(monkeypatch)
    writer = LinkingWriter(old, new)
    writer.make_folders_ahead([f"tips/t{number}" for number in range(1000)])
    assert started.wait(10)
    return writer


def test_folders_made_ahead_are_made_once_and_writes_use_them(sites, monkeypatch):
    old, new = sites
    writer = LinkingWriter(old, new)
    writer.make_folders_ahead(["tips/a", "tips/b", "tips/a", "tips/c"])
    finish_ahead(writer)
    assert sorted(p.relative_to(new).as_posix() for p in new.rglob("*")) == ["tips", "tips/a", "tips/b", "tips/c"]
    made = []
    real = os.makedirs
    monkeypatch.setattr(linked_output.os, "makedirs", lambda path, **kw: (made.append(path), real(path, **kw)))
    writer.write("tips/a/index.html", PAGE)
    writer.write("tips/c/index.html", b"new")
    assert made == []  # the writes found their folders made
    assert same_file(old / "tips/a/index.html", new / "tips/a/index.html")
    assert (new / "tips/c/index.html").read_bytes() == b"new"


def test_end_removes_the_folders_made_ahead_that_no_file_went_into(sites):
    # A page MkDocs skips (empty output) is never written: its folder must not be published empty.
    old, new = sites
    (new / "made-before").mkdir()
    writer = LinkingWriter(old, new)
    writer.make_folders_ahead(["tips/a", "tips/b", "tips/b/deeper", "unused/x/y", "made-before"])
    finish_ahead(writer)
    writer.write("tips/a/index.html", PAGE)
    writer.end()
    assert sorted(p.relative_to(new).as_posix() for p in new.rglob("*")) == [
        "made-before",  # not made by the thread: left as it was
        "tips",
        "tips/a",
        "tips/a/index.html",
    ]
    writer.write("tips/b/index.html", b"later")  # a folder removed is made again when asked for
    assert (new / "tips/b/index.html").read_bytes() == b"later"


@pytest.mark.parametrize(
    "outside", ["..", "../outside", "ABSOLUTE", "tips/../../outside", "tips//x", "./other", "tips/\0x"]
)
def test_a_folder_ahead_that_could_leave_the_site_is_skipped(sites, outside, tmp_path):
    old, new = sites
    absolute = tmp_path / "absolute"
    writer = LinkingWriter(old, new)
    writer.make_folders_ahead([outside.replace("ABSOLUTE", str(absolute)), "tips/kept"])
    finish_ahead(writer)
    assert sorted(p.name for p in new.parent.iterdir()) == ["site", "staging"]  # nothing beside the site
    assert sorted(p.relative_to(new).as_posix() for p in new.rglob("*")) == ["tips", "tips/kept"]
    writer.end()


def test_writes_while_folders_are_made_ahead_all_land(sites):
    # The thread and the writes ask for the same folders at once: every file lands, none is lost.
    old, new = sites
    writer = LinkingWriter(old, new)
    folders = [f"tips/t{number:04d}" for number in range(400)]
    writer.make_folders_ahead(folders)
    for folder in reversed(folders):  # from the other end: the two meet halfway
        writer.write(f"{folder}/index.html", folder.encode())
    writer.end()
    assert all((new / folder / "index.html").read_bytes() == folder.encode() for folder in folders)
    assert len(list((new / "tips").iterdir())) == 400


def test_a_folder_ahead_that_cannot_be_made_stops_the_thread_and_the_write_reports_it(sites):
    old, new = sites
    (new / "tips").write_bytes(b"a file where a folder goes")
    writer = LinkingWriter(old, new)
    writer.make_folders_ahead(["tips/a", "tips/b", "other"])
    finish_ahead(writer)
    assert not (new / "other").exists()  # the thread stopped at the first folder it could not make
    writer.end()
    with pytest.raises(NotADirectoryError):  # the file in the way, met by the write itself
        writer.write("tips/a/index.html", PAGE)


def test_end_stops_the_folders_ahead_before_it_returns(sites, monkeypatch):
    # The staging folder is renamed or removed right after `end`: no folder may appear in it later.
    new = sites[1]
    writer = slow_writer(sites, monkeypatch)
    writer.end()
    assert writer._ahead is None
    after_end = sorted(p.name for p in new.rglob("*"))
    time.sleep(0.1)
    assert sorted(p.name for p in new.rglob("*")) == after_end  # nothing made after end returned


def test_the_thread_never_makes_the_staging_folder_again(sites, monkeypatch):
    # The folder is swapped into place (or removed) between two of the thread's folders: the next one
    # must fail, not bring back the folder by its old name.
    old, new = sites
    real, calls = os.mkdir, []

    def then_swapped(path, *args, **kwargs):
        real(path, *args, **kwargs)
        calls.append(path)
        if len(calls) == 3:  # tips, tips/t0, tips/t1 made
            new.rename(new.parent / "published")

    monkeypatch.setattr(linked_output.os, "mkdir", then_swapped)
    writer = LinkingWriter(old, new)
    writer.make_folders_ahead([f"tips/t{number}" for number in range(100)])
    finish_ahead(writer)
    writer.end()
    assert not new.exists()
    assert sorted(p.name for p in (new.parent / "published" / "tips").iterdir()) == ["t0", "t1"]


def test_an_end_interrupted_while_it_waits_waits_again_the_next_time(sites, monkeypatch):
    # Ctrl-C during the wait: the thread is not forgotten, so the cleanup's `end` waits for it before
    # the staging folder is removed.
    writer = slow_writer(sites, monkeypatch)
    thread = writer._ahead
    real_join = type(thread).join
    calls = []

    def interrupted_once(self, timeout=None):
        calls.append(timeout)
        if len(calls) == 1:
            raise KeyboardInterrupt
        return real_join(self, timeout)

    monkeypatch.setattr(type(thread), "join", interrupted_once)
    with pytest.raises(KeyboardInterrupt):
        writer.end()
    assert writer._ahead is thread
    writer.end()
    assert not thread.is_alive() and writer._ahead is None
