"""What the hooks that rely on MkDocs' internals check at start-up, and the one way they enter its page renders.

Not a hook itself (mkdocs.yml does not list it): hooks/fast_pages.py,
hooks/page_cache.py, hooks/page_shell.py and hooks/atomic_output.py import it (MkDocs puts this
folder on sys.path while it loads a hook). Each of them keeps its own list
of verified versions and of the source lines it relies on, since each was
checked against the engine for what it does; the checking is done here.
`wrap_page_templates` relies on what `renders_as_expected` checks:
`_build_page` asks `env.get_template(name)` for a page's template and calls
its `render(context)`.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version

from jinja2 import Environment, Template
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


def wrap_page_templates(env: Environment, wrap: Callable[[Template], object]) -> None:
    """Have `env.get_template` hand MkDocs `wrap(template)` for a page's template; nothing else changes.

    A template asked for from inside another (extends, include, import) has a
    parent or globals and is left alone. Wrappers stack: a wrapper exposes the
    template it wraps as `jinja_template`, and a later `wrap` gets the wrapper.
    """
    get_template = env.get_template

    def get_page_template(name, parent=None, globals=None):  # noqa: A002 (Jinja's own parameter name)
        template = get_template(name, parent, globals)
        if parent is None and globals is None and isinstance(getattr(template, "jinja_template", template), Template):
            return wrap(template)
        return template

    env.get_template = get_page_template


def holds(module: str, name: str, expected: tuple[str, ...]) -> str | None:
    """None when the source of `name` in the engine's `module` holds every line of `expected`, else why not."""
    try:
        text = source(module, name)
    except (ImportError, AttributeError, OSError, TypeError) as exc:
        return f"cannot read {ENGINE}'s {name} ({exc})"
    missing = [line for line in expected if line not in text]
    return f"{ENGINE}'s {name} is not as expected ({missing[0]!r} not found)" if missing else None
