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
import unicodedata

from slugify import slugify as _transliterating_slugify

SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 60  # characters of a slug made from a title (titles have at most 80)


def is_slug(text: str) -> bool:
    """Whether `text` is a lowercase kebab-case ASCII slug."""
    return bool(SLUG_PATTERN.match(text))


def slugify(text: str, max_length: int = SLUG_MAX) -> str:
    """The slug of a title or file name: 'Say "sorry" & mean it' -> 'say-sorry-mean-it'; '' if nothing is left."""
    return _transliterating_slugify(text, max_length=max_length, lowercase=True)


# Unicode's default-ignorable code points (DerivedCoreProperties.txt): soft
# hyphen, zero-width spaces and joiners, word joiner, BOM, variation
# selectors, Hangul fillers and the like. Readers never see them, so two
# titles that differ only by one look identical on every page and feed.
_IGNORABLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
)


def title_key(title: str) -> str:
    """A title as two titles are compared: as readers see it, whatever its code points.

    Invisible characters (default-ignorable and other format characters) are
    left out, compatibility forms are folded by NFKC (fullwidth `Ｐａｕｓｅ`
    is `Pause`, a no-break space a space), case is folded and runs of spaces
    count as one ('Say  Sorry' == 'say sorry').
    """
    if title.isascii():  # the common case: nothing to fold but case and spaces
        return " ".join(title.casefold().split())
    visible = "".join(c for c in _IGNORABLE.sub("", title) if unicodedata.category(c) != "Cf")
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", visible).casefold())
    return " ".join(folded.split())
