"""Compiled templates kept in the build cache folder (servicetips.jinja.TemplateCache, hooks/template_cache.py).

A kept template must render exactly as a freshly compiled one, and
anything else in its place (a flipped byte, a cut-short file, another
template's or another environment's code, bytes that are not code, a
pickle that would run something) is ignored: the template is compiled
again and the entry rewritten. The whole site is the same, byte for byte,
with the cache filled, reused, damaged or off.
"""

from __future__ import annotations

import logging
import marshal
import pickle
import shutil

import pytest
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape

from servicetips import jinja
from servicetips.cache_store import MAGIC, Store, _header
from support import AS_OF, build_site, snapshot
from support.paths import FIXTURES, SITE_FIXTURES

TEMPLATES = FIXTURES / "jinja"
CONTEXT = {"name": "Ada <admin>", "tags": ["refunds", "tone"]}


@pytest.fixture(autouse=True)
def _no_cache_left_behind():
    yield
    jinja.use_cache_folder(None)  # the module-wide setting: later tests start without a cache


def _env(cache=None, **settings) -> Environment:
    settings.setdefault("autoescape", select_autoescape(["html"]))
    env = Environment(loader=FileSystemLoader(TEMPLATES), **settings)
    env.bytecode_cache = cache
    return env


def _render(env: Environment, name: str = "greeting.html") -> str:
    return env.get_template(name).render(CONTEXT)


def _entries(folder):
    return sorted((folder / jinja.KIND).glob("*/*"))


def _bucket(cache, env, name="greeting.html"):
    source, filename, _ = env.loader.get_source(env, name)
    return cache.get_bucket(env, name, filename, source)


def test_a_kept_template_is_loaded_not_compiled_and_renders_the_same(tmp_path):
    fresh = _render(_env())
    assert _render(_env(jinja.TemplateCache(tmp_path))) == fresh
    assert len(_entries(tmp_path)) == 2  # greeting.html and the macros it imports
    cache = jinja.TemplateCache(tmp_path)
    env = _env(cache)
    assert _bucket(cache, env).code is not None
    compiled = []
    env.compile = lambda *args, **kwargs: compiled.append(args) or Environment.compile(env, *args, **kwargs)
    assert _render(env) == fresh
    assert compiled == []


def _flip_payload(path):
    data = bytearray(path.read_bytes())
    data[-20] ^= 0x01  # inside the marshalled code: a constant or an instruction
    path.write_bytes(bytes(data))


def _flip_header(path):
    data = bytearray(path.read_bytes())
    data[len(MAGIC) + 12] ^= 0x01
    path.write_bytes(bytes(data))


def _truncate(path):
    path.write_bytes(path.read_bytes()[:-100])


def _empty(path):
    path.write_bytes(b"")


def _garbage(path):
    path.write_bytes(b"\x00\xff" * 300)


@pytest.mark.parametrize("damage", [_flip_payload, _flip_header, _truncate, _empty, _garbage])
def test_a_damaged_entry_is_ignored_compiled_again_and_rewritten(tmp_path, damage):
    cache = jinja.TemplateCache(tmp_path)
    fresh = _render(_env())
    _render(_env(cache))
    key = _bucket(cache, _env(cache)).key
    entry = cache.store.path(key)
    sound = entry.read_bytes()
    damage(entry)
    again = jinja.TemplateCache(tmp_path)
    assert _bucket(again, _env(again)).code is None
    assert _render(_env(again)) == fresh
    assert entry.read_bytes() == sound  # compiled again and kept again, whole


def test_another_template_s_entry_in_this_one_s_place_is_ignored(tmp_path):
    cache = jinja.TemplateCache(tmp_path)
    _render(_env(cache), "farewell.html")
    _render(_env(cache), "greeting.html")
    env = _env(cache)
    farewell, greeting = _bucket(cache, env, "farewell.html").key, _bucket(cache, env, "greeting.html").key
    shutil.copyfile(cache.store.path(farewell), cache.store.path(greeting))
    again = jinja.TemplateCache(tmp_path)
    assert _bucket(again, _env(again)).code is None
    assert _render(_env(again)) == _render(_env())
    assert "Goodbye" not in _render(_env(again))


def _forge(cache, key: str, payload: bytes) -> None:
    # An entry with a sound header over bytes that are not code: only the
    # last check (marshal, then "is it code?") stands between them and Jinja.
    path = cache.store.path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(_header(jinja.KIND, key, payload) + payload)


class _Trap:
    """Unpickling this creates a file: proof that a pickle was run."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.mark.parametrize(
    "payload",
    [
        b"\xe3garbage that starts like a code object",
        b"",
        marshal.dumps("a string, not code"),
        marshal.dumps((1, 2, 3)),
        marshal.dumps(compile("1", "x", "eval"))[:-3],
    ],
    ids=["bad-marshal", "empty", "string", "tuple", "cut-code"],
)
def test_bytes_that_are_not_code_never_reach_jinja(tmp_path, payload):
    cache = jinja.TemplateCache(tmp_path)
    key = _bucket(cache, _env(cache)).key
    _forge(cache, key, payload)
    again = jinja.TemplateCache(tmp_path)
    assert _bucket(again, _env(again)).code is None
    assert _render(_env(again)) == _render(_env())


def test_a_pickle_in_an_entry_is_never_run(tmp_path):
    # Jinja's own FileSystemBytecodeCache unpickles the checksum it reads;
    # this cache never unpickles anything.
    marker = tmp_path / "ran"
    cache = jinja.TemplateCache(tmp_path / "cache")
    key = _bucket(cache, _env(cache)).key
    _forge(cache, key, pickle.dumps(_Trap(marker)))
    again = jinja.TemplateCache(tmp_path / "cache")
    assert _render(_env(again)) == _render(_env())
    assert not marker.exists()


@pytest.mark.parametrize(
    "settings",
    [
        {"keep_trailing_newline": True},
        {"trim_blocks": True, "lstrip_blocks": True},
        {"autoescape": False},
        {"finalize": lambda value: f"[{value}]"},
        {"variable_start_string": "{{", "variable_end_string": "}}", "line_statement_prefix": "#"},
    ],
    ids=["trailing-newline", "trim", "no-autoescape", "finalize", "line-statements"],
)
def test_environments_with_other_settings_never_share_code(tmp_path, settings):
    cache = jinja.TemplateCache(tmp_path)
    plain = _render(_env(cache))
    other = _render(_env(cache, **settings))
    assert other == _render(_env(**settings))
    assert plain == _render(_env())
    assert len(_entries(tmp_path)) == 4  # each environment's greeting.html and macros.html


def test_a_filter_that_asks_for_the_context_makes_other_code(tmp_path):
    # The compiler passes the context to a `pass_context` filter: code
    # compiled for one would call the other with the wrong arguments.
    def plain_filter(env):
        env.filters["upper"] = lambda text: text.upper()
        return env

    def context_filter(env):
        env.filters["upper"] = pass_context(lambda context, text: f"{context.name}:{text}")
        return env

    cache = jinja.TemplateCache(tmp_path)
    asks = _render(context_filter(_env(cache)))
    assert "macros.html:refunds" in asks
    plain = plain_filter(_env(cache))
    assert _render(plain) == _render(plain_filter(_env())) != asks
    assert _bucket(cache, plain).key != _bucket(cache, context_filter(_env(cache))).key


def test_an_edited_template_is_compiled_again(tmp_path):
    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    cache = jinja.TemplateCache(tmp_path / "cache")

    def env():
        return Environment(loader=FileSystemLoader(templates), autoescape=True, bytecode_cache=cache)

    assert "Goodbye" in env().get_template("farewell.html").render(name="x")
    (templates / "farewell.html").write_text("<p>See you, {{ name }}.</p>\n", encoding="utf-8")
    assert env().get_template("farewell.html").render(name="x") == "<p>See you, x.</p>"


def test_prune_keeps_only_the_templates_this_build_asked_for(tmp_path):
    old = jinja.TemplateCache(tmp_path)
    _render(_env(old), "farewell.html")
    _render(_env(old, keep_trailing_newline=True), "farewell.html")  # an older theme's settings
    cache = jinja.TemplateCache(tmp_path)
    _render(_env(cache), "farewell.html")
    assert cache.prune() == 1
    assert [entry.name for entry in _entries(tmp_path)] == [_bucket(cache, _env(cache), "farewell.html").key]


def test_a_folder_that_cannot_be_written_compiles_and_says_so_once(tmp_path, caplog):
    (tmp_path / jinja.KIND).write_bytes(b"a file where the folder should be")
    cache = jinja.TemplateCache(tmp_path)
    with caplog.at_level(logging.INFO, logger="servicetips.jinja"):
        assert _render(_env(cache)) == _render(_env())
        _render(_env(cache), "farewell.html")
    assert [record.levelname for record in caplog.records] == ["INFO"]
    assert "template cache" in caplog.records[0].getMessage()
    assert "templates are compiled, not cached" in caplog.records[0].getMessage()


def test_use_cache_folder_reaches_every_registered_environment(tmp_path):
    core = jinja.environment()
    mine = jinja.register(_env())
    cache = jinja.use_cache_folder(tmp_path)
    assert isinstance(cache, jinja.TemplateCache)
    assert core.bytecode_cache is cache and mine.bytecode_cache is cache
    assert jinja.environment(keep_trailing_newline=True).bytecode_cache is cache
    assert jinja.use_cache_folder(tmp_path) is cache  # the same folder: the same cache and its `used` keys
    jinja.use_cache_folder(None)  # TIPS_CACHE_DIR=off
    assert core.bytecode_cache is None and mine.bytecode_cache is None


def test_the_store_checks_apply(tmp_path):
    # The cache is the shared store, kind "templates": its header names the kind and key.
    cache = jinja.TemplateCache(tmp_path)
    _render(_env(cache), "farewell.html")
    (entry,) = _entries(tmp_path)
    assert entry.read_bytes().startswith(MAGIC + b"templates " + entry.name.encode())
    assert Store(tmp_path, "pages").get(entry.name) is None


def test_the_site_is_the_same_with_templates_compiled_kept_damaged_or_not_kept(tmp_path):
    small = SITE_FIXTURES / "small"
    cache = tmp_path / "cache"
    env = {"TIPS_CACHE_DIR": str(cache)}
    first = build_site(small, tmp_path / "first" / "site", AS_OF, extra_env=env)
    assert first.ok, first.output
    kept = _entries(cache)
    assert len(kept) > 20  # Material's templates and the core's
    # Without the rendered and generated pages kept, every page is rendered again with the kept templates.
    shutil.rmtree(cache / "pages")
    shutil.rmtree(cache / "generated")
    again = build_site(small, tmp_path / "again" / "site", AS_OF, extra_env=env)
    assert again.ok, again.output
    assert _entries(cache) == kept
    for entry in kept:
        _flip_payload(entry)
    shutil.rmtree(cache / "pages")
    shutil.rmtree(cache / "generated")
    damaged = build_site(small, tmp_path / "damaged" / "site", AS_OF, extra_env=env)
    assert damaged.ok, damaged.output
    off = build_site(small, tmp_path / "off" / "site", AS_OF, extra_env={"TIPS_CACHE_DIR": "off"})
    assert off.ok, off.output
    every_file = snapshot(first.site)
    assert snapshot(again.site) == every_file
    assert snapshot(damaged.site) == every_file
    assert snapshot(off.site) == every_file
    assert all(Store(cache, jinja.KIND).get(entry.name) is not None for entry in kept)  # rewritten whole


def test_prune_keeps_the_core_templates_a_build_did_not_load(tmp_path):
    # A build whose pages all came from the caches renders no page piece; the next one would compile them again.
    jinja.use_cache_folder(None)
    jinja.use_cache_folder(tmp_path)
    core = jinja.environment()
    core.cache.clear()  # templates an earlier test loaded would not be compiled, so not kept, again
    names = core.loader.list_templates()
    for name in names:
        core.get_template(name)
    other = jinja.TemplateCache(tmp_path)
    _render(_env(other), "farewell.html")  # a template of another environment, not asked for below
    kept = {entry.name for entry in _entries(tmp_path)}
    assert len(kept) == len(names) + 1

    core.cache.clear()  # Jinja's in-memory cache: a new build's environment starts empty
    jinja.use_cache_folder(None)
    cache = jinja.use_cache_folder(tmp_path)
    assert cache.prune() == 1  # the other environment's template: nothing of the core's
    farewell = _bucket(other, _env(other), "farewell.html").key
    assert {entry.name for entry in _entries(tmp_path)} == kept - {farewell}
