"""Limits on a tip body that keep every later rule, and the rendering, fast (BODY020-BODY025).

They run first, before any pattern of body.py and before Markdown renders
the body: a body that breaks one is reported with these problems only,
and is neither scanned by the other rules nor rendered (the check, the
ledger and therefore the build never render it). The size limits come
first and use no pattern at all; the construct limits then read the body
once, with code blanked (`body.code_free_lines`, whose patterns are linear
and run on at most `MAX_BODY_CHARS` characters).

Why each limit (measured with Python-Markdown 3.x on this configuration,
2 shared cores; bench/body_limits.py measures them again):

* `MAX_BODY_CHARS`: 20 characters a word for the 1,000-word maximum, three
  times what prose takes. Python-Markdown is quadratic on several inputs
  (below), so every other bound is stated for a body of this size.
* `MAX_BODY_LINES`: Markdown spends about 0.1 ms a line on lines of ```` ``` ````
  or `#` (toc makes an id unique by counting up from 1, quadratic in equal
  headings): 9,750 `#` lines took 3.8 s, 1,000 take 0.04 s.
* `MAX_NESTING`: Python-Markdown parses nested blocks recursively, some
  three frames a level. `1. 1. 1. ...` 5,000 deep, 350 nested
  `<div markdown>` or 500 definitions in a row (def_list nests each in the
  one before) end in RecursionError, a traceback. Ten levels leave the
  stack of `mkdocs build` ample room.
* `MAX_UNCLOSED_BRACKETS`, `MAX_BRACKET_DEPTH`: every `[` makes each link
  pattern read on to its `]` or to the end of the paragraph, in Python:
  16,000 `[` took 27 s; at 20,000 characters each unclosed `[` costs about
  3.5 ms, each level of brackets around the text about 2.5 ms.
* `MAX_HTML_TAGS`, `MAX_HTML_DECLARATIONS`: the raw-HTML reader of
  Python-Markdown reads on from each unfinished tag: each `<a` costs about
  0.6 ms at 20,000 characters, each `<![` (CDATA) 8 ms; 64,000 characters of
  `<a href="` took 7.7 s.
* `MAX_ABBREVIATIONS`: abbr looks for every abbreviation in all the text:
  650 definitions in 20,000 characters took 0.35 s, 50 take 0.01 s.
* Linear, and left to the size limits: tables (1,800 columns 0.3 s), code
  spans, emphasis, entities, footnotes and reference definitions.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .body import BodyIssue, TipLink, check_body, code_free_lines
from .body_markup import check_body_html

MAX_BODY_CHARS = 20_000
MAX_BODY_LINES = 1_000
MAX_NESTING = 10
MAX_UNCLOSED_BRACKETS = 20
MAX_BRACKET_DEPTH = 10
MAX_HTML_TAGS = 50
MAX_HTML_DECLARATIONS = 10
MAX_ABBREVIATIONS = 50

_NESTING_HINT = (
    "nest at most a few levels; put a blank line between two definitions (`: ...` lines), which otherwise nest"
)
_BRACKET_HINT = "close each `[` with a `]` and each link's `(` with a `)`; write a literal bracket as `\\[`"
# The codes of the limits: a body that breaks one is read no further by any rule.
LIMIT_CODES = frozenset({"BODY020", "BODY021", "BODY022", "BODY023", "BODY024", "BODY025"})
_LIST_MARKERS = "-*+"
_DIGITS = "0123456789"
# What opens or closes a bracket: `[`, or the `(` of a link's destination
# (right after `]`): Markdown reads on from either to its `]` or `)` (or to
# the paragraph's end). An escaped character (`\[`) is one token and opens
# nothing; a `(` right after an escaped `\]` counts (the limit errs towards counting).
_BRACKET_TOKEN = re.compile(r"\\.|[\[\])]|(?<=\])\(")
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ/")


def check_tip_body(body: str) -> tuple[list[BodyIssue], list[TipLink]]:
    """Every rule on a tip body, limits first: its issues and its links to other tips.

    The one entry point for a body, used by the check and by the ledger. A
    body that breaks a limit gets its word count and the limit problems,
    and nothing else runs on it: no pattern of body.py, no rendering.
    """
    limits = limit_issues(body)
    if limits:
        issues, _ = check_body(body, words_only=True)
        return issues + list(limits), []
    issues, links = check_body(body)
    try:
        return issues + check_body_html(body), links
    except RecursionError:
        # A second wall behind MAX_NESTING: nesting the limits did not
        # foresee is still a located problem, never a traceback.
        return [
            *issues,
            BodyIssue(1, 1, "BODY022", "the body nests blocks too deeply for Markdown to read it", _NESTING_HINT),
        ], []


@lru_cache(maxsize=256)
def limit_issues(body: str) -> tuple[BodyIssue, ...]:
    """The limits `body` breaks (at most one problem per limit); empty when every limit holds."""
    if len(body) > MAX_BODY_CHARS:
        line = body.count("\n", 0, MAX_BODY_CHARS) + 1
        col = MAX_BODY_CHARS - (body.rfind("\n", 0, MAX_BODY_CHARS) + 1) + 1
        return (
            BodyIssue(
                line,
                col,
                "BODY020",
                f"the body is {len(body):,} characters long; a tip body has at most {MAX_BODY_CHARS:,}",
                "a tip is 150-400 words: shorten it, or split it into several tips",
            ),
        )
    lines = body.count("\n") + 1
    if lines > MAX_BODY_LINES:
        return (
            BodyIssue(
                MAX_BODY_LINES + 1,
                1,
                "BODY021",
                f"the body has {lines:,} lines; a tip body has at most {MAX_BODY_LINES:,}",
                "a tip is 150-400 words: join short lines into paragraphs, or split the tip",
            ),
        )
    return tuple(_construct_issues(body))


def _construct_issues(body: str) -> list[BodyIssue]:
    issues: list[BodyIssue] = []
    nesting = brackets = abbreviation = None
    abbreviations = 0
    definitions = 0  # definitions since the last blank line: def_list nests each in the one before
    unclosed: list[tuple[int, int]] = []
    open_brackets: list[tuple[int, int]] = []
    for number, line in code_free_lines(body):
        if not line.strip():
            unclosed.extend(open_brackets)
            open_brackets = []
            definitions = 0
            continue
        depth, is_definition = _line_depth(line)
        definitions += is_definition
        depth += max(0, definitions - 1)
        if nesting is None and depth > MAX_NESTING:
            nesting = BodyIssue(
                number,
                1,
                "BODY022",
                f"lists, quotes, definitions or notes are nested {depth} levels deep; at most {MAX_NESTING}",
                _NESTING_HINT,
            )
        if line.startswith("*["):
            abbreviations += 1
            if abbreviation is None and abbreviations > MAX_ABBREVIATIONS:
                abbreviation = BodyIssue(
                    number,
                    1,
                    "BODY025",
                    f"the body defines more than {MAX_ABBREVIATIONS} abbreviations",
                    "define only the abbreviations a reader may not know",
                )
        # The brackets are found by one pattern, not a Python loop over every
        # character of the body (that loop was most of the check's own time).
        for token in _BRACKET_TOKEN.finditer(line):
            char = token.group()
            if char == "[" or char == "(":
                open_brackets.append((number, token.start() + 1))
                if brackets is None and len(open_brackets) > MAX_BRACKET_DEPTH:
                    brackets = BodyIssue(
                        number,
                        token.start() + 1,
                        "BODY023",
                        f"brackets `[` or link parentheses `](` are nested more than {MAX_BRACKET_DEPTH} deep",
                        _BRACKET_HINT,
                    )
            elif char in "])" and open_brackets:
                open_brackets.pop()
    unclosed.extend(open_brackets)
    if nesting:
        issues.append(nesting)
    if brackets is None and len(unclosed) > MAX_UNCLOSED_BRACKETS:
        line, col = sorted(unclosed)[MAX_UNCLOSED_BRACKETS]
        brackets = BodyIssue(
            line,
            col,
            "BODY023",
            f"{len(unclosed)} `[` or `](` are never closed by a `]` or `)` in their paragraph; "
            f"at most {MAX_UNCLOSED_BRACKETS}",
            _BRACKET_HINT,
        )
    if brackets:
        issues.append(brackets)
    if abbreviation:
        issues.append(abbreviation)
    html = _html_issue(body)
    if html:
        issues.append(html)
    return issues


def _line_depth(line: str) -> tuple[int, bool]:
    """How many block containers a line opens (indentation in fours, `>`, list, `:` and `!!!` markers).

    Returns the depth and whether the line starts a definition (`: ...`).
    Only a line that opens a container counts its indentation: an indented
    line without a marker is code or a continuation, which nests nothing.
    """
    index, columns, size = 0, 0, len(line)
    while index < size and line[index] in " \t":
        columns += 4 - columns % 4 if line[index] == "\t" else 1
        index += 1
    markers = 0
    is_definition = index < size and line[index] == ":" and columns < 4
    while index < size:
        char = line[index]
        following = line[index + 1] if index + 1 < size else " "
        if char == ">":
            index += 1
        elif char in _LIST_MARKERS + ":" and following in " \t":
            index += 2
        elif char in _DIGITS:
            end = index
            while end < size and end - index < 9 and line[end] in _DIGITS:
                end += 1
            if end < size and line[end] in ".)" and (end + 1 == size or line[end + 1] in " \t"):
                index = end + 1
            else:
                break
        elif line.startswith("!!!", index):
            markers += 1
            break
        elif char in " \t":
            index += 1
            continue
        else:
            break
        markers += 1
    return (columns // 4 + markers if markers else 0), is_definition


def _html_issue(body: str) -> BodyIssue | None:
    """Too many raw HTML tags, or `<!`/`<?` openings, outside fenced code.

    Code spans count: Markdown's raw-HTML reader reads them before it knows they are code.
    """
    tags = declarations = 0
    for number, line in code_free_lines(body, spans=False):
        start = line.find("<")
        while start >= 0:
            following = line[start + 1 : start + 2]
            if following in ("!", "?"):
                declarations += 1
                if declarations > MAX_HTML_DECLARATIONS:
                    return BodyIssue(
                        number,
                        start + 1,
                        "BODY024",
                        f"the body has more than {MAX_HTML_DECLARATIONS} `<!` or `<?` outside code blocks",
                        "a tip has no comments, CDATA or declarations: remove them, or put them in a fenced code block",
                    )
            elif following and following in _NAME_START:
                tags += 1
                if tags > MAX_HTML_TAGS:
                    return BodyIssue(
                        number,
                        start + 1,
                        "BODY024",
                        f"the body has more than {MAX_HTML_TAGS} HTML tags outside code blocks",
                        "use Markdown instead of HTML, or put code in a fenced code block",
                    )
            start = line.find("<", start + 1)
    return None


def limits_markdown() -> str:
    """The limits as a Markdown list for the contributing guide (block `tips:body-limits`)."""
    return (
        f"- At most {MAX_BODY_CHARS:,} characters and {MAX_BODY_LINES:,} lines (`BODY020`, `BODY021`).\n"
        f"- Lists, quotes, definitions and notes nested at most {MAX_NESTING} levels deep; a definition "
        f"(`: ...`) that follows another without a blank line counts as one level deeper (`BODY022`).\n"
        f"- Square brackets `[` and link parentheses `](` nested at most {MAX_BRACKET_DEPTH} deep, and at most "
        f"{MAX_UNCLOSED_BRACKETS} never closed in their paragraph; `\\[` is a literal bracket (`BODY023`).\n"
        f"- At most {MAX_HTML_TAGS} HTML tags and {MAX_HTML_DECLARATIONS} `<!` or `<?` outside fenced code "
        f"blocks (`BODY024`).\n"
        f"- At most {MAX_ABBREVIATIONS} abbreviations (`*[ABBR]: ...`, `BODY025`).\n"
    )
