"""Share cards for one build, drawn on two cores when there are many to draw.

Input: the build's cards (`cards.Card`) and its card cache (or None).
Output: each card's PNG bytes, in the order given, the same bytes whichever
process drew them (`cards.render_card` depends on nothing but the card, the
font file and Pillow, which a worker shares with this process).

A cold build draws about a thousand cards, ~3.5 s on one core while the
other is idle. With at least `MIN_FOR_WORKER` cards to draw, one worker
process (`concurrent.futures`) takes chunks from the end of the list while
this process draws from the front; whichever reaches a chunk first draws it
(a chunk the worker has not started is cancelled and drawn here), so a
worker that starts late, or never, costs no waiting. The worker is forked
when this process has a single thread (cheap: the fonts are already
loaded), else spawned (forking a process with threads, such as the preview
server, can deadlock the child). When no worker can be started or one dies,
its chunks are drawn here: the bytes are the same either way, only slower.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import threading
from collections.abc import Sequence
from concurrent.futures import BrokenExecutor, Future, ProcessPoolExecutor

from .card_cache import CardCache, card_key
from .cards import Card, render_card

# Below this many cards, starting a process costs more than it saves.
MIN_FOR_WORKER = 200
# Cards per unit of work: small enough that neither process waits long for the
# other at the end (~16 x 3.5 ms), large enough that pickling is noise.
CHUNK = 16

log = logging.getLogger("servicetips.card_pool")


def draw_cards(cards: Sequence[Card], cache: CardCache | None = None, workers: bool = True) -> list[bytes]:
    """Every card of `cards` as PNG bytes, in order: kept ones from `cache`, the others drawn (and kept).

    `workers=False` draws everything in this process (the bytes are the same).
    """
    unique = list(dict.fromkeys(cards))  # a card shown twice is drawn once
    found: dict[Card, bytes] = {}
    keys: dict[Card, str] = {}
    if cache is not None:
        for card in unique:
            keys[card] = key = card_key(card)
            png = cache.get(key)
            if png is not None:
                found[card] = png
        cache.hits += len(found)
        cache.misses += len(unique) - len(found)
    missing = [card for card in unique if card not in found]
    drawn = _draw(missing, workers)
    for card, png in zip(missing, drawn, strict=True):
        found[card] = png
        if cache is not None:
            cache.put(keys[card], png)
    return [found[card] for card in cards]


def _draw(cards: list[Card], workers: bool) -> list[bytes]:
    if not workers or len(cards) < MIN_FOR_WORKER or _cores() < 2:
        return _draw_here(cards)
    chunks = [cards[at : at + CHUNK] for at in range(0, len(cards), CHUNK)]
    try:
        pool = ProcessPoolExecutor(max_workers=1, mp_context=_context())
        # Last chunk first: the worker works from the end while this process works from the front.
        futures = {index: pool.submit(draw_chunk, chunks[index]) for index in reversed(range(len(chunks)))}
    except (OSError, RuntimeError, ValueError, NotImplementedError) as exc:  # no process could be started
        log.info("share cards drawn in one process: no worker process (%s)", exc)
        return _draw_here(cards)
    try:
        results: list[list[bytes]] = []
        for index, chunk in enumerate(chunks):
            if not futures[index].cancel():  # the worker has it, and every chunk after it
                results.extend(_collect(futures[rest], chunks[rest]) for rest in range(index, len(chunks)))
                break
            results.append(_draw_here(chunk))
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    by_worker = sum(1 for future in futures.values() if not future.cancelled() and future.exception() is None)
    log.debug("%d of %d share-card chunks drawn by a worker process", by_worker, len(chunks))
    return [png for chunk in results for png in chunk]


def _collect(future: Future, chunk: list[Card]) -> list[bytes]:
    """A chunk's bytes from the worker; drawn here when the worker failed (e.g. it was killed)."""
    try:
        return future.result()
    except (BrokenExecutor, OSError, pickle.PickleError) as exc:  # the worker died or could not be reached
        log.info("share cards drawn in one process: the worker failed (%s)", exc)
        return _draw_here(chunk)


def draw_chunk(cards: Sequence[Card]) -> list[bytes]:
    """`cards` drawn, in order: what the worker process runs."""
    return [render_card(card) for card in cards]


def _draw_here(cards: Sequence[Card]) -> list[bytes]:
    # This process's share; a function of its own so that the worker's (draw_chunk) can fail alone.
    return [render_card(card) for card in cards]


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _context() -> multiprocessing.context.BaseContext:
    if threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")
