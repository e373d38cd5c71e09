"""The fast path for generated pages: MkDocs neither reads nor renders them, the page gets what it would have got.

A generated page's Markdown is only the placeholder `PAGE_PLACEHOLDER`; its
content is the core's finished HTML, put in place at `on_page_content`
(hooks/tips_site.py). Reading the page (its JSON front matter through
PyYAML) and rendering the placeholder (a new `markdown.Markdown` with every
extension, per page) produce nothing the core does not already know, and
were the largest part of a build. So `install` gives each generated page its
own `read_source` and `render`, which set exactly what the stock ones set
for the placeholder page: `markdown`, `meta`, `content` (the placeholder
comment, as Python-Markdown passes it through), an empty `toc`, no title
from the render, no anchors and no links to anchors.

This leans on MkDocs internals (`Page.read_source`, `Page.render` and the
attributes `render` sets, the order of `_populate_page`), so it runs only on
an engine checked against them: `engine_mismatch` compares the installed
engine (MkDocs or ProperDocs, which answers `import mkdocs`) with the
versions verified here and the signatures the fast path relies on.
Otherwise, or with `TIPS_FAST_PATH=off`, every page takes the stock path,
and a mismatch is logged once, at info level (`--strict` fails on warnings).
Both paths give the same files, byte for byte (tests/test_fast_pages.py).
"""

from __future__ import annotations

import copy
import inspect
import logging
import os
from functools import lru_cache
from types import MethodType

import mkdocs.commands.build as build_module
import mkdocs.structure.pages as pages_module
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

import engine_check  # hooks/engine_check.py: MkDocs adds this folder to sys.path while it loads a hook
from servicetips.pages import PAGE_PLACEHOLDER, VirtualPage

log = logging.getLogger("mkdocs.hooks.fast_pages")

# Engines whose Page.read_source, Page.render and _populate_page were read
# and found to do what the fast path stands in for. Another version takes
# the stock path until it is checked and added here.
VERIFIED = {("mkdocs", "1.6.1"), ("properdocs", "1.6.7")}
# The parameters of the methods replaced, and the attributes `render` sets.
SIGNATURES = {"read_source": ["self", "config"], "render": ["self", "config", "files"]}
RENDERED = ("markdown", "meta", "content", "toc", "_title_from_render", "present_anchor_ids", "links_to_anchors")
SWITCH = "TIPS_FAST_PATH"

_noted: set[str] = set()  # mismatches already logged by this process (a preview rebuilds many times)


@lru_cache(maxsize=1)  # once per process: the engine does not change while it runs, and the check reads source files
def engine_mismatch() -> str | None:
    """Why the fast path cannot be trusted with the installed engine; None when it can."""
    name, installed = engine_check.engine()
    reason = engine_check.unverified(VERIFIED, "fast path")
    if reason is not None:
        return reason
    for method, parameters in SIGNATURES.items():
        found = getattr(Page, method, None)
        if found is None or list(inspect.signature(found).parameters) != parameters:
            return f"{name} {installed}: Page.{method} is not {method}({', '.join(parameters[1:])})"
    page_init = inspect.getsource(Page.__init__) + inspect.getsource(Page.render)
    missing = [attr for attr in RENDERED if f"self.{attr}" not in page_init]
    if missing or not hasattr(pages_module, "log"):
        return f"{name} {installed}: Page no longer sets {', '.join(missing) or 'its logger'}"
    # The replacements are installed at on_pre_page: it must come before the page is read and rendered.
    populate = inspect.getsource(getattr(build_module, "_populate_page", lambda: None))
    steps = [populate.find(step) for step in ("on_pre_page(", ".read_source(", ".render(")]
    if -1 in steps or steps != sorted(steps):
        return f"{name} {installed}: pages are no longer read and rendered after on_pre_page"
    return None


def enabled(config) -> bool:
    """True when generated pages may take the fast path in this build (else one info note, once)."""
    if os.environ.get(SWITCH, "").strip().lower() == "off":
        return False
    reason = engine_mismatch()
    if reason is None and config.plugins.events.get("page_read_source"):
        reason = "a plugin reads page sources (on_page_read_source)"
    if reason is not None:
        if reason not in _noted:
            _noted.add(reason)
            log.info(f"generated pages take MkDocs' stock path: {reason}")
        return False
    return True


def install(page: Page, generated: VirtualPage) -> None:
    """Make MkDocs skip reading and rendering `page`, a generated page, setting what the stock path sets."""

    def read_source(self: Page, config) -> None:
        # What meta.get_data makes of `generated.source`: the Markdown after
        # the front matter, and the front matter (JSON, read as YAML) as data.
        self.markdown = generated.markdown
        self.meta = _copy(generated.meta)

    def render(self: Page, config, files) -> None:
        # Python-Markdown passes the lone placeholder comment through as it
        # is; it holds no heading, anchor or link.
        self.content = PAGE_PLACEHOLDER
        self.toc = get_toc([])
        self._title_from_render = None
        self.present_anchor_ids = set()
        if pages_module.log.getEffectiveLevel() > logging.DEBUG:  # as Page.render does
            self.links_to_anchors = {}

    page.read_source = MethodType(read_source, page)
    page.render = MethodType(render, page)


_ATOMS = (str, int, float, bool, type(None))


def _copy(value):
    """A deep copy of page metadata: plain containers copied by hand (`copy.deepcopy` cost a tenth of
    a millisecond a page), anything else by `copy.deepcopy`."""
    kind = type(value)
    if kind is dict:
        return {key: _copy(item) for key, item in value.items()}
    if kind is list:
        return [_copy(item) for item in value]
    if kind in _ATOMS:
        return value
    return copy.deepcopy(value)
