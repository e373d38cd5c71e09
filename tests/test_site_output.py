"""servicetips.site_output and hooks/atomic_output.py: the site folder is replaced as a whole, with no gap.

In-process: the swap (renameat2 exchange and the two-rename fallback), an
observer thread that never finds `site/index.html` missing during many
swaps, recovery from what a killed build leaves, and disk errors (ENOSPC and
EACCES by monkeypatching). With real builds: a build killed with SIGKILL, two
builds into one folder, a read-only folder (chmod, or a read-only bind mount
in a private mount namespace when running as root, where chmod does not stop
anyone), a file where the folder should be, and a full disk in the middle of
MkDocs' own writing. A finished build leaves every build cache entry
whole, with no write under way.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from servicetips import cache_store, site_output
from servicetips.site_output import (
    MARKER,
    OutputError,
    OutputLock,
    discard,
    is_ours,
    lock_path,
    make_staging_dir,
    recover,
    swap_into_place,
)
from support import AS_OF, MKDOCS_YML, REPO, SITE_FIXTURES, build_site, copy_library, snapshot

WAIT_SECONDS = 300  # a hang guard for polling loops, never a speed target


def site_with(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.html").write_text(text)
    return folder


def no_exchange(first: Path, second: Path) -> bool:
    return False  # as on a system without renameat2: the two-rename path


# --- staging and swap ----------------------------------------------------------------


def test_staging_is_a_fresh_readable_marked_sibling(tmp_path):
    target = tmp_path / "public" / "site"
    staging = make_staging_dir(target)
    assert staging.parent == target.parent and staging.name.startswith(".site-staging-")
    assert [p.name for p in staging.iterdir()] == [MARKER]
    assert is_ours(staging, target)
    assert make_staging_dir(target) != staging
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(staging.stat().st_mode) == 0o777 & ~umask  # not mkdtemp's private 0700


@pytest.mark.parametrize("exchange", [site_output._exchange, no_exchange], ids=["exchange", "two-renames"])
def test_swap_replaces_the_old_site_entirely_and_leaves_nothing_beside_it(tmp_path, exchange):
    target = tmp_path / "site"
    (target / "old").mkdir(parents=True)
    (target / "old" / "page.html").write_text("old")
    staging = make_staging_dir(target)
    (staging / "index.html").write_text("new")
    swap_into_place(staging, target, exchange)
    assert sorted(p.name for p in target.iterdir()) == ["index.html"]  # no marker left in the site
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_swap_into_an_empty_place(tmp_path):
    target = tmp_path / "site"
    staging = make_staging_dir(target)
    (staging / "index.html").write_text("new")
    swap_into_place(staging, target)
    assert sorted(p.name for p in target.iterdir()) == ["index.html"]


def test_this_linux_really_swaps_in_one_step(tmp_path):
    if not sys.platform.startswith("linux"):
        pytest.skip("renameat2 is Linux only; elsewhere the two-rename path is used")
    first, second = site_with(tmp_path / "a", "a"), site_with(tmp_path / "b", "b")
    assert site_output._exchange(first, second)
    assert (first / "index.html").read_text() == "b" and (second / "index.html").read_text() == "a"


@pytest.mark.parametrize("code", [errno.ENOSYS, errno.EINVAL])
def test_without_exchange_support_the_two_renames_are_used(tmp_path, monkeypatch, code):
    class Renameat2:  # a C function that the file system refuses, as ctypes calls it
        argtypes = restype = None

        def __call__(self, *args):
            ctypes.set_errno(code)
            return -1

    class FakeLibc:
        renameat2 = Renameat2()

    monkeypatch.setattr(site_output.ctypes, "CDLL", lambda *args, **kwargs: FakeLibc())
    target = site_with(tmp_path / "site", "old")
    assert site_output._exchange(make_staging_dir(target), target) is False
    staging = make_staging_dir(target)
    (staging / "index.html").write_text("new")
    swap_into_place(staging, target)
    assert (target / "index.html").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".site-staging-")] == ["site"]


def test_the_site_exists_at_every_instant_of_many_swaps(tmp_path):
    if not sys.platform.startswith("linux"):
        pytest.skip("only renameat2 swaps without a gap; elsewhere recovery covers the gap")
    target = site_with(tmp_path / "site", "0")
    missing, looks = [], [0]
    stop = threading.Event()

    def observe() -> None:
        while not stop.is_set():
            looks[0] += 1
            if not (target / "index.html").exists():
                missing.append(looks[0])

    observer = threading.Thread(target=observe)
    observer.start()
    try:
        for number in range(1, 301):
            staging = make_staging_dir(target)
            (staging / "index.html").write_text(str(number))
            swap_into_place(staging, target)
    finally:
        stop.set()
        observer.join()
    assert looks[0] > 0 and missing == []
    assert (target / "index.html").read_text() == "300"
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


# --- disk errors ------------------------------------------------------------------------


def test_a_full_disk_during_the_swap_keeps_the_previous_site(tmp_path, monkeypatch):
    target = site_with(tmp_path / "site", "old")
    staging = make_staging_dir(target)
    (staging / "index.html").write_text("new")
    real_rename = os.rename

    def full_disk(source, destination):
        if str(source) == str(staging):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(destination))
        return real_rename(source, destination)

    monkeypatch.setattr(site_output.os, "rename", full_disk)
    with pytest.raises(OutputError) as caught:
        swap_into_place(staging, target, no_exchange)
    message = str(caught.value)
    assert "\n" not in message and str(target) in message and "the disk is full" in message
    assert snapshot(target) == {"index.html": hashlib.sha256(b"old").hexdigest()}  # back, and unmarked


@pytest.mark.parametrize(
    "code, reason",
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EACCES, "permission denied"),
        (errno.EROFS, "the file system is read-only"),
    ],
)
def test_a_staging_folder_that_cannot_be_made_is_one_line(tmp_path, monkeypatch, code, reason):
    def refuse(self, *args, **kwargs):
        raise OSError(code, os.strerror(code), str(self))

    monkeypatch.setattr(site_output.Path, "mkdir", refuse)
    with pytest.raises(OutputError) as caught:
        make_staging_dir(tmp_path / "site")
    assert "\n" not in str(caught.value) and str(tmp_path) in str(caught.value) and reason in str(caught.value)


# --- what a killed build leaves -------------------------------------------------------


def marked(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("x")
    (folder / "index.html").write_text("half")
    return folder


def test_recover_removes_our_leftovers_and_nothing_else(tmp_path):
    target = site_with(tmp_path / "site", "live")
    ours = [marked(tmp_path / ".site-staging-0123abcd"), marked(tmp_path / ".site-old-89abcdef")]
    unmarked = site_with(tmp_path / ".site-staging-00000000", "someone else's")
    other_name = marked(tmp_path / ".site-backup-01234567")
    other_site = marked(tmp_path / ".blog-staging-01234567")  # the staging folder of another target
    bad_suffix = marked(tmp_path / ".site-staging-notours!")
    outside = marked(tmp_path / "elsewhere")
    (tmp_path / ".site-old-fedcba98").symlink_to(outside)  # a link with our name: never followed
    done = recover(target)
    assert len(done) == 2 and all("left by a build that was stopped" in line for line in done)
    for folder in ours:
        assert not folder.exists()
    for folder in (unmarked, other_name, other_site, bad_suffix, outside):
        assert (folder / "index.html").exists()
    assert (tmp_path / ".site-old-fedcba98").is_symlink()
    assert (target / "index.html").read_text() == "live"


def test_recover_puts_the_previous_site_back_after_a_kill_between_the_two_renames(tmp_path):
    target = tmp_path / "site"
    previous = marked(tmp_path / ".site-old-0123abcd")
    half = marked(tmp_path / ".site-staging-89abcdef")
    done = recover(target)
    assert done[0].startswith("put back the previous site from .site-old-0123abcd")
    assert sorted(p.name for p in target.iterdir()) == ["index.html"]  # the marker is gone again
    assert not previous.exists() and not half.exists()


# --- the lock ------------------------------------------------------------------------------


def test_the_lock_is_exclusive_and_leaves_no_file(tmp_path):
    target = tmp_path / "site"
    told = []
    with OutputLock(target):
        assert lock_path(target).exists()
        with pytest.raises(OutputError) as caught:
            OutputLock(target, timeout=0.5, notify=told.append).acquire()
        assert "another build is writing" in str(caught.value) and "\n" not in str(caught.value)
        assert told and str(target) in told[0]
    assert not lock_path(target).exists()
    with OutputLock(target):  # free again
        pass


HOLD_LOCK = """
import sys, time
from pathlib import Path
from servicetips.site_output import OutputLock
lock = OutputLock(Path(sys.argv[1]))
lock.acquire()
print("held", flush=True)
release = Path(sys.argv[2])
while not release.exists():
    time.sleep(0.1)
lock.release()
"""


def hold_lock(target: Path, release: Path) -> subprocess.Popen:
    """Another process that holds the build lock of `target` until `release` exists."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(target), str(release)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def start_build(tips: Path, out: Path, log: Path, extra_env=None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "TIPS_ROOT", "TIPS_AS_OF")}
    env.update({"TIPS_ROOT": str(tips), "TIPS_AS_OF": AS_OF, "NO_MKDOCS_2_WARNING": "1", **(extra_env or {})})
    return subprocess.Popen(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(MKDOCS_YML), "--site-dir", str(out)],
        cwd=REPO,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def built(tmp_path, site_cache):
    """The small fixture library and a site built from it (a copy of the shared build): (tips, site, snapshot)."""
    tips, out = site_cache.copy(SITE_FIXTURES / "small", tmp_path)
    return tips, out, snapshot(out)


def test_a_second_build_waits_for_the_first_then_builds(built, tmp_path):
    tips, out, _ = built
    release = tmp_path / "release"
    holder = hold_lock(out, release)
    log = tmp_path / "second.log"
    second = start_build(tips, out, log)
    try:
        wait_until(lambda: "another build is writing" in log.read_text(), "the waiting message")
        assert second.poll() is None  # still waiting, not failed
        release.touch()
        assert second.wait(timeout=WAIT_SECONDS) == 0, log.read_text()
    finally:
        release.touch()
        holder.wait(timeout=WAIT_SECONDS)
    assert "Site ready in" in log.read_text()
    assert sorted(p.name for p in out.parent.iterdir()) == ["site"]


def test_a_build_that_waits_too_long_stops_with_one_line_and_keeps_the_site(built, tmp_path):
    tips, out, before = built
    release = tmp_path / "release"
    holder = hold_lock(out, release)
    try:
        result = build_site(tips, out, AS_OF, extra_env={"TIPS_OUTPUT_LOCK_TIMEOUT": "1"})
    finally:
        release.touch()
        holder.wait(timeout=WAIT_SECONDS)
    assert result.returncode != 0 and "Traceback" not in result.output
    assert f"another build is writing {out}; waiting for it to finish" in result.output
    errors = [line for line in result.output.splitlines() if "did not finish within" in line]
    assert len(errors) == 1 and f"another build is writing {out}" in errors[0] and "within 1 s" in errors[0]
    assert snapshot(out) == before


def test_a_build_killed_midway_leaves_the_site_and_the_next_build_cleans_up(built, tmp_path):
    tips, out, before = built
    log = tmp_path / "killed.log"
    build = start_build(tips, out, log)
    try:
        # Killed once it has written part of the new site into its staging folder.
        wait_until(
            lambda: (
                any(p.name.startswith(".site-staging-") and (p / "tips").is_dir() for p in out.parent.iterdir())
                or build.poll() is not None
            ),
            "a half-written site",
        )
    finally:
        build.send_signal(signal.SIGKILL)
        build.wait(timeout=WAIT_SECONDS)
    if build.returncode != -signal.SIGKILL:
        pytest.skip("the build finished before it could be killed")
    left = [p for p in out.parent.iterdir() if p.name.startswith(".site-staging-")]
    assert left and all(is_ours(p, out) for p in left)
    assert snapshot(out) == before  # readers still have the whole previous site
    again = build_site(tips, out, AS_OF)
    assert again.ok, again.output
    assert "left by a build that was stopped" in again.output
    assert sorted(p.name for p in out.parent.iterdir()) == ["site"]
    assert snapshot(out) == before  # same tips, same date: the same bytes


def test_a_build_after_a_kill_between_the_renames_puts_the_site_back_first(built, tmp_path):
    tips, out, before = built
    aside = out.with_name(".site-old-0123abcd")
    os.rename(out, aside)  # as the two-rename path leaves it when killed in between
    (aside / MARKER).write_text("x")
    again = build_site(tips, out, AS_OF)
    assert again.ok, again.output
    assert "put back the previous site from .site-old-0123abcd" in again.output
    assert snapshot(out) == before and sorted(p.name for p in out.parent.iterdir()) == ["site"]


# --- folders the build cannot write ---------------------------------------------------------


def one_line_failure(result, folder: Path) -> str:
    """The one line a refused build printed about `folder`; fails on a traceback."""
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "Traceback" not in output, output[-3000:]
    lines = [line for line in output.splitlines() if "cannot write the site in" in line]
    assert len(lines) == 1 and str(folder) in lines[0], output[-3000:]
    return lines[0]


def test_a_file_where_the_folder_should_be_is_one_line(tmp_path):
    tips = copy_library(tmp_path, source=SITE_FIXTURES / "small")
    (tmp_path / "public").write_text("a file, not a folder")
    result = build_site(tips, tmp_path / "public" / "site", AS_OF)
    line = one_line_failure(result, tmp_path / "public")
    assert "a part of the path is a file, not a folder" in line or "a file is in the way" in line


def build_in_read_only_parent(tips: Path, out: Path) -> subprocess.CompletedProcess:
    """Build with the site's parent folder read-only: chmod, or as root a read-only bind mount."""
    parent = out.parent
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "TIPS_ROOT", "TIPS_AS_OF")}
    env.update({"TIPS_ROOT": str(tips), "TIPS_AS_OF": AS_OF, "NO_MKDOCS_2_WARNING": "1"})
    command = [
        sys.executable,
        "-m",
        "mkdocs",
        "build",
        "--strict",
        "--config-file",
        str(MKDOCS_YML),
        "--site-dir",
        str(out),
    ]
    if os.geteuid() != 0:
        parent.chmod(0o555)
        try:
            return subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
        finally:
            parent.chmod(0o755)
    # Root writes through any mode bits, so the folder is made read-only the
    # way a read-only disk is: a bind mount, in a mount namespace of this
    # command alone (nothing stays mounted when it ends).
    if shutil.which("unshare") is None:
        pytest.skip("running as root without unshare: no way to make a folder read-only for root")
    script = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && shift && exec "$@"'
    probe = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", str(parent), "true"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        pytest.skip(f"running as root and cannot mount read-only here: {probe.stderr.strip()}")
    return subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", str(parent), *command],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )


def test_a_read_only_folder_is_one_line_and_keeps_the_site(built):
    tips, out, before = built
    result = build_in_read_only_parent(tips, out)
    line = one_line_failure(result, out.parent)
    assert "read-only" in line or "permission denied" in line
    assert snapshot(out) == before


FULL_DISK_BUILD = """
import errno, os, sys
import mkdocs.utils
from mkdocs.__main__ import cli

real_write = mkdocs.utils.write_file
written = []

def write_file(content, output_path):
    written.append(output_path)
    if len(written) > 3:  # the disk fills up after a few pages
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), output_path)
    real_write(content, output_path)

mkdocs.utils.write_file = write_file
cli(sys.argv[1:])
"""


def test_a_full_disk_while_mkdocs_writes_is_one_line_and_keeps_the_site(built, tmp_path):
    tips, out, before = built
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "TIPS_ROOT", "TIPS_AS_OF")}
    env.update({"TIPS_ROOT": str(tips), "TIPS_AS_OF": AS_OF, "NO_MKDOCS_2_WARNING": "1"})
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            FULL_DISK_BUILD,
            "build",
            "--strict",
            "--config-file",
            str(MKDOCS_YML),
            "--site-dir",
            str(out),
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    line = one_line_failure(result, out)
    assert "the disk is full" in line
    assert snapshot(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["site"]


def test_discard_removes_a_folder_and_accepts_a_missing_one(tmp_path):
    folder = tmp_path / ".site-staging-x"
    (folder / "a").mkdir(parents=True)
    discard(folder)
    assert not folder.exists()
    discard(folder)


# --- the build cache ------------------------------------------------------------------


def test_a_build_leaves_every_cache_entry_whole_and_no_write_under_way(tmp_path):
    cache = tmp_path / "cache"
    env = {"TIPS_CACHE_DIR": str(cache)}
    result = build_site(SITE_FIXTURES / "small", tmp_path / "out" / "site", AS_OF, extra_env=env)
    assert result.ok, result.output
    assert not list(cache.rglob(".tmp-*"))
    # `<kind>/<shard>/<key>[.<seal>][.<suffix>]`: a sealed name is a linkable store's (cards, pages).
    entry = re.compile(r"([a-z][a-z0-9-]*)/([0-9a-f]{2})/(\2[0-9a-f]{62})(\.[0-9a-f]{64})?(\.[a-z]+)?")
    kept = [entry.fullmatch(path.relative_to(cache).as_posix()) for path in cache.rglob("*") if path.is_file()]
    kept = [match for match in kept if match]
    assert {match[1] for match in kept} >= {"cards", "pages", "templates"}
    assert {match[1] for match in kept if match[4]} == {"cards", "pages"}
    for match in kept:
        kind, _, key, seal, suffix = match.groups()
        store = cache_store.Store(cache, kind, suffix=suffix or "", linkable=seal is not None)
        assert store.get(key) is not None, match[0]
