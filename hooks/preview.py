"""MkDocs hooks: `mkdocs serve` shows a saved tip's page at once, then rebuilds the rest behind it.

Stock `mkdocs serve` rebuilds every page on every save, and holds every
request until it is done (seconds at 1,000 tips). Here the server's rebuild
(`server.builder`) is wrapped in two phases:

1. When only tip files changed since the last build (their size and time
   against that build's), `servicetips.incremental` re-checks them with the
   per-file rules and gives their new pages; those are rendered with the last
   build's MkDocs objects (config, files, nav, Jinja environment and the
   tips_site hooks' state), written into the served folder, and the browsers
   are told to reload. Anything else (a vocabulary, the schedule, the ledger,
   a problem, a tip that moves between pages) skips this phase.
2. The full rebuild follows, as before. After phase 1 it writes into a
   staging folder while the served one keeps answering, then replaces the
   files that differ; browsers reload again only if a page changed. A save
   during phase 2 cancels it (the next rebuild starts at once, with phase 1),
   so the served site always ends as a fresh build of the last save.

The tips folder is watched with the system's file events (inotify) instead
of MkDocs' half-second polling. Every MkDocs internal this relies on is
checked at start-up; when one does not match, the preview logs one line
(info: `serve --strict` stops on a warning) and rebuilds fully, as stock.
"""

from __future__ import annotations

import dataclasses
import filecmp
import inspect
import logging
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import mkdocs
import watchdog.events
import watchdog.observers
from mkdocs import livereload
from mkdocs.commands import build as mkdocs_build
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import InclusionLevel

from servicetips.dates import pin_source_date_epoch, unpin_source_date_epoch
from servicetips.incremental import changed_tips
from servicetips.ledger import ledger_folder

log = logging.getLogger("mkdocs.hooks.preview")

# The server's fields the fast path reads or sets (mkdocs.livereload.LiveReloadServer, 1.6).
_SERVER_FIELDS = ("builder", "root", "build_delay", "_epoch_cond", "_wanted_epoch", "_visible_epoch")
_SERVER_FIELDS += ("_rebuild_cond", "_want_rebuild")
# MkDocs' own page steps (mkdocs.commands.build), called with the last build's objects.
_PAGE_STEPS = {
    "_populate_page": ("page", "config", "files"),
    "_build_page": ("page", "config", "doc_files", "nav", "env"),
}
_WRITES = frozenset({"created", "modified", "deleted", "moved", "closed"})
BUILD_DELAY = 0.05  # seconds of quiet after a save before rebuilding (MkDocs: 0.1); editors save in one go


class _SupersededError(Exception):
    """A save arrived during the full rebuild: stop it, the next one starts at once."""


@dataclasses.dataclass
class _Last:
    """The last complete build with no problems: what the fast path renders from."""

    config: MkDocsConfig
    files: object
    nav: object
    env: object
    build: object  # the tips_site hooks' _Build
    fingerprint: dict


_state = SimpleNamespace(
    command="build",
    server=None,
    tips_site=None,  # the tips_site hooks module (its `_process` holds the build's state)
    root=None,
    fingerprint=None,  # of the tips folder when the running build started
    nav=None,
    env=None,
    files=None,
    last=None,
    staging=None,  # the full rebuild's folder after a fast phase; None: it builds in the served folder
    observer=None,
    superseded=False,  # the running full rebuild is being stopped for a newer save
    removers=[],  # threads removing staging folders
)


def on_startup(command: str, dirty: bool) -> None:
    """Remember whether this is the preview server."""
    _state.command = command


@event_priority(-100)  # after tips_site read the tips folder's settings
def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Note the tips folder as this build starts, and send a full rebuild after a fast phase to its staging folder."""
    if _state.command != "serve":
        return config
    _state.tips_site = _tips_site(config)
    build = _state.tips_site._process["build"] if _state.tips_site is not None else None
    _state.root = Path(build.inputs.root) if build is not None else None
    _state.fingerprint = _fingerprint(_state.root) if _state.root is not None else None
    if _state.staging is not None:
        config.site_dir = str(_state.staging)
    return config


@event_priority(-100)
def on_files(files, config: MkDocsConfig):
    """Stop a full rebuild that a newer save has made useless."""
    _check_superseded()
    return files


@event_priority(-100)
def on_nav(nav, config: MkDocsConfig, files):
    """Keep the build's navigation for the fast path."""
    _state.nav = nav
    return nav


@event_priority(-100)
def on_page_markdown(markdown: str, page, config: MkDocsConfig, files) -> str:
    """Stop a full rebuild that a newer save has made useless (checked between pages)."""
    _check_superseded()
    return markdown


@event_priority(-100)
def on_post_page(output: str, page, config: MkDocsConfig) -> str:
    """Stop a full rebuild that a newer save has made useless (checked between pages written)."""
    _check_superseded()
    return output


@event_priority(-100)  # after tips_site set the templates' globals
def on_env(env, config: MkDocsConfig, files):
    """Keep the build's Jinja environment and files; stop a rebuild a newer save has made useless."""
    _check_superseded()
    _state.env, _state.files = env, files
    return env


@event_priority(-90)  # after the search index (-50) is written
def on_post_build(config: MkDocsConfig) -> None:
    """Keep this build's state for the next fast phase, and move a staged rebuild into the served folder."""
    if _state.command != "serve":
        return
    build = _state.tips_site._process["build"] if _state.tips_site is not None else None
    ok = build is not None and build.output is not None and build.output.ok and _state.fingerprint is not None
    _state.last = _Last(config, _state.files, _state.nav, _state.env, build, _state.fingerprint) if ok else None
    if _state.staging is not None:
        _publish(Path(_state.staging), Path(_state.server.root))


def on_build_error(error: Exception) -> None:
    """Drop an unfinished staging folder; the last complete build stays the fast path's base."""
    _drop_staging()


def on_shutdown() -> None:
    """Stop the file watcher and leave no staging folder behind."""
    if _state.observer is not None:
        _state.observer.stop()
        _state.observer = None
    _drop_staging(wait=True)


def on_serve(server, config: MkDocsConfig, builder):
    """Watch the tips folder (and the ledger beside it); take over the rebuild when MkDocs is as expected."""
    root = Path(_state.tips_site._process["build"].inputs.root)
    ledger = ledger_folder(root)
    problem = _incompatible(server)
    if problem is not None:
        log.info(f"preview: every save rebuilds the whole site ({problem})")
        server.watch(str(root))
        if ledger.is_dir():
            server.watch(str(ledger))
        return server
    _state.server = server
    mkdocs_build.log.addFilter(_quiet)
    server.build_delay = BUILD_DELAY
    stock = server.builder
    server.builder = lambda config=None: _rebuild(stock)
    _state.observer = _watch(server, [root, ledger] if ledger.is_dir() else [root])
    return server


# -- the two phases ---------------------------------------------------------


def _rebuild(stock) -> None:
    """Phase 1 when only tips changed, then the full rebuild (in a staging folder after phase 1)."""
    server = _state.server
    if _fast_phase():
        with server._epoch_cond:  # the served folder is whole again: answer requests and reload browsers
            server._visible_epoch = server._wanted_epoch
            server._epoch_cond.notify_all()
        _state.staging = tempfile.mkdtemp(prefix="tips_preview_staging_", dir=os.path.dirname(server.root))
    try:
        stock()
    except _SupersededError:
        log.info("preview: a newer save arrived; rebuilding for it")
    finally:
        _state.superseded = False
        _drop_staging()


def _fast_phase() -> bool:
    """Render the changed tips' pages into the served folder; False when a full rebuild must do it."""
    started = time.perf_counter()
    last = _state.last
    if last is None:
        return False
    now = _fingerprint(_state.root)
    changed = {name for name in now.keys() | last.fingerprint.keys() if now.get(name) != last.fingerprint.get(name)}
    changed = {name for name in changed if not is_editor_file(name)}
    if not changed or any("/" in name or not name.endswith(".md") for name in changed):
        return False
    log.debug(f"preview: changed since the last build: {sorted(changed)}")
    update = changed_tips(last.build.output, _state.root, [_state.root / name for name in sorted(changed)])
    if update is None:
        return False
    tips_site = _state.tips_site
    previous = tips_site._process["build"]
    state = dataclasses.replace(last.build, output=update.output, heads=dict(last.build.heads), epoch_set=False)
    tips_site._process["build"] = state
    pinned = pin_source_date_epoch(last.build.inputs.as_of)  # the pages are dated as the full build dates them
    try:
        _render(last, update.pages)
    except Exception as exc:  # noqa: BLE001 - any failure here only means: rebuild fully, which reports it
        log.info(f"preview: the quick page update stopped ({exc}); rebuilding the whole site")
        return False
    finally:
        tips_site._process["build"] = previous
        if pinned:
            unpin_source_date_epoch()
    log.info(f"preview: {', '.join(update.pages)} updated in {time.perf_counter() - started:.2f} s")
    return True


def _render(last: _Last, sources) -> None:
    """Run MkDocs' own page steps for these pages with the last build's objects; they write into site_dir."""
    files, config = last.files, last.config
    doc_files = files.documentation_pages(inclusion=InclusionLevel.is_in_serve)
    for src in sources:
        file = files.get_file_from_path(src)
        generated = _state.tips_site._process["build"].output.page(src)
        file.content_string = generated.source
        # The last build may have been staged: its files point into its staging folder
        # (abs_dest_path is a cached property: it is set, not derived again).
        file.dest_dir = str(_state.server.root)
        file.abs_dest_path = os.path.normpath(os.path.join(file.dest_dir, file.dest_uri))
        mkdocs_build._populate_page(file.page, config, files)
        mkdocs_build._build_page(file.page, config, doc_files, last.nav, last.env)


def _publish(staging: Path, served: Path) -> None:
    """Move the files of the staged rebuild that differ into the served folder; reload browsers if a page changed."""
    server = _state.server
    with server._epoch_cond:  # requests wait, as during a stock rebuild, for the short time files move
        before = server._visible_epoch
        server._wanted_epoch = _timestamp()
        reload = False
        try:
            wanted = set()
            for path in list(staging.rglob("*")):
                if path.is_dir():
                    continue
                relative = path.relative_to(staging)
                wanted.add(relative)
                target = served / relative
                if target.is_file() and filecmp.cmp(path, target, shallow=False):
                    continue
                reload = reload or path.suffix == ".html"
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, target)
            for path in sorted(served.rglob("*"), reverse=True):  # deepest first, so emptied folders go too
                if path.is_dir():
                    if not any(path.iterdir()):
                        path.rmdir()
                elif path.relative_to(served) not in wanted:
                    reload = reload or path.suffix == ".html"
                    path.unlink()
        finally:  # whatever happened, requests are answered again
            server._visible_epoch = server._wanted_epoch if reload else before
            server._wanted_epoch = server._visible_epoch
            server._epoch_cond.notify_all()


def _drop_staging(wait: bool = False) -> None:
    # Removed in the background: thousands of unchanged files stay in it, and the next save should not wait.
    if _state.staging is not None:
        remover = threading.Thread(target=shutil.rmtree, args=(_state.staging, True), daemon=True)
        remover.start()
        _state.removers.append(remover)
        _state.staging = None
    if wait:
        for remover in _state.removers:
            remover.join()
    _state.removers = [remover for remover in _state.removers if remover.is_alive()]


def _check_superseded() -> None:
    server = _state.server
    if server is not None and _state.staging is not None and server._want_rebuild:
        _state.superseded = True  # MkDocs logs a page step's exception as an error: `_quiet` drops that line
        raise _SupersededError()


def _quiet(record: logging.LogRecord) -> bool:
    """A filter for MkDocs' build logger: no error line for a rebuild stopped on purpose."""
    return not _state.superseded


# -- set-up -----------------------------------------------------------------


# Files editors keep beside the one being edited (swap, lock, backup): no
# part of the site, rewritten while a tip is edited. The full rebuild that
# always follows reads the folder as the build does, whatever they are.
_EDITOR_SUFFIXES = ("~", ".swp", ".swo", ".swx")
_EDITOR_PREFIXES = (".#", "#")


def is_editor_file(name: str) -> bool:
    """True for an editor's swap, lock or backup file (`.a.md.swp`, `.#a.md`, `a.md~`) in the tips folder."""
    base = name.rsplit("/", 1)[-1]
    return base.endswith(_EDITOR_SUFFIXES) or base.startswith(_EDITOR_PREFIXES)


def _fingerprint(root: Path) -> dict[str, tuple[int, int]]:
    """Every file of the tips folder (path relative to it) with its size and modification time."""
    found = {}
    for folder, _dirs, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            try:
                status = os.stat(path)
            except OSError:
                continue
            found[os.path.relpath(path, root).replace(os.sep, "/")] = (status.st_size, status.st_mtime_ns)
    return found


def _tips_site(config: MkDocsConfig):
    """The tips_site hooks module of this configuration (it holds each build's state)."""
    for module in (config.get("hooks") or {}).values():
        if getattr(module, "__file__", "").endswith("tips_site.py") and isinstance(
            getattr(module, "_process", None), dict
        ):
            return module
    return None


def _incompatible(server) -> str | None:
    """Why the fast path cannot run with this MkDocs, or None when everything it uses is there."""
    if not str(getattr(mkdocs, "__version__", "")).startswith("1.6."):
        return f"MkDocs {getattr(mkdocs, '__version__', '?')} is not the 1.6 it was written for"
    if _state.tips_site is None:
        return "the tips_site hooks are not loaded"
    if not isinstance(server, livereload.LiveReloadServer):
        return f"the server is a {type(server).__module__}.{type(server).__name__}, not MkDocs' own"
    missing = [name for name in _SERVER_FIELDS if not hasattr(server, name)]
    if missing or not callable(getattr(livereload, "_timestamp", None)):
        return f"the server lacks {', '.join(missing) or '_timestamp'}"
    if not isinstance(getattr(mkdocs_build, "log", None), logging.Logger):
        return "mkdocs.commands.build has no logger of its own"
    for name, wanted in _PAGE_STEPS.items():
        step = getattr(mkdocs_build, name, None)
        try:
            parameters = tuple(inspect.signature(step).parameters)[: len(wanted)]
        except (TypeError, ValueError):
            parameters = ()
        if parameters != wanted:
            return f"mkdocs.commands.build.{name} is not as expected"
    return None


def _timestamp() -> int:
    return livereload._timestamp()


def _watch(server, folders: list[Path]):
    """Watch `folders` with the system's file events and ask the server for a rebuild on any change."""

    def changed(event) -> None:
        # Reads (opened, closed without writing) are no change: the build itself reads every tip.
        if event.is_directory or event.event_type not in _WRITES:
            return
        log.debug(f"preview: {event}")
        with server._rebuild_cond:
            server._want_rebuild = True
            server._rebuild_cond.notify_all()

    handler = watchdog.events.FileSystemEventHandler()
    handler.on_any_event = changed
    observer = watchdog.observers.Observer()
    for folder in folders:
        observer.schedule(handler, str(folder), recursive=True)
    observer.daemon = True
    observer.start()
    return observer
