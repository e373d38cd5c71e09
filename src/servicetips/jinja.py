"""The Jinja2 environment of the core's templates (`servicetips/templates/`), made once per setting.

Autoescape is on for `.html` templates and off for text ones (the weekly
email's plain-text version is never parsed as HTML). The page pieces use an
environment of their own (`pages.html`), whose `finalize` escapes exactly as
the pages always have.
"""

from __future__ import annotations

from functools import lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape


@lru_cache(maxsize=2)
def environment(keep_trailing_newline: bool = False) -> Environment:
    """The templates' environment; `keep_trailing_newline` for files written as they are (the email)."""
    return Environment(
        loader=PackageLoader("servicetips", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=keep_trailing_newline,
        trim_blocks=True,
        lstrip_blocks=True,
    )
