"""MkDocs hook: index the site for search with Pagefind while it is rendered (`servicetips.search`).

Pagefind starts with the build (on_pre_build) and is handed each page's
final HTML as soon as MkDocs has it (on_post_page, last of all hooks), so it
parses pages on the machine's other core while the next ones are rendered.
At on_post_build, before the other hooks' (the share cards are written
then), the site's other HTML files (the 404 page; under --dirty, the pages
not rebuilt) are handed over too, by path, and Pagefind starts building the
index; after the other hooks the bundle is written: copied from the build
cache when the searched pages did not change, else built by Pagefind and
kept there.

This runs before `atomic_output` swaps the staging folder into place (its
on_post_build runs last, at -100), so the index is part of the site that is
published, and a failed indexing stops the build with one line and leaves
the previous site as it was. Under `mkdocs serve` every rebuild indexes the
preview's own build folder, so search works in the preview too.
"""

from __future__ import annotations

import importlib
import logging
import time
from pathlib import Path
from types import SimpleNamespace

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from mkdocs.plugins import event_priority
from mkdocs.structure.pages import Page

import engine_check  # hooks/engine_check.py: MkDocs adds this folder to sys.path while it loads a hook
from servicetips.build import cache_dir_for
from servicetips.search import PagefindFeed, SearchIndexError, site_pages

log = logging.getLogger("mkdocs.hooks.search_index")
_state = SimpleNamespace(feed=None, fed=set(), started=0.0, waited=0.0)


def on_pre_build(config: MkDocsConfig) -> None:
    """Start Pagefind for this build; a binary that cannot start stops the build."""
    _close()
    _state.started = time.perf_counter()
    try:
        _state.feed = PagefindFeed(config.theme.get("language") or "en")
    except SearchIndexError as exc:
        raise Abort(f"Search index not built: {exc}") from None


@event_priority(-100)  # last: Pagefind must see the HTML exactly as MkDocs writes it
def on_post_page(output: str, page: Page, config: MkDocsConfig) -> str:
    """Hand the page's final HTML to Pagefind; it is indexed while the next pages render."""
    if _state.feed is not None and output is not None:
        _state.feed.add_file(page.file.dest_uri, output)
        _state.fed.add(page.file.dest_uri)
    return output


@event_priority(50)  # before the other hooks' post_build (the share cards): Pagefind builds the index meanwhile
def _finish_index(config: MkDocsConfig) -> None:
    """Hand over the site's other HTML files and let Pagefind build the index while the build goes on."""
    if _state.feed is None:
        return
    _state.waited = time.perf_counter()
    try:
        _hand_over_the_rest(Path(config.site_dir))
        _state.feed.finish(cache_dir_for(Path(config.config_file_path).parent))
    except SearchIndexError as exc:
        raise Abort(f"Search index not built: {exc}") from None


@event_priority(-50)  # after every page and plugin file is written; before atomic_output's swap (-100)
def _write_index(config: MkDocsConfig) -> None:
    """Write the Pagefind bundle into the folder being built; stop the build if it cannot."""
    feed = _state.feed
    if feed is None:
        return
    site = Path(config.site_dir)
    try:
        # An HTML file a hook wrote since _finish_index is indexed too (the index is then built again).
        _hand_over_the_rest(site)
        written = feed.write(site, cache_dir_for(Path(config.config_file_path).parent))
    except SearchIndexError as exc:
        raise Abort(f"Search index not built: {exc}") from None
    finally:
        _close()
    how = "copied from the cache" if written.cached else "indexed by Pagefind"
    log.info(
        f"search: {written.pages} pages {how}, {time.perf_counter() - _state.waited:.1f} s after the last page "
        f"({time.perf_counter() - _state.started:.1f} s in all; {written.files} files, {written.bytes // 1024} KiB)"
    )


def _hand_over_the_rest(site: Path) -> None:
    """Hand Pagefind the site's HTML files no post_page gave it: the 404 page; under --dirty, the pages not
    rebuilt."""
    for path, html in site_pages(site, skip=_state.fed):
        _state.feed.add_file(path, html)
        _state.fed.add(path)


# Two steps of one event, around the other hooks' post_build (MkDocs 1.6's CombinedEvent, from the engine
# that runs: ProperDocs checks for its own class).
on_post_build = importlib.import_module(f"{engine_check.ENGINE}.plugins").CombinedEvent(_finish_index, _write_index)


def on_build_error(error: Exception) -> None:
    """Stop Pagefind: the build is over."""
    _close()


def on_shutdown() -> None:
    """Leave no Pagefind process behind."""
    _close()


def _close() -> None:
    if _state.feed is not None:
        _state.feed.close()
    _state.feed, _state.fed = None, set()
