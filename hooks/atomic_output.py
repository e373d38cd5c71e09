"""MkDocs hooks: a build replaces the site folder only when it succeeded as a whole.

`mkdocs build` normally empties `site/` first and writes into it page by
page, so a build that fails halfway (an invalid tip, a broken link under
--strict) leaves a broken site. Here the build writes into a staging folder
beside the site (`servicetips.site_output`) that takes the site's place at
the very end; a failed build removes it and the previous site stays as it was.

`mkdocs serve` (which builds into its own temporary folder) and `--dirty`
builds (which update the folder in place on purpose) write directly.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.utils import CountHandler

from servicetips.site_output import discard, make_staging_dir, swap_into_place

log = logging.getLogger("mkdocs.hooks.atomic_output")
_state = SimpleNamespace(command="build", dirty=False, target=None, staging=None, warnings=None)
# The engine's top logger: "mkdocs", or "properdocs" under ProperDocs, whose
# modules answer `import mkdocs` and log under their own name (its "mkdocs"
# logger is a child that receives only what plugins log there).
_ENGINE_LOGGER = MkDocsConfig.__module__.split(".")[0]


def on_startup(command: str, dirty: bool) -> None:
    """Remember the command: only a full build is staged."""
    _state.command = command
    _state.dirty = dirty


@event_priority(100)  # first: every later step, ours and MkDocs', must see the staging folder
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Point the build at a fresh staging folder beside the real site folder."""
    _reset()
    if _state.command != "build" or _state.dirty:
        return config
    _state.target = Path(config.site_dir).absolute()
    _state.staging = make_staging_dir(_state.target)
    config.site_dir = str(_state.staging)
    if config.strict:
        # MkDocs counts warnings for --strict only after on_post_build; count
        # them too, so a build about to be refused is never swapped in.
        _state.warnings = CountHandler()
        _state.warnings.setLevel(logging.WARNING)
        logging.getLogger(_ENGINE_LOGGER).addHandler(_state.warnings)
    return config


@event_priority(-100)  # last: after every plugin (search writes its index here) has written its files
def on_post_build(config: MkDocsConfig) -> None:
    """Swap the finished site into place, unless --strict is about to refuse the build."""
    if _state.staging is None:
        return
    if _state.warnings is not None and _state.warnings.get_counts():
        return  # MkDocs raises next; on_build_error removes the staging folder
    swap_into_place(_state.staging, _state.target)
    config.site_dir = str(_state.target)  # for commands that read it after the build (gh-deploy)
    log.info(f"Site ready in {_state.target}")
    _state.staging = None
    _detach_counter()


def on_build_error(error: Exception) -> None:
    """Remove the unfinished staging folder; the previous site is untouched."""
    _reset()


def on_shutdown() -> None:
    """Leave no staging folder behind, whatever happened."""
    _reset()


def _reset() -> None:
    if _state.staging is not None:
        discard(_state.staging)
    _state.target = _state.staging = None
    _detach_counter()


def _detach_counter() -> None:
    if _state.warnings is not None:
        logging.getLogger(_ENGINE_LOGGER).removeHandler(_state.warnings)
        _state.warnings = None
