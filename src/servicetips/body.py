"""Checks on a tip's Markdown body: length, headings, images, links to other tips.

What HTML a body may become is judged on its rendering, against the
allow-list (`servicetips.body_markup`); the rules here need no rendering and
scan lines with regular expressions. Fenced code blocks and inline code
spans are skipped, since what they contain is shown as text: a fence counts
only in the form Python-Markdown accepts (at the start of a line, a plain
info string, closed by the same fence), and an escaped backtick opens no
code span. `code_free_lines` is also how `body_markup` finds the source
line of something the allow-list refuses.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import unquote

from .model import count_words
from .routes import TIPS, is_tip_link_path

MIN_WORDS = 60
MAX_WORDS = 1000

# A fence as both Python-Markdown's fenced_code and pymdownx.superfences read
# it: at the start of the line, then nothing but a language or an attribute list.
# The info string is one optional group, so the spaces before and after it
# cannot be split two ways (`[ ]*x*[ ]*$` backtracks quadratically on spaces).
_FENCE_OPEN = re.compile(r"^(`{3,}|~{3,})[ ]*(?:(?:\{[^\n]*\}|\.?[\w#.+-]+)[ ]*)?$")
# Runs of backticks; a code span is read from them in one pass (see
# `_blank_code_spans`), not with a pattern `(`+)(.+?)\1`, which tries every
# later run for every opening run: quadratic on runs of distinct lengths.
_BACKTICK_RUN = re.compile(r"`+")
_ATX_H1 = re.compile(r"^ {0,3}#(?:[ \t]|$)")
_SETEXT_H1 = re.compile(r"^ {0,3}=+[ \t]*$")
# Whole-body searches for a level-1 heading, confirmed line by line when
# found. The ATX one starts with a literal newline, which lets the regex
# engine skip ahead (a `^` in MULTILINE mode is tried at every position: ten
# times slower, and this runs on every body).
_ATX_H1_FIRST = re.compile(r" {0,3}#(?:[ \t\n]|$)")
_ATX_H1_NEXT = re.compile(r"\n {0,3}#(?:[ \t\n]|$)")
_SETEXT_H1_ANYWHERE = re.compile(r"^ {0,3}=+[ \t]*$", re.MULTILINE)
# These run on the whole body (code blanked out), so a target on the line
# after `](` or after `[label]:` is found, as Markdown finds it. A link
# destination is taken after every `](`, whatever the label holds (nested
# brackets, an image, an escaped bracket).
# An angle-bracketed destination holds no `<` (as Markdown reads it), which also
# keeps each attempt to the next `<`: `[^>\n]*` read `](<](<](<...` quadratically.
_DESTINATION = re.compile(r"\]\(\s*(<[^<>\n]*>|[^\s)]+)")
# A footnote's definition (`[^label]: text`) is not a link: its text is no destination.
_REF_DEF = re.compile(
    r"^(?:[ \t>]|[-*+][ \t]|\d{1,9}[.)][ \t])*\[(?!\^)(?:[^\]\\\n]|\\.)+\]:[ \t]*(?:\n[ \t>]*)?(<[^<>\n]*>|\S+)",
    re.MULTILINE,
)
# No `<` inside an autolink (Markdown's rule too): with `[^\s>]*` each `<` read on
# to the end of the line, and `'<a:' * 20000` took 15.8 s.
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]*:[^\s<>]*)>")
_NO_ALT = re.compile(r"!\[\s*\][(\[]")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_TIP_LINK = re.compile(rf"^(?:\./|\.\./|\.\./{TIPS}/|/{TIPS}/)?([^/#?]+?)(?:\.md|/)?(?:[#?].*)?$")


@dataclass(frozen=True)
class BodyIssue:
    """A problem in the body, at a line and column relative to the body's first line (1-based)."""

    line: int
    col: int
    code: str
    message: str
    hint: str


@dataclass(frozen=True)
class TipLink:
    """A link from the body to another tip, by slug, with where it stands."""

    slug: str
    target: str
    line: int
    col: int


@dataclass(frozen=True)
class FileLink:
    """A link or image of the body that points to a file beside the tips (`chart.png`, `img/a.png`).

    `path` is the file's path relative to the tips folder, as the site
    publishes it under /tips/ (None when the target leaves the tips folder).
    """

    path: str | None
    target: str
    line: int
    col: int


def code_free_lines(body: str, spans: bool = True) -> Iterator[tuple[int, str]]:
    """Yield (1-based line number, line with code spans blanked) for every line; fenced code lines are blank.

    `spans=False` keeps code spans as they are (only fenced code is blanked).

    Blanking keeps every other character at its column, so a match found in
    the yielded line is at the same place in the original line. The checker
    and the site's link rewriting (markup.py) both read code this way.

    A fence counts only when a closing fence follows: Markdown renders the
    rest of the body of an unclosed fence as ordinary text, so it is checked.
    """
    lines = body.split("\n")
    # Where each possible closing fence stands, so that finding the close of
    # an opening is a lookup, not a scan of the rest of the body (a body of
    # thousands of unclosed fences must not take quadratic time).
    closers: dict[str, list[int]] = {}
    if "```" in body or "~~~" in body:
        for number, line in enumerate(lines):
            if line.startswith(("```", "~~~")):
                closers.setdefault(line.rstrip(" "), []).append(number)
    index = 0
    while index < len(lines):
        line = lines[index]
        opening = _FENCE_OPEN.match(line) if closers else None
        if opening:
            candidates = closers.get(opening.group(1), [])
            after = bisect.bisect_right(candidates, index)
            close = candidates[after] if after < len(candidates) else None
            if close is not None:
                for number in range(index + 1, close + 2):
                    yield number, ""
                index = close + 1
                continue
        yield index + 1, _blank_code_spans(line) if spans and "`" in line else line
        index += 1


def _blank_code_spans(line: str) -> str:
    """The line with every code span replaced by spaces, read as Python-Markdown reads it.

    A span opens at a run of backticks not preceded by a backslash and closes
    at the next run of exactly as many backticks, with text between. One
    pass over the runs: the next run of each length is looked up, not searched.
    """
    runs = [(m.start(), m.end()) for m in _BACKTICK_RUN.finditer(line)]
    next_same: list[int | None] = [None] * len(runs)
    last: dict[int, int] = {}
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1] - runs[index][0]
        next_same[index] = last.get(length)
        last[length] = index
    pieces, kept, index = [], 0, 0
    while index < len(runs):
        start = runs[index][0]
        close = next_same[index]
        if close is None or (start > 0 and line[start - 1] == "\\"):
            index += 1
            continue
        span_end = runs[close][1]
        pieces.append(line[kept:start])
        pieces.append(" " * (span_end - start))
        kept, index = span_end, close + 1
    pieces.append(line[kept:])
    return "".join(pieces)


def tip_slug_of_link(target: str) -> str | None:
    """The slug a link target points to when it is a link to a tip, else None.

    Tips may link to each other as `other.md`, `../other.md`, `/tips/other/`
    or `../other/`; external URLs, anchors and mail links are not tip links.
    """
    if not target or target.startswith(("#", "//")) or _SCHEME.match(target):
        return None
    looks_like_tip = target.split("#")[0].split("?")[0]
    if not (looks_like_tip.endswith(".md") or is_tip_link_path(looks_like_tip) or looks_like_tip.startswith("../")):
        return None
    match = _TIP_LINK.match(target)
    return match.group(1) if match else ""


def check_body(body: str, words_only: bool = False) -> tuple[list[BodyIssue], list[TipLink]]:
    """Check a body; return its issues and its links to other tips (checked by the caller).

    `words_only` checks the word count alone (no pattern runs): for a body
    that breaks a limit of `servicetips.body_limits`.
    """
    issues: list[BodyIssue] = []
    links: list[TipLink] = []
    words = count_words(body)
    if words == 0:
        issues.append(
            BodyIssue(
                1,
                1,
                "BODY001",
                "the body is empty",
                "write the tip below the closing `---`: 150-400 words with one concrete action",
            )
        )
        return issues, links
    if words < MIN_WORDS:
        issues.append(
            BodyIssue(
                1,
                1,
                "BODY002",
                f"the body has {words} words; a tip needs at least {MIN_WORDS}",
                "aim for 150-400 words: the situation, what to do, and an example",
            )
        )
    elif words > MAX_WORDS:
        issues.append(
            BodyIssue(
                1,
                1,
                "BODY002",
                f"the body has {words} words; a tip has at most {MAX_WORDS}",
                "keep one idea per tip: split it into several tips",
            )
        )
    if words_only:
        return issues, links
    if "`" in body or "~~~" in body or _may_have_h1(body):  # noqa: SIM108 - the common case needs its comment
        text = _visible_text(body, issues)
    else:
        # The common case, no code and no heading candidate: the body is
        # checked as a whole by a few regex searches, with no Python loop
        # over its lines.
        text = body
    if "[" in text or "<" in text or "{" in text:
        _check_markup(text, issues, links)
    return issues, links


def _may_have_h1(body: str) -> bool:
    """Whether a line of the body could be a level-1 heading (the line scan decides)."""
    return bool(
        _ATX_H1_FIRST.match(body) or _ATX_H1_NEXT.search(body) or ("=" in body and _SETEXT_H1_ANYWHERE.search(body))
    )


def _visible_text(body: str, issues: list[BodyIssue]) -> str:
    """The body with code blanked out (same lines and columns); level-1 headings reported on the way."""
    visible: list[str] = []
    previous_text = False
    for number, line in code_free_lines(body):
        visible.append(line)
        setext = previous_text and _SETEXT_H1.match(line)
        if setext or _ATX_H1.match(line):
            issues.append(
                BodyIssue(
                    number - 1 if setext else number,  # a setext heading's text is on the line above its `===`
                    1,
                    "BODY003",
                    "the body has a level-1 heading",
                    "the title is the page's heading: write `## ` before the heading and delete the `===` line below it"
                    if setext
                    else "the title is the page's heading: use `##` for sections",
                )
            )
        previous_text = bool(line.strip()) and not _ATX_H1.match(line)
    return "\n".join(visible)


class _Positions:
    """Line and column (1-based) of an offset in a text, by binary search over line starts."""

    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


def _check_markup(text: str, issues: list[BodyIssue], links: list[TipLink]) -> None:
    """Images without alt text and links to tips in `text` (code blanked); HTML is judged on the rendering."""
    position = _Positions(text)
    for offset, target in link_targets(text):
        slug = tip_slug_of_link(target)
        if slug is not None:
            line, col = position(offset)
            links.append(TipLink(slug, target, line, col))
    for match in _NO_ALT.finditer(text):
        line, col = position(match.start())
        issues.append(
            BodyIssue(
                line,
                col,
                "BODY007",
                "an image has no alt text",
                "describe the image between the brackets: ![A reply written on a card](...)",
            )
        )


def file_links(body: str) -> list[FileLink]:
    """Every link or image of `body` (code left out) whose target is a file beside the tips, in order.

    Such a target is relative (no scheme, no leading `/`, `//` or `#`) and is
    not a link to a tip; it is resolved as MkDocs resolves it on the site
    and as `render.resolve_link` resolves it in feeds: against the tip's file,
    which lives in the tips folder.
    """
    if "](" not in body and "]:" not in body:
        return []  # the common case: no link destination at all (autolinks are absolute URLs)
    text = "\n".join(line for _, line in code_free_lines(body))
    position = _Positions(text)
    found = []
    for offset, target in link_targets(text):
        if target.startswith(("#", "/")) or _SCHEME.match(target) or tip_slug_of_link(target) is not None:
            continue
        relative = unquote(target.split("#")[0].split("?")[0])
        normal = posixpath.normpath(relative) if relative else ""
        inside = normal and normal != "." and not normal.startswith("../") and normal != ".."
        line, col = position(offset)
        found.append(FileLink(normal if inside else None, target, line, col))
    return found


def link_targets(text: str) -> list[tuple[int, str]]:
    """(offset, target) of every link destination Markdown may find in `text` (code blanked), in order."""
    targets: dict[int, str] = {}
    for pattern in (_DESTINATION, _REF_DEF, _AUTOLINK):
        for match in pattern.finditer(text):
            target, offset = match.group(1), match.start(1)
            if target.startswith("<"):
                target, offset = target[1:].rstrip(">"), offset + 1
            targets.setdefault(offset, target)
    return sorted(targets.items())
