"""What the hooks that rely on MkDocs' internals check at start-up: which engine runs, its version, its source.

Not a hook itself (mkdocs.yml does not list it): hooks/fast_pages.py,
hooks/page_cache.py and hooks/page_shell.py import it (MkDocs puts this
folder on sys.path while it loads a hook). Each of them keeps its own list
of verified versions and of the source lines it relies on, since each was
checked against the engine for what it does; the checking is done here.
"""

from __future__ import annotations

import importlib
import inspect
from importlib.metadata import PackageNotFoundError, version

from mkdocs.config.defaults import MkDocsConfig

ENGINE = MkDocsConfig.__module__.split(".")[0]  # "mkdocs", or "properdocs" under ProperDocs


def engine() -> tuple[str, str]:
    """The engine that runs the build: its distribution name and installed version."""
    try:
        return ENGINE, version(ENGINE)
    except PackageNotFoundError:
        return ENGINE, "unknown"


def unverified(verified: set[tuple[str, str]], feature: str) -> str | None:
    """Why `feature` was not checked against the installed engine; None when it was (it is in `verified`)."""
    name, installed = engine()
    if (name, installed) in verified:
        return None
    listed = ", ".join(f"{n} {v}" for n, v in sorted(verified))
    return f"{name} {installed} is not a version the {feature} was checked against ({listed})"


def source(module: str, name: str) -> str:
    """The source of `name` in the engine's `module` (e.g. "commands.build", "_build_page"); raises if unreadable."""
    return inspect.getsource(getattr(importlib.import_module(f"{ENGINE}.{module}"), name))


def renders_as_expected(expected: tuple[str, ...]) -> str | None:
    """None when the engine's `_build_page` holds every line of `expected`, else why not."""
    try:
        build_page = source("commands.build", "_build_page")
    except (ImportError, AttributeError, OSError, TypeError) as exc:
        return f"cannot read {ENGINE}'s page build ({exc})"
    missing = [line for line in expected if line not in build_page]
    return f"{ENGINE} renders pages differently than expected ({missing[0]!r} not found)" if missing else None
