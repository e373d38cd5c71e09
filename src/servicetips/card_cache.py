"""A content-addressed cache of share cards, so a rebuild does not redraw a card it drew before.

A card takes ~15 ms to draw, ~17 s at 1,000 tips, on every build and every
preview rebuild. The cache keeps each card's PNG under a key that is the
sha256 of everything that can change its bytes: the card's fields, the font
file's bytes, Pillow's version and the source of `cards.py` (its layout and
colours; hashing the source, not a version constant, means no change to the
drawing can forget to invalidate the cache).

Layout: `<folder>/cards/<key[:2]>/<key>.card`, each file a header line
(`MAGIC`, the key, the sha256 of the PNG) and the PNG; the key in the header
means a file copied or renamed from another card's place is not taken for it. The folder is passed in
(None: no cache); it is never published and is safe to delete. A file that
is not what it claims (wrong header, wrong hash, not a 1200x630 PNG) is
ignored and rewritten: a damaged or stray file is never trusted (one written
on purpose by someone who can write the folder can pass, as can anything
they put in the project). Writes go to a temporary
file renamed into place, so a reader never sees half a card. A folder that
cannot be written only costs speed: the first failure is logged once and the
cache is skipped for the rest of the build.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import struct
import tempfile
from dataclasses import astuple
from functools import lru_cache
from pathlib import Path

import PIL

from . import cards
from .cards import Card

MAGIC = b"servicetips-card-v1\n"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FOLDER = "cards"
SUFFIX = ".card"

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


def _header(key: str, png: bytes) -> bytes:
    return MAGIC + f"{key} {hashlib.sha256(png).hexdigest()}\n".encode("ascii")


def _header_length() -> int:
    return len(MAGIC) + 64 + 1 + 64 + 1


def _is_card_png(data: bytes) -> bool:
    # Cheap: the PNG signature and the IHDR chunk's width and height, no decoding.
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return False
    return struct.unpack(">II", data[16:24]) == cards.SIZE


class CardCache:
    """Card PNGs kept in `folder` by `card_key`; `render(card)` draws only what the folder does not hold."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder) / FOLDER
        self.writable = True
        self.hits = self.misses = 0

    def path(self, key: str) -> Path:
        """Where the card with `key` is kept."""
        return self.folder / key[:2] / f"{key}{SUFFIX}"

    def get(self, key: str) -> bytes | None:
        """The PNG kept under `key`, or None when there is none or the file is not a sound card."""
        try:
            data = self.path(key).read_bytes()
        except OSError:
            return None
        header, png = data[: _header_length()], data[_header_length() :]
        if header != _header(key, png):
            return None
        return png if _is_card_png(png) else None

    def put(self, key: str, png: bytes) -> None:
        """Keep `png` under `key`, atomically; when the folder cannot be written, say so once and stop trying."""
        if not self.writable:
            return
        target = self.path(key)
        temp = None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=SUFFIX)
            with os.fdopen(handle, "wb") as out:
                out.write(_header(key, png) + png)
            os.replace(temp, target)
        except OSError as exc:
            self.writable = False
            log.info("card cache %s not used: %s (cards are drawn, not cached)", self.folder, exc)
            if temp is not None:
                Path(temp).unlink(missing_ok=True)

    def render(self, card: Card) -> bytes:
        """`card` as PNG bytes: the kept copy when there is a sound one, else drawn now and kept."""
        key = card_key(card)
        png = self.get(key)
        if png is not None:
            self.hits += 1
            return png
        self.misses += 1
        png = cards.render_card(card)
        self.put(key, png)
        return png


def render_with(cache: CardCache | None, card: Card) -> bytes:
    """`card` drawn through `cache`, or drawn directly when there is no cache."""
    return cards.render_card(card) if cache is None else cache.render(card)
