"""The share cards of one build, each drawn once, most of them by a second process while the build goes on.

A card takes ~2.4 ms to draw (FreeType and zlib), ~2.5 s for the cards of
1,000 tips: on a build without kept cards that stood between the check and
the pages. Yet almost nothing needs a card's bytes early: a page only names
its card's address, the feeds need the byte size of the cards their items
attach (each week's, each tag feed's newest tips'), and the site needs every
card's file only by the end of the build. So `CardDrawing` takes each card
as the share step names it (`add`):

* a card the cache holds (`card_cache.CardCache`) is read at once;
* the others go, in batches of `BATCH`, to one worker process that draws
  them and keeps them in the cache, while this process goes on;
* `length(path)` gives a card's size when a feed needs it: a batch the
  worker has not begun is taken back and drawn here, one it is drawing is
  waited for;
* `files()` gives every card, waiting for the worker's last batches.

A process, not a thread: Pillow and zlib let go of the GIL while they draw,
but a thread that wants it back behind busy Python waits a switch interval
each time (measured: 26 of 300 cards drawn in 1.3 s beside a busy thread,
against 300 in 1.1 s alone). The worker starts fresh ('spawn'): a forked
copy of a process that runs threads (Pagefind's event loop) can deadlock.
A worker that cannot start or fails only costs speed: its batches are drawn
here, with the same bytes, since a card depends on its fields alone
(`cards.render_card`). Without `background`, or for the last batch that did
not fill, cards are drawn here.
"""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from .card_cache import CardCache, card_key
from .cards import Card, render_card

BATCH = 16  # cards a batch: ~40 ms of drawing, small enough that a feed waiting for one waits little

log = logging.getLogger("servicetips.card_drawing")


@dataclass
class _Batch:
    """Cards sent to the worker together, by path; `future` gives their PNGs in the same order."""

    paths: list[str]
    future: Future


class CardDrawing:
    """Every card of one build by path (`add`), drawn here or by the worker; see the module docstring."""

    def __init__(self, cache: CardCache | None = None, background: bool = False) -> None:
        self._cache = cache
        self._background = background
        self._cards: dict[str, tuple[Card, str | None]] = {}  # path -> (card, cache key), in the order added
        self._drawn: dict[str, bytes] = {}
        self._waiting: dict[str, None] = {}  # not drawn and not sent yet, in order (a dict: an ordered set)
        self._sent: dict[str, _Batch] = {}  # path -> the batch it went with, until that batch is collected
        self._executor: ProcessPoolExecutor | None = None

    def add(self, path: str, card: Card) -> None:
        """Name the card published at `path`; read at once from the cache, or drawn later (here or by the worker)."""
        if path in self._cards:
            raise ValueError(f"two cards for {path}")
        key = card_key(card) if self._cache is not None else None
        self._cards[path] = (card, key)
        kept = self._cache.get(key) if self._cache is not None else None
        if kept is not None:
            self._cache.hits += 1
            self._drawn[path] = kept
            return
        self._waiting[path] = None
        if self._background and len(self._waiting) >= BATCH:
            self._send()

    def paths(self) -> list[str]:
        """Every card's path, in the order added."""
        return list(self._cards)

    def length(self, path: str) -> int:
        """The size in bytes of the card at `path` (KeyError for a path never added), drawing it first if need be."""
        return len(self._png(path))

    def files(self) -> list[tuple[str, bytes]]:
        """Every card as (path, PNG bytes), in the order added; waits for the worker, then lets it go."""
        try:
            for path in self._cards:
                self._png(path)
        finally:
            self.close()
        return [(path, self._drawn[path]) for path in self._cards]

    def close(self) -> None:
        """Stop the worker, dropping what it has not begun (a build that stopped). Safe to call twice."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def _png(self, path: str) -> bytes:
        png = self._drawn.get(path)
        if png is not None:
            return png
        batch = self._sent.get(path)
        if batch is not None:
            self._collect(batch)
        elif path in self._cards:
            self._draw_here([path])
        return self._drawn[path]  # KeyError: no card was added for `path`

    def _send(self) -> None:
        paths = list(self._waiting)
        executor = self._worker()
        if executor is None:
            return  # no worker: they wait to be drawn here
        jobs = [(self._cards[path][1], self._cards[path][0]) for path in paths]
        folder = str(self._cache.root) if self._cache is not None and self._cache.writable else None
        try:
            future = executor.submit(draw_batch, folder, jobs)
        except Exception as exc:  # noqa: BLE001 - a worker that cannot start (no processes left, a broken pool)
            self._give_up(exc)
            return
        batch = _Batch(paths, future)
        for path in paths:
            self._sent[path] = batch
        self._waiting.clear()

    def _worker(self) -> ProcessPoolExecutor | None:
        if self._executor is None and self._background:
            try:
                self._executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))
            except Exception as exc:  # noqa: BLE001 - e.g. no semaphores on this system
                self._give_up(exc)
        return self._executor

    def _collect(self, batch: _Batch) -> None:
        pngs = None
        if not batch.future.cancel():  # the worker has begun it (or is done): wait; else it is drawn here
            try:
                pngs = batch.future.result()
            except CancelledError:
                pngs = None
            except Exception as exc:  # noqa: BLE001 - the worker died or failed: draw here, same bytes
                self._give_up(exc)
        for path in batch.paths:
            del self._sent[path]
        if pngs is None:
            self._draw_here(batch.paths)
            return
        self._count_drawn(len(pngs))
        self._drawn.update(zip(batch.paths, pngs, strict=True))

    def _draw_here(self, paths: list[str]) -> None:
        for path in paths:
            card, key = self._cards[path]
            png = render_card(card)
            if self._cache is not None:
                self._cache.put(key, png)
            self._waiting.pop(path, None)
            self._drawn[path] = png
        self._count_drawn(len(paths))

    def _count_drawn(self, count: int) -> None:
        if self._cache is not None:
            self._cache.misses += count

    def _give_up(self, exc: BaseException) -> None:
        if self._background:
            # Info, not a warning: a warning would stop a `--strict` build, and nothing is lost.
            log.info(f"share cards drawn in this process only: the second process failed ({exc!r})")
        self._background = False
        self.close()


_worker_caches: dict[str, CardCache] = {}  # in the worker: one cache object per folder, for its whole life


def draw_batch(folder: str | None, jobs: list[tuple[str | None, Card]]) -> list[bytes]:
    """In the worker process: draw each (cache key, card) of `jobs`, keep it in the cache at `folder`
    (None: none), and return the PNGs in order."""
    cache = None
    if folder is not None:
        cache = _worker_caches.get(folder) or _worker_caches.setdefault(folder, CardCache(Path(folder)))
    pngs = []
    for key, card in jobs:
        png = render_card(card)
        if cache is not None and key is not None:
            cache.put(key, png)
        pngs.append(png)
    return pngs
