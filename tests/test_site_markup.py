"""servicetips.markup: plain text survives Markdown and HTML; a body's links point from the page that shows it."""

from __future__ import annotations

import html
import re
from types import SimpleNamespace

import markdown
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from servicetips.markdown_config import EXTENSIONS
from servicetips.markup import html_page_meta, md_text
from servicetips.pages import site_body_html


def rendered_text(source: str) -> str:
    """The text a reader sees when `source` is rendered as one Markdown heading."""
    out = markdown.markdown(f"# {source}", extensions=EXTENSIONS)
    return lxml_html.fromstring(out).text_content()


plain_text = (
    st.text(
        alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
        min_size=1,
        max_size=60,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)


@given(plain_text)
@settings(max_examples=300, deadline=None)
def test_any_plain_text_renders_exactly_as_written(text):
    assert rendered_text(md_text(text)) == text


@pytest.mark.parametrize(
    "text",
    [
        'Answer in < 2 hours & say "thanks"',
        "Use *stars* and _underscores_ [literally]",
        "Back\\slash, `tick`, {curly} | pipe # hash!",
        "Café crème: l'accueil à la française ☕",
        "&amp; is an entity written out",
        "1. not a list",
        "- not a list either",
        "> not a quote",
    ],
)
def test_tricky_titles_render_and_escape_once(text):
    out = markdown.markdown(f"# {md_text(text)}", extensions=EXTENSIONS)
    assert lxml_html.fromstring(out).text_content() == text
    assert html.escape(text, quote=False) in out  # escaped once: no more, no less
    assert "<em>" not in out and "<a " not in out and "<ol>" not in out and "<blockquote>" not in out


def test_page_meta_is_escaped_once_for_html():
    meta = {
        "title": 'A < B & "C"',
        "description": "x & y",
        "author": "O'Brien",
        "tags": ["Tone & wording"],
        "hide": ["toc"],
        "search": {"boost": 2},
    }
    escaped = html_page_meta(meta)
    assert escaped["title"] == "A &lt; B &amp; &quot;C&quot;"
    assert escaped["description"] == "x &amp; y"
    assert escaped["author"] == "O&#x27;Brien"
    assert escaped["tags"] == ["Tone &amp; wording"]
    assert escaped["hide"] == ["toc"] and escaped["search"] == {"boost": 2}
    assert meta["title"] == 'A < B & "C"'  # the input is not changed
    assert html.unescape(escaped["title"]) == meta["title"]


def _hrefs(html_text: str) -> list[str]:
    tree = lxml_html.fragment_fromstring(html_text, create_parent="div")
    return [e.get("href") or e.get("src") for e in tree.iter("a", "img") if e.get("href") or e.get("src")]


@pytest.mark.parametrize(
    "body, expected",
    [
        ("[a](other.md)", "../other/"),
        ("[a](../other.md)", "../other/"),
        ("[a](/tips/other/)", "../other/"),
        ("[a](../other/)", "../other/"),
        ("[a](other.md#why-it-works)", "../other/#why-it-works"),
        ("[a](<other.md>)", "../other/"),
        ("![a picture](../other.md)", "../other/"),
        ("[a][ref]\n\n[ref]: ../other.md", "../other/"),
        ("[a](https://example.org/x.md)", "https://example.org/x.md"),
        ("[a](#anchor)", "#anchor"),
        ("[a](mailto:someone@example.org)", "mailto:someone@example.org"),
        ("![a card](images/card.png)", "../images/card.png"),
        ("[a](/about/)", "/about/"),
    ],
)
def test_links_of_a_tip_page_point_from_the_page(body, expected):
    tip = SimpleNamespace(body=body, slug="me")
    assert _hrefs(site_body_html(tip, "tips/me.md")) == [expected]


@pytest.mark.parametrize(
    "body, expected",
    [
        ("[a](other.md)", "../../tips/other/"),
        ("![a card](card.png)", "../../tips/card.png"),
        ("[a](#anchor)", "#anchor"),
    ],
)
def test_links_of_a_week_page_point_from_the_week(body, expected):
    tip = SimpleNamespace(body=body, slug="me")
    assert _hrefs(site_body_html(tip, "weekly/2026-W48.md")) == [expected]


def test_links_inside_code_are_text():
    out = site_body_html(
        SimpleNamespace(body="`[a](other.md)` and\n\n```\n[b](other.md)\n```", slug="me"), "tips/me.md"
    )
    assert _hrefs(out) == [] and "[a](other.md)" in out and "[b](other.md)" in out


def test_markdown_cannot_add_event_handlers_or_script_urls():
    source = '[click](https://example.org){ onclick="alert(1)" .note }\n\n[x](javascript:alert(1))'
    out = site_body_html(SimpleNamespace(body=source, slug="me"), "tips/me.md")
    assert "onclick" not in out and "javascript:" not in out
    assert re.search(r'class="note"', out)
