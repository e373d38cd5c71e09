"""servicetips.markup: plain text survives Markdown and HTML; links between tips are re-pointed."""

from __future__ import annotations

import html
import re

import markdown
import pytest
from hypothesis import given, settings, strategies as st
from lxml import html as lxml_html

from servicetips.markup import html_page_meta, md_text, rewrite_links

# The extensions the site uses for generated pages (mkdocs.yml), plus the
# safety extension itself.
EXTENSIONS = ["abbr", "def_list", "footnotes", "tables", "sane_lists", "admonition", "attr_list",
              "md_in_html", "toc", "servicetips.markup"]


def rendered_text(source: str) -> str:
    """The text a reader sees when `source` is rendered as one Markdown heading."""
    out = markdown.markdown(f"# {source}", extensions=EXTENSIONS)
    return lxml_html.fromstring(out).text_content()


plain_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
    min_size=1, max_size=60,
).map(lambda s: " ".join(s.split())).filter(bool)


@given(plain_text)
@settings(max_examples=300, deadline=None)
def test_any_plain_text_renders_exactly_as_written(text):
    assert rendered_text(md_text(text)) == text


@pytest.mark.parametrize("text", [
    'Answer in < 2 hours & say "thanks"',
    "Use *stars* and _underscores_ [literally]",
    "Back\\slash, `tick`, {curly} | pipe # hash!",
    "Café crème: l'accueil à la française ☕",
    "&amp; is an entity written out",
    "1. not a list", "- not a list either", "> not a quote",
])
def test_tricky_titles_render_and_escape_once(text):
    out = markdown.markdown(f"# {md_text(text)}", extensions=EXTENSIONS)
    assert lxml_html.fromstring(out).text_content() == text
    assert html.escape(text, quote=False) in out  # escaped once: no more, no less
    assert "<em>" not in out and "<a " not in out and "<ol>" not in out and "<blockquote>" not in out


def test_page_meta_is_escaped_once_for_html():
    meta = {"title": 'A < B & "C"', "description": "x & y", "author": "O'Brien",
            "tags": ["Tone & wording"], "hide": ["toc"], "search": {"boost": 2}}
    escaped = html_page_meta(meta)
    assert escaped["title"] == "A &lt; B &amp; &quot;C&quot;"
    assert escaped["description"] == "x &amp; y"
    assert escaped["author"] == "O&#x27;Brien"
    assert escaped["tags"] == ["Tone &amp; wording"]
    assert escaped["hide"] == ["toc"] and escaped["search"] == {"boost": 2}
    assert meta["title"] == 'A < B & "C"'  # the input is not changed
    assert html.unescape(escaped["title"]) == meta["title"]


@pytest.mark.parametrize("body, expected", [
    ("[a](other.md)", "[a](T/other)"),
    ("[a](../other.md)", "[a](T/other)"),
    ("[a](/tips/other/)", "[a](T/other)"),
    ("[a](../other/)", "[a](T/other)"),
    ("[a](other.md#why-it-works)", "[a](T/other#why-it-works)"),
    ("[a](<other.md>)", "[a](T/other)"),
    ("![a picture](../other.md)", "![a picture](T/other)"),
    ("[ref]: ../other.md", "[ref]: T/other"),
    ("[a](https://example.org/x.md)", "[a](https://example.org/x.md)"),
    ("[a](#anchor)", "[a](#anchor)"),
    ("[a](mailto:someone@example.org)", "[a](mailto:someone@example.org)"),
    ("`[a](other.md)` and [b](other.md)", "`[a](other.md)` and [b](T/other)"),
    ("```\n[a](other.md)\n```\n[b](other.md)", "```\n[a](other.md)\n```\n[b](T/other)"),
])
def test_links_to_tips_are_re_pointed_and_nothing_else(body, expected):
    assert rewrite_links(body, lambda slug: f"T/{slug}") == expected


@pytest.mark.parametrize("body, expected", [
    ("![a card](images/card.png)", "![a card](F:images/card.png)"),
    ("[notes](notes.txt#top)", "[notes](F:notes.txt#top)"),
    ("[a](other.md)", "[a](T/other)"),
    ("[a](https://example.org/card.png)", "[a](https://example.org/card.png)"),
    ("[a](/about/)", "[a](/about/)"),
    ("[a](#anchor)", "[a](#anchor)"),
    ("`![a](card.png)`", "`![a](card.png)`"),
])
def test_files_beside_a_tip_are_re_pointed_when_asked(body, expected):
    assert rewrite_links(body, lambda slug: f"T/{slug}", lambda target: f"F:{target}") == expected


def test_markdown_cannot_add_event_handlers_or_script_urls():
    source = '[click](https://example.org){ onclick="alert(1)" .ok }\n\n[x](javascript:alert(1))'
    out = markdown.markdown(source, extensions=EXTENSIONS)
    assert "onclick" not in out and "javascript:" not in out
    assert re.search(r'class="ok"', out)
