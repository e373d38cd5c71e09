"""Adversarial tip bodies: shapes that make a regex backtrack or a Markdown parser go quadratic.

Each shape is a function of a size in characters that returns a body of
about that size. They are generated, not stored: the tests (and
`bench/body_limits.py`, which measures how each grows) build them at the
sizes they need. Most repeat one small unit; a few are whole documents
(thousands of reference definitions, a table with thousands of columns).
Some are far beyond what the body rules accept (one line of 200 KB, a
quote nested 10,000 deep): the point is that the check refuses them
quickly, whatever it reports.
"""

from __future__ import annotations

from collections.abc import Callable

PROSE = "Read the whole message twice and answer what they most need to hear. "


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda size: unit * max(1, size // len(unit))


def _lines(make: Callable[[int], str], approx: int) -> Callable[[int], str]:
    """A body of lines `make(i)`, about `size` characters (each line about `approx` characters)."""
    return lambda size: "\n".join(make(i) for i in range(max(1, size // approx)))


def _nested_quote_lines(size: int) -> str:
    # Line i is quoted i levels deep, until the size is reached.
    lines, total, depth = [], 0, 1
    while total < size:
        line = "> " * depth + "a"
        lines.append(line)
        total += len(line) + 1
        depth += 1
    return "\n".join(lines)


def _nested_list_lines(size: int) -> str:
    lines, total, depth = [], 0, 0
    while total < size:
        line = "    " * depth + "- a"
        lines.append(line)
        total += len(line) + 1
        depth += 1
    return "\n".join(lines)


def _wide_table(size: int) -> str:
    columns = max(1, size // 8)
    return "|" + "a|" * columns + "\n|" + "-|" * columns + "\n|" + "b|" * columns + "\n"


def _abbreviations(size: int) -> str:
    count = max(1, size // 30)
    definitions = "\n".join(f"*[AB{i}]: x" for i in range(count))
    return " ".join(f"AB{i}" for i in range(count)) + "\n\n" + definitions


def _footnotes(size: int) -> str:
    count = max(1, size // 24)
    return " ".join(f"x[^{i}]" for i in range(count)) + "\n\n" + "\n".join(f"[^{i}]: n" for i in range(count))


def _references(size: int) -> str:
    count = max(1, size // 30)
    links = " ".join(f"[a][r{i}]" for i in range(count))
    return links + "\n\n" + "\n".join(f"[r{i}]: http://e.org/" for i in range(count))


def _code_span_runs(size: int) -> str:
    # Runs of 1, 2, 3 ... backticks: a code span closed by "the same run"
    # makes a backtracking matcher try every later run.
    parts, total, width = [], 0, 1
    while total < size:
        parts.append("`" * width + "a")
        total += width + 1
        width = width % 50 + 1
    return "".join(parts)


def _nested_divs(size: int) -> str:
    count = max(1, size // 30)
    return "<div markdown>\n" * count + "a\n" + "</div>\n" * count


def _admonitions(size: int) -> str:
    lines, total, depth = [], 0, 0
    while total < size:
        line = "    " * depth + "!!! note"
        lines.append(line)
        total += len(line) + 1
        depth += 1
    return "\n".join(lines) + "\n" + "    " * depth + "a"


SHAPES: dict[str, Callable[[int], str]] = {
    "autolink-starts": _repeat("<a:"),
    "open-brackets": _repeat("["),
    "close-brackets": _repeat("]"),
    "link-starts": _repeat("[a]("),
    "image-starts": _repeat("!["),
    "destinations": _repeat("]("),
    "link-title-quotes": _repeat('[a](b "'),
    "asterisks": _repeat("*"),
    "asterisk-words": _repeat("*a"),
    "strong-words": _repeat("**a "),
    "underscores": _repeat("_"),
    "underscore-words": _repeat("_a"),
    "backticks": _repeat("`"),
    "backtick-words": _repeat("`a"),
    "code-span-runs": _code_span_runs,
    "less-than": _repeat("<"),
    "tag-starts": _repeat("<a"),
    "open-tags": _repeat("<span>"),
    "comment-starts": _repeat("<!--"),
    "attribute-quotes": _repeat('<a href="'),
    "autolink-url": lambda size: "<http://" + "a" * size,
    "entities": _repeat("&#"),
    "backslashes": _repeat("\\"),
    "one-word": _repeat("a"),
    "braces": _repeat("{"),
    "attr-lists": _repeat("{: "),
    "quote-markers": _repeat("> "),
    "nested-quote-lines": _nested_quote_lines,
    "list-markers": _repeat("- "),
    "nested-list-lines": _nested_list_lines,
    "ordered-markers": _repeat("1. "),
    "unclosed-fences": _lines(lambda i: "```", 4),
    "fence-pairs": _lines(lambda i: "```" if i % 2 else "~~~", 4),
    "headings": _lines(lambda i: "## a", 5),
    "hash-headings": _lines(lambda i: "#", 2),
    "blank-lines": _repeat("\n"),
    "hard-breaks": _lines(lambda i: "a  ", 4),
    "reference-definitions": _references,
    "ref-def-prefixes": _repeat("- > 1. "),
    "footnotes": _footnotes,
    "abbreviations": _abbreviations,
    "wide-table": _wide_table,
    "table-rows": lambda size: "|a|b|\n|-|-|\n" + "|c|d|\n" * max(1, size // 6),
    "definition-lists": _lines(lambda i: "a\n: b", 6),
    "nested-divs": _nested_divs,
    "nested-admonitions": _admonitions,
    "prose": _repeat(PROSE),
}


def body(shape: str, size: int) -> str:
    """The body of `shape` at about `size` characters, never more."""
    return SHAPES[shape](size)[:size]


TIP_HEAD = (
    "---\ntitle: An adversarial body\nsummary: A body made to be slow.\ntags: [empathy]\n"
    "author: editorial-team\npublished: 2026-09-01\n---\n"
)


def tip_text(shape: str, size: int) -> str:
    """A whole tip file (front matter of the fixture library) with that body."""
    return TIP_HEAD + body(shape, size)
