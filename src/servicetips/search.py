"""Site search: the Pagefind index of a built site folder.

Pagefind (the `pagefind-bin` package ships its binary) reads the finished
HTML and writes a search bundle into `<site>/pagefind/`: a small script, its
WebAssembly, and the index split into chunks and one fragment per page, so a
reader's browser fetches only the pieces that answer a query (about 200 KB
at 5,000 tips, where a single lunr index would be 10 MB).

Which pages are searched is decided in the page template: the content of a
page that is not excluded (`search: exclude` in its metadata, as every
listing page is) carries `data-pagefind-body`, so Pagefind indexes only
those; the parts of a tip page that repeat other pages (byline, credits,
related tips, pager) carry `data-search-exclude`, which Pagefind is told to
skip here (but for the tag chips).

This module knows nothing of MkDocs: it takes a folder and returns what it
wrote, or raises `SearchIndexError` with one line that says what went wrong.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import routes

#: The bundle's folder inside the site; the search script loads it from here.
BUNDLE_DIR = routes.SEARCH_BUNDLE
#: Left out of the index: what repeats other pages or says nothing of the tip (credits, related
#: tips, pager, byline) and permalink signs. A tip's tag chips (in .tip-meta, beside the byline)
#: stay in, so a tip is found by its tags.
EXCLUDE_SELECTOR = "[data-search-exclude]:not(.tip-meta), .tip-byline, .headerlink"
#: Pagefind has no time limit of its own; a hung binary must not hang the build.
TIMEOUT_SECONDS = 600
#: Pagefind's ready-made UIs, and the WebAssembly for pages of no known language:
#: the site has its own search script and one language, so nothing loads these.
UNUSED_FILES = (
    "pagefind-ui.js",
    "pagefind-ui.css",
    "pagefind-modular-ui.js",
    "pagefind-modular-ui.css",
    "pagefind-component-ui.js",
    "pagefind-component-ui.css",
    "wasm.unknown.pagefind",
)
#: Pagefind's own Python API reads the same variable: a binary to use instead of pagefind-bin's.
BINARY_VARIABLE = "PAGEFIND_BINARY_PATH"


class SearchIndexError(Exception):
    """Pagefind could not index the site; the message is one line."""


@dataclass(frozen=True)
class SearchIndex:
    """What Pagefind wrote: pages indexed, and the bundle's files and bytes."""

    pages: int
    files: int
    bytes: int


def pagefind_executable() -> Path:
    """The Pagefind binary: $PAGEFIND_BINARY_PATH if set, else the one shipped in `pagefind-bin`."""
    if os.environ.get(BINARY_VARIABLE):
        return Path(os.environ[BINARY_VARIABLE])
    try:
        # Imported here: a missing package becomes this one-line error, not an import failure of the core.
        from pagefind_bin import get_executable  # noqa: PLC0415

        return get_executable()
    except (ImportError, FileNotFoundError) as exc:
        raise SearchIndexError(f"Pagefind is not installed ({exc}); run `make install`") from None


def index_site(site_dir: Path, language: str = "en") -> SearchIndex:
    """Index the HTML in `site_dir` into `site_dir/pagefind/`, replacing any earlier bundle.

    One language for the whole site (`language`, the theme's): Pagefind would
    otherwise split the index by each page's `lang`.
    """
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        raise SearchIndexError(f"the site folder {site_dir} does not exist")
    bundle = site_dir / BUNDLE_DIR
    # A --dirty build or a preview rebuild writes into the previous folder:
    # start from nothing, so no chunk of an older index is left behind.
    if bundle.is_symlink() or bundle.is_file():
        bundle.unlink()
    elif bundle.exists():
        shutil.rmtree(bundle)
    command = [
        str(pagefind_executable()),
        "--site",
        str(site_dir),
        "--output-subdir",
        BUNDLE_DIR,
        "--force-language",
        language,
        "--exclude-selectors",
        EXCLUDE_SELECTOR,
        "--silent",
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SearchIndexError(f"Pagefind did not run: {exc}") from None
    if done.returncode != 0:
        raise SearchIndexError(f"Pagefind failed (exit {done.returncode}): {_first_line(done.stderr or done.stdout)}")
    for name in UNUSED_FILES:
        (bundle / name).unlink(missing_ok=True)
    return _written(bundle, language)


def _written(bundle: Path, language: str) -> SearchIndex:
    entry = bundle / "pagefind-entry.json"
    try:
        languages = json.loads(entry.read_text("utf-8"))["languages"]
    except (OSError, ValueError, KeyError) as exc:
        raise SearchIndexError(f"Pagefind wrote no usable {entry.name}: {exc}") from None
    pages = sum(int(info.get("page_count", 0)) for info in languages.values())
    files = [path for path in bundle.rglob("*") if path.is_file()]
    return SearchIndex(pages=pages, files=len(files), bytes=sum(path.stat().st_size for path in files))


def _first_line(text: str) -> str:
    # Pagefind says what went wrong first ("Error: ..."), then how it might have come about.
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else "no message"
