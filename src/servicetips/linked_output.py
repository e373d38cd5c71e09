"""Writing a site beside the one it replaces: a file with the old site's exact bytes becomes a hard link to it.

A build writes every file anew into a staging folder beside the site
(`site_output`), though nearly all have the same bytes as the site being
replaced. Creating and writing a file costs from a quarter to almost half a
millisecond on an ext4 disk; a hard link to the old site's file, about a
seventieth of that. `link_or_write(old, new, relative, data)` puts `data` at
`new/relative` either way, and the site that results has the same bytes.

A link is made only when everything below holds; otherwise the file is
written, silently (a link that fails, on another file system, without
permission or at the link limit, falls back to writing too):

* `old/relative` is a regular file reached through real folders of the old
  site: a symbolic link anywhere on the way (the file itself, one of its
  folders, the old site's folder) is never followed, so nothing outside the
  old site is ever linked;
* it has exactly one name (st_nlink 1): its bytes belong to the old site
  alone, so no other folder can change them later through the link;
* it is ours and has the mode a new file would get (the umask), so the
  linked file looks as if it had been written;
* its size, then its bytes, equal `data`; the inode compared is the one
  linked (checked again after the link, which is undone otherwise).

Writing never opens an existing file in place: a file already at the path
(say, a linked one that a later step writes over) is removed first and a new
one created, so bytes shared through a link are never changed. The folders a
writer has made are remembered, so a thousand files in a hundred folders do
not ask for a hundred thousand `makedirs`. A build can also have the
folders it will write to made ahead, in a thread of their own, while its
pages render (`make_folders_ahead`).

A file the build cache holds can be linked from there instead (`offer`):
the share cards and the rendered pages are kept in the cache as their bare
bytes (`cache_store`, linkable stores), so a build that draws or renders one
writes it once, into the cache, and the site gets a link. Such a link is
made only when the bytes asked for are exactly the entry's payload, and the
file at the entry's path is still the one checked when it was read (a
regular file, ours, with a new file's mode, the same device and inode, before
and after the link) and holds those bytes now (read again, as above). And
only when no other site shares it: the entry has no name but the cache's,
or one more that is the replaced site's file at the same path (gone once
the new site takes its place). So a published file shares its bytes with
the cache and no other folder: two sites built from one cache each get their
own files, and a tool that writes one site's file in place (MkDocs' own
writer, in a `--dirty` build without this writer) can only spoil the cache's
entry, whose seal then refuses it.

A linked file keeps the old file's modification time (a tool that compares
times, like rsync, sees it unchanged, which it is). Nothing here knows about
MkDocs.
"""

from __future__ import annotations

import errno
import os
import stat
import threading
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from .cache_store import Entry, read_regular

_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
# Errors that say no link will work in this folder pair: stop trying for the rest of the writer's life.
_NO_LINKS = {errno.EXDEV, errno.EPERM, errno.EACCES, errno.EROFS, errno.ENOTSUP, errno.EOPNOTSUPP}


def _umask() -> int:
    # Python 3.11 has no os.getumask: setting it returns the old value, which is put straight back.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _parts(relative: str) -> list[str]:
    """The parts of a path relative to a site folder; ValueError for anything that could leave it."""
    parts = str(relative).replace(os.sep, "/").split("/")
    if not relative or str(relative).startswith("/") or any(part in ("", ".", "..") for part in parts):
        raise ValueError(f"not a plain relative path inside the site: {relative!r}")
    return parts


def _plain_folder(relative: str) -> bool:
    """True for a relative folder path that stays inside the site (`_parts`) and that a folder can have."""
    if "\0" in relative:
        return False
    try:
        _parts(relative)
    except ValueError:
        return False
    return True


class LinkingWriter:
    """Writes files into `new_root`, linking those whose bytes equal the same path's in `old_root`.

    `old_root` None (or `link=False`) only writes, still never in place.
    `linked`, `linked_from_cache` and `written` count what was done. A
    writer that a build writes its site through is `begin`-ed and `end`-ed
    (`in_use` finds it); only then does it take `offer`s.
    """

    def __init__(self, old_root: Path | str | None, new_root: Path | str, *, link: bool = True) -> None:
        self.old_root = os.path.abspath(old_root) if old_root is not None else None
        self.new_root = os.path.abspath(new_root)
        self.linking = link and self.old_root is not None
        self.linked = 0
        self.written = 0
        self._mode = 0o666 & ~_umask()
        self._uid = os.geteuid() if hasattr(os, "geteuid") else None
        self._made: set[str] = set()  # folders of new_root made or found here (relative, "" for the root)
        self._real: dict[str, bool] = {}  # folders of old_root: True when a real folder, no link on the way
        self._lock = threading.Lock()
        self.linked_from_cache = 0
        self._link_allowed = link
        self.cache_linking = link  # cleared when a link from the cache cannot be made here (another disk)
        self._offers: dict[str, Entry] = {}  # relative path -> the cache entry whose bytes are on their way there
        self._taking_offers = False
        self._ahead: _FoldersAhead | None = None  # make_folders_ahead's thread
        self._ahead_lock = threading.RLock()

    def begin(self) -> None:
        """A build now writes its site through this writer: take offers, and let `in_use` find it."""
        self._taking_offers = True
        self.cache_linking = self._link_allowed  # a writer kept for a later build tries links again
        with _registry_lock:
            _in_use[self.new_root] = self

    def end(self) -> None:
        """The build is over: stop making folders ahead, drop the offers not taken, and leave `in_use`. Safe to
        call twice; once it returns, this writer makes nothing more in new_root unless asked to."""
        self._stop_ahead()
        self._taking_offers = False
        self._offers.clear()
        with _registry_lock:
            if _in_use.get(self.new_root) is self:
                del _in_use[self.new_root]

    def offer(self, relative: str, entry: Entry) -> None:
        """Say that `entry`'s payload is about to be written at new_root/relative: `write` links the entry's
        file instead when those are exactly the bytes it is asked for (the next write of that path only)."""
        if self._taking_offers and self.cache_linking:
            self._offers[relative] = entry

    def write(self, relative: str, data: bytes) -> bool:
        """Put `data` at new_root/relative: True when it is a link (to the old site's file, or to a cache entry
        offered for it), False when written."""
        parts = _parts(relative)
        folder = "/".join(parts[:-1])
        target = os.path.join(self.new_root, *parts)
        offered = self._offers.pop(relative, None) if self._offers else None
        if offered is not None and self._link_entry(offered, parts, target, data):
            self.linked_from_cache += 1
            return True
        if self.linking and self._link(parts, folder, target, data):
            self.linked += 1
            return True
        self._write(folder, target, data)
        self.written += 1
        return False

    def make_folders_ahead(self, folders: Iterable[str]) -> None:
        """Make these folders of new_root (relative; in the order files will be written to them) in a thread
        of their own while the build goes on, until they are all made or `end` is called.

        Why: in a build, making a folder took 0.25 to 0.4 ms on ext4 (a thousand tips have a folder each),
        and mkdir lets go of the GIL, so the folders are made while the pages render instead of before
        each page's write. Nothing waits for the thread: `write` makes a folder it reaches first itself
        (the two may ask for one at once: each accepts a folder that exists by then). A path that could
        leave new_root is skipped; a folder that cannot be made (a full disk) ends the thread quietly, and
        `write` then meets the error itself, where the build reports it. `end` removes the folders made
        here that are still empty: a file the build did not write after all (MkDocs skips a page whose
        output is empty) leaves no empty folder behind.
        """
        wanted = [folder for folder in dict.fromkeys(folders) if folder and _plain_folder(folder)]
        with self._ahead_lock:
            self._stop_ahead()
            ahead = _FoldersAhead(self, [folder for folder in wanted if folder not in self._made])
            ahead.start()
            self._ahead = ahead

    def _stop_ahead(self) -> None:
        with self._ahead_lock:
            ahead = self._ahead
            if ahead is None:
                return
            ahead.stopping.set()
            # At most the mkdir under way; the staging folder may be renamed or removed next. Interrupted
            # here (Ctrl-C), `_ahead` stays set and the next `end` waits again.
            ahead.join()
            self._ahead = None
        empty = []
        for path in reversed(ahead.made):  # the deepest first, so a parent left empty goes too
            try:
                os.rmdir(path)  # only an empty folder: one that holds anything stays
            except OSError:
                continue
            empty.append(os.path.relpath(path, self.new_root).replace(os.sep, "/"))
        if empty:
            with self._lock:
                self._made.difference_update(empty)

    def folder_made(self, relative_folder: str) -> None:
        """Make new_root/relative_folder (and its parents) unless this writer made or found it already."""
        if relative_folder in self._made:
            return
        os.makedirs(os.path.join(self.new_root, relative_folder), exist_ok=True)
        with self._lock:
            self._made.add(relative_folder)

    # -- linking ------------------------------------------------------------

    def _link(self, parts: list[str], folder: str, target: str, data: bytes) -> bool:
        if not self._real_folder(folder):
            return False
        source = os.path.join(self.old_root, *parts)
        try:
            found = os.lstat(source)
        except OSError:
            return False
        if not self._linkable(found, len(data)) or not self._same_bytes(source, found, data):
            return False
        try:
            return self._link_checked(source, found, folder, target)
        except OSError as exc:
            if exc.errno in _NO_LINKS:
                self.linking = False  # another file system, or links refused: writing is all that works here
            return False

    def _link_entry(self, entry: Entry, parts: list[str], target: str, data: bytes) -> bool:
        """Link the cache entry's file at `target` when it holds exactly `data`, is still the file checked,
        and no other site shares it (see the module docstring)."""
        if not self.cache_linking or (entry.payload is not data and entry.payload != data):
            return False
        try:
            found = os.lstat(entry.path)
        except OSError:
            return False
        if (found.st_dev, found.st_ino) != (entry.device, entry.inode) or not self._owned_regular(found, len(data)):
            return False
        try:
            present = os.lstat(target)
        except OSError:
            present = None
        if present is not None and (present.st_dev, present.st_ino) == (found.st_dev, found.st_ino):
            # A --dirty build over a site that already links this entry: nothing to do but check the bytes.
            return self._same_bytes(entry.path, found, data)
        if found.st_nlink > 1 and not (found.st_nlink == 2 and self._old_site_holds(parts, found)):
            return False  # another site links it: this one gets a file of its own
        if not self._same_bytes(entry.path, found, data):
            return False  # changed in place since it was read (through another name of the file)
        try:
            return self._link_checked(entry.path, found, "/".join(parts[:-1]), target)
        except OSError as exc:
            if exc.errno in _NO_LINKS:
                self.cache_linking = False  # the cache on another disk, or links refused: write from now on
            return False

    def _link_checked(self, source: str, found: os.stat_result, folder: str, target: str) -> bool:
        """Link `source` at `target` (in `folder`); False, with the name taken back, when the file linked is
        no longer `found` (replaced between the checks and the link). OSError when no link can be made."""
        self.folder_made(folder)
        try:
            os.link(source, target, follow_symlinks=False)
        except FileExistsError:
            os.unlink(target)  # a file written earlier at this path: replaced, never changed in place
            os.link(source, target, follow_symlinks=False)
        linked = os.lstat(target)
        if (linked.st_dev, linked.st_ino) != (found.st_dev, found.st_ino):
            os.unlink(target)  # the name is taken back: the caller writes the bytes instead
            return False
        return True

    def _old_site_holds(self, parts: list[str], found: os.stat_result) -> bool:
        """True when the replaced site's file at the same path is `found` (reached through real folders)."""
        if self.old_root is None or not self._real_folder("/".join(parts[:-1])):
            return False
        try:
            old = os.lstat(os.path.join(self.old_root, *parts))
        except OSError:
            return False
        return (old.st_dev, old.st_ino) == (found.st_dev, found.st_ino)

    def _owned_regular(self, found: os.stat_result, size: int) -> bool:
        return (
            stat.S_ISREG(found.st_mode)
            and found.st_size == size
            and stat.S_IMODE(found.st_mode) == self._mode
            and (self._uid is None or found.st_uid == self._uid)
        )

    def _linkable(self, found: os.stat_result, size: int) -> bool:
        return found.st_nlink == 1 and self._owned_regular(found, size)

    @staticmethod
    def _same_bytes(source: str, found: os.stat_result, data: bytes) -> bool:
        """True when the regular file at `source` is still `found` (device and inode) and holds exactly `data`."""
        read = read_regular(source, len(data))
        return read is not None and (read[1].st_dev, read[1].st_ino) == (found.st_dev, found.st_ino) and read[0] == data

    def _real_folder(self, folder: str) -> bool:
        """True when old_root/folder and every folder above it, old_root included, is a folder, not a link."""
        known = self._real.get(folder)
        if known is not None:
            return known
        parent_ok = self._real_folder(folder.rpartition("/")[0]) if folder else True
        path = os.path.join(self.old_root, folder) if folder else self.old_root
        try:
            real = parent_ok and stat.S_ISDIR(os.lstat(path).st_mode)
        except OSError:
            real = False
        self._real[folder] = real
        return real

    # -- writing ------------------------------------------------------------

    def _write(self, folder: str, target: str, data: bytes) -> None:
        self.folder_made(folder)
        try:
            descriptor = os.open(target, _CREATE_FLAGS, 0o666)
        except FileExistsError:
            os.unlink(target)  # replaced, never opened in place: its bytes may be shared through a link
            descriptor = os.open(target, _CREATE_FLAGS, 0o666)
        except FileNotFoundError:
            with self._lock:
                self._made.discard(folder)  # removed since it was made: make it again
            self.folder_made(folder)
            descriptor = os.open(target, _CREATE_FLAGS, 0o666)
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)


class _FoldersAhead(threading.Thread):
    """`make_folders_ahead`'s thread: one folder after another, stopped by `stopping`."""

    def __init__(self, writer: LinkingWriter, folders: list[str]) -> None:
        super().__init__(name="folders-ahead", daemon=True)
        self.writer = writer
        self.folders = folders
        self.stopping = threading.Event()
        self.made: list[str] = []  # the folders this thread created (not found there), parents first

    def run(self) -> None:
        for folder in self.folders:
            if self.stopping.is_set():
                return
            try:
                self._make(folder)
            except (OSError, ValueError):  # ValueError: a NUL in a name; `write` reports what it meets
                return

    def _make(self, folder: str) -> None:
        if folder in self.writer._made:
            return
        path = self.writer.new_root
        # One level at a time with mkdir, never makedirs: once new_root is gone (renamed into place or
        # removed) this fails instead of making it again.
        for part in folder.split("/"):
            path = os.path.join(path, part)
            try:
                os.mkdir(path)
            except FileExistsError:
                continue
            self.made.append(path)
        with self.writer._lock:
            self.writer._made.add(folder)


_in_use: dict[str, LinkingWriter] = {}  # new_root -> the writer a build writes that folder through
_registry_lock = threading.Lock()


def in_use(new_root: Path | str) -> LinkingWriter | None:
    """The writer a build is writing `new_root` through (`begin`), or None: the place to `offer` cache entries."""
    return _in_use.get(os.path.abspath(new_root))


def writer(old_root: Path | str | None, new_root: Path | str) -> LinkingWriter:
    """The one `LinkingWriter` of a build from `old_root` into `new_root`, shared by everything that writes there.

    Sharing it means the folders one writer made are known to the others.
    """
    return _writer(os.path.abspath(old_root) if old_root is not None else None, os.path.abspath(new_root))


@lru_cache(maxsize=8)  # a handful of builds per process (a preview rebuilds many times, each into a new folder)
def _writer(old_root: str | None, new_root: str) -> LinkingWriter:
    return LinkingWriter(old_root, new_root)


def link_or_write(old_root: Path | str | None, new_root: Path | str, relative: str, data: bytes) -> bool:
    """Put `data` at new_root/relative, as a hard link to old_root/relative when that file has exactly these bytes.

    True when linked, False when written. `relative` is a path inside the
    site ("tips/x/index.html"); ValueError for one that could leave it.
    `old_root` None only writes (`site_output.replaced_site(site_dir)` gives
    the site a staging folder replaces, None for any other folder). An
    existing file at the path is replaced, never changed in place. Errors of
    writing (a full disk) are raised as OSError; a link that cannot be made
    never is.
    """
    return writer(old_root, new_root).write(relative, data)
