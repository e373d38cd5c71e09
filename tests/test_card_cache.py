"""The share-card cache (servicetips.card_cache): the same bytes with or without it, and never trusted.

Cards are kept by a key of every input of their drawing; a damaged, foreign
or misplaced file in the cache folder is ignored and rewritten, a folder that
cannot be written only means cards are drawn, and deleting the folder is safe.
"""

from __future__ import annotations

import logging
import shutil
from datetime import date
from pathlib import Path

import pytest

from servicetips import card_cache, cards, routes
from servicetips.build import build_site, cache_dir_for
from servicetips.cache_store import _header, _seal
from servicetips.card_cache import CardCache, card_key
from servicetips.card_drawing import CardDrawing
from servicetips.cards import Card, render_card
from servicetips.feeds import SiteInfo
from support import AS_OF, REPO

FIXTURES = Path(__file__).parent / "fixtures" / "card-cache"
SITE = SiteInfo(url="https://servicetips.example.org/", title="Service Tips", description="Tips.")
CARD = Card("Greet the customer by name", "tip", "Service Tips", ("tone", "email"), footer="servicetips.example.org")


def build(cache_dir: Path | None) -> dict[str, bytes]:
    """Every generated file of the real library's build, by path."""
    output = build_site(REPO / "tips", date.fromisoformat(AS_OF), SITE, cache_dir=cache_dir)
    assert output.ok
    return {file.path: file.content for file in output.all_files()}


def drawn(cache: CardCache, card: Card) -> bytes:
    """`card` as one build takes it: read from `cache` when it holds a sound copy, else drawn and kept there."""
    drawing = CardDrawing(cache)
    drawing.add("cards/tips/a-card.png", card)
    return drawing.files()[0][1]


@pytest.fixture(scope="module")
def uncached() -> dict[str, bytes]:
    return build(None)


def kept(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.png"))


def test_builds_with_a_cold_and_a_warm_cache_equal_a_build_without_one(uncached, tmp_path):
    cold = build(tmp_path)
    stored = kept(tmp_path)
    drawn = {content for path, content in uncached.items() if path.startswith(f"{routes.CARDS}/")}
    assert len(drawn) > 10 and len(stored) == len(drawn)  # one entry per distinct card
    warm = build(tmp_path)
    assert cold.keys() == uncached.keys() == warm.keys()
    for path, content in uncached.items():
        assert cold[path] == content, path
        assert warm[path] == content, path
    assert kept(tmp_path) == stored  # the warm build found everything and wrote nothing new


def test_a_warm_cache_draws_nothing(tmp_path):
    first, second = CardCache(tmp_path), CardCache(tmp_path)
    assert drawn(first, CARD) == render_card(CARD)
    assert drawn(second, CARD) == render_card(CARD)
    assert (first.hits, first.misses, second.hits, second.misses) == (0, 1, 1, 0)


def test_the_key_changes_with_every_field_of_the_card():
    variants = [
        Card("Greet the customer by name.", "tip", "Service Tips", ("tone", "email"), footer="servicetips.example.org"),
        Card("Greet the customer by name", "week", "Service Tips", ("tone", "email"), footer="servicetips.example.org"),
        Card("Greet the customer by name", "tip", "Service tips", ("tone", "email"), footer="servicetips.example.org"),
        Card("Greet the customer by name", "tip", "Service Tips", ("email", "tone"), footer="servicetips.example.org"),
        Card("Greet the customer by name", "tip", "Service Tips", ("tone", "email"), footer="example.org"),
        Card("Greet the customer by name", "tip", "Service Tips", ("tone", "email"), "Tip", "servicetips.example.org"),
        # Fields that would run together in a naive concatenation.
        Card("Greet the customer by name", "tip", "Service Tips", ("tone, email",), footer="servicetips.example.org"),
    ]
    keys = {card_key(card) for card in [CARD, *variants]}
    assert len(keys) == len(variants) + 1


def test_the_key_changes_with_the_drawing_code(monkeypatch, tmp_path):
    before = card_key(CARD)
    changed = tmp_path / "cards.py"
    changed.write_bytes(Path(cards.__file__).read_bytes().replace(b"INDIGO = (0x40", b"INDIGO = (0x41"))
    card_cache.renderer_fingerprint.cache_clear()
    monkeypatch.setattr(cards, "__file__", str(changed))
    try:
        assert card_key(CARD) != before
    finally:
        monkeypatch.undo()
        card_cache.renderer_fingerprint.cache_clear()
    assert card_key(CARD) == before


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:-10],  # cut short
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),  # one bit flipped in the PNG
        lambda data: _header(card_cache.FOLDER, card_key(CARD), data) + data,  # the older format's header
        lambda data: b"",  # empty
        lambda data: data + b"<script>alert(1)</script>",  # bytes added after the PNG's end
    ],
    ids=["truncated", "bit-flip", "old-format", "empty", "appended"],
)
def test_a_damaged_entry_is_ignored_and_rewritten(tmp_path, damage):
    cache = CardCache(tmp_path)
    good = drawn(cache, CARD)
    entry = cache.path(card_key(CARD))
    sound = entry.read_bytes()
    assert sound == good  # the bare PNG: what the site publishes, by a link
    entry.write_bytes(damage(sound))
    assert cache.get(card_key(CARD)) is None
    assert drawn(CardCache(tmp_path), CARD) == good == render_card(CARD)
    assert entry.read_bytes() == sound


def sound_name(card: Card) -> str:
    """The name a sound entry of `card` has: its key, sealed with its PNG."""
    key = card_key(card)
    return f"{key}.{_seal(card_cache.FOLDER, key, render_card(card))}{card_cache.SUFFIX}"


@pytest.mark.parametrize("fixture", ["foreign.png", "stray.txt"])
def test_a_foreign_file_in_the_entry_s_place_is_ignored(tmp_path, fixture):
    cache = CardCache(tmp_path)
    entry = tmp_path / card_cache.FOLDER / card_key(CARD)[:2] / sound_name(CARD)
    entry.parent.mkdir(parents=True)
    shutil.copyfile(FIXTURES / fixture, entry)
    assert cache.get(card_key(CARD)) is None
    assert drawn(cache, CARD) == render_card(CARD)
    assert cache.get(card_key(CARD)) == render_card(CARD)
    assert entry.read_bytes() == render_card(CARD)


def test_another_card_s_sound_entry_moved_into_place_is_not_taken(tmp_path):
    cache = CardCache(tmp_path)
    other = Card("Say sorry once, then fix it", "tip", "Service Tips")
    drawn(cache, other)
    moved = cache.path(card_key(other))
    for name in (sound_name(CARD), moved.name.replace(card_key(other), card_key(CARD))):
        entry = tmp_path / card_cache.FOLDER / card_key(CARD)[:2] / name
        entry.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(moved, entry)  # under this card's seal, or under the other card's seal
        assert CardCache(tmp_path).get(card_key(CARD)) is None
        entry.unlink()
    assert drawn(cache, CARD) == render_card(CARD)


def test_an_entry_of_the_right_format_but_the_wrong_size_is_ignored(tmp_path):
    cache = CardCache(tmp_path)
    png = (FIXTURES / "foreign.png").read_bytes()
    cache.put(card_key(CARD), png)  # a sound seal over a 32x32 PNG
    assert cache.get(card_key(CARD)) is None


def test_an_unwritable_cache_folder_costs_only_speed(uncached, tmp_path, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be\n")
    with caplog.at_level(logging.INFO, logger="servicetips.card_cache"):
        assert build(blocker) == uncached
    notes = [record for record in caplog.records if record.name == "servicetips.card_cache"]
    assert len(notes) == 1 and "not used" in notes[0].getMessage()
    assert blocker.read_text() == "a file where the cache folder should be\n"


def test_deleting_the_cache_is_safe(uncached, tmp_path):
    folder = tmp_path / "cache"
    build(folder)
    shutil.rmtree(folder)
    assert build(folder) == uncached
    assert kept(folder)


def test_no_temporary_file_is_left_behind(tmp_path):
    drawn(CardCache(tmp_path), CARD)
    assert [path.name for path in tmp_path.rglob("*") if path.is_file()] == [sound_name(CARD)]


def test_the_cache_folder_is_beside_mkdocs_yml_unless_set(monkeypatch, tmp_path):
    monkeypatch.delenv("TIPS_CACHE_DIR", raising=False)
    assert cache_dir_for(tmp_path) == tmp_path / ".cache" / "servicetips"
    monkeypatch.setenv("TIPS_CACHE_DIR", "build-cache")
    assert cache_dir_for(tmp_path) == tmp_path / "build-cache"
    monkeypatch.setenv("TIPS_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert cache_dir_for(tmp_path) == tmp_path / "elsewhere"
    monkeypatch.setenv("TIPS_CACHE_DIR", "off")
    assert cache_dir_for(tmp_path) is None
    assert ".cache/" in (REPO / ".gitignore").read_text().splitlines()
