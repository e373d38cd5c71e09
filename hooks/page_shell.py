"""MkDocs hooks: render pages that differ only in their own text through a shell learned from the template.

Material's `main.html` costs more than anything else in a tip page, and for
the tip pages nearly all of it prints the same bytes: the nav, the header
and the footer depend on the page's folder, its place in the nav (none) and
the build, not on the tip. So pages are grouped into classes by everything
of their context except their own text: the template's name, the shared
objects (nav, config, pages: by identity), the values that steer URLs
(`base_url`, `extra_css`, ...: by value), the environment's globals, and
the shape of the page's own data (which keys, which are empty, how many
tags and headings, every flag and number as it is, the page's folder, the
metadata Material branches on such as `hide`, whether the content has its
own `<h1`). The strings of a page (title, content, metadata, headings,
canonical URL, `tips_head`, `tip_footer`) are its slots. A page in the nav
(its neighbours, its section), or with data of a type not known here,
renders stock.

The second page of a class teaches its shell (`servicetips.template_shell`,
which knows Jinja and nothing of MkDocs; this module says what a page is): the template is rendered
once with every slot replaced by a marker pair around a probe (`<>&"'`,
letters, digits, spaces, non-ASCII, URL characters), held in a watched
string that stops the render when the template does anything with it but
print it (compare, measure, slice, call a method,
convert it outside printing). The output is split at the markers into
literal text and slots; each slot's transform is read from the probe
(printed as is, or HTML-escaped); anything else (an unknown transform, a
marker cut apart, nested or left in the text, a watched string touched)
leaves the class on the stock render, and so does a filter, test or global
function from outside Jinja, MkDocs and Material (it might print something
else each call). That page is then rendered both ways
and compared: a difference leaves the class stock for the build, with one
info line. Later pages of the class are the shell with their own text
filled in; a page of a class seen once is rendered as always.

The page's URL is the one string the templates compute with (`| url` makes
every link relative to it): the class holds its folder, and its last part
(a slug of letters, digits, `-` and `_`, which escaping leaves alone) is
a marker in the probe render, so a template printing it is still mapped.

This relies on how `_build_page` renders (`env.get_template(name)
.render(context)`, as hooks/page_cache.py does) and on MkDocs' Page: the
installed engine (MkDocs 1.6.1 or ProperDocs 1.6.7) is checked at start-up
and otherwise, or with `TIPS_PAGE_SHELL=off`, every page takes the stock
render, with one info line. hooks/page_cache.py wraps these templates in
turn: a cached page is not rendered at all, a miss renders through here.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import os
import re
from datetime import datetime
from functools import lru_cache
from types import SimpleNamespace

from jinja2 import Environment, Template
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, TableOfContents

import engine_check  # hooks/engine_check.py: MkDocs adds this folder to sys.path while it loads a hook
from servicetips import template_shell
from servicetips.template_shell import (
    PROBE,
    Record,
    UnshapableError,
    Watched,
    WatchedContent,
    fill,
    foreign_callable,
    learn,
    marker,
    new_nonce,
    walk,
)

log = logging.getLogger("mkdocs.hooks.page_shell")
_ENGINE = engine_check.ENGINE
VERIFIED = {("mkdocs", "1.6.1"), ("properdocs", "1.6.7")}
SWITCH = "TIPS_PAGE_SHELL"
# What `_build_page` must do for the wrapper to see every page render with the page's whole context.
_EXPECTED = (
    "context = get_context(nav, doc_files, config, page)",
    "template = env.get_template(page.meta.get('template', 'main.html'))",
    "context = config.plugins.on_page_context(context, page=page, config=config, nav=nav)",
    "output = template.render(context)",
)
# Context entries every page of a build shares: the same objects, keyed by identity.
_SHARED = ("nav", "pages", "config")
# Context entries the templates compute with (URLs): kept as they are, keyed by value.
_BY_VALUE = ("base_url", "extra_css", "extra_javascript", "mkdocs_version", "build_date_utc")
# Page attributes kept as they are and keyed by value, and those a shell page must not have.
_PAGE_FLAGS = ("is_homepage", "is_index", "is_page", "is_section", "is_link", "is_top_level", "active")
_PAGE_NONE = ("previous_page", "next_page", "parent", "children")
# Page attributes that are the page's own data, walked into slots.
_PAGE_TEXT = ("title", "content", "toc", "meta", "canonical_url", "abs_url", "edit_url", "update_date")
# Metadata Material branches on (hide, template, status, ...): kept as it is, so a class holds one value of each.
_META_KEPT = ("hide", "template", "status", "search", "icon", "subtitle", "robots")
_URL = re.compile(r"((?:[^/]+/)*)([A-Za-z0-9_-]+)/")

# What a class holds before its shell: seen once, seen and left stock.
_UNSEEN, _SEEN, _STOCK = object(), object(), object()
_state = SimpleNamespace(active=False, classes={}, pages=0, filled=0, learned=0)
# MkDocs' `url` filter hands an anchor (`#...`) back as it is (`_get_norm_url`; checked in engine_mismatch).
template_shell.ANCHOR_PASS_THROUGH.add((f"{_ENGINE}.utils.templates", "url_filter"))


def _walk_other(value, values: list, nonce: str | None):
    """(shape, stand-in) of MkDocs' table of contents and its headings, the types the core's walk does not know."""
    kind = type(value)
    if kind is TableOfContents:
        walked = [_walk(item, values, nonce) for item in value]
        return ("toc", tuple(shape for shape, _ in walked)), TableOfContents([stand for _, stand in walked])
    if kind is AnchorLink:  # a heading: its title and id are slots, its URL (`#id`, a property) is the id's
        if type(value.id) is not str or not value.id or "\\" in value.id or value.url != "#" + value.id:
            raise UnshapableError("a heading whose id is not a plain anchor")
        walked = {name: _walk(getattr(value, name), values, nonce) for name in ("title", "id", "level", "children")}
        shape = ("anchor", tuple((name, shape) for name, (shape, _) in walked.items()))
        if not nonce:
            return shape, None
        fields = {name: stand for name, (_, stand) in walked.items()}
        fields["url"] = Watched("#" + str.__str__(fields["id"]))
        return shape, Record(value, fields)
    raise UnshapableError(f"a value of type {kind.__qualname__}")


def _walk(value, values: list, nonce: str | None):
    return walk(value, values, nonce, _walk_other)


def _walk_page(page, values: list, nonce: str | None):
    """(shape, stand-in) of the page rendered: a page outside the nav, with no table of contents."""
    if type(page) is not Page:
        raise UnshapableError(f"a page of type {type(page).__qualname__}")
    linked = [name for name in _PAGE_NONE if getattr(page, name) is not None]
    if linked or page.ancestors:
        raise UnshapableError(f"a page in the nav (its {', '.join(linked) or 'ancestors'})")
    match = _URL.fullmatch(page.url)
    if match is None:
        raise UnshapableError("a page URL that is not a folder named by a slug")
    flags = tuple(getattr(page, name) for name in _PAGE_FLAGS)
    walked = {name: _walk(getattr(page, name), values, nonce) for name in _PAGE_TEXT if name not in ("meta", "content")}
    content = page.content
    if type(content) is not str or not content:
        raise UnshapableError("a page without content")
    has_h1 = "<h1" in content
    index = len(values)
    values.append(content)
    stand_content = None
    if nonce:
        stand_content = WatchedContent(marker(nonce, index, PROBE))
        stand_content.has_h1 = has_h1
    walked["content"] = (("content", has_h1), stand_content)
    meta = page.meta
    if type(meta) is not dict or not all(type(name) is str for name in meta):
        raise UnshapableError("page metadata that is not a mapping of names")
    # Entries the theme decides with (`"toc" in page.meta.hide`) are kept as they are, in the class key.
    kept = {name: ("value", repr(meta[name])) for name in _META_KEPT if name in meta}
    walked_meta = {name: _walk(item, values, nonce) for name, item in meta.items() if name not in kept}
    shape = tuple((name, kept[name] if name in kept else walked_meta[name][0]) for name in meta)
    stand = {name: meta[name] if name in kept else walked_meta[name][1] for name in meta} if nonce else None
    walked["meta"] = (("meta", shape), stand)
    index = len(values)
    values.append(match.group(2))
    shape = ("page", match.group(1), flags, tuple((name, shape) for name, (shape, _) in walked.items()))
    if nonce is None:
        return shape, None
    fields = {name: stand for name, (_, stand) in walked.items()}
    fields.update({name: getattr(page, name) for name in (*_PAGE_FLAGS, *_PAGE_NONE)})
    # The slug is no probe (a URL is computed with): a bare marker pair, printed or not.
    fields.update(ancestors=[], url=match.group(1) + marker(nonce, index, "") + "/")
    return shape, Record(page, fields)


def _walk_context(context: dict, env: Environment, nonce: str | None = None):
    """(class key, slot values, stand-in context) of a page's context."""
    values: list = []
    shapes, stand_in = [], {}
    for name, value in context.items():
        if name in _SHARED:
            shape, stand = ("id", id(value)), value
        elif name in _BY_VALUE:
            plain = type(value) is str or (type(value) is list and all(type(item) is str for item in value))
            if not plain and not (name == "build_date_utc" and type(value) is datetime):
                raise UnshapableError(f"{name} of type {type(value).__qualname__}")
            shape, stand = ("value", repr(value)), value
        elif name == "page":
            shape, stand = _walk_page(value, values, nonce)
        else:
            shape, stand = _walk(value, values, nonce)
        shapes.append((name, shape))
        stand_in[name] = stand
    globals_ = tuple((name, id(value)) for name, value in env.globals.items())
    return (tuple(shapes), globals_), values, stand_in


def _learn(template: Template, context: dict, env: Environment):
    """(shell, "") for the class of this context, or (None, why not)."""
    foreign = foreign_callable(env)
    if foreign is not None:
        return None, f"the templates can call {foreign}, whose output the shell cannot vouch for"
    nonce = new_nonce()
    _, _, stand_in = _walk_context(context, env, nonce)
    slug = int(re.search(rf"zq{nonce}s(\d+)b", object.__getattribute__(stand_in["page"], "url")).group(1))
    return learn(lambda: template.render(stand_in), nonce, frozenset({slug}))


@lru_cache(maxsize=1)  # once per process: the engine does not change while it runs
def engine_mismatch() -> str | None:
    """Why the shell cannot be trusted with the installed engine; None when it can."""
    reason = engine_check.unverified(VERIFIED, "page shell") or engine_check.renders_as_expected(_EXPECTED)
    if reason is not None:
        return reason
    norm = engine_check.source("utils", "_get_norm_url")
    filter_ = engine_check.source("utils.templates", "url_filter")
    if (
        "path.startswith(('/', '#'))" not in norm
        or "return path, -1" not in norm
        or "normalize_url(str(value)" not in filter_
    ):
        return f"{_ENGINE}'s url filter no longer leaves an anchor as it is"
    # The attributes the stand-in page gives the templates: properties, or set in Page's own code.
    page_source = inspect.getsource(importlib.import_module(Page.__module__))
    names = (*_PAGE_FLAGS, *_PAGE_NONE, *_PAGE_TEXT, "url", "ancestors")
    missing = [name for name in names if name not in dir(Page) and f"self.{name}" not in page_source]
    return f"{_ENGINE}'s Page has no {', '.join(missing)}" if missing else None


@event_priority(-95)  # before hooks/page_cache.py (-100), which wraps these templates in turn
def on_env(env: Environment, config: MkDocsConfig, files) -> Environment:
    """Hand MkDocs, for its page renders, templates that fill a learned shell where they can."""
    _state.active, _state.classes, _state.pages, _state.filled, _state.learned = False, {}, 0, 0, 0
    if os.environ.get(SWITCH, "").strip().lower() == "off":
        return env
    reason = engine_mismatch()
    if reason is not None:
        log.info(f"pages take the stock render: {reason}")
        return env
    _state.active = True
    engine_check.wrap_page_templates(env, lambda template: ShellTemplate(template, env))
    return env


def on_post_build(config: MkDocsConfig) -> None:
    """Say how many pages came from shells; later renders with this build's objects (the preview's) go stock."""
    if _state.active and _state.learned:
        log.info(f"page shell: {_state.filled} of {_state.pages} pages filled from {_state.learned} shells")
    _state.active = False


def on_build_error(error: Exception) -> None:
    """A failed build's shells are not used again."""
    _state.active = False


class ShellTemplate:
    """A page template whose `render(context)` fills its class's shell when the class has a trusted one."""

    def __init__(self, template: Template, env: Environment) -> None:
        self.jinja_template, self._env = template, env

    def __getattr__(self, name: str):
        return getattr(self.jinja_template, name)

    def render(self, *args, **kwargs) -> str:
        """The page's HTML, from the shell of its class or from the template."""
        template = self.jinja_template
        context = args[0] if len(args) == 1 and not kwargs and isinstance(args[0], dict) else None
        if not _state.active or context is None or context.get("page") is None:
            return template.render(*args, **kwargs)
        _state.pages += 1
        try:
            key, values, _ = _walk_context(context, self._env)
        except UnshapableError as exc:
            log.debug(f"page shell: {context['page'].file.src_uri} renders stock: {exc}")
            return template.render(context)
        key = (template.name, key)
        known = _state.classes.get(key, _UNSEEN)
        if known is _UNSEEN:  # a class seen once costs nothing more than today
            _state.classes[key] = _SEEN
            return template.render(context)
        if known is _STOCK:
            return template.render(context)
        if known is _SEEN:
            return self._first(template, context, key, values)
        _state.filled += 1
        return fill(known, values)

    def _first(self, template: Template, context: dict, key, values: list) -> str:
        html = template.render(context)
        shell, reason = _learn(template, context, self._env)
        if shell is None:
            log.debug(f"page shell: {context['page'].file.src_uri} and its like render stock: {reason}")
            _state.classes[key] = _STOCK
            return html
        if fill(shell, values) != html:
            log.info(
                f"page shell: {context['page'].file.src_uri} differs from its stock render; "
                "pages like it render stock in this build"
            )
            _state.classes[key] = _STOCK
            return html
        _state.classes[key] = shell
        _state.learned += 1
        return html
