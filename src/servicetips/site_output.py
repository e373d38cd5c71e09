"""All-or-nothing output folder: build beside the site, swap it into place with no gap.

A build writes into a fresh staging folder beside the target (`.site-staging-*`
for `site/`, on the same file system). Only when the whole build has
succeeded does the staging folder take the target's place:

* on Linux in one step, `renameat2(RENAME_EXCHANGE)`: the two names trade
  places atomically, so `site/` exists at every instant and a reader sees
  either the whole old site or the whole new one;
* where the system or the file system lacks it (ENOSYS, EINVAL), in two
  renames (`site/` -> `.site-old-*`, staging -> `site/`). A build killed
  between them leaves no `site/` and one old folder; the next build puts it
  back (`recover`) before it does anything else.

Every folder this module creates or moves aside carries a marker file
(`MARKER`) written inside it, and only a folder whose name has our pattern
AND holds the marker is ever removed by `recover`: staging and old folders
left by a killed build go, anything else beside the site stays. The marker
leaves the site itself as soon as the site is in place.

Builds into one folder are serialised by `OutputLock` (an `fcntl.flock` on
`.site.lock` beside the target); a second build waits for the first, up to a
timeout. Every failure of the file system (a full disk, a read-only folder, a
missing permission, a file where a folder should be) becomes an
`OutputError` with one line that names the folder; the previous site is kept.
Nothing here knows about MkDocs.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import secrets
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

try:  # fcntl is POSIX only; without it, builds are not serialised (see OutputLock)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

MARKER = ".servicetips-output"
MARKER_TEXT = b"A folder of the Service Tips build (staging or replaced site); a later build removes it.\n"
LOCK_TIMEOUT = 600.0  # seconds a second build waits for the first before giving up
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class OutputError(Exception):
    """A file-system failure around the output folder, as one line that names the folder."""


def staging_name(target: Path) -> str:
    """The name prefix of staging folders for `target`: `.site-staging-`."""
    return f".{target.name}-staging-"


def old_name(target: Path) -> str:
    """The name prefix of a replaced site moved aside: `.site-old-`."""
    return f".{target.name}-old-"


def replaced_site(folder: Path) -> Path | None:
    """The site a staging folder will replace (`site/` for `.site-staging-1a2b3c4d`); None for any other folder.

    For writers that reuse the previous site's files (`linked_output`): the
    site exists only when a build replaces one, and is then the only folder
    they may link to.
    """
    folder = Path(folder).absolute()
    found = re.fullmatch(r"\.(.+)-staging-[0-9a-f]{8}", folder.name)
    return folder.with_name(found.group(1)) if found else None


def lock_path(target: Path) -> Path:
    """The lock file beside `target`: `.site.lock`."""
    target = Path(target).absolute()
    return target.with_name(f".{target.name}.lock")


def describe(error: OSError, folder: Path) -> str:
    """One line for a file-system error: what went wrong, and which folder."""
    reasons = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is used up",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
        errno.EEXIST: "a file is in the way",
    }
    reason = reasons.get(error.errno or 0, error.strerror or str(error))
    where = f" ({error.filename})" if error.filename and Path(error.filename) != Path(folder) else ""
    return f"cannot write the site in {folder}: {reason}{where}; the previous site is unchanged"


def _mark(folder: Path) -> None:
    (folder / MARKER).write_bytes(MARKER_TEXT)


def _unmark(folder: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (folder / MARKER).unlink()


def is_ours(folder: Path, target: Path) -> bool:
    """True for a staging or old folder of `target`: our name pattern AND our marker inside, not a link."""
    name = folder.name
    pattern = re.compile(rf"(?:{re.escape(staging_name(target))}|{re.escape(old_name(target))})[0-9a-f]{{8}}")
    return (
        pattern.fullmatch(name) is not None
        and not folder.is_symlink()
        and folder.is_dir()
        and (folder / MARKER).is_file()
    )


def make_staging_dir(target: Path) -> Path:
    """Create an empty, marked staging folder beside `target` (same file system, so the swap is a rename)."""
    target = Path(target).absolute()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        while True:
            staging = target.with_name(f"{staging_name(target)}{secrets.token_hex(4)}")
            try:
                # os.mkdir, not tempfile.mkdtemp: mkdtemp makes the folder private
                # (0700), and a published site must be readable by the web server.
                staging.mkdir()
                break
            except FileExistsError:
                continue
        _mark(staging)
    except OSError as exc:
        raise OutputError(describe(exc, target.parent)) from None
    return staging


def _exchange(first: Path, second: Path) -> bool:
    """Swap two names in one step with renameat2(RENAME_EXCHANGE); False where that is not available."""
    if not sys.platform.startswith("linux"):
        return False
    function = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)  # glibc 2.28 and later
    if function is None:
        return False
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    if function(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False  # an old kernel, or a file system without exchange (some network ones)
    raise OSError(code, os.strerror(code), str(second))


def swap_into_place(staging: Path, target: Path, exchange: Callable[[Path, Path], bool] = _exchange) -> None:
    """Replace `target` by `staging`; `target` exists at every instant where the system allows it.

    The old site is removed only once the new one is in place. `exchange`
    is replaceable so that tests can take the two-rename path.
    """
    staging, target = Path(staging).absolute(), Path(target).absolute()
    try:
        _swap(staging, target, exchange)
    except OSError as exc:
        if target.is_dir() and not target.is_symlink():
            _unmark(target)  # the previous site is still (or again) in place
        raise OutputError(describe(exc, target)) from None


def _swap(staging: Path, target: Path, exchange: Callable[[Path, Path], bool]) -> None:
    if not (target.exists() or target.is_symlink()):
        os.rename(staging, target)  # nothing to replace: one rename, no gap
        _unmark(target)
        return
    if target.is_dir() and not target.is_symlink():
        # Marked before it moves: if the build dies right after the move,
        # the next build knows this folder as ours and can put it back.
        _mark(target)
    if exchange(staging, target):
        _unmark(target)
        discard(staging)  # the old site now lives under the staging name
        return
    old = target.with_name(f"{old_name(target)}{secrets.token_hex(4)}")
    os.rename(target, old)
    try:
        os.rename(staging, target)
    except OSError:
        os.rename(old, target)  # put the previous site back before reporting the failure
        raise
    _unmark(target)
    discard(old)


def recover(target: Path) -> list[str]:
    """Put right what a killed build left beside `target`; return one line per thing done.

    Run at the start of a build, under the lock. When `target` is missing and
    a marked old folder exists, a build died between its two renames: that
    folder is the previous site and goes back in place. Then every other
    marked staging or old folder is removed. Nothing without our name
    pattern and marker is touched.
    """
    target = Path(target).absolute()
    done: list[str] = []
    if not target.parent.is_dir():
        return done
    try:
        ours = [p for p in target.parent.iterdir() if is_ours(p, target)]
        if not (target.exists() or target.is_symlink()):
            olds = [p for p in ours if p.name.startswith(old_name(target))]
            if olds:
                newest = max(olds, key=lambda p: p.stat().st_mtime_ns)
                os.rename(newest, target)
                _unmark(target)
                ours.remove(newest)
                done.append(f"put back the previous site from {newest.name}, left by a build that was stopped")
        for folder in sorted(ours):
            discard(folder)
            done.append(f"removed {folder.name}, left by a build that was stopped")
    except OSError as exc:
        raise OutputError(describe(exc, target.parent)) from None
    return done


def discard(folder: Path) -> None:
    """Remove a staging (or replaced) folder; a missing folder is fine."""
    if Path(folder).is_symlink() or Path(folder).is_file():
        Path(folder).unlink()
    else:
        shutil.rmtree(folder, ignore_errors=True)


class OutputLock:
    """An exclusive lock on building into `target`, held from the start of a build to its end.

    `acquire` waits while another build holds it, calling `notify(message)`
    once, and raises OutputError after `timeout` seconds. The lock is an
    `fcntl.flock` on a file beside the target, so the system releases it
    when a build dies, however it dies. The holder removes the file when it
    is done, so a finished build leaves nothing beside the site; a waiting
    build that then holds the lock on a removed file sees that the name no
    longer leads to it and locks the new file instead (else two builds could
    each lock a different file).
    """

    def __init__(self, target: Path, timeout: float = LOCK_TIMEOUT, notify: Callable[[str], None] | None = None):
        self.target = Path(target).absolute()
        self.path = lock_path(self.target)
        self.timeout = timeout
        self.notify = notify
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, waiting for another build up to the timeout."""
        if fcntl is None:  # pragma: no cover - no flock on this system: builds are not serialised
            return
        deadline = time.monotonic() + self.timeout
        told = False
        while True:
            try:
                self.target.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:
                raise OutputError(describe(exc, self.target.parent)) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                if self._still_named(fd):
                    self._fd = fd
                    return
                os.close(fd)  # the previous holder removed it: lock the file that has the name now
                continue
            except BlockingIOError:
                os.close(fd)
            if time.monotonic() >= deadline:
                raise OutputError(
                    f"another build is writing {self.target} and did not finish within "
                    f"{self.timeout:g} s (lock {self.path}); try again when it is done"
                )
            if not told and self.notify is not None:
                self.notify(f"another build is writing {self.target}; waiting for it to finish")
                told = True
            time.sleep(0.2)

    def _still_named(self, fd: int) -> bool:
        try:
            named = os.stat(self.path)
        except FileNotFoundError:
            return False
        held = os.fstat(fd)
        return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)

    def release(self) -> None:
        """Remove the lock file and let the next build in; harmless when not held."""
        if self._fd is not None:
            try:
                if self._still_named(self._fd):
                    os.unlink(self.path)  # removed while held: no one can lock this file anew
            except OSError:
                pass  # a lock file that cannot be removed is harmless: the next build locks it
            os.close(self._fd)  # closing the only descriptor releases the flock
            self._fd = None

    def __enter__(self) -> OutputLock:
        self.acquire()
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()
