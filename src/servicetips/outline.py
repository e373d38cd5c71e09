"""The placeholder text `tips new` writes, and finding it left in a tip (PLACE001).

The placeholders are defined here once: `scaffold.py` writes exactly these
strings into a new tip, and `find_placeholders` looks for exactly these
strings, so the two cannot drift apart. The outline's headings are not
placeholders: a tip may keep them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SUMMARY_PLACEHOLDER = "One sentence that says what the reader gains."
SITUATION_PLACEHOLDER = "The situation: when does this happen, and what goes wrong for the customer?"
STEPS_PLACEHOLDER = "The steps, in order, with the words to use where words matter."
ACTION_PLACEHOLDER = "One concrete action for the next shift."

OUTLINE = f"""\
{SITUATION_PLACEHOLDER}

## What to do

{STEPS_PLACEHOLDER}

## Try it this week

{ACTION_PLACEHOLDER}
"""
# The outline is deliberately under the 60-word minimum, so `tips check`
# fails until the editor has written the tip itself; PLACE001 catches the
# placeholder lines an editor forgets while writing around them.

BODY_PLACEHOLDERS = (SITUATION_PLACEHOLDER, STEPS_PLACEHOLDER, ACTION_PLACEHOLDER)


def _flexible(text: str) -> str:
    # An editor's tool may re-wrap a line or change the case of a word:
    # the placeholder is still there, so spaces match any run of white space.
    return r"\s+".join(re.escape(word) for word in text.split())


_BODY_PATTERN = re.compile("|".join(f"({_flexible(text)})" for text in BODY_PLACEHOLDERS), re.IGNORECASE)
_SUMMARY_PATTERN = re.compile(_flexible(SUMMARY_PLACEHOLDER), re.IGNORECASE)
# One word of each body placeholder: a body without any of them (nearly
# every body) is passed after a `casefold()` and three substring tests, ten
# times faster than the case-insensitive search. The words have no `i`:
# `re.IGNORECASE` also matches `i` to `ı` and `İ`, which casefold does not
# turn into `i`; for every other ASCII letter casefold gives the letter
# itself wherever the pattern would match (a test checks every code point).
PREFILTER_WORDS = ("happen", "steps", "concrete")


@dataclass(frozen=True)
class Placeholder:
    """Placeholder text found at a line and column (1-based) of the searched text."""

    line: int
    col: int
    text: str


def find_placeholders(body: str) -> list[Placeholder]:
    """Every placeholder of the outline still in a tip's body, with its place in the body."""
    found: list[Placeholder] = []
    folded = body.casefold()
    if not any(word in folded for word in PREFILTER_WORDS):
        return found
    for match in _BODY_PATTERN.finditer(body):
        start = match.start()
        line = body.count("\n", 0, start) + 1
        col = start - (body.rfind("\n", 0, start) + 1) + 1
        found.append(Placeholder(line, col, BODY_PLACEHOLDERS[match.lastindex - 1]))
    return found


def summary_placeholder_at(summary: object) -> int | None:
    """The 0-based offset of the placeholder in a summary, or None when it is not there."""
    if not isinstance(summary, str):
        return None
    match = _SUMMARY_PATTERN.search(summary)
    return None if match is None else match.start()
