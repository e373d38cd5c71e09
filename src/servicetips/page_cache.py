"""Rendered pages kept between builds, by a key of everything that can change their HTML.

Material's templates (main.html -> base.html and its partials) take about a
quarter of a build, and a repeat build renders them again for pages whose
inputs did not change. The hooks (`hooks/page_cache.py`) ask this module for
a page's HTML under a key and render the template only on a miss.

The key is the sha256 of a canonical encoding (`canonical`) of every input
of the render: the template's context (the page, its neighbours, the nav,
the config, what the hooks put there), the template environment's globals
and filters, the theme's files and overrides (`tree_fingerprint`), the
source of the hooks and of this package (`code_fingerprint`), and the
versions of the packages that render (`package_versions`). A value this
module cannot encode exactly raises `UnkeyableError`: the page is rendered, never
keyed on a guess. Entries live in the build cache folder through
`servicetips.cache_store` (kind "pages", a linkable store: each entry is
the page's bare bytes, which the site links instead of writing them again),
which ignores any entry that is not exactly what it claims; MkDocs-specific objects are described by the
hooks, so the core never imports MkDocs.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import hashlib
import importlib.metadata
import json
import logging
import os
import sys
import types
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from pathlib import Path, PurePath
from typing import Any

from .cache_store import Entry, Store

KIND = "pages"
SUFFIX = ".html"
# What turns a page into HTML besides our code: the engine, the theme, the template and Markdown stack.
PACKAGES = (
    "mkdocs",
    "properdocs",
    "mkdocs-material",
    "mkdocs-material-extensions",
    "jinja2",
    "markupsafe",
    "markdown",
    "pymdown-extensions",
    "pygments",
    "babel",
)
_SKIPPED_DIRS = frozenset({"__pycache__", ".git"})
_MAX_DEPTH = 64

log = logging.getLogger("servicetips.page_cache")


class UnkeyableError(Exception):
    """A render input this module cannot encode exactly: the page is rendered, not cached."""


Describe = Callable[[Any], Any]


def canonical(value: Any, describe: Describe | None = None, _depth: int = 0) -> Any:
    """`value` as JSON-ready data that differs whenever the value could render differently.

    Types are tagged where Jinja tells them apart (a tuple prints unlike a
    list, `Markup` is not escaped where `str` is). `describe(value)` gives a
    stand-in for a type this module does not know (the hooks' MkDocs
    objects); without one, or when it cannot, `UnkeyableError` is raised.
    """
    if _depth > _MAX_DEPTH:
        raise UnkeyableError("nested too deeply (a cycle?)")
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    # How a value is encoded depends on its type alone, so the type is looked
    # up once: a page's key walks some hundred values, and the chain of
    # checks (`isinstance` against abstract classes) cost more than the walk.
    encode = _ENCODERS.get(kind)
    if encode is None:
        encode = _ENCODERS[kind] = _encoder_for(kind)
    return encode(value, describe, _depth + 1)


def _encoder_for(kind: type) -> Callable[[Any, Describe | None, int], Any]:
    """The encoding of values of type `kind` (see `canonical`)."""
    name = _qualname(kind)
    if kind is float:
        return lambda value, describe, depth: ["float", repr(value)]
    if issubclass(kind, str):  # Markup and other str subclasses print differently from str
        return lambda value, describe, depth: [name, str(value)]
    if issubclass(kind, (bytes, bytearray)):
        return lambda value, describe, depth: ["bytes", bytes(value).hex()]
    if issubclass(kind, enum.Enum):
        return lambda value, describe, depth: ["enum", name, canonical(value.value, describe, depth)]
    if issubclass(kind, (datetime.date, datetime.time)):  # datetime is a date
        return lambda value, describe, depth: [name, value.isoformat()]
    if issubclass(kind, PurePath):
        return lambda value, describe, depth: ["path", str(value)]
    if dataclasses.is_dataclass(kind):
        names = [field.name for field in dataclasses.fields(kind)]
        return lambda value, describe, depth: [
            "dataclass",
            name,
            {field: canonical(getattr(value, field), describe, depth) for field in names},
        ]
    if issubclass(kind, Mapping) and (kind in (dict, types.MappingProxyType) or kind.__module__ == "collections"):
        return _mapping
    if kind in (list, tuple) or (issubclass(kind, tuple) and hasattr(kind, "_fields")):
        return lambda value, describe, depth: [name, _sequence(value, describe, depth)]
    if kind in (set, frozenset):
        return lambda value, describe, depth: [
            name,
            sorted((canonical(item, describe, depth) for item in value), key=_sort_key),
        ]
    if issubclass(kind, (types.FunctionType, types.BuiltinFunctionType, types.MethodType, type)):
        # Code is keyed by its source or package version elsewhere; here only which callable it is.
        return lambda value, describe, depth: [
            "callable",
            getattr(value, "__module__", None),
            getattr(value, "__qualname__", repr(value)),
        ]
    return _described


def _mapping(value: Mapping, describe: Describe | None, depth: int) -> list:
    if all(type(key) is str for key in value):
        # Plain string keys sort as themselves: equal maps give equal lists, and the keys are in them.
        return ["map", _qualname(type(value)), [[key, canonical(value[key], describe, depth)] for key in sorted(value)]]
    return ["map", _qualname(type(value)), _items(value.items(), describe, depth)]


def _sequence(value: list | tuple, describe: Describe | None, depth: int) -> list:
    if all(type(item) is str for item in value):
        return list(value)
    return [canonical(item, describe, depth) for item in value]


def _described(value: Any, describe: Describe | None, depth: int) -> Any:
    if describe is not None:
        stand_in = describe(value)
        if stand_in is not value:
            return canonical(stand_in, describe, depth)
    raise UnkeyableError(f"cannot key a {_qualname(type(value))}")


_ENCODERS: dict[type, Callable[[Any, Describe | None, int], Any]] = {}


def _items(items: Iterable[tuple[Any, Any]], describe: Describe | None, depth: int) -> list:
    pairs = [[canonical(key, describe, depth), canonical(item, describe, depth)] for key, item in items]
    return sorted(pairs, key=lambda pair: _sort_key(pair[0]))


def _sort_key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _qualname(kind: type) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


def digest(value: Any) -> str:
    """The sha256 (hex) of `value`'s canonical JSON; `value` must already be `canonical` data."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@lru_cache(maxsize=1)
def package_versions() -> tuple[tuple[str, str], ...]:
    """The Python version and each of `PACKAGES`' installed version ("-" when not installed)."""
    versions = [("python", sys.version)]
    for name in PACKAGES:
        try:
            versions.append((name, importlib.metadata.version(name)))
        except importlib.metadata.PackageNotFoundError:
            versions.append((name, "-"))
    return tuple(versions)


def tree_fingerprint(folder: Path, skip: Iterable[str] = ()) -> str:
    """The sha256 of every file under `folder` (relative path and bytes), but in folders named in `skip`.

    Bytes, not modification times: a restored CI cache or a fresh checkout
    has new times and the same files.
    """
    folder = Path(folder)
    skipped = _SKIPPED_DIRS | set(skip)
    digest_ = hashlib.sha256()
    paths = []
    # os.walk, not rglob: a skipped folder (Material's ~14,000 icons) is never walked at all.
    for parent, dirs, names in os.walk(folder):
        dirs[:] = [name for name in dirs if name not in skipped]
        for name in names:
            path = Path(parent, name)
            if path.is_file():
                paths.append((path.relative_to(folder).as_posix(), path))
    for name, path in sorted(paths):
        digest_.update(name.encode("utf-8", "surrogateescape") + b"\0")
        digest_.update(hashlib.sha256(path.read_bytes()).digest())
    return digest_.hexdigest()


def words_used(folders: Iterable[tuple[Path, Iterable[str]]], words: Iterable[str]) -> set[str]:
    """Which of `words` appear in any file under the folders (each with the folder names it skips).

    A template can only print a context value it names, so a value no
    template names can stay out of the key (the build's date would
    otherwise make every page new every day).
    """
    wanted = {word: word.encode("utf-8") for word in words}
    found: set[str] = set()
    for folder, skip in folders:
        skipped = _SKIPPED_DIRS | set(skip)
        for parent, dirs, names in os.walk(folder):
            dirs[:] = [name for name in dirs if name not in skipped]
            for name in names:
                data = Path(parent, name).read_bytes()
                found.update(word for word, raw in wanted.items() if word not in found and raw in data)
    return found


def files_fingerprint(paths: Iterable[Path]) -> str:
    """The sha256 of the named files' paths and bytes, in the order given."""
    digest_ = hashlib.sha256()
    for path in paths:
        digest_.update(str(path).encode("utf-8", "surrogateescape") + b"\0")
        digest_.update(hashlib.sha256(Path(path).read_bytes()).digest())
    return digest_.hexdigest()


@lru_cache(maxsize=1)
def core_fingerprint() -> str:
    """The sha256 of this package's files (code and templates): any change to the core is a new key."""
    return tree_fingerprint(Path(__file__).parent)


class PageCache:
    """Rendered pages kept in `folder` (the build cache folder) by key; `used` is what this build asked for.

    `logger` says, once, that the folder cannot be written (the hooks pass
    the engine's, so the line reaches the build's output).
    """

    def __init__(self, folder: Path, logger: logging.Logger | None = None) -> None:
        fallback = "pages are rendered, not cached"
        self._store = Store(folder, KIND, suffix=SUFFIX, log=logger or log, fallback=fallback, linkable=True)
        self.folder = self._store.folder
        self.used: set[str] = set()
        self.hits = self.misses = 0

    def path(self, key: str) -> Path | None:
        """Where the page with `key` is kept; None when it is not."""
        return self._store.path(key)

    def get(self, key: str) -> str | None:
        """The HTML kept under `key`, or None when there is no sound entry (counted as a hit or a miss)."""
        found = self.find(key)
        return found[0] if found is not None else None

    def find(self, key: str) -> tuple[str, Entry] | None:
        """The HTML kept under `key` and its entry (which the site may link), or None (counted as `get` does)."""
        self.used.add(key)
        entry = self._store.entry(key)
        html = None
        if entry is not None:
            try:
                html = entry.payload.decode("utf-8")
            except UnicodeDecodeError:
                html = None
        if html is None:
            self.misses += 1
            return None
        self.hits += 1
        return html, entry

    def put(self, key: str, html: str) -> Entry | None:
        """Keep `html` under `key` and return its entry (HTML that is not valid UTF-8 text is rendered every
        time instead: None)."""
        try:
            payload = html.encode("utf-8")
        except UnicodeEncodeError:
            return None
        return self._store.put(key, payload)

    @property
    def writable(self) -> bool:
        """False once a write failed: the rest of the build renders without keeping."""
        return self._store.writable

    def prune(self) -> int:
        """Remove the entries this build did not ask for, so the folder holds one site's pages; the number removed."""
        return self._store.prune(self.used)
