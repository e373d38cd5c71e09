"""The Jinja2 environment of the pages' HTML: templates/pieces.html and pages.html, loaded once, autoescaped.

Autoescaping escapes every value the way `markup.html_text` does (`<`, `>`
and `&`; quotes in text stay as they are) and the `attr` filter the way
`markup.html_attr` does (quotes too), so that the pages keep the bytes they
had when these pieces were written by hand.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from ..jinja import register
from ..markup import html_attr, html_text


def _escape_text(value: Any) -> Any:
    # Runs before autoescape: a Markup value (a rendered piece) passes, any
    # other value is escaped here as HTML text, so autoescape leaves it.
    if hasattr(value, "__html__"):
        return value
    return Markup(html_text(str(value)))


def _attr(value: Any) -> Markup:
    return Markup(html_attr(str(value)))


@lru_cache(maxsize=1)
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("servicetips", "templates"),
        autoescape=True,
        finalize=_escape_text,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["attr"] = _attr
    return register(env)  # compiled once, then kept in the build cache folder (jinja.TemplateCache)


@lru_cache(maxsize=1)
def pieces() -> Any:
    """The macros of templates/pieces.html (anchor, chips, byline, credits, cards, lists, nav): Markup each."""
    return _environment().get_template("pieces.html").module


@lru_cache(maxsize=1)
def blocks() -> Any:
    """The macros of templates/pages.html (heading, paragraph, admonition, buttons, eyebrow, tag cards): Markup each."""
    return _environment().get_template("pages.html").module
