"""The search index in a real build: fed while pages render, copied from the cache when nothing searched changed.

Whichever way the bundle is made (Pagefind fed during the build, the cache,
or no cache at all) the site is the same, byte for byte; a change to one tip
is indexed again.
"""

from __future__ import annotations

import shutil

from servicetips.search import CACHE_FOLDER, CACHE_MANIFEST
from support import AS_OF, build_site, snapshot
from support.pagefind import fragments
from support.paths import SITE_FIXTURES

SMALL = SITE_FIXTURES / "small"


def test_a_build_from_the_cache_is_the_same_site_as_one_indexed_by_pagefind(tmp_path):
    cache = tmp_path / "cache"
    env = {"TIPS_CACHE_DIR": str(cache)}
    indexed = build_site(SMALL, tmp_path / "indexed" / "site", AS_OF, extra_env=env)
    assert indexed.ok, indexed.output
    assert "indexed by Pagefind" in indexed.output
    assert len(list((cache / CACHE_FOLDER).glob(f"*/{CACHE_MANIFEST}"))) == 1
    copied = build_site(SMALL, tmp_path / "copied" / "site", AS_OF, extra_env=env)
    assert copied.ok, copied.output
    assert "copied from the cache" in copied.output
    uncached = build_site(SMALL, tmp_path / "uncached" / "site", AS_OF, extra_env={"TIPS_CACHE_DIR": "off"})
    assert uncached.ok, uncached.output
    assert "indexed by Pagefind" in uncached.output
    every_file = snapshot(indexed.site)
    assert any(path.startswith("pagefind/fragment/") for path in every_file)
    assert snapshot(copied.site) == every_file
    assert snapshot(uncached.site) == every_file


def test_a_changed_tip_is_indexed_again(tmp_path):
    tips = tmp_path / "tips"
    shutil.copytree(SMALL, tips)
    env = {"TIPS_CACHE_DIR": str(tmp_path / "cache")}
    first = build_site(tips, tmp_path / "out" / "site", AS_OF, extra_env=env)
    assert first.ok, first.output
    tip = tips / "quote-the-customers-words.md"
    tip.write_text(tip.read_text("utf-8").rstrip("\n") + "\n\nAsk about the quincewidget first.\n", encoding="utf-8")
    second = build_site(tips, tmp_path / "out" / "site", AS_OF, extra_env=env)
    assert second.ok, second.output
    assert "indexed by Pagefind" in second.output
    assert any("quincewidget" in fragment["content"] for fragment in fragments(second.site).values())
