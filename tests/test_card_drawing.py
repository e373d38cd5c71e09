"""Share cards drawn by a second process (servicetips.card_drawing) are the cards drawn in the build's own.

Every card of the real tips is drawn both ways, with and without the cache;
a feed asking for a card's size gets it whoever draws it; a worker that
cannot start, or dies halfway, only costs speed (its cards are drawn here,
one info line says so); and a whole site built with the second process is
the site built without it, file for file, the cards written at the end.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from dataclasses import astuple
from datetime import date
from pathlib import Path

import pytest

from servicetips import build as build_module
from servicetips import card_drawing
from servicetips.build import build_site
from servicetips.card_cache import CardCache, card_key
from servicetips.card_drawing import BATCH, CardDrawing
from servicetips.cards import Card, render_card
from servicetips.feeds import SiteInfo
from servicetips.share import HeadsBuilder
from support import AS_OF, REPO
from support import build_site as build_real_site
from support.builds import assert_same_sites

SITE = SiteInfo(url="https://tips.example.org/", title="Service Tips", description="Tips.", language="en")
DAY = date.fromisoformat(AS_OF)


def some_cards(count: int) -> list[tuple[str, Card]]:
    """`count` different cards with their paths, tags on some, long titles on others."""
    tags = ((), ("Empathy",), ("Recovery", "Reputation"))
    return [
        (
            f"cards/tips/card-{n}.png",
            Card(f"Card {n}: say what happens next " * (1 + n % 3), "tip", "Service Tips", tags[n % 3]),
        )
        for n in range(count)
    ]


def test_the_real_tips_cards_from_the_second_process_are_the_cards_drawn_here(tmp_path: Path) -> None:
    here = build_site(REPO / "tips", DAY, SITE).all_files()
    there = build_site(REPO / "tips", DAY, SITE, card_process=True).all_files()
    kept = build_site(REPO / "tips", DAY, SITE, cache_dir=tmp_path, card_process=True)
    cards = [file for file in there if file.path.startswith("cards/")]
    assert len(cards) > 2 * BATCH  # enough for the worker to draw batches of its own
    assert there == here == kept.all_files()
    assert kept.cards.drawn_by_worker + kept.cards.drawn_here == len(cards) and kept.cards.kept == 0
    # The worker kept what it drew: a second build reads every card from the cache.
    again = build_site(REPO / "tips", DAY, SITE, cache_dir=tmp_path, card_process=True)
    assert again.all_files() == here
    assert (again.cards.kept, again.cards.drawn_here, again.cards.drawn_by_worker) == (len(cards), 0, 0)
    assert (
        again.cards.summary()
        == f"share cards: {len(cards)} ({len(cards)} from the cache, 0 drawn by a second process, 0 in this one)"
    )


def test_a_size_asked_for_is_the_size_of_the_card_whoever_draws_it() -> None:
    cards = some_cards(4 * BATCH)
    drawing = CardDrawing(background=True)
    for path, card in cards:
        drawing.add(path, card)
    # The last batch is surely not begun yet: it is taken back and drawn here; the first may be the worker's.
    for path, card in (cards[-1], cards[0], cards[BATCH + 1]):
        assert drawing.length(path) == len(render_card(card))
    assert drawing.files() == [(path, render_card(card)) for path, card in cards]
    with pytest.raises(KeyError):
        drawing.length("cards/tips/never-added.png")


def test_a_worker_that_dies_halfway_costs_only_speed(caplog) -> None:
    cards = some_cards(6 * BATCH)
    drawing = CardDrawing(background=True)
    for path, card in cards:
        drawing.add(path, card)
    drawing._worker.kill()  # as the system would, out of memory
    with caplog.at_level(logging.INFO, logger="servicetips.card_drawing"):
        assert drawing.files() == [(path, render_card(card)) for path, card in cards]
    assert "the second process failed: it stopped" in caplog.text
    assert all(record.levelno == logging.INFO for record in caplog.records)


def test_a_worker_that_cannot_start_costs_only_speed(monkeypatch, caplog) -> None:
    def no_processes(*args, **kwargs):
        raise OSError("no more processes")

    monkeypatch.setattr(card_drawing.subprocess, "Popen", no_processes)
    cards = some_cards(2 * BATCH)
    drawing = CardDrawing(background=True)
    with caplog.at_level(logging.INFO, logger="servicetips.card_drawing"):
        for path, card in cards:
            drawing.add(path, card)
    assert "it did not start (no more processes)" in caplog.text
    assert drawing.files() == [(path, render_card(card)) for path, card in cards]


def test_a_worker_that_answers_nonsense_or_fails_costs_only_speed(tmp_path: Path, caplog) -> None:
    cards = some_cards(3 * BATCH)
    drawing = CardDrawing(CardCache(tmp_path), background=True)
    for path, card in cards[:BATCH]:
        drawing.add(path, card)
    # A batch the worker cannot read: it says why and stops; the build draws every card itself.
    drawing._worker.stdin.write(b"[[1, 2]]\n")
    drawing._worker.stdin.flush()
    with caplog.at_level(logging.INFO, logger="servicetips.card_drawing"):
        drawing._read_answers(card_drawing.WAIT_SECONDS, until=2)  # the first batch's answer, then the error
        for path, card in cards[BATCH:]:
            drawing.add(path, card)
        assert drawing.files() == [(path, render_card(card)) for path, card in cards]
    assert "the second process failed: error" in caplog.text


def test_cards_the_worker_drew_are_read_back_from_the_cache_it_left_them_in(tmp_path: Path) -> None:
    cards = some_cards(2 * BATCH)
    drawing = CardDrawing(CardCache(tmp_path), background=True)
    for path, card in cards:
        drawing.add(path, card)
    drawing._read_answers(card_drawing.WAIT_SECONDS, until=2)  # both batches drawn over there
    assert drawing.length(cards[0][0]) == len(render_card(cards[0][1]))
    assert drawing.files() == [(path, render_card(card)) for path, card in cards]
    assert (drawing.drawn_by_worker, drawing.drawn_here) == (len(cards), 0)


def test_the_worker_skips_what_the_cache_holds_and_meets_this_process_halfway(tmp_path: Path) -> None:
    cards = some_cards(8 * BATCH)
    drawing = CardDrawing(CardCache(tmp_path), background=True)
    for path, card in cards:
        drawing.add(path, card)
    assert drawing.files() == [(path, render_card(card)) for path, card in cards]
    assert drawing.drawn_here + drawing.drawn_by_worker == len(cards) and drawing.kept == 0
    assert len(list((tmp_path / "cards").rglob("*.png"))) == len(cards)
    assert not list(tmp_path.rglob(".tmp-*"))  # no write left under way


def test_without_a_cache_the_worker_leaves_no_folder_behind(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(card_drawing.tempfile, "tempdir", str(tmp_path))
    cards = some_cards(3 * BATCH)
    drawing = CardDrawing(background=True)
    for path, card in cards:
        drawing.add(path, card)
    assert list(tmp_path.glob("servicetips-cards-*"))
    assert drawing.files() == [(path, render_card(card)) for path, card in cards]
    assert not list(tmp_path.glob("servicetips-cards-*"))


def test_a_build_that_stops_stops_the_worker() -> None:
    cards = some_cards(6 * BATCH)
    drawing = CardDrawing(background=True)
    for path, card in cards:
        drawing.add(path, card)
    worker = drawing._worker
    drawing.close()
    assert worker.poll() is not None


def test_no_process_is_started_for_fewer_cards_than_a_batch_or_without_background(monkeypatch) -> None:
    def refused(*args, **kwargs):
        raise AssertionError("a process was started")

    monkeypatch.setattr(card_drawing.subprocess, "Popen", refused)
    for cards, background in ((some_cards(BATCH - 1), True), (some_cards(3 * BATCH), False)):
        drawing = CardDrawing(background=background)
        for path, card in cards:
            drawing.add(path, card)
        assert drawing.files() == [(path, render_card(card)) for path, card in cards]


def test_two_cards_at_one_path_are_refused() -> None:
    (path, card), (_, other) = some_cards(2)
    drawing = CardDrawing()
    drawing.add(path, card)
    with pytest.raises(ValueError, match=r"two cards for cards/tips/card-0\.png"):
        drawing.add(path, other)


def test_a_card_kept_damaged_in_the_cache_is_drawn_again(tmp_path: Path) -> None:
    cards = some_cards(2 * BATCH)
    first = CardDrawing(CardCache(tmp_path), background=True)
    for path, card in cards:
        first.add(path, card)
    first.files()
    entries = sorted((tmp_path / "cards").rglob("*.png"))
    assert len(entries) == len(cards)
    entries[0].write_bytes(entries[0].read_bytes()[:-10])  # cut short
    cache = CardCache(tmp_path)
    second = CardDrawing(cache, background=True)
    for path, card in cards:
        second.add(path, card)
    assert second.files() == [(path, render_card(card)) for path, card in cards]
    assert (cache.hits, cache.misses) == (len(cards) - 1, 1)
    assert (second.kept, second.drawn_here + second.drawn_by_worker) == (len(cards) - 1, 1)


@pytest.mark.slow
def test_the_site_is_the_same_with_and_without_the_second_process(tmp_path: Path) -> None:
    env = {"TIPS_CACHE_DIR": str(tmp_path / "cache")}
    both = build_real_site(REPO / "tips", tmp_path / "both", AS_OF, env)
    one = build_real_site(REPO / "tips", tmp_path / "one", AS_OF, {"TIPS_CACHE_DIR": "off", "TIPS_CARD_PROCESS": "off"})
    assert both.ok and one.ok, both.output + one.output
    assert_same_sites(both.site, one.site, tip_pages=3)
    cards = sorted(path.relative_to(both.site).as_posix() for path in (both.site / "cards").rglob("*.png"))
    assert len(cards) > 2 * BATCH


def test_the_worker_is_heard_on_a_descriptor_above_1023() -> None:
    # A long-running preview server can hand out high descriptors; select() would refuse them.
    resource = pytest.importorskip("resource")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1200:
        pytest.skip("this system allows fewer than 1,200 open files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(4096, hard) if hard != resource.RLIM_INFINITY else 4096, hard))
    held = []
    try:
        with open(os.devnull, "rb") as null:
            while not held or held[-1] < 1100:
                held.append(os.dup(null.fileno()))
        cards = some_cards(3 * BATCH)
        drawing = CardDrawing(background=True)
        for path, card in cards:
            drawing.add(path, card)
        assert drawing._worker.stdout.fileno() > 1023
        drawing._read_answers(card_drawing.WAIT_SECONDS, until=1)
        assert drawing.files() == [(path, render_card(card)) for path, card in cards]
        assert drawing.drawn_by_worker >= BATCH
    finally:
        for descriptor in held:
            os.close(descriptor)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_worker_that_dies_between_batches_costs_only_speed(caplog) -> None:
    # The next batch meets a closed pipe; the build goes on and draws every card itself.
    cards = some_cards(4 * BATCH)
    drawing = CardDrawing(background=True)
    with caplog.at_level(logging.INFO, logger="servicetips.card_drawing"):
        for path, card in cards[:BATCH]:
            drawing.add(path, card)
        worker = drawing._worker
        worker.kill()
        worker.wait()
        for path, card in cards[BATCH:]:
            drawing.add(path, card)
        assert drawing.files() == [(path, render_card(card)) for path, card in cards]
    assert "the second process failed: it stopped" in caplog.text
    assert worker.returncode is not None and worker.stdin.closed and worker.stdout.closed


def test_modules_in_the_folder_the_build_runs_from_never_run_in_the_worker(tmp_path: Path, monkeypatch) -> None:
    # `python -m` puts the current folder first on sys.path; the worker runs with -P.
    marker = tmp_path / "ran"
    for name in ("queue", "json", "threading"):
        (tmp_path / f"{name}.py").write_text(f"open({str(marker)!r}, 'w').write('{name}')\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    cards = some_cards(2 * BATCH)
    drawing = CardDrawing(background=True)
    for path, card in cards:
        drawing.add(path, card)
    drawing._read_answers(card_drawing.WAIT_SECONDS, until=2)
    assert drawing.files() == [(path, render_card(card)) for path, card in cards]
    assert drawing.drawn_by_worker == len(cards)
    assert not marker.exists()


def test_a_worker_with_other_drawing_code_refuses_to_draw(tmp_path: Path) -> None:
    (key, card) = (card_key(some_cards(1)[0][1]), some_cards(1)[0][1])
    batch = json.dumps([[key, *astuple(card)]]) + "\n"
    command = [sys.executable, "-P", "-m", "servicetips.card_drawing", str(tmp_path), "0" * 64, "kept"]
    done = subprocess.run(command, input=batch.encode(), capture_output=True, timeout=60)
    assert done.returncode == 1
    assert done.stdout.startswith(b"error the worker would draw with other code")
    assert not list(tmp_path.rglob("*.png"))
    # With the build's own fingerprint it draws. (Its input stays open until the answer is read:
    # a worker whose input has ended stops without drawing what is left.)
    command[-2] = card_drawing.renderer_fingerprint()
    worker = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    worker.stdin.write(batch.encode())
    worker.stdin.flush()
    assert worker.stdout.readline() == b"ok\n"
    worker.stdin.close()
    assert worker.wait(60) == 0
    worker.stdout.close()
    assert CardCache(tmp_path).get(key) == render_card(card)


def test_a_worker_whose_build_is_gone_stops_and_removes_its_temporary_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(card_drawing.tempfile, "tempdir", str(tmp_path))
    drawing = CardDrawing(background=True)
    for path, card in some_cards(8 * BATCH):
        drawing.add(path, card)
    worker = drawing._worker
    worker.stdin.close()  # as when the build's process is killed
    assert worker.wait(60) == 0
    assert not list(tmp_path.glob("servicetips-cards-*"))
    drawing._worker = None  # the build is gone: nothing of it runs on


def test_a_build_that_fails_after_the_cards_were_sent_stops_their_worker(monkeypatch) -> None:
    # Both while the cards are named (the home page's card is the last) and later, in the feeds.
    workers = []
    send = CardDrawing._send

    def sending(self) -> None:
        send(self)
        workers.append(self._worker)

    def failing(*args, **kwargs):
        raise RuntimeError("this step failed")

    monkeypatch.setattr(CardDrawing, "_send", sending)
    for owner, name in ((HeadsBuilder, "home"), (build_module, "build_feeds")):
        with monkeypatch.context() as patch:
            patch.setattr(owner, name, failing)
            workers.clear()
            with pytest.raises(RuntimeError, match="this step failed"):
                build_site(REPO / "tips", DAY, SITE, card_process=True)
        assert workers and workers[0] is not None, name
        assert all(worker.poll() is not None for worker in workers if worker is not None), name
