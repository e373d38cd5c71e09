"""MkDocs hooks: reuse a page's rendered HTML from the last build when nothing that makes it changed.

`servicetips.page_cache` keeps the pages and builds the key; this module
only describes MkDocs' objects to it and puts the cache in the render path.
MkDocs renders a page with `env.get_template(name).render(context)` right
after `on_page_context` (`commands/build.py: _build_page`); `on_env` wraps
the templates it hands out there, so `render(context)` returns the kept
HTML on a hit and renders and keeps it on a miss. The entry is offered to
the writer the site is written through (`linked_output.in_use`), which links
it when MkDocs then writes exactly those bytes. Everything around it
(`on_post_page`, writing the file, the sitemap, the search index) runs as
always, and templates included or extended from inside Jinja are untouched.

The key covers the whole context (the page with its content, meta, toc,
URLs, dates and neighbours; the nav; the config; `tips_head`,
`tip_footer`), the environment's globals and filters (`tips_feeds`,
`tips_this_week`), the theme's folders and overrides, the hooks' and the
core's files and the packages' versions; the build's date (`build_date_utc`)
only when a theme file names it. A value it cannot describe exactly turns
the cache off for the build, with one info line.

This relies on how `_build_page` renders; `_engine_renders_as_expected`
reads the installed engine's (MkDocs or ProperDocs) source at start-up and,
when it differs, the build runs without the cache and says so in one info
line (info, not a warning, which would stop a `--strict` build).
`TIPS_CACHE_DIR=off` turns the cache off.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from types import ModuleType, SimpleNamespace

from jinja2 import Environment, Template
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Link, Navigation, Section
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, TableOfContents
from mkdocs.theme import Theme

import engine_check  # hooks/engine_check.py: MkDocs adds this folder to sys.path while it loads a hook
from servicetips.build import cache_dir_for
from servicetips.linked_output import in_use
from servicetips.page_cache import (
    PageCache,
    UnkeyableError,
    canonical,
    core_fingerprint,
    digest,
    package_versions,
    tree_fingerprint,
    words_used,
)

log = logging.getLogger("mkdocs.hooks.page_cache")
_ENGINE = engine_check.ENGINE
# What `_build_page` must do for the wrapper to see every page render, and nothing else.
_EXPECTED = (
    "context = get_context(nav, doc_files, config, page)",
    "template = env.get_template(page.meta.get('template', 'main.html'))",
    "context = config.plugins.on_page_context(context, page=page, config=config, nav=nav)",
    "output = template.render(context)",
    "output = config.plugins.on_post_page(output, page=page, config=config)",
)
# Config keys no template reads that differ between runs of the same site (a staging folder, a path).
_CONFIG_SKIPPED = frozenset(
    {"site_dir", "docs_dir", "config_file_path", "dev_addr", "watch", "strict", "hooks", "validation"}
    | {"exclude_docs", "draft_docs", "not_in_nav"}  # which pages exist: the nav and `pages` say it
)
# Context entries left out of the key when no template names them and no outside filter reads the context:
# the build's date changes every day and would make every page new.
_UNLESS_NAMED = ("build_date_utc",)
# The context entries shared by every page, described once per build.
_SHARED = ("nav", "pages", "config")
# Attributes of a Page described by `_page` itself, or that do not reach the template.
_PAGE_HANDLED = frozenset(
    {"file", "parent", "children", "previous_page", "next_page", "content", "toc", "meta", "markdown"}
    | {"_title_from_render", "title", "active", "present_anchor_ids", "links_to_anchors", "update_date"}
    | {"canonical_url", "abs_url", "edit_url", "_Page__active"}
)

_state = SimpleNamespace(
    cache=None, shared=None, shared_ids=None, off_reason=None, full_build=True, unnamed=frozenset()
)


def _engine_renders_as_expected() -> str | None:
    """None when the engine renders pages the way the wrapper expects, else why not."""
    return engine_check.renders_as_expected(_EXPECTED)


def on_startup(command: str, dirty: bool) -> None:
    """Remember whether each build renders every page: only such a build may drop the entries it did not use."""
    _state.full_build = command == "build" and not dirty


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Open this build's page cache in the build cache folder (none when TIPS_CACHE_DIR=off)."""
    folder = cache_dir_for(Path(config.config_file_path or ".").absolute().parent)
    _state.cache = PageCache(folder, log) if folder is not None else None
    _state.shared = _state.shared_ids = _state.off_reason = None
    _state.unnamed = frozenset()
    return config


@event_priority(-100)  # last: every other hook has put its globals in the environment
def on_env(env: Environment, config: MkDocsConfig, files: Files) -> Environment:
    """Hand MkDocs, for its page renders, templates that look in the cache first."""
    if _state.cache is None:
        return env
    reason = _engine_renders_as_expected()
    if reason is not None:
        _turn_off(reason)
        return env
    # hooks/page_shell.py's page template (its Jinja template as `jinja_template`) is wrapped in turn.
    engine_check.wrap_page_templates(env, lambda template: _CachedTemplate(template, env, config))
    return env


@event_priority(-90)  # after the search index (-50), before the site folder is swapped into place (-100)
def on_post_build(config: MkDocsConfig) -> None:
    """Say how many pages came from the cache and drop the entries this build did not use.

    Only a full `mkdocs build` drops entries: a `--dirty` build or a preview
    that renders some pages only would otherwise throw away the others'.
    """
    cache = _state.cache
    if cache is None or _state.off_reason is not None or not cache.hits + cache.misses:
        return
    removed = cache.prune() if cache.writable and _state.full_build else 0
    log.info(f"page cache: {cache.hits} of {cache.hits + cache.misses} pages reused ({removed} old entries removed)")


def _turn_off(reason: str) -> None:
    if _state.off_reason is None:
        log.info(f"page cache not used for this build: {reason}")
    _state.off_reason = reason


class _CachedTemplate:
    """A page template whose `render(context)` returns the kept HTML when the page's inputs are unchanged."""

    def __init__(self, template: Template, env: Environment, config: MkDocsConfig) -> None:
        self._template, self._env, self._config = template, env, config

    def __getattr__(self, name: str):
        return getattr(self._template, name)

    def render(self, *args, **kwargs) -> str:
        """The page's HTML: from the cache under its key, else rendered and kept."""
        cache = _state.cache
        context = args[0] if len(args) == 1 and not kwargs and isinstance(args[0], dict) else None
        if cache is None or _state.off_reason is not None or context is None or context.get("page") is None:
            return self._template.render(*args, **kwargs)
        try:
            key = self._key(context)
        except (UnkeyableError, AttributeError, TypeError, ValueError, OSError) as exc:
            _turn_off(f"{exc} (in the context of {context['page'].file.src_uri})")
            return self._template.render(context)
        found = cache.find(key)
        if found is None:
            html = self._template.render(context)
            entry = cache.put(key, html)
        else:
            html, entry = found
        if entry is not None:
            # MkDocs writes these bytes next (unless a later hook changes them): the site links the entry.
            site_writer = in_use(self._config.site_dir)
            if site_writer is not None:
                site_writer.offer(context["page"].file.dest_uri, entry)
        return html

    def _key(self, context: dict) -> str:
        shared = tuple(id(context.get(name)) for name in _SHARED)
        if _state.shared_ids != shared:
            _state.shared = _build_digest(context, self._env, self._config)
            _state.shared_ids = shared
        left_out = (*_SHARED, "page", *_state.unnamed)
        page = {name: canonical(value, _describe) for name, value in context.items() if name not in left_out}
        page["page"] = _page(context["page"])
        return digest([_state.shared, self._template.name, page])


def _build_digest(context: dict, env: Environment, config: MkDocsConfig) -> str:
    """What every page of this build shares: code, packages, theme, config, nav, page list, environment."""
    hook_dirs = sorted({Path(module.__file__).parent for module in (config.hooks or {}).values()})
    theme: Theme = config.theme
    own = Path(theme.custom_dir).resolve() if theme.custom_dir else None
    # An installed theme's .icons folder holds thousands of SVGs: its package version stands for them.
    folders = [(folder, () if own == Path(folder).resolve() else (".icons",)) for folder in theme.dirs]
    theme_dirs = [tree_fingerprint(folder, skip) for folder, skip in folders]
    named = words_used(folders, _UNLESS_NAMED) if not _foreign_context_readers(env) else set(_UNLESS_NAMED)
    _state.unnamed = frozenset(_UNLESS_NAMED) - named
    return digest(
        [
            package_versions(),
            core_fingerprint(),
            [tree_fingerprint(folder) for folder in hook_dirs],
            theme_dirs,
            _config(config),
            _nav(context.get("nav")),
            [canonical(file, _describe) for file in context.get("pages") or ()],
            _environment(env),
        ]
    )


def _foreign_context_readers(env: Environment) -> bool:
    """True when a filter, test or global from outside Jinja and the engine may read the whole context."""
    engines = ("jinja2", "markupsafe", "mkdocs", "properdocs", "material")
    for function in (*env.filters.values(), *env.tests.values(), *env.globals.values()):
        module = getattr(function, "__module__", None) or ""
        if getattr(function, "jinja_pass_arg", None) is not None and not module.startswith(engines):
            return True
    return False


def _environment(env: Environment) -> list:
    options = [env.autoescape, env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline, env.newline_sequence]
    return [
        canonical(options, _describe),
        sorted(env.extensions),
        canonical(dict(env.filters), _describe),
        canonical(dict(env.tests), _describe),
        canonical(dict(env.globals), _describe),
    ]


def _config(config: MkDocsConfig) -> list:
    items = {name: value for name, value in config.items() if name not in _CONFIG_SKIPPED}
    return canonical(items, _describe)


def _nav(nav: Navigation | None) -> list | None:
    if nav is None:
        return None

    def item(entry):
        if isinstance(entry, Section):
            return ["section", entry.title, [item(child) for child in entry.children]]
        return _describe(entry)

    return [[item(entry) for entry in nav.items], _describe(nav.homepage) if nav.homepage else None]


def _page(page: Page) -> list:
    """The page being rendered, with everything of it a template can print."""
    if type(page) is not Page:
        raise UnkeyableError(f"a page of type {type(page).__qualname__}")
    extra = {name: value for name, value in vars(page).items() if name not in _PAGE_HANDLED}
    return canonical(
        [
            _describe(page),
            _text_digest(page.content),
            page.toc,
            page.update_date,
            page.canonical_url,
            page.abs_url,
            page.edit_url,
            page.is_homepage,
            _describe(page.previous_page) if page.previous_page else None,
            _describe(page.next_page) if page.next_page else None,
            [_describe(ancestor) for ancestor in page.ancestors],
            extra,
        ],
        _describe,
    )


def _text_digest(text: str | None) -> list | None:
    # The page's HTML is most of the key's bytes: hashed once here instead of escaped into JSON.
    if text is None:
        return None
    return ["sha256", hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()]


def _describe(value):
    """A stand-in made of plain data for an MkDocs object a template may read; anything else is UnkeyableError."""
    if isinstance(value, Page):  # a page other than the one rendered: how it is named and linked
        return ["page", value.title, value.url, value.file.src_uri, value.is_index, canonical(value.meta, _describe)]
    if isinstance(value, Section):
        return ["section", value.title, [ancestor.title for ancestor in value.ancestors]]
    if isinstance(value, Link):
        return ["link", value.title, value.url]
    if isinstance(value, File):
        return ["file", value.src_uri, value.dest_uri, value.url]
    if isinstance(value, TableOfContents):
        return ["toc", list(value)]
    if isinstance(value, AnchorLink):
        return ["anchor", value.title, value.id, value.level, value.children]
    if isinstance(value, Theme):
        return ["theme", value.name, {name: value[name] for name in value if name != "custom_dir"}]
    if isinstance(value, ModuleType):
        return ["module", value.__name__]
    if type(value).__name__ == "PluginCollection":  # in order: the order of events is theirs
        return ["plugins", [_plugin(name, plugin) for name, plugin in value.items()]]
    if type(value).__name__ == "Locale":  # Babel's, as the theme's `locale`
        return ["locale", str(value)]
    if isinstance(value, MkDocsConfig):
        return ["config", "shared"]  # the build's config is keyed once per build (`_config`)
    if hasattr(value, "items") and type(value).__module__.startswith((f"{_ENGINE}.config", "mkdocs.config")):
        return ["config-section", dict(value.items())]  # a plugin's or an option's own Config
    return value


def _plugin(name: str, plugin) -> list:
    if isinstance(plugin, ModuleType):
        # A hook is named by its path as mkdocs.yml wrote it; its file's bytes are keyed by `_build_digest`.
        return ["hook", Path(plugin.__file__ or name).name]
    return [name, f"{type(plugin).__module__}.{type(plugin).__qualname__}", getattr(plugin, "config", None)]
