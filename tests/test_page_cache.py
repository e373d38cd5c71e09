"""The page cache (servicetips.page_cache, hooks/page_cache.py): the same site with or without it, never trusted.

A page's rendered HTML is kept under a key of every input of its render;
these tests build the real site with a cold cache, a warm one and none
(TIPS_CACHE_DIR=off) and compare every file byte for byte, change each kind
of input and check that exactly the pages it reaches are made again, and
damage the kept files to check that none is ever taken on trust.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from pathlib import Path

import pytest
import yaml
from markupsafe import Markup

import servicetips
from servicetips.cache_store import MAGIC, Store, _header
from servicetips.page_cache import PageCache, UnkeyableError, canonical, core_fingerprint, digest, tree_fingerprint
from support import AS_OF, REPO, SITE_FIXTURES, build_site, copy_library, snapshot
from support.builds import SiteBuild, load_hook

SMALL = SITE_FIXTURES / "small"
REUSED = re.compile(r"page cache: (\d+) of (\d+) pages reused")


def pages_changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    """The rendered pages (every page is a folder's index.html) whose bytes differ."""
    return {path for path in after if path.endswith("index.html") and after[path] != before.get(path)}


def _build(
    tips: Path, out: Path, cache: Path | str, engine: str = "mkdocs", as_of: str = AS_OF, **overrides
) -> SiteBuild:
    result = build_site(
        tips, out, as_of, extra_env={"TIPS_CACHE_DIR": str(cache)}, config_overrides=overrides or None, engine=engine
    )
    assert result.ok, result.output
    return result


def reused(result: SiteBuild) -> tuple[int, int]:
    """(pages taken from the cache, pages rendered) as the build reported them."""
    found = REUSED.findall(result.output)
    assert len(found) == 1, result.output
    return int(found[0][0]), int(found[0][1])


def entries(cache: Path) -> list[Path]:
    return sorted(path for path in (cache / "pages").rglob("*") if path.is_file())


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The small library built once with a fresh cache folder: (tips, cache, site snapshot)."""
    root = tmp_path_factory.mktemp("page-cache-base")
    tips = copy_library(root, source=SMALL)
    result = _build(tips, root / "site", root / "cache")
    assert reused(result)[0] == 0
    return tips, root / "cache", snapshot(result.site)


@pytest.fixture(scope="module")
def uncached(base, tmp_path_factory):
    """The same library built with the cache turned off."""
    tips, _, _ = base
    result = _build(tips, tmp_path_factory.mktemp("page-cache-off") / "site", "off")
    assert not REUSED.search(result.output)
    return snapshot(result.site)


def warm_copy(base, tmp_path: Path) -> Path:
    """A copy of the base build's cache folder, for a test to use and spoil."""
    cache = tmp_path / "cache"
    shutil.copytree(base[1], cache)
    return cache


def test_a_cache_hit_gives_the_same_site_as_a_miss_and_as_no_cache(base, uncached, tmp_path):
    tips, _, cold = base
    cache = warm_copy(base, tmp_path)
    warm = _build(tips, tmp_path / "site", cache)
    hits, total = reused(warm)
    assert hits == total > 10
    assert snapshot(warm.site) == cold == uncached


def test_the_cache_is_never_published(base, tmp_path):
    tips, cache, _ = base
    assert entries(cache)
    site = _build(tips, tmp_path / "site", warm_copy(base, tmp_path)).site
    assert not [path for path in site.rglob("*") if path.is_file() and path.read_bytes().startswith(MAGIC)]
    assert not (site / "pages").exists() and not list(site.rglob(".cache"))
    # The default folder sits beside mkdocs.yml, outside docs/ and the site, and git ignores it.
    assert ".cache/" in (REPO / ".gitignore").read_text().splitlines()


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_a_changed_tip_body_renders_its_pages_again_and_reuses_the_rest(base, tmp_path):
    tips, _, before = base
    changed = copy_library(tmp_path, source=tips)
    _edit(changed / "quote-the-customers-words.md", "instead of your internal jargon", "not your internal jargon")
    cached = _build(changed, tmp_path / "site", warm_copy(base, tmp_path))
    fresh = snapshot(_build(changed, tmp_path / "fresh", "off").site)
    after = snapshot(cached.site)
    assert after == fresh
    html_changed = pages_changed(before, after)
    assert "tips/quote-the-customers-words/index.html" in html_changed
    hits, total = reused(cached)
    # Exactly the pages whose HTML changed were rendered again.
    assert total - hits == len(html_changed)


NEXT_DAY = "2026-11-24"


def test_the_next_day_s_build_reuses_the_pages_that_do_not_show_the_date(base, tmp_path):
    # No template prints the build's date (build_date_utc), so it stays out of the key.
    tips, _, before = base
    cached = _build(tips, tmp_path / "site", warm_copy(base, tmp_path), as_of=NEXT_DAY)
    fresh = snapshot(_build(tips, tmp_path / "fresh", "off", as_of=NEXT_DAY).site)
    assert snapshot(cached.site) == fresh
    hits, total = reused(cached)
    assert hits >= len([path for path in fresh if path.startswith("tips/") and path.endswith("index.html")]) - 1
    assert total - hits >= len(pages_changed(before, fresh))


@pytest.mark.slow
def test_a_template_that_names_the_build_date_makes_it_part_of_the_key(base, tmp_path):
    tips, _, _ = base
    overrides = tmp_path / "overrides"
    shutil.copytree(REPO / "overrides", overrides)
    _edit(overrides / "main.html", "{% extends", "{#- built {{ build_date_utc }} -#}\n{% extends")
    theme = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))["theme"]
    theme["custom_dir"] = str(overrides)
    cache = tmp_path / "cache"
    _build(tips, tmp_path / "first", cache, theme=theme)
    cached = _build(tips, tmp_path / "site", cache, as_of=NEXT_DAY, theme=theme)
    assert reused(cached)[0] == 0
    assert snapshot(cached.site) == snapshot(_build(tips, tmp_path / "fresh", "off", as_of=NEXT_DAY, theme=theme).site)


def test_a_damaged_or_foreign_entry_is_ignored_and_rewritten(base, uncached, tmp_path):
    tips, _, _ = base
    cache = warm_copy(base, tmp_path)
    kept = entries(cache)
    assert len(kept) >= 4
    truncated, flipped, foreign, (moved_from, moved_to) = kept[0], kept[1], kept[2], kept[3:5]
    truncated.write_bytes(truncated.read_bytes()[:-40])
    data = flipped.read_bytes()
    flipped.write_bytes(data[:-5] + bytes([data[-5] ^ 1]) + data[-4:])
    foreign.write_bytes(b"<html>not from this build</html>\n")
    moved_to.write_bytes(moved_from.read_bytes())  # a sound entry, in another page's place
    result = _build(tips, tmp_path / "site", cache)
    hits, total = reused(result)
    assert total - hits == 4
    assert snapshot(result.site) == uncached
    assert entries(cache) == kept  # rewritten in place, nothing stray left


def test_an_unwritable_cache_folder_still_builds(base, uncached, tmp_path):
    tips, _, _ = base
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be\n")
    result = _build(tips, tmp_path / "site", blocker)
    assert snapshot(result.site) == uncached
    assert len(re.findall(r"page cache \S+ not used", result.output)) == 1
    assert reused(result)[0] == 0


def test_entries_no_build_asked_for_are_removed(base, tmp_path):
    tips, _, _ = base
    cache = warm_copy(base, tmp_path)
    stray = cache / "pages" / "00" / f"{'0' * 64}.html"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"an entry of a page that no longer exists")
    _build(tips, tmp_path / "site", cache)
    assert not stray.exists()
    assert [path.relative_to(cache) for path in entries(cache)] == [
        path.relative_to(base[1]) for path in entries(base[1])
    ]


# Inputs outside the tips: each must turn every page (or the pages it reaches) into a miss.
def _title(tips: Path) -> dict:
    _edit(tips / "answer-in-under-two-hours.md", "title: Answer in", "title: Always answer in")
    return {}


def _nav(tips: Path) -> dict:
    nav = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))["nav"]
    nav[-1] = {"Engines and builds": "engines.md"}
    return {"nav": nav}


def _override(tips: Path) -> dict:
    overrides = tips.parent / "overrides"
    shutil.copytree(REPO / "overrides", overrides)
    _edit(overrides / "main.html", "{% extends", "{#- changed -#}\n{% extends")
    theme = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))["theme"]
    theme["custom_dir"] = str(overrides)
    return {"theme": theme}


def _extra(tips: Path) -> dict:
    return {"extra": {"generator": False}}


def _code(tips: Path) -> dict:
    hooks = tips.parent / "hooks"
    shutil.copytree(REPO / "hooks", hooks, ignore=shutil.ignore_patterns("__pycache__"))
    _edit(hooks / "tips_site.py", '"""MkDocs hooks', '"""MkDocs hooks (changed)')
    listed = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))["hooks"]
    return {"hooks": [str(hooks / Path(hook).name) for hook in listed]}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("change", "every_page"),
    [(_title, False), (_nav, True), (_override, True), (_extra, True), (_code, True)],
    ids=["tip-title", "nav", "override-template", "mkdocs-extra", "hooks-code"],
)
def test_each_kind_of_input_invalidates_what_it_reaches(base, tmp_path, change, every_page):
    tips, _, before = base
    changed = copy_library(tmp_path, source=tips)
    overrides = change(changed)
    cached = _build(changed, tmp_path / "site", warm_copy(base, tmp_path), **overrides)
    fresh = snapshot(_build(changed, tmp_path / "fresh", "off", **overrides).site)
    after = snapshot(cached.site)
    assert after == fresh
    hits, total = reused(cached)
    html_changed = pages_changed(before, after)
    if every_page:
        assert hits == 0
    else:
        assert 1 < len(html_changed) < total and total - hits == len(html_changed)


@pytest.mark.slow
def test_a_copy_of_mkdocs_yml_elsewhere_reuses_every_page(base, tmp_path):
    tips, _, before = base
    same_extra = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8")).get("extra")
    cached = _build(tips, tmp_path / "site", warm_copy(base, tmp_path), extra=same_extra)
    hits, total = reused(cached)
    assert hits == total and snapshot(cached.site) == before


@pytest.mark.slow
def test_properdocs_reuses_its_own_pages_byte_for_byte(base, tmp_path):
    tips, _, _ = base
    cache = tmp_path / "cache"
    cold = _build(tips, tmp_path / "cold", cache, engine="properdocs")
    warm = _build(tips, tmp_path / "warm", cache, engine="properdocs")
    off = _build(tips, tmp_path / "off", "off", engine="properdocs")
    assert reused(warm)[0] == reused(warm)[1] > 10
    assert snapshot(cold.site) == snapshot(warm.site) == snapshot(off.site)


def test_the_engine_check_passes_on_the_installed_engine_and_fails_on_another_render(monkeypatch, caplog):
    hooks = load_hook("page_cache")
    assert hooks._engine_renders_as_expected() is None
    monkeypatch.setattr(hooks, "_EXPECTED", (*hooks._EXPECTED, "output = template.render(context, extra=1)"))
    reason = hooks._engine_renders_as_expected()
    assert reason is not None and "renders pages differently" in reason
    with caplog.at_level(logging.INFO):
        hooks._turn_off(reason)
        hooks._turn_off(reason)
    notes = [record for record in caplog.records if "page cache not used" in record.getMessage()]
    assert len(notes) == 1 and notes[0].levelno == logging.INFO


def test_the_key_tells_apart_what_jinja_prints_differently():
    values = ["<b>", Markup("<b>"), ("a",), ["a"], 1, True, 1.0, "1", None, {"a": 1}, {"a": "1"}, b"1"]
    keys = {digest(canonical(value)) for value in values}
    assert len(keys) == len(values)
    assert digest(canonical({"b": 1, "a": 2})) == digest(canonical({"a": 2, "b": 1}))


def test_a_value_it_cannot_describe_is_never_keyed():
    class Opaque:
        pass

    with pytest.raises(UnkeyableError):
        canonical({"x": Opaque()})
    with pytest.raises(UnkeyableError):
        canonical([Opaque()], describe=lambda value: value)  # a describer that gives up


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:-1],
        lambda data: _header("pages", "ab" * 32, data) + data,  # the older format's header
        lambda data: b"",
        lambda data: data + b"<script>alert(1)</script>",
        lambda data: data[:-2] + b"\xff\xfe",
    ],
    ids=["truncated", "old-format", "empty", "appended", "not-utf8"],
)
def test_a_damaged_page_entry_is_not_returned(tmp_path, damage):
    cache = PageCache(tmp_path)
    key = "ab" * 32
    cache.put(key, "<p>caf\u00e9</p>")
    assert PageCache(tmp_path).get(key) == "<p>caf\u00e9</p>"
    entry = cache.path(key)
    assert entry.read_bytes() == "<p>caf\u00e9</p>".encode()  # the bare page: what the site publishes
    entry.write_bytes(damage(entry.read_bytes()))
    assert PageCache(tmp_path).get(key) is None


def test_a_soundly_sealed_entry_that_is_not_utf8_is_rendered_again(tmp_path):
    key = "ab" * 32
    Store(tmp_path, "pages", suffix=".html", linkable=True).put(key, b"<p>caf\xe9</p>")  # Latin-1, not UTF-8
    assert PageCache(tmp_path).get(key) is None


@pytest.mark.parametrize(
    ("command", "dirty", "prunes"), [("build", False, True), ("build", True, False), ("serve", False, False)]
)
def test_only_a_full_build_removes_unused_entries(command, dirty, prunes):
    # A --dirty build or a preview may render some pages only: the others' entries must stay.
    hooks = load_hook("page_cache")
    hooks.on_startup(command, dirty)
    assert hooks._state.full_build is prunes


def test_a_folder_fingerprint_follows_bytes_and_names_not_times(tmp_path):
    folder = tmp_path / "theme"
    (folder / "partials").mkdir(parents=True)
    (folder / "main.html").write_text("{% extends 'base.html' %}\n")
    (folder / "partials" / "nav.html").write_text("<nav></nav>\n")
    before = tree_fingerprint(folder)
    os.utime(folder / "main.html", (0, 0))
    assert tree_fingerprint(folder) == before  # a restored CI cache or a fresh checkout has new times
    (folder / "partials" / "nav.html").write_text("<nav> </nav>\n")
    changed = tree_fingerprint(folder)
    assert changed != before
    (folder / "partials" / "nav.html").rename(folder / "partials" / "nav2.html")
    assert tree_fingerprint(folder) not in (before, changed)


def test_a_skipped_folder_is_not_part_of_the_fingerprint(tmp_path):
    folder = tmp_path / "theme"
    (folder / ".icons").mkdir(parents=True)
    (folder / "main.html").write_text("main\n")
    (folder / ".icons" / "logo.svg").write_text("<svg/>\n")
    skipping = tree_fingerprint(folder, skip={".icons"})
    (folder / ".icons" / "logo.svg").write_text("<svg></svg>\n")
    assert tree_fingerprint(folder, skip={".icons"}) == skipping
    assert tree_fingerprint(folder) != skipping


def test_the_core_fingerprint_covers_the_core_s_code_and_templates():
    core = Path(servicetips.__file__).parent
    assert core_fingerprint() == tree_fingerprint(core)
    assert (core / "templates").is_dir() and (core / "page_cache.py").is_file()
