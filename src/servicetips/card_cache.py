"""A content-addressed cache of share cards, so a rebuild does not redraw a card it drew before.

A card takes ~2.4 ms to draw (a palette PNG), ~2.4 s at 1,000 tips, on every
build and every preview rebuild. The cache keeps each card's PNG under a key that is the
sha256 of everything that can change its bytes: the card's fields, the font
file's bytes, Pillow's version and the source of `cards.py` (its layout and
colours; hashing the source, not a version constant, means no change to the
drawing can forget to invalidate the cache).

Entries are kept by the build's shared store (`servicetips.cache_store`), a
linkable one: `<folder>/cards/<key[:2]>/<key>.<seal>.png`, the bare PNG under
a name sealed with the sha256 of the kind, the key and the PNG, so a file
copied or renamed from another card's place is not taken for it, and the
site links the entry instead of writing the card again. The folder is
passed in (None: no cache); it is never published and is safe to delete. A
file that is not what it claims (bytes that do not match the seal in its
name, not a 1200x630 PNG) is ignored and rewritten: a damaged or stray file
is never trusted (one written on purpose by someone who can write the
folder can pass, as can anything they put in the project).
A folder that cannot be written only costs speed: the first failure is
logged once and the cache is skipped for the rest of the build.
"""

from __future__ import annotations

import hashlib
import json
import logging
import struct
from collections.abc import Iterable
from dataclasses import astuple
from functools import lru_cache
from pathlib import Path

import PIL

from . import cards
from .cache_store import Entry, Store
from .cards import Card

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FOLDER = "cards"
SUFFIX = ".png"

log = logging.getLogger("servicetips.card_cache")


@lru_cache(maxsize=1)
def renderer_fingerprint() -> str:
    """The sha256 of what draws a card, beside the card itself: cards.py, the font file, Pillow's version."""
    digest = hashlib.sha256()
    for part in (
        Path(cards.__file__).read_bytes(),
        cards.font_path().read_bytes(),
        PIL.__version__.encode("utf-8"),
    ):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def card_key(card: Card) -> str:
    """The cache key of `card`: the sha256 of its fields (JSON, so no two cards share an encoding) and the renderer."""
    fields = json.dumps([renderer_fingerprint(), *astuple(card)], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(fields.encode("utf-8")).hexdigest()


def _is_card_png(data: bytes) -> bool:
    # Cheap: the PNG signature and the IHDR chunk's width and height, no decoding.
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return False
    return struct.unpack(">II", data[16:24]) == cards.SIZE


class CardCache:
    """Card PNGs kept in `folder` by `card_key` (`card_drawing.CardDrawing` reads them, and draws and keeps
    what the folder does not hold)."""

    def __init__(self, folder: Path) -> None:
        fallback = "cards are drawn, not cached"
        self._store = Store(folder, FOLDER, suffix=SUFFIX, log=log, fallback=fallback, linkable=True)
        self.root = Path(folder)  # the build cache folder, as given
        self.folder = self._store.folder  # where the cards are, in it
        self.hits = self.misses = 0

    @property
    def writable(self) -> bool:
        """False once a write failed: the rest of the build draws without keeping."""
        return self._store.writable

    def path(self, key: str) -> Path | None:
        """Where the card with `key` is kept; None when it is not."""
        return self._store.path(key)

    def get(self, key: str) -> bytes | None:
        """The PNG kept under `key`, or None when there is none or the file is not a sound card."""
        found = self.entry(key)
        return found.payload if found is not None else None

    def entry(self, key: str, recheck: bool = False) -> Entry | None:
        """The sound card kept under `key` with its file (which the site may link), or None; `recheck`
        looks again for one another process (the worker, the build) may have left since this cache looked."""
        found = self._store.entry(key, recheck)
        return found if found is not None and _is_card_png(found.payload) else None

    def put(self, key: str, png: bytes) -> Entry | None:
        """Keep `png` under `key`, atomically, and return its entry; when the folder cannot be written, say so
        once and stop trying (None)."""
        return self._store.put(key, png)

    def prune(self, keep: Iterable[str]) -> int:
        """Remove every card whose key is not in `keep` (and any file that is not a sound entry's name); the
        number removed. A full build's cards are all it keeps: the folder holds one site's cards."""
        return self._store.prune(keep) if self._store.writable else 0
