"""Share cards drawn on two cores (servicetips.card_pool): the same bytes in the same order whichever
process draws them, and drawn here when no worker can start or the worker dies."""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from datetime import date

import pytest

from servicetips import card_pool, routes
from servicetips.build import build_site
from servicetips.card_cache import CardCache
from servicetips.cards import Card, render_card
from servicetips.feeds import SiteInfo
from support import AS_OF, REPO

SITE = SiteInfo(url="https://servicetips.example.org/", title="Service Tips", description="Tips.")
TITLES = ["Greet the customer by name", "Pause before you answer", "Say what happens next", "Thank them first"]
# Enough for several chunks; a repeated card (the last) must come back at each of its places.
CARDS = [
    Card(f"{TITLES[i % 4]} ({i})", ("tip", "week", "tag", "home")[i % 4], "Service Tips", ("Care",) * (i % 2))
    for i in range(22)
] + [Card("Greet the customer by name (0)", "tip", "Service Tips")]


@pytest.fixture(scope="module")
def expected() -> list[bytes]:
    return [render_card(card) for card in CARDS]


@pytest.fixture
def small_chunks(monkeypatch):
    """A pool for a handful of cards: no minimum, chunks of three."""
    monkeypatch.setattr(card_pool, "MIN_FOR_WORKER", 1)
    monkeypatch.setattr(card_pool, "CHUNK", 3)
    monkeypatch.setattr(card_pool, "_cores", lambda: 2)


@pytest.fixture
def slow_here(monkeypatch):
    """This process draws slowly, so the worker surely draws some chunks."""
    draw = card_pool._draw_here

    def slowly(cards):
        time.sleep(0.2)
        return draw(cards)

    monkeypatch.setattr(card_pool, "_draw_here", slowly)


def worker_chunks(caplog) -> int:
    notes = [r.getMessage() for r in caplog.records if "drawn by a worker process" in r.getMessage()]
    assert len(notes) == 1, notes
    return int(notes[0].split()[0])


def _die(cards):
    os._exit(3)  # a worker killed mid-build (out of memory, a signal)


def test_in_process_the_cards_are_render_card_in_order(expected):
    assert card_pool.draw_cards(CARDS, workers=False) == expected


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_worker_gives_the_same_bytes_in_the_same_order(
    method, expected, small_chunks, slow_here, monkeypatch, caplog
):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} on this platform")
    monkeypatch.setattr(card_pool, "_context", lambda: multiprocessing.get_context(method))
    with caplog.at_level(logging.DEBUG, logger="servicetips.card_pool"):
        assert card_pool.draw_cards(CARDS) == expected
    assert worker_chunks(caplog) > 0  # the worker did draw


def test_no_worker_for_few_cards(expected, monkeypatch, caplog):
    monkeypatch.setattr(card_pool, "_cores", lambda: 2)
    with caplog.at_level(logging.DEBUG, logger="servicetips.card_pool"):
        assert card_pool.draw_cards(CARDS) == expected
    assert not caplog.records  # below MIN_FOR_WORKER: no process was started


def test_no_worker_on_one_core(expected, small_chunks, monkeypatch, caplog):
    monkeypatch.setattr(card_pool, "_cores", lambda: 1)
    with caplog.at_level(logging.DEBUG, logger="servicetips.card_pool"):
        assert card_pool.draw_cards(CARDS) == expected
    assert not caplog.records


def test_drawn_here_when_no_process_can_start(expected, small_chunks, monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise OSError("Resource temporarily unavailable")

    monkeypatch.setattr(card_pool, "ProcessPoolExecutor", refuse)
    with caplog.at_level(logging.INFO, logger="servicetips.card_pool"):
        assert card_pool.draw_cards(CARDS) == expected
    assert "no worker process (Resource temporarily unavailable)" in caplog.text


# Python 3.11's pool then also reports, from its own thread, an InvalidStateError for the chunks this
# process had taken back (CPython gh-107219, fixed in 3.12): noise, the bytes are right.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_drawn_here_when_the_worker_dies(expected, small_chunks, slow_here, monkeypatch, caplog):
    monkeypatch.setattr(card_pool, "draw_chunk", _die)
    with caplog.at_level(logging.DEBUG, logger="servicetips.card_pool"):
        assert card_pool.draw_cards(CARDS) == expected
    assert "the worker failed" in caplog.text
    assert worker_chunks(caplog) == 0


def test_kept_cards_are_not_drawn_and_drawn_ones_are_kept(expected, small_chunks, tmp_path, monkeypatch):
    cache = CardCache(tmp_path)
    assert card_pool.draw_cards(CARDS[:5], cache) == expected[:5]
    assert (cache.hits, cache.misses) == (0, 5)
    # A second build: the five kept ones come from the folder; only the new ones are drawn, by the pool.
    again = CardCache(tmp_path)
    assert card_pool.draw_cards(CARDS, again) == expected
    distinct = len(set(CARDS))
    assert (again.hits, again.misses) == (5, distinct - 5)
    assert len(list(tmp_path.rglob("*.card"))) == distinct
    # And nothing is drawn the third time.
    monkeypatch.setattr(card_pool, "_draw_here", lambda cards: pytest.fail("drew a kept card") if cards else [])
    third = CardCache(tmp_path)
    assert card_pool.draw_cards(CARDS, third) == expected
    assert (third.hits, third.misses) == (distinct, 0)


def test_a_build_with_the_worker_equals_one_without(small_chunks, slow_here, monkeypatch, caplog):
    # Every generated file of the real library's build, byte for byte, cards drawn both ways.
    def build() -> dict[str, bytes]:
        output = build_site(REPO / "tips", date.fromisoformat(AS_OF), SITE, cache_dir=None)
        assert output.ok
        return {file.path: file.content for file in output.files}

    with caplog.at_level(logging.DEBUG, logger="servicetips.card_pool"):
        with_worker = build()
    assert worker_chunks(caplog) > 0
    monkeypatch.setattr(card_pool, "_cores", lambda: 1)
    alone = build()
    assert with_worker.keys() == alone.keys()
    assert sum(path.startswith(f"{routes.CARDS}/") for path in alone) > 10
    for path, content in alone.items():
        assert with_worker[path] == content, path
