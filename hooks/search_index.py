"""MkDocs hook: index the built site for search with Pagefind (`servicetips.search`).

Runs after every page is written and before `atomic_output` swaps the
staging folder into place (its on_post_build runs last, at -100), so the
index is part of the site that is published, and a failed indexing leaves
the previous site as it was. Under `mkdocs serve` it indexes the preview's
own build folder on every rebuild, so search works in the preview too.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from mkdocs.plugins import event_priority

from servicetips.search import SearchIndexError, index_site

log = logging.getLogger("mkdocs.hooks.search_index")


@event_priority(-50)  # after every page and plugin file is written; before atomic_output's swap (-100)
def on_post_build(config: MkDocsConfig) -> None:
    """Write the Pagefind bundle into the folder being built; stop the build if it cannot."""
    started = time.perf_counter()
    try:
        written = index_site(Path(config.site_dir), config.theme.get("language") or "en")
    except SearchIndexError as exc:
        raise Abort(f"Search index not built: {exc}") from None
    log.info(
        f"search: {written.pages} pages indexed by Pagefind in {time.perf_counter() - started:.1f} s "
        f"({written.files} files, {written.bytes // 1024} KiB)"
    )
