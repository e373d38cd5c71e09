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

Unchanged files are links (`servicetips.linked_output`): in a staged build,
the pages MkDocs writes (`utils.write_file`, from `_build_page` and the theme's
templates) and the files it copies or writes (`File.copy_file`: theme assets,
generated files) become hard links to the previous site's file at the same
path when its bytes are the same, and new files otherwise. The folders made
are remembered instead of MkDocs asking `makedirs` for every file, and
made ahead, while the pages render, once the build's files are known
(on_nav). The
writer also links share cards and rendered pages from the build cache, when
the page cache and the cards hook offer it an entry with the very bytes
asked for (`linked_output.in_use`). A `--dirty` build takes the same writer
with no previous site to link to, so it replaces a file instead of opening it
in place (bytes shared through a link are never changed by it). This
replaces those two MkDocs functions for the build, so it runs only on an
engine checked against them (`_linking_mismatch`); otherwise, or with
`TIPS_LINK_UNCHANGED=off`, MkDocs writes every file itself, with one info line.
`mkdocs serve` is left alone: the preview replaces served files by rename.
"""

from __future__ import annotations

import errno
import importlib
import logging
import os
import posixpath
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.utils import CountHandler

import engine_check  # hooks/engine_check.py: MkDocs adds this folder to sys.path while it loads a hook
from servicetips.linked_output import writer
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
_state = SimpleNamespace(
    command="build", dirty=False, target=None, staging=None, warnings=None, lock=None, writer=None, replaced=[]
)
SWITCH = "TIPS_LINK_UNCHANGED"
# A static file larger than this is copied as MkDocs copies it: comparing means holding it twice in memory.
LARGEST_COMPARED = 16 * 1024 * 1024
# Engines whose _build_page, utils.write_file and File.copy_file were read for the linking writer.
VERIFIED = {("mkdocs", "1.6.1"), ("properdocs", "1.6.7")}
# What the replacements stand in for: a page's bytes go through utils.write_file to its abs_dest_path;
# write_file makes the folder and writes the bytes; copy_file copies the source or writes the content.
_PAGE_WRITE = ("utils.write_file(", "output.encode('utf-8', errors='xmlcharrefreplace'), page.file.abs_dest_path")
_WRITE_FILE = ("def write_file(content: bytes, output_path: str) -> None:", "with open(output_path, 'wb') as f:")
_COPY_FILE = (
    "def copy_file(self, dirty: bool = False) -> None:",
    "if dirty and not self.is_modified():",
    "output_path = self.abs_dest_path",
    "content = self._content",
    "utils.copy_file(self.abs_src_path, output_path)",
    "except shutil.SameFileError:",
    "elif isinstance(content, str):",
    "with open(output_path, 'w', encoding='utf-8') as output_file:",
    "with open(output_path, 'wb') as output_file:",
)
_noted: set[str] = set()  # reasons already logged by this process
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
    if _state.command == "build" and _state.dirty:
        _start_writer(None, Path(config.site_dir).absolute())  # in place, but never through a shared link
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
    _start_writer(_state.target, _state.staging)
    if config.strict:
        # MkDocs counts warnings for --strict only after on_post_build; count
        # them too, so a build about to be refused is never swapped in.
        _state.warnings = CountHandler()
        _state.warnings.setLevel(logging.WARNING)
        logging.getLogger(_ENGINE_LOGGER).addHandler(_state.warnings)
    return config


@event_priority(-100)  # last; by now every file is known, and which are excluded (MkDocs decides after on_files)
def on_nav(nav: Navigation, config: MkDocsConfig, files: Files) -> Navigation:
    """Have the staging folder's subfolders made in the background while the pages render."""
    if _state.staging is not None and _state.writer is not None:
        # Only the files the build writes: a folder made for an excluded page would be published empty.
        written = (file for file in files if file.inclusion.is_included())
        _state.writer.make_folders_ahead(posixpath.dirname(file.dest_uri) for file in written)
    return nav


@event_priority(-100)  # last: after every plugin (search writes its index here) has written its files
def on_post_build(config: MkDocsConfig) -> None:
    """Swap the finished site into place, unless --strict is about to refuse the build."""
    if _state.staging is None:
        return
    if _state.warnings is not None and _state.warnings.get_counts():
        return  # MkDocs raises next; on_build_error removes the staging folder
    if _state.writer is not None:
        done = _state.writer
        log.info(
            f"files linked to the previous site: {done.linked}, to the build cache: {done.linked_from_cache} "
            f"(written: {done.written})"
        )
    _stop_writer()  # nothing is written after this; folders made ahead but left empty go before they are published
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
    _stop_writer()
    if _state.staging is not None:
        discard(_state.staging)
    if _state.lock is not None:
        _state.lock.release()
    _state.target = _state.staging = _state.lock = None
    if _state.warnings is not None:
        logging.getLogger(_ENGINE_LOGGER).removeHandler(_state.warnings)
        _state.warnings = None


# -- unchanged files as links -------------------------------------------------


@lru_cache(maxsize=1)  # once per process: the engine does not change while it runs, and this reads its source
def _linking_mismatch() -> str | None:
    """Why MkDocs' writing cannot be replaced on the installed engine; None when it can."""
    return (
        engine_check.unverified(VERIFIED, "linking of unchanged files")
        or engine_check.renders_as_expected(_PAGE_WRITE)
        or engine_check.holds("utils", "write_file", _WRITE_FILE)
        or engine_check.holds("structure.files", "File", _COPY_FILE)
    )


def _start_writer(old: Path | None, new: Path) -> None:
    """Have MkDocs write this build's files through a linking writer (only writing, when `old` is None)."""
    if os.environ.get(SWITCH, "").strip().lower() == "off":
        return
    reason = _linking_mismatch()
    if reason is not None:
        if reason not in _noted:
            _noted.add(reason)
            log.info(f"every file of the site is written anew: {reason}")
        return
    # Shared with the core's writers of this build (linked_output.writer), so the folders made are known to all.
    _state.writer = writer(old, new)
    _state.writer.begin()  # the page cache and the cards offer it their cache entries (linked_output.in_use)
    # The engine's own modules: the ones its build looks the two functions up in, under ProperDocs too.
    utils = importlib.import_module(f"{engine_check.ENGINE}.utils")
    file_class = importlib.import_module(f"{engine_check.ENGINE}.structure.files").File
    _state.replaced = [
        (utils, "write_file", utils.write_file),
        (file_class, "copy_file", file_class.__dict__["copy_file"]),
    ]
    utils.write_file = _write_file
    file_class.copy_file = _copy_file


def _stop_writer() -> None:
    for owner, name, original in reversed(_state.replaced):
        setattr(owner, name, original)
    _state.replaced = []
    if _state.writer is not None:
        _state.writer.end()
    _state.writer = None


def _original(name: str):
    return next(original for _owner, replaced, original in _state.replaced if replaced == name)


def _inside(path: str) -> str | None:
    """`path` relative to the folder the writer fills ("a/b.html"), or None when it is elsewhere."""
    root = _state.writer.new_root if _state.writer is not None else None
    path = os.path.abspath(path)
    if root is None or not path.startswith(root + os.sep):
        return None
    return path[len(root) + 1 :].replace(os.sep, "/")


def _write_file(content: bytes, output_path: str) -> None:
    """utils.write_file: the bytes at `output_path`, linked or written, when it is in the site being built."""
    relative = _inside(output_path)
    if relative is None or not isinstance(content, bytes):
        return _original("write_file")(content, output_path)
    try:
        _state.writer.write(relative, content)
    except (ValueError, IsADirectoryError):  # a path MkDocs resolves its own way: as it would
        _original("write_file")(content, output_path)


def _copy_file(self: File, dirty: bool = False) -> None:
    """File.copy_file: the file's bytes at its destination, linked or written, when it is in the site being built."""
    relative = _inside(self.abs_dest_path)
    content = self._content
    if relative is None or (dirty and not self.is_modified()):
        return _original("copy_file")(self, dirty)
    if content is None:
        if os.path.abspath(self.abs_src_path) == os.path.abspath(self.abs_dest_path):
            return _original("copy_file")(self, dirty)  # a plugin wrote it in place: MkDocs leaves it
        if os.path.getsize(self.abs_src_path) > LARGEST_COMPARED:
            return _original("copy_file")(self, dirty)  # streamed by MkDocs, not held (twice) in memory
        with open(self.abs_src_path, "rb") as source:
            content = source.read()
    elif isinstance(content, str):
        content = content.encode("utf-8")
    try:
        _state.writer.write(relative, content)
    except (ValueError, IsADirectoryError):
        _original("copy_file")(self, dirty)
