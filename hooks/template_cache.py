"""MkDocs hooks: compiled templates (Material's and the core's) are kept in the build cache folder between builds.

MkDocs makes a new Jinja environment for every build and compiles each of
Material's templates again (about a third of a second of a repeat build).
Here the environment MkDocs hands to `on_env` and the core's own
environments take `servicetips.jinja.TemplateCache`, in
`<cache folder>/templates` (`TIPS_CACHE_DIR`, `off`: nothing kept): a
template whose source and settings are unchanged loads its compiled code
instead. Only public APIs are used (the `on_env` event and Jinja's
`Environment.bytecode_cache`), so there is no engine internal to check.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

from jinja2 import Environment
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import Files

from servicetips import jinja
from servicetips.build import cache_dir_for

log = logging.getLogger("mkdocs.hooks.template_cache")
_state = SimpleNamespace(full_build=False, cache=None)


def on_startup(command: str, dirty: bool) -> None:
    """Remember whether this build loads every template: only such a build may drop the ones it did not use."""
    _state.full_build = command == "build" and not dirty


@event_priority(90)  # before the core builds the site (tips_site), after the output folder is set (100)
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Point every template environment at this build's cache folder (none when TIPS_CACHE_DIR=off)."""
    folder = cache_dir_for(Path(config.config_file_path or ".").absolute().parent)
    _state.cache = jinja.use_cache_folder(folder)
    return config


def on_env(env: Environment, config: MkDocsConfig, files: Files) -> Environment:
    """Give MkDocs' environment the templates' bytecode cache before any page is rendered."""
    return jinja.register(env)


@event_priority(-90)  # after the last template was loaded, before the site folder is swapped into place
def on_post_build(config: MkDocsConfig) -> None:
    """Drop the kept templates no template of this full build asked for (an older theme's, an edited override's)."""
    if _state.full_build and _state.cache is not None:
        _state.cache.prune()
