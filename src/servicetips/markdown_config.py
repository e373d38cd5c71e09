"""The one Markdown configuration: tip bodies in the check, on the site and in the feeds.

Every place that turns Markdown into HTML uses the extensions listed here,
with this configuration: `tips check` (which compares the result with the
allow-list in `servicetips.allowlist`), the site (mkdocs.yml lists exactly
these; a test compares the two), the feeds and the JSON API. Before there
was one list, the site read a fenced block inside a list item as code
(pymdownx.superfences) and the feeds as inline code (fenced_code); the site's
reading is the one kept.

The generated and hand-written pages need `admonition`, `attr_list`,
`md_in_html` and `toc`. They are part of the one configuration rather than a
second list for pages only: a second list is the drift this module exists to
end. A tip body may therefore write `{: .class }` or `<div markdown>`, and
what that produces is judged by the allow-list like everything else: an
attribute list may only set allowed classes, an element must be on the list.

Tables align cells with an `align` attribute (`use_align_attribute`), not a
`style` attribute: no `style` is ever allowed from a body. Headings get ids
and a permalink (`toc`), so a section of a tip can be linked to; code is
highlighted by Pygments into `<span class="...">` with Pygments' short class
names, which the allow-list names.
"""

from __future__ import annotations

from typing import Any

import markdown

# Order matters to nobody but readers: the same order as mkdocs.yml.
EXTENSIONS: tuple[str, ...] = (
    "abbr",
    "def_list",
    "footnotes",
    "tables",
    "sane_lists",
    "pymdownx.superfences",
    "admonition",
    "attr_list",
    "md_in_html",
    "toc",
)
EXTENSION_CONFIGS: dict[str, dict[str, Any]] = {
    "tables": {"use_align_attribute": True},
    "toc": {"permalink": True},
}


def mkdocs_markdown_extensions() -> list[Any]:
    """The configuration as mkdocs.yml writes it: a name, or `{name: {option: value}}`."""
    return [{name: dict(EXTENSION_CONFIGS[name])} if name in EXTENSION_CONFIGS else name for name in EXTENSIONS]


def new_markdown() -> markdown.Markdown:
    """A Python-Markdown instance with the one configuration (call `reset()` between documents)."""
    return markdown.Markdown(
        extensions=list(EXTENSIONS),
        extension_configs={name: dict(config) for name, config in EXTENSION_CONFIGS.items()},
        output_format="html",
    )
