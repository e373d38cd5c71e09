"""The share cards of one build, each drawn once, most of them by a second process while the build goes on.

A card takes ~2.4 ms to draw (FreeType and zlib), ~2.5 s for the cards of
1,000 tips: on a build without kept cards that stood between the check and
the pages. Yet almost nothing needs a card's bytes early: a page only names
its card's address, the feeds need the byte size of the cards their items
attach (each week's, each tag feed's newest tips'), and the site needs every
card's file only by the end of the build. So `CardDrawing` takes each card
as the share step names it (`add`):

* a card the cache holds (`card_cache.CardCache`) is read at once;
* the others go, in batches of `BATCH`, to a worker process that draws each
  one and leaves it in the cache (without a cache, in a temporary folder),
  while this process goes on;
* `length(path)` gives a card's size when a feed needs it: a card the worker
  has not left yet is drawn here;
* `files()` gives every card: this process draws the last batches while the
  worker draws the first ones, each skipping what the other left, then
  reads the worker's cards back from the cache.

A process, not a thread: Pillow and zlib let go of the GIL while they draw,
but a thread that wants it back behind busy Python waits a switch interval
each time (measured: 26 of 300 cards drawn in 1.3 s beside a busy thread,
against 300 in 1.1 s alone). And a process of our own
(`python -m servicetips.card_drawing`), not `multiprocessing`: its 'spawn'
and 'forkserver' run the caller's main script again in the child, so a
script that builds the site without an `if __name__ == "__main__":` guard
would build it again there (it did, in a test, and waited on the first
build's lock), while 'fork' copies a process that runs threads (Pagefind's
event loop), which can deadlock. The worker is told batches as JSON lines
and answers a line a batch; the cards themselves go through the cache
folder, whose entries are checked when read (`cache_store`), never through
the pipe, so neither side waits on the other's pipe.

A worker that cannot start, fails or stops answering only costs speed: what
it has not left is drawn here, with the same bytes, since a card depends
on its fields alone (`cards.render_card`); one info line says so. Without
`background`, or for the last batch that did not fill, cards are drawn here.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import selectors
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import astuple
from pathlib import Path

from .cache_store import Entry
from .card_cache import CardCache, card_key, renderer_fingerprint
from .cards import Card, render_card

BATCH = 16  # cards a batch: ~40 ms of drawing
WAIT_SECONDS = 120.0  # the longest wait for the worker's next answer before drawing the rest here

log = logging.getLogger("servicetips.card_drawing")


class CardDrawing:
    """Every card of one build by path (`add`), drawn here or by the worker; see the module docstring."""

    def __init__(self, cache: CardCache | None = None, background: bool = False) -> None:
        self._cache = cache
        # A cache that cannot be written cannot carry the worker's cards either; the worker's answers
        # are waited for with a selector, which takes pipes on POSIX systems only.
        self._background = background and (cache is None or cache.writable) and os.name == "posix"
        self._cards: dict[str, tuple[Card, str]] = {}  # path -> (card, cache key), in the order added
        self._drawn: dict[str, bytes] = {}
        self._entries: dict[str, Entry] = {}  # path -> the cache entry holding its PNG, for the site to link
        self._waiting: dict[str, None] = {}  # not drawn and not sent yet, in order (a dict: an ordered set)
        self._batches: list[list[str]] = []  # sent to the worker, in order
        self._batch_of: dict[str, int] = {}
        self._answered = 0  # how many batches the worker has finished, in order
        self._worker: subprocess.Popen | None = None
        self._answers = b""  # the worker's output not yet split into lines
        self._store: CardCache | None = cache  # where the worker leaves its cards
        self._temporary: Path | None = None
        self.kept = self.drawn_here = self.drawn_by_worker = 0  # how each card came, for the build's log

    def add(self, path: str, card: Card) -> None:
        """Name the card published at `path`; read at once from the cache, or drawn later (here or by the worker)."""
        if path in self._cards:
            raise ValueError(f"two cards for {path}")
        key = card_key(card) if self._cache is not None or self._background else ""
        self._cards[path] = (card, key)
        kept = self._cache.entry(key) if self._cache is not None else None
        if kept is not None:
            self._cache.hits += 1
            self.kept += 1
            self._drawn[path] = kept.payload
            self._entries[path] = kept
            return
        self._waiting[path] = None
        if self._background and len(self._waiting) >= BATCH:
            self._send()

    def paths(self) -> list[str]:
        """Every card's path, in the order added."""
        return list(self._cards)

    def length(self, path: str) -> int:
        """The size in bytes of the card at `path` (KeyError for a path never added), drawing it here if need be."""
        if path not in self._cards:
            raise KeyError(path)
        self._read_answers()
        return len(self._png(path))

    def files(self) -> list[tuple[str, bytes]]:
        """Every card as (path, PNG bytes), in the order added; the worker's and this process's share, then
        the worker is let go."""
        try:
            for path in list(self._waiting):
                self._draw_here(path)
            self._meet_the_worker()
            for path in self._cards:
                self._png(path)
        finally:
            self.close()
        return [(path, self._drawn[path]) for path in self._cards]

    def entry(self, path: str) -> Entry | None:
        """The card cache's entry holding the PNG of the card at `path`, once `files` has given it; None when
        there is none (no cache: the worker's temporary folder is gone by then)."""
        entry = self._entries.get(path)
        return entry if entry is not None and self._cache is not None else None

    def prune_cache(self) -> int:
        """Drop the cache's cards this build did not name (a full build only: a preview names others);
        the number removed."""
        if self._cache is None:
            return 0
        return self._cache.prune(key for _card, key in self._cards.values())

    def summary(self) -> str:
        """One line on how this build's cards came: from the cache, drawn by the worker, drawn here."""
        return (
            f"share cards: {len(self._cards)} ({self.kept} from the cache, {self.drawn_by_worker} drawn by a "
            f"second process, {self.drawn_here} in this one)"
        )

    def close(self) -> None:
        """Let the worker go (it ends with its input; one that still has batches to draw is stopped) and
        remove the temporary folder. Safe to call twice."""
        worker, self._worker = self._worker, None
        if worker is not None:
            _end(worker, kill=self._answered < len(self._batches))
        if self._temporary is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)
            self._temporary = None
            self._store = self._cache

    # -- this process's share --------------------------------------------------------------

    def _png(self, path: str) -> bytes:
        """The card's PNG: already here, else the one the worker left, else drawn now."""
        png = self._drawn.get(path)
        if png is None and self._done_by_worker(path):
            png = self._from_worker(path)
        return png if png is not None else self._draw_here(path)

    def _draw_here(self, path: str) -> bytes:
        card, key = self._cards[path]
        png = render_card(card)
        if self._store is not None and key:
            entry = self._store.put(key, png)  # kept; and the worker, when it gets there, skips it
            if entry is not None:
                self._entries[path] = entry
        self._waiting.pop(path, None)
        self.drawn_here += 1
        return self._drawn_now(path, png)

    def _drawn_now(self, path: str, png: bytes) -> bytes:
        self._drawn[path] = png
        if self._cache is not None:
            self._cache.misses += 1  # drawn in this build, here or there: not found in the cache
        return png

    def _meet_the_worker(self) -> None:
        """Draw the unanswered batches from the last one back while the worker goes on from the first."""
        last = len(self._batches) - 1
        while self._worker is not None and self._answered <= last:
            self._read_answers()
            if self._answered >= last:  # the worker is on the last batch left: wait for it
                self._read_answers(WAIT_SECONDS, until=last + 1)
                break
            for path in self._batches[last]:
                if path not in self._drawn:
                    self._draw_here(path)
            last -= 1

    # -- the worker's share ----------------------------------------------------------------

    def _done_by_worker(self, path: str) -> bool:
        batch = self._batch_of.get(path)
        return batch is not None and batch < self._answered

    def _from_worker(self, path: str) -> bytes | None:
        key = self._cards[path][1]
        entry = self._store.entry(key, recheck=True) if self._store is not None else None
        if entry is None:
            return None  # not sound, or not left at all (a cache the worker could not write): drawn here
        self.drawn_by_worker += 1
        self._entries[path] = entry
        return self._drawn_now(path, entry.payload)

    def _send(self) -> None:
        if self._worker is None and not self._start():
            return  # no worker: the cards wait to be drawn here
        paths = list(self._waiting)
        line = json.dumps([[self._cards[path][1], *astuple(self._cards[path][0])] for path in paths]) + "\n"
        try:
            self._worker.stdin.write(line.encode("utf-8"))
            self._worker.stdin.flush()
        except OSError as exc:  # the worker is gone
            self._give_up(f"it stopped ({exc})")
            return
        for path in paths:
            self._batch_of[path] = len(self._batches)
        self._batches.append(paths)
        self._waiting.clear()

    def _start(self) -> bool:
        if not self._background:
            return False
        try:
            if self._store is None:
                self._temporary = Path(tempfile.mkdtemp(prefix="servicetips-cards-"))
                self._store = CardCache(self._temporary)
            env = dict(os.environ)
            # The worker imports this package from where this process did: an installed package is
            # found as here; a folder this process was handed on sys.path is handed on, after the rest
            # (first, it would come before the standard library).
            package_root = str(Path(__file__).resolve().parent.parent)
            if package_root not in sys.path[1:]:
                env["PYTHONPATH"] = os.pathsep.join(filter(None, [env.get("PYTHONPATH"), package_root]))
            # -P: not the current folder first on sys.path, where a stray queue.py or json.py (or a
            # servicetips/ of its own) would run in the worker; the fingerprint of what draws the cards
            # must be this process's, or the worker refuses to draw.
            command = [sys.executable, "-P", "-m", "servicetips.card_drawing", str(self._store.root)]
            command += [renderer_fingerprint(), "temporary" if self._temporary is not None else "kept"]
            self._worker = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        except OSError as exc:
            self._give_up(f"it did not start ({exc})")
            return False
        return True

    def _read_answers(self, timeout: float = 0.0, until: int = 0) -> None:
        """Take in the answers the worker has given so far; while fewer than `until` batches are
        answered, wait for the next answer, up to `timeout` seconds each."""
        while self._worker is not None:
            waiting = self._answered < until
            # A selector (epoll), not select(): select() refuses descriptors above 1023, which a
            # long-running preview server may well hand out.
            with selectors.DefaultSelector() as selector:
                selector.register(self._worker.stdout, selectors.EVENT_READ)
                ready = selector.select(timeout if waiting else 0)
            if not ready:
                if waiting:
                    self._give_up(f"it gave no answer in {timeout:.0f} s")
                return
            chunk = os.read(self._worker.stdout.fileno(), 4096)
            if not chunk:
                self._give_up(f"it stopped (exit code {self._worker.wait()})")
                return
            *lines, self._answers = (self._answers + chunk).split(b"\n")
            for answer in lines:
                if answer != b"ok":
                    self._give_up(answer.decode("utf-8", "replace"))
                    return
                self._answered += 1

    def _give_up(self, reason: str) -> None:
        if self._background:
            # Info, not a warning: a warning would stop a `--strict` build, and nothing is lost.
            log.info(f"share cards drawn in this process only: the second process failed: {reason}")
        self._background = False
        worker, self._worker = self._worker, None
        if worker is not None:
            _end(worker, kill=True)


def _end(worker: subprocess.Popen, kill: bool) -> None:
    """Close the worker's pipes and wait for it: it ends with its input; `kill` stops it at once."""
    if kill:
        worker.kill()
    for stream in (worker.stdin, worker.stdout):
        with contextlib.suppress(OSError):  # a batch still buffered for a worker that is gone
            stream.close()
    try:
        worker.wait(5)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


# -- the worker process ----------------------------------------------------------------------


def serve(folder: str, fingerprint: str, temporary: bool = False) -> int:
    """The worker: read batches (JSON lines of [cache key, *card fields]) from stdin, leave each card
    in the card cache at `folder` unless it is there already, and answer `ok` a batch (or `error ...`).

    It refuses to draw when `fingerprint` is not its own `renderer_fingerprint()` (other code or
    another font than the build's). It stops as soon as its input ends: the build closes it when it
    needs nothing more, or because it stopped; a `temporary` folder is then removed.
    """
    out = sys.stdout.buffer
    if fingerprint != renderer_fingerprint():
        out.write(b"error the worker would draw with other code or another font than the build\n")
        out.flush()
        return 1
    store = CardCache(Path(folder))
    lines: queue.Queue[bytes | None] = queue.Queue()
    ended = threading.Event()
    # A thread drains the input as it comes, so the build never waits to hand over a batch.
    threading.Thread(target=_read_all, args=(sys.stdin.buffer, lines, ended), daemon=True).start()
    try:
        while (line := lines.get()) is not None and not ended.is_set():
            try:
                for key, *fields in json.loads(line):
                    if store.entry(key, recheck=True) is None:  # the build may have drawn it meanwhile
                        store.put(key, render_card(Card(*fields)))
            except Exception as exc:  # noqa: BLE001 - said to the build, which draws the cards itself
                out.write(f"error {type(exc).__name__}: {exc}".replace("\n", " ").encode("utf-8") + b"\n")
                out.flush()
                return 1
            out.write(b"ok\n")
            out.flush()
        return 0
    finally:
        if temporary:
            shutil.rmtree(folder, ignore_errors=True)


def _read_all(stream, lines: queue.Queue, ended: threading.Event) -> None:
    for line in stream:
        lines.put(line)
    ended.set()
    lines.put(None)


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1], sys.argv[2], sys.argv[3] == "temporary"))
