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
remembered.

With `write_in_background(True)` (the build turns it on), `put` hands the
entry to one writer thread and returns: creating, writing and renaming a
file are system calls that release the interpreter, so on a second core
they overlap the rendering of the next pages. A payload under way is
served by `get` from memory; `wait()` returns once every entry handed over
is on disk (the build waits before its site is swapped into place, `prune`
before it lists the folder, and the process at exit), and re-raises there
anything but a file-system error that the writer met. The folder is never published and is safe to delete; one
that cannot be written only costs speed: the first failure is logged once
(info: a warning would stop a `--strict` build) and the cache is written no
more for that store.
"""

from __future__ import annotations

import atexit
import hashlib
import itertools
import logging
import os
import queue
import re
import threading
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
        self._pending: dict[str, bytes] = {}  # entries handed to the writer thread and not yet written
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
        pending = self._pending.get(key)
        if pending is not None:
            return pending  # handed to the writer thread, maybe not on disk yet: the bytes we were given
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
        if _writer.enabled:
            self._pending[key] = payload
            _writer.submit(self, key, payload)
        else:
            self._write(key, payload)

    def _write(self, key: str, payload: bytes) -> None:
        if not self.writable:
            return  # an earlier write (in the writer thread) failed: said once, no more tries
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
        wait()  # entries under way are on disk first: the folder is listed as the build left it
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


class _Writer:
    """The one background thread that writes the entries `put` hands over, in order."""

    def __init__(self) -> None:
        self._start()

    def _start(self) -> None:
        self.enabled = False
        # Bounded: when the disk is slower than the build, `put` waits instead of holding every payload in memory.
        self._queue: queue.Queue[tuple[Store, str, bytes]] = queue.Queue(maxsize=256)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._error: BaseException | None = None

    def submit(self, store: Store, key: str, payload: bytes) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                # A daemon, so that it never holds the process open; `wait` at exit drains it first.
                self._thread = threading.Thread(target=self._run, name="servicetips-cache-writer", daemon=True)
                self._thread.start()
        self._queue.put((store, key, payload))

    def _run(self) -> None:
        while True:
            store, key, payload = self._queue.get()
            try:
                store._write(key, payload)
            except BaseException as exc:  # noqa: BLE001 - handed to the build's thread by `wait`, never lost
                if self._error is None:
                    self._error = exc
            finally:
                if store._pending.get(key) is payload:
                    del store._pending[key]
                self._queue.task_done()

    def wait(self) -> None:
        self._queue.join()
        error, self._error = self._error, None
        if error is not None:
            raise error


_writer = _Writer()
# A forked child has no writer thread: it starts afresh instead of waiting for entries only its parent writes.
os.register_at_fork(after_in_child=_writer._start)


def write_in_background(enabled: bool) -> None:
    """Have `put` hand entries to the writer thread (True) or write them before it returns (False, the default)."""
    if not enabled:
        wait()
    _writer.enabled = enabled


def wait() -> None:
    """Return when every entry handed to the writer thread is on disk; re-raise what it met other than an OSError."""
    _writer.wait()


def _wait_at_exit() -> None:
    # A process that never waited (a tool, an interrupted build) still leaves whole entries behind.
    try:
        wait()
    except Exception:  # too late to fail the run: said, not raised
        logging.getLogger("servicetips.cache_store").exception("writing the build cache failed")


atexit.register(_wait_at_exit)
