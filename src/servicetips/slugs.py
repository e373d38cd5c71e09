"""Slugs and titles: the one rule for file names and tag keys, and the one way two titles are compared.

A tip's slug is its file name and its public address (/tips/<slug>/); a tag
key is an address too (/tags/<key>/). Both are lowercase kebab-case ASCII
(`SLUG_PATTERN`). `slugify` makes one from any title with python-slugify,
which transliterates instead of dropping letters ("Straße" -> "strasse", a
Cyrillic title -> its Latin spelling), where the ASCII-folding it replaces
lost them ("strae", or an empty slug). `tips new` names files with it and
`tips check` suggests a file name with it. `title_key` is how `tips new` and
`tips check` decide that two titles are the same (DUP001).
"""

from __future__ import annotations

import re

from slugify import slugify as _transliterating_slugify

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 60  # characters of a slug made from a title (titles have at most 80)


def is_slug(text: str) -> bool:
    """Whether `text` is a lowercase kebab-case ASCII slug."""
    return bool(SLUG_PATTERN.match(text))


def slugify(text: str, max_length: int = SLUG_MAX) -> str:
    """The slug of a title or file name: 'Say "sorry" & mean it' -> 'say-sorry-mean-it'; '' if nothing is left."""
    return _transliterating_slugify(text, max_length=max_length, lowercase=True)


def title_key(title: str) -> str:
    """A title as two titles are compared: case folded, runs of spaces as one ('Say  Sorry' == 'say sorry')."""
    return " ".join(title.casefold().split())
