"""The Jinja2 environment of the core's templates (`servicetips/templates/`), and the templates' bytecode cache.

Autoescape is on for `.html` templates and off for text ones (the weekly
email's plain-text version is never parsed as HTML). The page pieces use an
environment of their own (`pages.html`), whose `finalize` escapes exactly as
the pages always have.

Compiling a template costs far more than loading its compiled code, and
every build compiles the same templates again (Material's and ours). A
`TemplateCache` keeps the compiled code in the build cache folder
(`cache_store`, kind "templates"); `use_cache_folder` turns it on for every
environment registered here, MkDocs' included (hooks/template_cache.py).
It is Jinja's own `BytecodeCache` interface, not its
`FileSystemBytecodeCache`, for three reasons: that cache keys a template by
name and file alone, so two environments with different settings
(`keep_trailing_newline`, autoescape, `finalize`) would run each other's
code; it reads the source checksum with `pickle`, which must never see a
file it did not write; and a flipped byte inside the marshalled code can
still load as valid code that renders something else. Here the key is
the sha256 of everything compiling depends on (the source, the template's
name and file, every setting of the environment the compiler reads, the
versions of Jinja and of Python's bytecode), the store returns only an
entry whose header names that key and whose payload hashes to its
recorded sha256, and only a code object is ever taken from it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import marshal
import weakref
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from jinja2.bccache import Bucket, BytecodeCache
from jinja2.utils import _PassArg

from .cache_store import Store

KIND = "templates"
log = logging.getLogger("servicetips.jinja")
# Environments whose bytecode cache follows `use_cache_folder` (weak: an environment is never kept alive here).
_registered: weakref.WeakSet[Environment] = weakref.WeakSet()
_environments: dict[bool, Environment] = {}
_cache: TemplateCache | None = None


def environment(keep_trailing_newline: bool = False) -> Environment:
    """The templates' environment; `keep_trailing_newline` for files written as they are (the email)."""
    env = _environments.get(keep_trailing_newline)
    if env is None:
        env = Environment(
            loader=PackageLoader("servicetips", "templates"),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            keep_trailing_newline=keep_trailing_newline,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        _environments[keep_trailing_newline] = register(env)
    return env


def register(env: Environment) -> Environment:
    """Have `env` use the templates' bytecode cache now and whenever `use_cache_folder` changes it; `env` back."""
    _registered.add(env)
    env.bytecode_cache = _cache
    return env


def use_cache_folder(folder: Path | None) -> TemplateCache | None:
    """Keep compiled templates in `folder` (the build cache folder; None: not kept) for every registered environment."""
    global _cache
    if folder is None:
        _cache = None
    elif _cache is None or _cache.folder != Path(folder):
        _cache = TemplateCache(Path(folder))
    for env in list(_registered):
        env.bytecode_cache = _cache
    return _cache


def _named(value: Any) -> str:
    # A callable by its qualified name (its repr carries a memory address,
    # different in every process); any other setting by its repr.
    if callable(value):
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', type(value).__qualname__)}"
    return repr(value)


def _callables(table: dict[str, Any]) -> list[tuple[str, str, str]]:
    # The compiler checks that a filter or test exists and passes it the
    # context, eval context or environment it asks for (`pass_context`...).
    return sorted((name, _named(func), repr(_PassArg.from_obj(func))) for name, func in table.items())


def compile_fingerprint(env: Environment, name: str | None) -> list[str]:
    """Everything of `env` that the compiler reads when it compiles template `name`, as text."""
    autoescape = env.autoescape(name) if callable(env.autoescape) else env.autoescape
    settings = [
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        env.optimized,
        env.is_async,
        bool(autoescape),
        _named(env.finalize) if env.finalize else None,
        repr(_PassArg.from_obj(env.finalize)) if env.finalize else None,
        getattr(env, "newstyle_gettext", None),  # read by the i18n extension when it compiles
        _named(env.code_generator_class),
        sorted((_named(type(ext)), ext.priority) for ext in env.extensions.values()),
        sorted((key, _named(value)) for key, value in env.policies.items()),
        _callables(env.filters),
        _callables(env.tests),
    ]
    return [repr(setting) for setting in settings]


class TemplateCache(BytecodeCache):
    """Jinja's bytecode cache on the build's cache store: compiled code by a key of everything that makes it."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.store = Store(folder, KIND, log=log, name="template", fallback="templates are compiled, not cached")
        self.used: set[str] = set()  # keys asked for by this build: what `prune` keeps

    def get_bucket(self, environment: Environment, name: str, filename: str | None, source: str) -> Bucket:
        """The bucket of this template in this environment, with its code when the store has a sound entry."""
        bucket = Bucket(environment, self.key(environment, name, filename, source), checksum="")
        self.load_bytecode(bucket)
        return bucket

    def key(self, environment: Environment, name: str, filename: str | None, source: str) -> str:
        """The key of a template's compiled code: the sha256 of everything compiling it depends on."""
        digest = hashlib.sha256()
        parts = [
            "servicetips-jinja-bytecode-v1",
            jinja2.__version__,
            importlib.util.MAGIC_NUMBER.hex(),  # code objects change with Python's bytecode
            name,
            filename or "",
            *compile_fingerprint(environment, name),
            source,
        ]
        for part in parts:
            encoded = part.encode("utf-8", "surrogatepass")
            digest.update(len(encoded).to_bytes(8, "big") + encoded)  # length-prefixed: no two lists join alike
        return digest.hexdigest()

    def load_bytecode(self, bucket: Bucket) -> None:
        """Put the kept code in `bucket`; nothing when there is no sound entry or it is not a code object."""
        self.used.add(bucket.key)
        payload = self.store.get(bucket.key)
        if payload is None:
            return
        try:
            code = marshal.loads(payload)
        except (EOFError, ValueError, TypeError):
            return  # only reachable if the store's own checks were passed by bytes that are not code
        if isinstance(code, CodeType):
            bucket.code = code

    def dump_bytecode(self, bucket: Bucket) -> None:
        """Keep the code Jinja just compiled; a folder that cannot be written only costs speed (said once)."""
        if bucket.code is not None:
            self.store.put(bucket.key, marshal.dumps(bucket.code))

    def prune(self) -> int:
        """Remove the kept templates this build did not ask for (an old Material's, an edited override's).

        The core's own templates are kept as they are now even when this
        build loaded none of them: a build whose pages all came from the
        caches renders no page piece, and the next build that does would
        compile them again.
        """
        return self.store.prune(self.used | set(self._core_keys()))

    def _core_keys(self) -> list[str]:
        keys = []
        for env in list(_registered):
            loader = env.loader
            if not (isinstance(loader, PackageLoader) and loader.package_name == __package__):
                continue  # MkDocs' environment: only what a build asked for is known to be current
            for name in loader.list_templates():
                try:
                    source, filename, _ = loader.get_source(env, name)
                except (OSError, jinja2.TemplateNotFound):
                    continue
                keys.append(self.key(env, name, filename, source))
        return keys

    def clear(self) -> None:
        """Remove every kept template."""
        self.store.prune(())
