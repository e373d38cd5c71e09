"""MkDocs hooks: a build replaces the site folder only when it succeeded as a whole, with no gap.

`mkdocs build` normally empties `site/` first and writes into it page by
page, so a build that fails halfway (an invalid tip, a broken link under
--strict) leaves a broken site, and readers see a half-written one while it
runs. Here (`servicetips.site_output` does the work):

* the build takes a lock beside the site (a second build waits for it),
  puts right what a killed build left (`recover`), and writes into a fresh
  staging folder beside the site;
* at the very end the staging folder takes the site's place atomically;
  a failed build removes it and the previous site stays as it was;
* a full disk, a read-only folder or a missing permission stops the build
  with one line naming the folder (`Abort`), never a traceback.

`mkdocs serve` (which builds into its own temporary folder) and `--dirty`
builds (which update the folder in place on purpose) write directly.
`TIPS_OUTPUT_LOCK_TIMEOUT` (seconds, default 600) is how long a build waits
for another one.
"""

from __future__ import annotations

import errno
import logging
import os
from pathlib import Path
from types import SimpleNamespace

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from mkdocs.plugins import event_priority
from mkdocs.utils import CountHandler

from servicetips.site_output import (
    LOCK_TIMEOUT,
    OutputError,
    OutputLock,
    describe,
    discard,
    make_staging_dir,
    recover,
    swap_into_place,
)

log = logging.getLogger("mkdocs.hooks.atomic_output")
_state = SimpleNamespace(command="build", dirty=False, target=None, staging=None, warnings=None, lock=None)
# Errors of the file system that writing the site can meet: one line, not a traceback.
_DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.EEXIST}
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
    """Lock the site folder, clean up after a killed build, and point the build at a fresh staging folder."""
    _reset()
    if _state.command != "build" or _state.dirty:
        return config
    _state.target = Path(config.site_dir).absolute()
    try:
        timeout = float(os.environ.get("TIPS_OUTPUT_LOCK_TIMEOUT") or LOCK_TIMEOUT)
    except ValueError:
        raise Abort("TIPS_OUTPUT_LOCK_TIMEOUT must be a number of seconds") from None
    try:
        _state.lock = OutputLock(_state.target, timeout, notify=log.info)
        _state.lock.acquire()
        for line in recover(_state.target):
            log.info(line)
        _state.staging = make_staging_dir(_state.target)
    except OutputError as exc:
        _reset()
        raise Abort(str(exc)) from None
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
    try:
        swap_into_place(_state.staging, _state.target)
    except OutputError as exc:
        _reset()
        raise Abort(str(exc)) from None
    config.site_dir = str(_state.target)  # for commands that read it after the build (gh-deploy)
    log.info(f"Site ready in {_state.target}")
    _state.staging = None
    _reset()


@event_priority(-100)  # last: the other hooks put their own state right first
def on_build_error(error: Exception) -> None:
    """Remove the unfinished staging folder; a disk error becomes one line instead of a traceback."""
    target = _state.target
    _reset()
    if target is not None and isinstance(error, OSError) and error.errno in _DISK_ERRORS:
        raise Abort(describe(error, target))


def on_shutdown() -> None:
    """Leave no staging folder and no lock behind, whatever happened."""
    _reset()


def _reset() -> None:
    if _state.staging is not None:
        discard(_state.staging)
    if _state.lock is not None:
        _state.lock.release()
    _state.target = _state.staging = _state.lock = None
    if _state.warnings is not None:
        logging.getLogger(_ENGINE_LOGGER).removeHandler(_state.warnings)
        _state.warnings = None
