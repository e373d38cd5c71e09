"""A content-addressed cache of each tip body's check result and allow-listed HTML, kept between builds.

Rendering the bodies is most of what the check costs (Python-Markdown: some
0.6 ms a body), and a repeat build renders the same bodies again in a new
process. The build (not `tips check`, which editors and CI run without a
cache) keeps, for every body it checked, what `body_limits.check_tip_body`
found (issues and links to other tips) and, for a body that was rendered,
its sanitized HTML (`render.clean_html`), which the pages and feeds then use.

Key: the sha256 of the body's text. The file is named after a fingerprint
of the code and the libraries that make the result (the source of every
module of this package, the versions of Python-Markdown, its extensions,
Pygments and nh3, Python's), so a change to any rule or to the rendering
starts a new file: no change to the code can forget to invalidate it.

Layout: one entry of the build's cache store (`cache_store`, kind
`bodies`, keyed by the fingerprint): a JSON object mapping body keys to
results. The store ignores an entry whose header does not match (damaged,
cut short, copied from another version); an entry not of the expected
shape is ignored too and rewritten; nothing in it is trusted. (One written
on purpose by someone who can write the folder can pass, as can anything
they put in the project.) The store writes atomically, and the entries of
other fingerprints are removed when the current one is written; a folder
that cannot be written only costs speed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from functools import lru_cache
from pathlib import Path

import markdown
import nh3
import pygments
import pymdownx

from .body import BodyIssue, TipLink
from .body_limits import LIMIT_CODES, check_tip_body
from .cache_store import Store
from .render import clean_html, remember_clean

FOLDER = "bodies"  # the store's kind, and its folder in the cache folder
# Codes after which the body was not rendered (a limit, or nesting Markdown could not read).

log = logging.getLogger("servicetips.body_cache")
# The entries of the file this process last read or wrote, by path, with the sha256 of its payload.
_parsed: dict[Path, tuple[bytes, dict[str, list]]] = {}

Result = tuple[list[BodyIssue], list[TipLink]]


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """The sha256 of what makes a body's result: this package's source, the rendering libraries' versions."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    for module in (markdown, pymdownx, pygments, nh3):
        digest.update(f"{module.__name__}={module.__version__}\0".encode())
    digest.update(sys.version.encode("utf-8"))
    return digest.hexdigest()


def body_key(body: str) -> str:
    """The key of a body: the sha256 of its text."""
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()


class BodyCache:
    """The results of the bodies checked before, read from `folder` once; `save()` writes what is new."""

    def __init__(self, folder: Path) -> None:
        self.store = Store(
            folder,
            FOLDER,
            suffix=".json",
            log=log,
            name="body",
            fallback="bodies not written: rendered again",
        )
        self.path = self.store.path(fingerprint())
        self.entries = self._read()
        self.used: dict[str, list] = {}
        self.hits = self.misses = 0

    def _read(self) -> dict[str, list]:
        payload = self.store.get(fingerprint())
        if payload is None:
            return {}
        digest = hashlib.sha256(payload).digest()
        if _parsed.get(self.path, (None, None))[0] == digest:
            # The same bytes as this process last read or wrote: a preview's
            # rebuild does not parse the file again.
            return _parsed[self.path][1]
        try:
            entries = json.loads(payload)
        except ValueError:
            return {}
        if not isinstance(entries, dict):
            return {}
        _parsed[self.path] = (digest, entries)
        return entries

    def check(self, body: str) -> Result:
        """`check_tip_body(body)`, from the cache when it holds a sound entry for this body."""
        key = body_key(body)
        found = _decode(self.entries.get(key))
        if found is not None:
            self.hits += 1
            issues, links, clean = found
            if clean is not None:
                remember_clean(body, clean)
            self.used[key] = self.entries[key]
            return issues, links
        self.misses += 1
        issues, links = check_tip_body(body)
        # A body the check rendered has its HTML in render's cache now; one
        # that broke a limit was never rendered and must not be here either.
        rendered = not any(issue.code in LIMIT_CODES for issue in issues)
        self.used[key] = [
            [[i.line, i.col, i.code, i.message, i.hint] for i in issues],
            [[k.slug, k.target, k.line, k.col] for k in links],
            clean_html(body) if rendered else None,
        ]
        return issues, links

    def save(self) -> None:
        """Write the entries used by this run (and older ones, up to twice as many) when any was new."""
        if not self.misses:
            return
        kept = dict(self.used)
        for key, value in self.entries.items():
            if len(kept) >= 2 * len(self.used) + 100:
                break
            kept.setdefault(key, value)
        payload = json.dumps(kept, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self.store.put(fingerprint(), payload)
        if self.store.writable:
            _parsed[self.path] = (hashlib.sha256(payload).digest(), kept)
            # Entries of other code versions are of no use to this one: a
            # folder restored between builds keeps only the current entry.
            self.store.prune([fingerprint()])


def _decode(entry: object) -> tuple[list[BodyIssue], list[TipLink], str | None] | None:
    """An entry as the check's result, or None when it is not exactly the shape written."""
    try:
        raw_issues, raw_links, clean = entry  # type: ignore[misc]
        issues = [BodyIssue(*fields) for fields in raw_issues if _typed(fields, (int, int, str, str, str))]
        links = [TipLink(*fields) for fields in raw_links if _typed(fields, (str, str, int, int))]
    except (TypeError, ValueError):
        return None
    if len(issues) != len(raw_issues) or len(links) != len(raw_links) or not isinstance(clean, (str, type(None))):
        return None
    return issues, links, clean


def _typed(fields: object, types: tuple[type, ...]) -> bool:
    return (
        isinstance(fields, list)
        and len(fields) == len(types)
        and all(type(value) is kind for value, kind in zip(fields, types, strict=True))
    )
