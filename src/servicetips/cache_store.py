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
from collections.abc import Iterable
from pathlib import Path

MAGIC = b"servicetips-cache-v1\n"
_KIND = re.compile(r"[a-z][a-z0-9-]*")
_KEY = re.compile(r"[0-9a-f]{64}")
TEMP_PREFIX = ".tmp-"  # a write under way: `prune` never removes it
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
# One counter for the process: two stores of one kind (or two threads) never pick the same name.
_counter = itertools.count()


def _header(kind: str, key: str, payload: bytes) -> bytes:
    return MAGIC + f"{kind} {key} {hashlib.sha256(payload).hexdigest()}\n".encode("ascii")


class Store:
    """Payloads of one `kind` kept in `folder/kind` by key; `get` returns only sound entries.

    `log` and `name` word the one line said when the folder cannot be
    written (`"<name> cache <folder> not used: <reason> (<fallback>)"`).
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
    ) -> None:
        if not _KIND.fullmatch(kind):
            raise ValueError(f"a cache kind is lowercase letters, digits and hyphens: {kind!r}")
        self.kind = kind
        self.folder = Path(folder) / kind
        self.suffix = suffix
        self.writable = True
        self._root = os.fspath(self.folder)
        self._shards: set[str] = set()  # shard folders known to exist (made or seen by this store)
        self._log = log or logging.getLogger("servicetips.cache_store")
        self._name = name or kind.removesuffix("s")
        self._fallback = fallback or "made, not cached"

    def path(self, key: str) -> Path:
        """Where the entry with `key` is kept."""
        return self.folder / key[:2] / f"{key}{self.suffix}"

    def get(self, key: str) -> bytes | None:
        """The payload kept under `key`, or None when there is none or the file is not a sound entry of it."""
        if not _KEY.fullmatch(key):
            return None
        try:
            # A plain open on a joined string: pathlib's objects cost more than the read of a small entry.
            with open(f"{self._root}/{key[:2]}/{key}{self.suffix}", "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        length = len(MAGIC) + len(self.kind) + 1 + 64 + 1 + 64 + 1
        header, payload = data[:length], data[length:]
        return payload if header == _header(self.kind, key, payload) else None

    def put(self, key: str, payload: bytes) -> None:
        """Keep `payload` under `key`, atomically; when the folder cannot be written, say so once and stop trying."""
        if not self.writable or not _KEY.fullmatch(key):
            return
        shard = f"{self._root}/{key[:2]}"
        target = f"{shard}/{key}{self.suffix}"
        temp = None
        try:
            if shard not in self._shards:
                os.makedirs(shard, exist_ok=True)
                self._shards.add(shard)
            temp, handle = self._create_temp(shard)
            with os.fdopen(handle, "wb") as out:
                out.write(_header(self.kind, key, payload))
                out.write(payload)
            os.replace(temp, target)
        except OSError as exc:
            self.writable = False
            self._log.info("%s cache %s not used: %s (%s)", self._name, self.folder, exc, self._fallback)
            if temp is not None:
                Path(temp).unlink(missing_ok=True)

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
                return temp, os.open(temp, _WRITE_FLAGS, 0o644)
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
        wanted = {f"{key}{self.suffix}" for key in keep}
        removed = 0
        try:
            shards = [shard for shard in self.folder.iterdir() if shard.is_dir()]
        except OSError:
            return 0
        for shard in shards:
            try:
                for entry in shard.iterdir():
                    # ".tmp-" files may be another build's writes under way: never pulled from under it.
                    if entry.name not in wanted and not entry.name.startswith(TEMP_PREFIX):
                        entry.unlink(missing_ok=True)
                        removed += 1
            except OSError:
                continue  # another build's files or a folder we may not touch: left as they are
        return removed
