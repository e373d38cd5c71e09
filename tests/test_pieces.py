"""The pages' HTML pieces come from autoescaped Jinja2 templates: hostile text stays text, in nodes and attributes."""

from __future__ import annotations

import ast
from pathlib import Path

from servicetips.pages.html import pieces

SRC = Path(__file__).resolve().parent.parent / "src" / "servicetips"


def test_text_and_attributes_are_escaped_as_before():
    html = str(pieces().anchor("<script>alert(\"x\")</script> & 'y'", 'https://e.org/?a=1&b="2"\'', "tip-chip"))
    assert html == (
        '<a class="tip-chip" href="https://e.org/?a=1&amp;b=&quot;2&quot;&#x27;">'
        "&lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; 'y'</a>"
    )


def test_a_hostile_label_cannot_leave_its_element():
    nav = str(pieces().nav("tip-pager", 'Other" onmouseover="x', [("</a><img src=x onerror=alert(1)>", "../", "c")]))
    assert 'aria-label="Other&quot; onmouseover=&quot;x"' in nav
    assert "<img" not in nav and "&lt;/a&gt;&lt;img src=x onerror=alert(1)&gt;" in nav


def test_credits_without_a_url_and_with_one():
    class Source:
        title, url, author = "Care & <feeding>", None, 'A. "B"'

    assert str(pieces().credits(Source, [])) == (
        '<div class="tip-credits" data-search-exclude>\n'
        '<p>Based on an idea from “Care &amp; &lt;feeding&gt;” by A. "B".</p>\n'
        "</div>"
    )
    Source.url = "https://e.org/x?q=1&r=2"
    html = str(pieces().credits(Source, [("2026-W48", "../../weekly/2026-W48/")]))
    assert '<a href="https://e.org/x?q=1&amp;r=2">“Care &amp; &lt;feeding&gt;”</a>' in html
    assert 'Tip of the week in: <a href="../../weekly/2026-W48/">2026-W48</a>.' in html


def test_no_function_in_the_pages_writes_html_in_an_f_string():
    # An f-string whose fixed text holds a tag is HTML built by hand.
    offenders = []
    for path in sorted((SRC / "pages").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                text = "".join(part.value for part in node.values if isinstance(part, ast.Constant))
                if "<" in text and ">" in text and "<!--" not in text:
                    offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []
