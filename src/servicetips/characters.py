"""The characters pages and feeds cannot carry: one rule for tip files, the vocabularies and rendered HTML.

XML 1.0 cannot carry C0 controls other than tab, line feed and carriage
return, lone surrogates, U+FFFE or U+FFFF; it discourages DEL and the C1
controls, which YAML refuses or reads as a line break (U+0085); and
Unicode's noncharacters (U+FDD0-U+FDEF, the last two code points of every
plane) are meant for no text. A tip's text reaches pages, feeds and JSON,
so one such character would break a feed reader or the build.

Two places use the rule: reading refuses a file that holds such a
character (ENC006), and the HTML allow-list (`servicetips.allowlist`)
removes any that a rendering still produces, from Python-Markdown's own
placeholders (STX ... ETX) that a misread link leaves behind, or from a
character reference such as `&#2;` that a browser decodes.
"""

from __future__ import annotations

import re

# One character class of ranges, so the scan is a single linear pass; it also
# stops at any character beyond the BMP (a class listing the 32 astral
# noncharacters one by one is ten times slower), and those few are tested
# one by one.
_NOT_CARRIED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff\U00010000-\U0010ffff]"
)


def _is_carried(code: int) -> bool:
    # The class above also stops at every astral character: only the last two of a plane are refused.
    return code > 0xFFFF and code & 0xFFFE != 0xFFFE


def line_col(data: bytes | str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of `offset` in `data`."""
    before = data[:offset]
    newline = b"\n" if isinstance(data, bytes) else "\n"
    line = before.count(newline) + 1
    col = offset - (before.rfind(newline) + 1) + 1
    return line, col


def first_forbidden(text: str) -> tuple[int, str] | None:
    """(offset, description such as 'U+0002, a control character') of the first character a feed cannot carry."""
    match = _NOT_CARRIED.search(text)
    while match is not None and _is_carried(ord(match.group())):
        match = _NOT_CARRIED.search(text, match.end())  # an emoji or another ordinary astral character
    if match is None:
        return None
    code = ord(match.group())
    kind = (
        "a control character"
        if code < 0xA0
        else "a lone surrogate (a broken character)"
        if 0xD800 <= code <= 0xDFFF
        else "a Unicode noncharacter"
    )
    return match.start(), f"U+{code:04X}, {kind}"


def first_forbidden_character(text: str) -> tuple[int, int, str] | None:
    """(line, col, description) of the first character a feed cannot carry, or None (lines from 1)."""
    found = first_forbidden(text)
    if found is None:
        return None
    offset, description = found
    return *line_col(text, offset), description


def without_forbidden_characters(text: str) -> str:
    """`text` without the characters a feed cannot carry (the same text when it has none)."""
    if first_forbidden(text) is None:
        return text
    return _NOT_CARRIED.sub(lambda match: match.group() if _is_carried(ord(match.group())) else "", text)
