"""Checks on a tip's Markdown body: length, headings, raw HTML, links and images.

These run on every tip on every check, so they scan lines with regular
expressions instead of rendering Markdown: rendering 10,000 bodies with
Python-Markdown takes tens of seconds, while a check must stay within a small
multiple of the time it takes just to read the files. Fenced code blocks and
inline code spans are skipped, since what they contain is shown as text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Iterator, Optional

from .model import count_words

MIN_WORDS = 60
MAX_WORDS = 1000
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:")

_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_ATX_H1 = re.compile(r"^ {0,3}#(?:[ \t]|$)")
_SETEXT_H1 = re.compile(r"^ {0,3}=+[ \t]*$")
_ATX_H1_ANYWHERE = re.compile(r"^ {0,3}#(?:[ \t]|$)", re.MULTILINE)
_SETEXT_H1_ANYWHERE = re.compile(r"^ {0,3}=+[ \t]*$", re.MULTILINE)  # confirmed line by line below
_HTML = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9-]*(?=[\s/>])|!--|![A-Za-z]|\?)")
_EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
_INLINE_LINK = re.compile(r"(!?)\[([^\]]*)\]\(\s*(<[^>]*>|[^\s)]*)")
_REF_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
_REF_IMAGE = re.compile(r"!\[\s*\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]*:[^\s>]*)>")
_TIP_LINK = re.compile(r"^(?:\./|\.\./|\.\./tips/|/tips/)?([^/#?]+?)(?:\.md|/)?(?:[#?].*)?$")


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


def _lines_outside_code(body: str) -> Iterator[tuple[int, str]]:
    """Yield (1-based line number, line with code spans blanked) for lines outside fenced code."""
    fence: Optional[str] = None
    for number, line in enumerate(body.split("\n"), start=1):
        opening = _FENCE_OPEN.match(line)
        if fence:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence):
                fence = None
            continue
        if opening:
            fence = opening.group(1)
            continue
        yield number, _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line) if "`" in line else line


def tip_slug_of_link(target: str) -> Optional[str]:
    """The slug a link target points to when it is a link to a tip, else None.

    Tips may link to each other as `other.md`, `../other.md`, `/tips/other/`
    or `../other/`; external URLs, anchors and mail links are not tip links.
    """
    if not target or target.startswith("#") or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target) or target.startswith("//"):
        return None
    looks_like_tip = target.split("#")[0].split("?")[0]
    if not (looks_like_tip.endswith(".md") or looks_like_tip.startswith("/tips/") or looks_like_tip.startswith("../")):
        return None
    match = _TIP_LINK.match(target)
    return match.group(1) if match else ""


def _is_script_url(target: str) -> bool:
    cleaned = re.sub(r"[\x00-\x20]", "", html.unescape(target)).lower()
    return cleaned.startswith(SCRIPT_SCHEMES)


def check_body(body: str) -> tuple[list[BodyIssue], list[TipLink]]:
    """Check a body; return its issues and its links to other tips (checked by the caller)."""
    issues: list[BodyIssue] = []
    links: list[TipLink] = []
    words = count_words(body)
    if words == 0:
        issues.append(BodyIssue(1, 1, "BODY001", "the body is empty",
                                "write the tip below the closing `---`: 150-400 words with one concrete action"))
        return issues, links
    if words < MIN_WORDS:
        issues.append(BodyIssue(1, 1, "BODY002", f"the body has {words} words; a tip needs at least {MIN_WORDS}",
                                "aim for 150-400 words: the situation, what to do, and an example"))
    elif words > MAX_WORDS:
        issues.append(BodyIssue(1, 1, "BODY002", f"the body has {words} words; a tip has at most {MAX_WORDS}",
                                "keep one idea per tip: split it into several tips"))
    if "`" not in body and "~~~" not in body and "<" not in body and "[" not in body:
        # The common case, plain prose: only headings can be wrong, and two
        # whole-body searches find them without walking the lines in Python.
        if not (_ATX_H1_ANYWHERE.search(body) or _SETEXT_H1_ANYWHERE.search(body)):
            return issues, links
    previous_text = False
    for number, line in _lines_outside_code(body):
        if _ATX_H1.match(line) or (previous_text and _SETEXT_H1.match(line)):
            issues.append(BodyIssue(number, 1, "BODY003", "the body has a level-1 heading",
                                    "the title is the page's heading: use `##` for sections"))
        previous_text = bool(line.strip()) and not _ATX_H1.match(line)
        # Most lines are plain prose: skip the link and HTML patterns when no
        # character that could start one is present.
        if "<" not in line and "[" not in line:
            continue
        for match in _HTML.finditer(line):
            what = "a <script> tag" if line[match.start():].lower().startswith("<script") else "raw HTML"
            if _EVENT_HANDLER.search(line[match.start():]):
                what = "raw HTML with an event handler"
            issues.append(BodyIssue(number, match.start() + 1, "BODY004", f"the body contains {what}: "
                                    f"{line[match.start():match.start() + 30].strip()!r}",
                                    "use Markdown instead of HTML (e.g. **bold**, [text](url)), "
                                    "or put code between backticks"))
        targets = [(m.group(3), m.start(3), m.start() if m.group(1) else -1, m.group(2)) for m in _INLINE_LINK.finditer(line)]
        targets += [(m.group(1), m.start(1), -1, "x") for m in _REF_DEF.finditer(line)]
        targets += [(m.group(1), m.start(1), -1, "x") for m in _AUTOLINK.finditer(line)]
        for m in _REF_IMAGE.finditer(line):
            issues.append(BodyIssue(number, m.start() + 1, "BODY007", "an image has no alt text",
                                    "describe the image between the brackets: ![A reply written on a card](...)"))
        for target, start, image_start, label in targets:
            target = target.strip("<>")
            col = start + 1
            if _is_script_url(target):
                issues.append(BodyIssue(number, col, "BODY005", f"the link uses a forbidden URL scheme: {target[:40]!r}",
                                        "link to an http(s) page or another tip, e.g. [text](other-tip.md)"))
                continue
            if image_start >= 0 and not label.strip():
                issues.append(BodyIssue(number, image_start + 1, "BODY007", "an image has no alt text",
                                        "describe the image between the brackets: ![A reply written on a card](...)"))
            slug = tip_slug_of_link(target)
            if slug is not None:
                links.append(TipLink(slug, target, number, col))
    return issues, links
