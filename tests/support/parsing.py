"""Reading built HTML as readers and tools see it."""

from __future__ import annotations

from lxml import html as lxml_html


def parse_html(text: str):
    """Parse an HTML page with lxml."""
    return lxml_html.fromstring(text)


def has_class(name: str) -> str:
    """An XPath predicate: the element has CSS class `name`."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def text_of(element) -> str:
    """An element's text as a reader sees it: whitespace collapsed, the heading's permalink sign dropped."""
    return " ".join(element.text_content().replace("\u00b6", " ").split())
