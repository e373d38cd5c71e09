"""What HTML a tip body becomes, judged against the allow-list and located in the source.

The body is rendered with the one Markdown configuration (the same cached
HTML the site and the feeds then use) and compared with the allow-list
(`servicetips.allowlist.findings`): every element, attribute, class, id or
URL scheme the sanitizer would remove or change is a problem. This replaces
patterns on the Markdown source, which Markdown and the browser read
differently from any pattern.

Locating: rendered HTML does not say which source line it came from, so
each finding is searched for in the source, in document order, skipping
code (which renders as text, never as markup):

* a URL: the link destinations Markdown finds (`](url)`, `[label]: url`,
  `<url>`) whose scheme, decoded as a browser decodes it, is the refused
  one; then the URL's text itself (raw HTML, attribute lists);
* an element: `<name`; an attribute: `name=`; a class: `.name`; an id:
  `#id` or `id=`; a comment, CDATA or processing instruction: its opening;
* a character pages and feeds cannot carry, written by Markdown itself: the
  first quote (`"` or `'`) inside a link's parentheses, since that is what
  makes Python-Markdown misread the link and leave its placeholders in the
  HTML; one written as a reference (`&#2;`): the reference.

Each finding takes the first occurrence not already taken by an earlier
finding of the same text, so two bad links on two lines get two lines.
When nothing matches (a construct spelled with entities), the problem is
put at the body's first line that holds `<` or `{`, else its first line.
"""

from __future__ import annotations

import bisect
import html
import re

from .allowlist import EXTENSION_CLASSES, TAGS, URL_SCHEMES, Finding, findings, url_scheme
from .body import BodyIssue, code_free_lines, link_targets
from .render import clean_html, rendered

_HTML_HINT = "use Markdown instead of HTML (e.g. **bold**, [text](url)), or put code between backticks"
_SCRIPT_HINT = "remove it: a tip cannot run scripts, and an attribute list `{: ... }` may only set allowed classes"
_URL_HINT = "link to an http(s) page, a mail address (mailto:) or another tip, e.g. [text](other-tip.md)"
_QUOTE_HINT = (
    "in a link's URL write a quote as %22 (\") or %27 ('), and a parenthesis as %28 or %29; "
    'a title goes after a space, in quotes: [text](https://example.org/page "Title")'
)
# The first quote inside a link's URL: `](` up to a quote, before any `)` or space (a quoted title comes
# after a space and is right).
_QUOTE_IN_LINK = re.compile(r"\]\([^)\s]*?([\"'])")
# Classes a writer might mean to set (Pygments' short classes are the highlighter's).
USER_CLASSES = sorted(EXTENSION_CLASSES)
_MARKUP_NAMES = {
    "<!--": (
        "an HTML comment",
        "remove it: a body has no comments, and `<!-- tips:... -->` markers work only in the site's hand-written pages",
    ),
    "<![": ("a CDATA section", _HTML_HINT),
    "<?": ("a processing instruction", _HTML_HINT),
    "<!": ("an HTML declaration", _HTML_HINT),
    "<": (
        "HTML that a browser reads differently (an unclosed or misnested element)",
        "close every HTML element, or better use Markdown instead of HTML",
    ),
}


def check_body_html(body: str) -> list[BodyIssue]:
    """Problems in what `body` renders to: everything outside the allow-list, at its source line."""
    found = findings(rendered(body), clean_html(body))
    if not found:
        return []
    locator = _Locator(body)
    return [_issue(finding, locator) for finding in found]


def _issue(finding: Finding, locator: _Locator) -> BodyIssue:
    name = finding.name
    shown = repr(name[:40])
    if finding.kind == "character":
        quote = locator.quote_in_link()
        if quote is not None:
            return BodyIssue(
                *quote,
                "BODY011",
                f"a quote in a link's URL makes Markdown leave its internal markers in the page "
                f"({finding.detail}, which pages and feeds cannot carry)",
                _QUOTE_HINT,
            )
        line, col = locator.find("](", "<")
        return BodyIssue(
            line,
            col,
            "BODY011",
            f"the body renders to {finding.detail}, which pages and feeds cannot carry",
            "simplify the Markdown here: " + _QUOTE_HINT,
        )
    if finding.kind == "reference":
        line, col = locator.find(name)
        return BodyIssue(
            line,
            col,
            "BODY011",
            f"the character reference {shown} stands for {finding.detail}, which pages and feeds cannot carry",
            "delete the reference",
        )
    if finding.kind == "element" and ":" in name:
        # `<javascript:alert(1)>`: an autolink Markdown did not take, kept as a tag.
        line, col = locator.find(f"<{name}")
        return BodyIssue(line, col + 1, "BODY005", f"the link uses a forbidden URL scheme: {shown}", _URL_HINT)
    if finding.kind == "url":
        line, col = locator.url(name)
        return BodyIssue(line, col, "BODY005", f"the link uses a forbidden URL scheme: {shown}", _URL_HINT)
    if finding.kind == "element":
        line, col = locator.find(f"<{name}")
        what = "a <script> element" if name == "script" else f"the HTML element <{name}>"
        return BodyIssue(line, col, "BODY004", f"the body contains {what}, which a tip may not use", _HTML_HINT)
    if finding.kind == "attribute":
        line, col = locator.find(f"{name}=", f"{name} =", name)
        if name.startswith("on"):
            return BodyIssue(
                line, col, "BODY004", f"the body sets the event handler {shown} on <{finding.tag}>", _SCRIPT_HINT
            )
        return BodyIssue(
            line,
            col,
            "BODY004",
            f"the attribute {shown} is not allowed on <{finding.tag}>",
            "remove it: "
            + ("a tip has no styles of its own" if name == "style" else "Markdown sets the attributes a tip needs"),
        )
    if finding.kind == "class":
        line, col = locator.find(f".{name}", name)
        return BodyIssue(
            line,
            col,
            "BODY008",
            f"the class {shown} is not allowed",
            "an attribute list may set only these classes: " + ", ".join(USER_CLASSES),
        )
    if finding.kind == "id":
        # A heading's id is its text as a slug: its first word is in the source line.
        line, col = locator.find(f"#{name}", "id=", name, name.split("-")[0])
        return BodyIssue(
            line,
            col,
            "BODY009",
            f"the id {shown} is not allowed on <{finding.tag}>",
            "remove it (headings get their ids from their text); a heading whose text starts with `__` "
            "would take an id of the theme's: reword it",
        )
    what, hint = _MARKUP_NAMES.get(name, _MARKUP_NAMES["<"])
    line, col = locator.find(name if name != "<" else "<")
    return BodyIssue(line, col, "BODY004", f"the body contains {what}", hint)


def _has_markup(line: str) -> bool:
    """Whether a source line can set an element, attribute or class: raw HTML, `{: ...}`, `!!! type`, a fence."""
    return "<" in line or "{" in line or line.lstrip().startswith(("!!!", "```", "~~~", "#"))


class _Locator:
    """Finds the source line and column of a finding's text, outside code, each occurrence once."""

    def __init__(self, body: str):
        self.lines = [line.lower() for _, line in code_free_lines(body)]
        self.raw = [line.lower() for line in body.split("\n")]
        self.text = "\n".join(line for _, line in code_free_lines(body))
        self.taken: set[tuple[int, int]] = set()
        # Computed once, not per finding: a body with hundreds of refused
        # URLs must not be read again for each of them.
        self.starts = [0] + [i + 1 for i, c in enumerate(self.text) if c == "\n"]
        self.targets = link_targets(self.text)
        # Where each needle's search resumes: every earlier occurrence is taken.
        self.resume: dict[tuple[int, str], tuple[int, int]] = {}

    def find(self, *needles: str) -> tuple[int, int]:
        """The first untaken occurrence of the first needle found (code skipped, then not)."""
        for lines in (self.lines, self.raw):
            for needle in needles:
                spot = self._search(lines, needle.lower())
                if spot is not None:
                    return spot
        return self._fallback()

    def quote_in_link(self) -> tuple[int, int] | None:
        """Where the first quote inside a link's parentheses stands (code skipped); None without one."""
        match = _QUOTE_IN_LINK.search(self.text)
        if match is None:
            return None
        offset = match.start(1)
        line = bisect.bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1

    def url(self, value: str) -> tuple[int, int]:
        """Where a refused URL stands: a Markdown link destination with that scheme, else its text."""
        scheme = url_scheme(value)
        starts = self.starts
        for offset, target in self.targets:
            decoded = html.unescape(target)
            # Markdown keeps a tab inside a destination: read up to the closing parenthesis.
            stops = [i for i in (self.text.find(")", offset), self.text.find("\n", offset)) if i >= 0]
            loose = self.text[offset : min(stops, default=len(self.text))]
            for candidate in (decoded, html.unescape(loose)):
                found = url_scheme(candidate)
                if found is not None and found == scheme and found not in URL_SCHEMES:
                    line = bisect.bisect_right(starts, offset) - 1
                    spot = (line + 1, offset - starts[line] + 1)
                    if spot not in self.taken:
                        self.taken.add(spot)
                        return spot
                    break
        # The URL as written, its scheme, its first line (a newline inside the
        # scheme), then what follows the scheme (a scheme spelled with entities).
        return self.find(value, scheme or value, value.split("\n", 1)[0], value.split(":", 1)[-1][:30])

    def _search(self, lines: list[str], needle: str) -> tuple[int, int] | None:
        if not needle:
            return None
        # A bare word (`open`, `style`) is looked for only on lines with markup,
        # not in the prose around it.
        bare = needle.replace("-", "").replace("_", "").isalnum()
        key = (id(lines), needle)
        first_line, first_col = self.resume.get(key, (0, 0))
        for number in range(first_line, len(lines)):
            line = lines[number]
            if bare and not _has_markup(line):
                continue
            col = line.find(needle, first_col if number == first_line else 0)
            while col >= 0:
                spot = (number + 1, col + 1)
                if spot not in self.taken:
                    self.taken.add(spot)
                    self.resume[key] = (number, col + 1)
                    return spot
                col = line.find(needle, col + 1)
        self.resume[key] = (len(lines), 0)
        return None

    def _fallback(self) -> tuple[int, int]:
        for number, line in enumerate(self.lines, start=1):
            for mark in ("<", "{"):
                if mark in line:
                    return number, line.index(mark) + 1
        return 1, 1


__all__ = ["TAGS", "USER_CLASSES", "check_body_html"]
