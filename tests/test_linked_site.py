"""A repeat build links the unchanged files to the site it replaces (hooks/atomic_output.py): same bytes, never more.

Each test starts from a copy of one built site (as the previous build left
it), builds again into it and compares inodes: a file that kept its inode is
a link made by the build, one with a new inode was written. The site must
have the same bytes as a build with linking turned off
(`TIPS_LINK_UNCHANGED=off`), and nothing the old site points to outside
itself (a symbolic link, a linked folder) may end up in the new one.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.structure.files import File, Files, InclusionLevel

from servicetips import linked_output
from servicetips.linked_output import writer
from servicetips.site_output import make_staging_dir
from support import AS_OF, REPO, SITE_FIXTURES, build_site, copy_library
from support.builds import SiteBuild, assert_same_sites, build_env, load_hook

SMALL = SITE_FIXTURES / "small"
LINKED = re.compile(r"files linked to the previous site: (\d+), to the build cache: (\d+) \(written: (\d+)\)")
CHANGED_TIP = "quote-the-customers-words"
CHANGED_PAGE = f"tips/{CHANGED_TIP}/index.html"
OTHER_PAGE = "tips/answer-in-under-two-hours/index.html"


def _build(tips: Path, out: Path, engine: str = "mkdocs", **env: str) -> SiteBuild:
    result = build_site(tips, out, AS_OF, extra_env={"TIPS_CACHE_DIR": "off", **env}, engine=engine)
    assert result.ok, result.output
    return result


def inodes(site: Path) -> dict[str, tuple[int, int]]:
    """Every file of a site (not following links) with its device and inode."""
    found = {}
    for path in site.rglob("*"):
        status = os.lstat(path)
        if not path.is_dir() or path.is_symlink():
            found[path.relative_to(site).as_posix()] = (status.st_dev, status.st_ino)
    return found


def linked(result: SiteBuild) -> int:
    found = LINKED.findall(result.output)
    assert len(found) == 1, result.output
    return int(found[0][0])


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The small library and its site, built once: (tips, site)."""
    root = tmp_path_factory.mktemp("linked-base")
    tips = copy_library(root, source=SMALL)
    result = _build(tips, root / "first" / "site")
    assert linked(result) == 0  # nothing to link to: every file was written
    return tips, result.site


def previous_site(base, tmp_path: Path) -> Path:
    """A copy of the base site, as a previous build left it: files of one name, made by us."""
    site = tmp_path / "out" / "site"
    shutil.copytree(base[1], site, symlinks=True)
    return site


def changed_tips(base, tmp_path: Path) -> Path:
    tips = copy_library(tmp_path, source=base[0])
    path = tips / f"{CHANGED_TIP}.md"
    text = path.read_text("utf-8")
    assert "the app freezes" in text
    path.write_text(text.replace("the app freezes", "the app stalls"), "utf-8")
    return tips


def test_a_repeat_build_links_the_unchanged_files_and_writes_the_changed_page(base, tmp_path):
    tips = changed_tips(base, tmp_path)
    site = previous_site(base, tmp_path)
    before = inodes(site)
    result = _build(tips, site)
    after = inodes(site)
    kept = {name for name in after if after[name] == before.get(name)}
    assert CHANGED_PAGE not in kept
    assert "the app stalls" in result.page(f"tips/{CHANGED_TIP}/")
    assert OTHER_PAGE in kept and "404.html" in kept
    assert any(name.startswith("assets/stylesheets/") for name in kept)  # theme assets, copied by MkDocs
    assert linked(result) == len(kept - {name for name in kept if name.startswith("pagefind/")}) > 20
    # The old site is gone: every file has one name again, and a later build can link it in turn.
    assert all(os.stat(site / name).st_nlink == 1 for name in kept if not name.startswith("pagefind/"))
    assert not [path for path in site.parent.iterdir() if path.name.startswith(".site-")]
    fresh = _build(tips, tmp_path / "fresh" / "site", TIPS_LINK_UNCHANGED="off")
    assert_same_sites(site, fresh.site)
    assert not LINKED.search(fresh.output)


def cache_inodes(cache: Path) -> dict[tuple[int, int], str]:
    """Every file of the build cache folder by its device and inode."""
    return {
        (os.lstat(path).st_dev, os.lstat(path).st_ino): path.relative_to(cache).as_posix() for path in cache.rglob("*")
    }


def test_cards_and_pages_are_links_to_the_build_cache_with_the_bytes_of_a_written_site(base, tmp_path):
    cache = tmp_path / "cache"
    first = _build(base[0], tmp_path / "first" / "site", TIPS_CACHE_DIR=str(cache))
    kept = cache_inodes(cache)
    files = inodes(first.site)
    cards = [name for name in files if name.startswith("cards/") and name.endswith(".png")]
    pages = [name for name in files if name.startswith("tips/") and name.endswith("/index.html")]
    assert len(cards) >= 8 and len(pages) >= 4
    # Drawn or rendered once, into the cache; the site's file is the same file.
    assert all(kept.get(files[name], "").startswith("cards/") for name in cards)
    assert all(kept.get(files[name], "").startswith("pages/") for name in pages)
    assert int(LINKED.findall(first.output)[0][1]) >= len(cards) + len(pages)
    written = _build(base[0], tmp_path / "written" / "site", TIPS_CACHE_DIR="off", TIPS_LINK_UNCHANGED="off")
    assert_same_sites(first.site, written.site)
    # A build with the cards and pages kept links them again; the site it replaces loses nothing it shares.
    second = _build(changed_tips(base, tmp_path), first.site, TIPS_CACHE_DIR=str(cache))
    assert "the app stalls" in second.page(f"tips/{CHANGED_TIP}/")
    again = inodes(second.site)
    assert files[OTHER_PAGE] == again[OTHER_PAGE] and files[cards[0]] == again[cards[0]]
    now = cache_inodes(cache)
    # The first build's entries still there (an inode freed since, by a replaced or pruned entry, may be
    # given to a new file: that is no link to the old entry).
    still = {inode: name for inode, name in kept.items() if now.get(inode) == name}
    assert again[CHANGED_PAGE] != files[CHANGED_PAGE] and still.get(again[CHANGED_PAGE]) is None
    assert now.get(again[CHANGED_PAGE], "").startswith("pages/")
    # The cache is safe to delete: the published files keep their bytes.
    before = {name: (second.site / name).read_bytes() for name in (OTHER_PAGE, cards[0])}
    shutil.rmtree(cache)
    assert {name: (second.site / name).read_bytes() for name in before} == before


def test_a_site_written_in_place_never_changes_another_site_built_from_the_same_cache(base, tmp_path):
    # Two sites from one cache folder (a published one, a preview); MkDocs' own writer then writes the
    # second in place (a --dirty build with linking off). The first must keep its bytes.
    cache = {"TIPS_CACHE_DIR": str(tmp_path / "cache")}
    prod = _build(base[0], tmp_path / "prod" / "site", **cache)
    preview = _build(base[0], tmp_path / "preview" / "site", **cache)
    published = (prod.site / CHANGED_PAGE).read_bytes()
    tips = changed_tips(base, tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--dirty", "--site-dir", str(preview.site)],
        cwd=REPO,
        env=build_env(tips, AS_OF, {**cache, "TIPS_LINK_UNCHANGED": "off"}),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert b"the app stalls" in (preview.site / CHANGED_PAGE).read_bytes()
    assert (prod.site / CHANGED_PAGE).read_bytes() == published
    assert b"the app stalls" not in (prod.site / CHANGED_PAGE).read_bytes()


def test_with_linking_turned_off_every_file_is_written_anew(base, tmp_path):
    site = previous_site(base, tmp_path)
    before = inodes(site)
    result = _build(base[0], site, TIPS_LINK_UNCHANGED="off")
    after = inodes(site)
    assert not [name for name in after if after[name] == before.get(name) and not name.startswith("pagefind/")]
    assert not LINKED.search(result.output)
    assert_same_sites(site, base[1])


def test_changed_bytes_a_symlink_and_a_linked_folder_in_the_old_site_are_never_linked(base, tmp_path):
    site = previous_site(base, tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    # The same size, other bytes: only a real comparison tells.
    page = site / OTHER_PAGE
    data = page.read_bytes()
    flipped = data.replace(b"<title>", b"<TITLE>", 1)
    assert flipped != data and len(flipped) == len(data)
    page.write_bytes(flipped)
    # A symbolic link to a file outside the site with exactly the page's bytes (think /etc/passwd).
    home = site / "index.html"
    secret = outside / "secret"
    secret.write_bytes(home.read_bytes())
    home.unlink()
    home.symlink_to(secret)
    # A folder of the site replaced by a link to a copy outside it.
    folder = site / "tips" / CHANGED_TIP
    shutil.move(folder, outside / "folder")
    folder.symlink_to(outside / "folder", target_is_directory=True)
    before = inodes(site)
    result = _build(base[0], site)
    after = inodes(site)
    assert after[OTHER_PAGE] != before[OTHER_PAGE]
    assert not home.is_symlink() and home.is_file()
    assert after["index.html"] != (os.stat(secret).st_dev, os.stat(secret).st_ino)
    assert not folder.is_symlink() and folder.is_dir()
    inside = outside / "folder" / "index.html"
    assert after[CHANGED_PAGE] != (os.stat(inside).st_dev, os.stat(inside).st_ino)
    assert os.stat(secret).st_nlink == 1 and os.stat(inside).st_nlink == 1
    assert linked(result) > 20  # the rest was linked
    assert_same_sites(site, base[1])


def test_a_dirty_build_replaces_a_file_rather_than_writing_through_a_shared_link(base, tmp_path):
    tips = changed_tips(base, tmp_path)
    site = previous_site(base, tmp_path)
    other_name = tmp_path / "other-name.html"
    os.link(site / CHANGED_PAGE, other_name)
    kept = other_name.read_bytes()
    command = [sys.executable, "-m", "mkdocs", "build", "--dirty", "--site-dir", str(site)]
    done = subprocess.run(
        command, cwd=REPO, env=build_env(tips, AS_OF, {"TIPS_CACHE_DIR": "off"}), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "the app stalls" in (site / CHANGED_PAGE).read_text("utf-8")
    assert other_name.read_bytes() == kept


@pytest.mark.slow
def test_properdocs_links_the_same_way(base, tmp_path):
    # ProperDocs' pages differ from MkDocs' in their generator tag: its own previous site comes first.
    site = _build(base[0], tmp_path / "out" / "site", engine="properdocs").site
    tips = changed_tips(base, tmp_path)
    before = inodes(site)
    first = _build(tips, site, engine="properdocs")
    after = inodes(site)
    kept = {name for name in after if after[name] == before.get(name)}
    # Pages (utils.write_file) and theme assets (File.copy_file) alike: the engine's own functions were replaced.
    assert OTHER_PAGE in kept and any(name.startswith("assets/stylesheets/") for name in kept)
    assert CHANGED_PAGE not in kept and linked(first) > 20
    fresh = _build(tips, tmp_path / "fresh" / "site", engine="properdocs", TIPS_LINK_UNCHANGED="off")
    assert_same_sites(site, fresh.site)


def test_an_engine_that_was_not_checked_writes_every_file_with_one_info_line(monkeypatch, caplog, tmp_path):
    hooks = load_hook("atomic_output")
    stock = File.__dict__["copy_file"]
    assert hooks._linking_mismatch() is None  # the installed engine is one it was checked against
    hooks._start_writer(tmp_path / "site", tmp_path / "staging")
    try:
        assert File.__dict__["copy_file"] is hooks._copy_file
    finally:
        hooks._stop_writer()
    assert File.__dict__["copy_file"] is stock
    monkeypatch.setattr(hooks, "_COPY_FILE", (*hooks._COPY_FILE, "shutil.copyfile(source, output_path, extra=1)"))
    hooks._linking_mismatch.cache_clear()
    try:
        with caplog.at_level(logging.INFO):
            hooks._start_writer(tmp_path / "site", tmp_path / "staging")
            hooks._start_writer(tmp_path / "site", tmp_path / "staging")
    finally:
        hooks._linking_mismatch.cache_clear()
        hooks._stop_writer()
    notes = [record for record in caplog.records if "written anew" in record.getMessage()]
    assert len(notes) == 1 and notes[0].levelno == logging.INFO
    assert "is not as expected" in notes[0].getMessage()
    assert hooks._state.writer is None and File.__dict__["copy_file"] is stock


def test_a_static_file_larger_than_the_comparison_limit_is_copied_as_mkdocs_copies_it(tmp_path, monkeypatch):
    # Comparing a file with the old site's means holding both in memory: a large one is streamed instead.
    hooks = load_hook("atomic_output")
    old, new = tmp_path / "site", tmp_path / "staging"
    old.mkdir()
    new.mkdir()
    copied = []
    monkeypatch.setattr(hooks._state, "writer", writer(old, new))
    monkeypatch.setattr(hooks._state, "replaced", [(None, "copy_file", lambda file, dirty: copied.append(file))])
    monkeypatch.setattr(hooks, "LARGEST_COMPARED", 1024)
    for name, size in (("small.bin", 1024), ("large.bin", 1025)):
        source = tmp_path / name
        source.write_bytes(b"x" * size)
        file = SimpleNamespace(abs_src_path=str(source), abs_dest_path=str(new / name), _content=None)
        hooks._copy_file(file, False)
    assert [Path(file.abs_src_path).name for file in copied] == ["large.bin"]
    assert (new / "small.bin").read_bytes() == b"x" * 1024 and not (new / "large.bin").exists()


def test_a_full_build_removes_the_cards_it_did_not_draw_or_read_and_older_entries(base, tmp_path):
    cache = tmp_path / "cache"
    _build(base[0], tmp_path / "first" / "site", TIPS_CACHE_DIR=str(cache))
    shard = next((cache / "cards").iterdir())
    stale = [shard / f"{'0' * 64}.{'1' * 64}.png", shard / f"{'2' * 64}.card"]  # another title's; the old format
    for path in stale:
        path.write_bytes(b"an old card")
    kept = sorted(path.name for path in (cache / "cards").rglob("*.png") if path not in stale)
    result = _build(base[0], tmp_path / "second" / "site", TIPS_CACHE_DIR=str(cache))
    assert "share cards: 2 old entries removed from the cache" in result.output
    assert not any(path.exists() for path in stale)
    assert sorted(path.name for path in (cache / "cards").rglob("*.png")) == kept


def test_the_folders_of_the_files_written_are_made_ahead_and_an_excluded_one_gets_none(monkeypatch, tmp_path):
    # on_nav has the staging folder's subfolders made while the pages render; a page MkDocs leaves out
    # (exclude_docs, a draft) is never written, so a folder made for it would be published empty.
    hooks = load_hook("atomic_output")
    old, new = tmp_path / "site", tmp_path / "staging"
    old.mkdir()
    new.mkdir()
    docs = tmp_path / "docs"

    def page(src: str, inclusion: InclusionLevel) -> File:
        return File(src, str(docs), str(new), use_directory_urls=True, inclusion=inclusion)

    files = Files(
        [  # the left-out ones first: a thread that made their folders would have done so before the others
            page("drafts/draft.md", InclusionLevel.DRAFT),
            page("private/left-out.md", InclusionLevel.EXCLUDED),
            page("tips/kept.md", InclusionLevel.INCLUDED),
            page("about/index.md", InclusionLevel.NOT_IN_NAV),
            page("generated.md", InclusionLevel.UNDEFINED),
        ]
    )
    monkeypatch.setattr(hooks._state, "staging", new)
    monkeypatch.setattr(hooks._state, "writer", writer(old, new))
    try:
        assert hooks.on_nav("nav", SimpleNamespace(), files) == "nav"
        hooks._state.writer._ahead.join(30)  # all it will make
        assert sorted(p.relative_to(new).as_posix() for p in new.rglob("*")) == [
            "about",
            "generated",
            "tips",
            "tips/kept",
        ]
    finally:
        hooks._state.writer.end()


def test_a_build_that_is_not_staged_makes_no_folder_ahead(monkeypatch, tmp_path):
    # `mkdocs serve` and --dirty builds write in place: their folders are there, or made as MkDocs writes.
    hooks = load_hook("atomic_output")
    new = tmp_path / "site"
    new.mkdir()
    monkeypatch.setattr(hooks._state, "staging", None)
    monkeypatch.setattr(hooks._state, "writer", writer(None, new))
    files = Files([File("tips/kept.md", str(tmp_path / "docs"), str(new), use_directory_urls=True)])
    hooks.on_nav("nav", SimpleNamespace(), files)
    assert hooks._state.writer._ahead is None  # no thread started
    hooks._state.writer.end()
    assert list(new.iterdir()) == []


def test_the_swap_waits_for_the_folders_ahead(monkeypatch, tmp_path):
    # The thread is stopped and its empty folders removed before the staging folder takes the site's
    # place: afterwards they would be published.
    hooks = load_hook("atomic_output")
    target = tmp_path / "site"
    staging = make_staging_dir(target)
    real = os.mkdir
    started = threading.Event()

    def slow(path, *args, **kwargs):
        started.set()
        time.sleep(0.01)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(linked_output.os, "mkdir", slow)
    monkeypatch.setattr(hooks._state, "staging", staging)
    monkeypatch.setattr(hooks._state, "target", target)
    monkeypatch.setattr(hooks._state, "writer", writer(None, staging))
    hooks._state.writer.begin()
    hooks._state.writer.make_folders_ahead([f"tips/t{number}" for number in range(1000)])
    assert started.wait(10)
    deadline = time.monotonic() + 30
    while not (staging / "tips" / "t3").is_dir():  # a few made, more to come
        assert time.monotonic() < deadline
        time.sleep(0.005)
    hooks.on_post_build(SimpleNamespace(site_dir=str(staging)))
    # Stopped before the swap, and its folders that no file went into removed before it too: none is
    # published empty, and none appears later.
    assert list(target.iterdir()) == []
    time.sleep(0.1)
    assert list(target.iterdir()) == []
    assert sorted(path.name for path in tmp_path.iterdir()) == ["site"]  # no staging folder made again
