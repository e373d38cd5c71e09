"""Content-addressed files in the build cache folder, one implementation for every cache of the build.

A cache (share cards, rendered pages) keeps each payload under a key that is
the sha256 of everything that can change it; this module only keeps and
returns bytes, and never trusts what it reads.

Layout: `<folder>/<kind>/<key[:2]>/<key><suffix>`, each file a header line
(`MAGIC`), a line naming the kind, the key and the sha256 of the payload,
then the payload. A file whose header does not name this kind and key, or
whose payload does not hash to the header's sha256 (cut short, flipped,
renamed from another entry's place, written by something else), is taken
as absent: the caller makes the payload again and `put` replaces the file.
A linkable store (`linkable=True`: the share cards and the rendered
pages) keeps the payload alone, so the site can publish an entry by a hard
link instead of writing the same bytes a second time (creating and writing a
file costs up to a millisecond on a busy ext4 disk; a link, a fiftieth of
that): `<folder>/<kind>/<key[:2]>/<key>.<seal><suffix>`, where the seal is the
sha256 of the kind, the key and the payload. A file whose bytes do not hash
to the seal its name carries (cut short, flipped, copied from another key's
or kind's place) is taken as absent, as above. `entry` gives the file's
identity (device and inode) as it was checked, which the linking writer
(`linked_output`) compares again at the link, with the bytes. This store
never changes an entry's file in place, and never replaces a sound entry
(a site may link it): a write finds the sealed name taken by a sound file
and keeps it. Another name of the file can change it (a site written in
place); the seal then refuses the entry, and `put` replaces it.
Writes go to a temporary file renamed into place, so a reader never sees a
half-written entry. The temporary name is this process's id and a counter,
created exclusively (`O_EXCL`), not `tempfile.mkstemp`: a build writes
thousands of entries, and mkstemp's random names, retries and checks cost
more than the write itself; each shard folder is made once per store and
remembered. The folder is never published and is safe to delete; one
that cannot be written only costs speed: the first failure is logged once
(info: a warning would stop a `--strict` build) and the cache is written no
more for that store.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

MAGIC = b"servicetips-cache-v1\n"
_KIND = re.compile(r"[a-z][a-z0-9-]*")
_KEY = re.compile(r"[0-9a-f]{64}")
TEMP_PREFIX = ".tmp-"  # a write under way: `prune` never removes it
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
# How a file that may be planted is opened for reading (a linkable entry here, an old site's file in
# `linked_output`): through no symbolic link (without O_NOFOLLOW, on Windows, the callers' lstat and inode
# checks keep a link out), and never blocking: a FIFO put in the file's place would block the open forever;
# with O_NONBLOCK the open returns and the file-type check refuses it.
_SAFE_READ_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
)
_SEALED_NAME = re.compile(r"([0-9a-f]{64})\.([0-9a-f]{64})")
# One counter for the process: two stores of one kind (or two threads) never pick the same name.
_counter = itertools.count()


def _header(kind: str, key: str, payload: bytes) -> bytes:
    return MAGIC + f"{kind} {key} {hashlib.sha256(payload).hexdigest()}\n".encode("ascii")


def read_regular(path: str | os.PathLike, size: int | None = None) -> tuple[bytes, os.stat_result] | None:
    """The bytes of the regular file at `path` and its status, opened without following a link or blocking
    (`_SAFE_READ_FLAGS`); None for anything else (missing, a symbolic link, a FIFO or device, unreadable)
    or, with `size`, another size. With `size`, at most one byte more is read: a file that grew since it
    was opened shows as too long."""
    try:
        descriptor = os.open(path, _SAFE_READ_FLAGS)
    except OSError:
        return None
    try:
        found = os.fstat(descriptor)
        if not stat.S_ISREG(found.st_mode) or (size is not None and found.st_size != size):
            return None
        # A raw descriptor, not a buffered file object: a build makes thousands of these reads.
        limit = size + 1 if size is not None else None
        chunks, length = [], 0
        while limit is None or length < limit:
            wanted = limit - length if limit is not None else max(found.st_size + 1 - length, 1 << 16)
            chunk = os.read(descriptor, wanted)
            if not chunk:
                break
            chunks.append(chunk)
            length += len(chunk)
    except OSError:
        return None
    finally:
        os.close(descriptor)
    return (chunks[0] if len(chunks) == 1 else b"".join(chunks)), found


def _seal(kind: str, key: str, payload: bytes) -> str:
    digest = hashlib.sha256(MAGIC + f"{kind} {key}\n".encode("ascii"))
    digest.update(payload)
    return digest.hexdigest()


@dataclass(frozen=True, eq=False)
class Entry:
    """A sound entry of a linkable store: its file, its payload, and the file's device and inode as checked."""

    path: str
    payload: bytes = field(repr=False)
    device: int
    inode: int


class Store:
    """Payloads of one `kind` kept in `folder/kind` by key; `get` returns only sound entries.

    `log` and `name` word the one line said when the folder cannot be
    written (`"<name> cache <folder> not used: <reason> (<fallback>)"`).
    `linkable` keeps each payload alone under a sealed name (see the module
    docstring), so `entry` and `put` give files the site may link.
    """

    def __init__(
        self,
        folder: Path,
        kind: str,
        *,
        suffix: str = "",
        log: logging.Logger | None = None,
        name: str = "",
        fallback: str = "",
        linkable: bool = False,
    ) -> None:
        if not _KIND.fullmatch(kind):
            raise ValueError(f"a cache kind is lowercase letters, digits and hyphens: {kind!r}")
        self.kind = kind
        self.folder = Path(folder) / kind
        self.suffix = suffix
        self.linkable = linkable
        self.writable = True
        self._root = os.fspath(self.folder)
        self._shards: set[str] = set()  # shard folders known to exist (made or seen by this store)
        self._listed: dict[str, dict[str, list[str]]] = {}  # linkable: shard -> key -> its sealed names, as read
        self._log = log or logging.getLogger("servicetips.cache_store")
        self._name = name or kind.removesuffix("s")
        self._fallback = fallback or "made, not cached"
        # A linkable entry gets the mode a file written into the site gets, so a link to it looks written.
        self._mode = 0o666 if linkable else 0o644

    def path(self, key: str) -> Path | None:
        """Where the entry with `key` is kept (a linkable store: the file named for it, None when there is none)."""
        if not self.linkable:
            return self.folder / key[:2] / f"{key}{self.suffix}"
        names = self._sealed_names(key, fresh=True)[0] if _KEY.fullmatch(key) else []
        return self.folder / key[:2] / names[0] if names else None

    def get(self, key: str) -> bytes | None:
        """The payload kept under `key`, or None when there is none or the file is not a sound entry of it."""
        if not _KEY.fullmatch(key):
            return None
        if self.linkable:
            found = self.entry(key)
            return found.payload if found is not None else None
        try:
            # A plain open on a joined string: pathlib's objects cost more than the read of a small entry.
            with open(f"{self._root}/{key[:2]}/{key}{self.suffix}", "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        length = len(MAGIC) + len(self.kind) + 1 + 64 + 1 + 64 + 1
        header, payload = data[:length], data[length:]
        return payload if header == _header(self.kind, key, payload) else None

    def entry(self, key: str, recheck: bool = False) -> Entry | None:
        """The sound entry kept under `key` in a linkable store, with its file's identity as read; None otherwise.

        A shard is read once per store and remembered (a scandir for each
        lookup cost more than reading the entries in a repeat build), with
        what this store puts added; `recheck` reads it again, for an entry
        another process (the card worker) may have left since.
        """
        if not self.linkable or not _KEY.fullmatch(key):
            return None
        names, fresh = self._sealed_names(key)
        found = self._sound(key, names)
        if found is None and recheck and not fresh:
            found = self._sound(key, self._sealed_names(key, fresh=True)[0])
        return found

    def _sound(self, key: str, names: list[str]) -> Entry | None:
        """The first of `names` (files of `key`'s shard) whose bytes hash to the seal it carries."""
        for name in names:
            path = f"{self._root}/{key[:2]}/{name}"
            read = read_regular(path)
            if read is None:
                continue
            payload, found = read
            if name == f"{key}.{_seal(self.kind, key, payload)}{self.suffix}":
                return Entry(path, payload, found.st_dev, found.st_ino)
        return None

    def put(self, key: str, payload: bytes) -> Entry | None:
        """Keep `payload` under `key`, atomically; when the folder cannot be written, say so once and stop trying.

        A linkable store returns the entry written (None when it was not).
        """
        if not self.writable or not _KEY.fullmatch(key):
            return None
        shard = f"{self._root}/{key[:2]}"
        if self.linkable:
            target = f"{shard}/{key}.{_seal(self.kind, key, payload)}{self.suffix}"
        else:
            target = f"{shard}/{key}{self.suffix}"
        temp = None
        try:
            if shard not in self._shards:
                os.makedirs(shard, exist_ok=True)
                self._shards.add(shard)
            temp, handle = self._create_temp(shard)
            with os.fdopen(handle, "wb") as out:
                if not self.linkable:
                    out.write(_header(self.kind, key, payload))
                out.write(payload)
                written = os.fstat(out.fileno())
            kept = self._keep_or_replace(key, temp, target) if self.linkable else os.replace(temp, target)
        except OSError as exc:
            self.writable = False
            self._log.info("%s cache %s not used: %s (%s)", self._name, self.folder, exc, self._fallback)
            if temp is not None:
                Path(temp).unlink(missing_ok=True)
            return None
        if not self.linkable:
            return None
        # Another file under this key (damaged, or sealed for other bytes) would be read first next time.
        name = target.rpartition("/")[2]
        for other in self._sealed_names(key)[0]:
            if other != name:
                Path(shard, other).unlink(missing_ok=True)
        self._listed.setdefault(key[:2], {})[key] = [name]
        return kept if kept is not None else Entry(target, payload, written.st_dev, written.st_ino)

    def _keep_or_replace(self, key: str, temp: str, target: str) -> Entry | None:
        """Put the written `temp` at `target` unless a sound entry is there already (another process drew
        or rendered the same bytes, and a site may link that file): that entry, or None when `temp` took
        the place."""
        try:
            os.link(temp, target)
        except FileExistsError:
            existing = self._sound(key, [target.rpartition("/")[2]])
            if existing is not None:
                os.unlink(temp)
                return existing
            os.replace(temp, target)  # damaged: replaced
            return None
        except OSError:
            os.replace(temp, target)  # no hard links on this file system: a rename, as for other stores
            return None
        os.unlink(temp)
        return None

    def _sealed_names(self, key: str, fresh: bool = False) -> tuple[list[str], bool]:
        """The names in `key`'s shard that a linkable entry of `key` could have, and whether they were read
        from the folder just now (`fresh`, or the shard's first lookup) rather than remembered.

        A shard is read at its first lookup and when `fresh` asks for it.
        """
        shard = key[:2]
        listed = None if fresh else self._listed.get(shard)
        if listed is not None:
            return sorted(listed.get(key, [])), False
        listed = {}
        try:
            with os.scandir(f"{self._root}/{shard}") as found:
                for item in found:
                    if self._is_sealed(item.name):
                        listed.setdefault(item.name[:64], []).append(item.name)
        except OSError:
            pass  # no such shard yet, or not readable: nothing kept there
        self._listed[shard] = listed
        return sorted(listed.get(key, [])), True

    def _is_sealed(self, name: str) -> bool:
        stem = name[: -len(self.suffix)] if self.suffix else name
        return name.endswith(self.suffix) and _SEALED_NAME.fullmatch(stem) is not None

    def _create_temp(self, shard: str) -> tuple[str, int]:
        """A new temporary file in `shard`, opened for writing: its name and descriptor.

        The name is unique in this process; `O_EXCL` refuses a name another
        process (one that had this pid before) left behind, and the next
        number is tried. A shard folder removed since it was made (the cache
        deleted during a build) is made again, once.
        """
        remade = False
        while True:
            temp = f"{shard}/{TEMP_PREFIX}{os.getpid()}-{next(_counter)}{self.suffix}"
            try:
                return temp, os.open(temp, _WRITE_FLAGS, self._mode)
            except FileExistsError:
                continue
            except FileNotFoundError:
                if remade:
                    raise
                os.makedirs(shard, exist_ok=True)
                remade = True

    def prune(self, keep: Iterable[str]) -> int:
        """Remove every entry (and stray file) of this kind whose key is not in `keep`; the number removed.

        Keeps the folder from growing with every change: an entry no build
        asked for is dead weight in the saved CI cache.
        """
        keep = set(keep)
        wanted = None if self.linkable else {f"{key}{self.suffix}" for key in keep}
        removed = 0
        try:
            shards = [shard for shard in self.folder.iterdir() if shard.is_dir()]
        except OSError:
            return 0
        for shard in shards:
            try:
                for entry in shard.iterdir():
                    # ".tmp-" files may be another build's writes under way: never pulled from under it.
                    if entry.name.startswith(TEMP_PREFIX):
                        continue
                    if wanted is None:
                        kept = self._is_sealed(entry.name) and entry.name[:64] in keep
                    else:
                        kept = entry.name in wanted
                    if not kept:
                        entry.unlink(missing_ok=True)
                        removed += 1
            except OSError:
                continue  # another build's files or a folder we may not touch: left as they are
        return removed
