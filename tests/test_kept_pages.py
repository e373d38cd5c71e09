"""Generated pages kept between builds (servicetips.pages.kept): a kept page is exactly the page built anew.

Each test builds the real library's pages twice, the second time over the
cache folder of the first, and compares every generated page (HTML, footer,
headings, metadata) with the pages of a build without any cache.
"""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from servicetips.build import SiteSettings, build_site
from servicetips.cache_store import Store
from servicetips.pages import KeptPages, VirtualPage
from servicetips.pages.kept import KIND, decode_record, encode_record, tip_key
from servicetips.routes import tip_source
from support import AS_OF, AS_OF_DATE, REPO, copy_library, snapshot
from support import build_site as build_mkdocs_site

SETTINGS = SiteSettings(url="https://tips.example.org/", title="Service Tips", description="", language="en")


def kept_build(root: Path, cache: Path, preview: bool = False) -> tuple[dict[str, VirtualPage], KeptPages]:
    """The generated pages of the library at `root`, kept in (and taken from) `cache`."""
    output = build_site(root, AS_OF_DATE, SETTINGS, preview=preview)
    assert output.ok, output.problems_text
    kept = KeptPages(cache, output.index.index)
    pages = output.index.pages(kept)
    return {page.src_uri: page for page in pages}, kept


def fresh_build(root: Path, preview: bool = False) -> dict[str, VirtualPage]:
    """The generated pages of the library at `root`, every one built anew."""
    output = build_site(root, AS_OF_DATE, SETTINGS, preview=preview)
    assert output.ok, output.problems_text
    return {page.src_uri: page for page in output.index.pages()}


def _library(folder: Path) -> Path:
    """A copy of every real tip by the benchmark's generator: all published, links between them kept."""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from generate import seed_tips, write_library  # noqa: PLC0415 (bench/ is not a package on the path)
    finally:
        sys.path.remove(str(REPO / "bench"))
    seeds = seed_tips()
    write_library(folder, len(seeds), seeds)
    return folder


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A library of published tips built once into a cache folder: (tips, cache, pages)."""
    root = tmp_path_factory.mktemp("kept-base")
    tips = _library(root / "tips")
    pages, kept = kept_build(tips, root / "cache")
    assert kept.hits == 0 and kept.misses == len(pages) > 40
    return tips, root / "cache", pages


def warm(base, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the base library and of its cache folder, for a test to change."""
    tips = copy_library(tmp_path, source=base[0])
    shutil.copytree(base[1], tmp_path / "cache")
    return tips, tmp_path / "cache"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), "utf-8")


def _front(path: Path, key: str) -> str:
    return re.search(rf"^{key}: (.*)$", path.read_text("utf-8"), re.MULTILINE).group(1)


def test_a_kept_page_is_the_page_built_anew(base, tmp_path):
    tips, cache, first = base
    second, kept = kept_build(tips, cache)
    assert kept.misses == 0 and kept.hits == len(second)
    assert second == first == fresh_build(tips)
    assert [path.name for path in (cache / KIND).rglob("*") if path.is_file()] == [f"{kept.shared}.bin"]


def _middle_tip(base) -> tuple[str, str, str]:
    """A published tip with published neighbours on both sides: (older, tip, newer) slugs."""
    tips = base[0]
    output = build_site(tips, AS_OF_DATE, SETTINGS)
    index = output.index.index
    for tip in index.tips[3:]:
        older, newer = index.neighbours(tip)
        if older is not None and newer is not None and not index.weeks_of(tip):
            return older.slug, tip.slug, newer.slug
    raise AssertionError("no published tip with two neighbours")


def _change_title(path: Path) -> None:
    title = _front(path, "title")
    _edit(path, f"title: {title}", f"title: {title.rstrip('.')} today")


def _change_body(path: Path) -> None:
    path.write_text(path.read_text("utf-8").rstrip("\n") + "\n\nOne more sentence for the page.\n", "utf-8")


def _change_tags(path: Path) -> None:
    tags = _front(path, "tags")
    known = [line.split(":")[0] for line in (path.parent / "tags.yml").read_text("utf-8").splitlines()]
    known = [tag for tag in known if re.fullmatch(r"[a-z][a-z-]*", tag)]
    other = next(tag for tag in known if tag not in tags)
    _edit(path, f"tags: {tags}", f"tags: [{other}]")


def _change_date(path: Path) -> None:
    published = date.fromisoformat(_front(path, "published"))
    _edit(path, f"published: {published}", f"published: {published - timedelta(days=1)}")


@pytest.mark.parametrize("change", [_change_title, _change_body, _change_tags, _change_date])
def test_a_changed_tip_changes_the_pages_that_show_it_and_only_those_are_built(base, tmp_path, change):
    _, slug, _ = _middle_tip(base)
    tips, cache = warm(base, tmp_path)
    change(tips / f"{slug}.md")
    pages, kept = kept_build(tips, cache)
    assert pages == fresh_build(tips)
    before = base[2]
    changed = {src for src, page in pages.items() if page != before.get(src)}
    assert tip_source(slug) in changed
    # Every page that changed was built again, and most pages were not.
    assert kept.misses >= len(changed) and kept.hits > kept.misses


def test_a_changed_neighbour_title_is_shown_by_the_tips_beside_it(base, tmp_path):
    older, slug, newer = _middle_tip(base)
    tips, cache = warm(base, tmp_path)
    path = tips / f"{slug}.md"
    _change_title(path)
    title = _front(path, "title")
    pages, _ = kept_build(tips, cache)
    assert pages == fresh_build(tips)
    for neighbour in (older, newer):
        assert title in pages[tip_source(neighbour)].footer_html
        assert pages[tip_source(neighbour)] != base[2][tip_source(neighbour)]


def test_a_linked_tip_that_loses_its_page_is_shown_as_text_on_a_kept_page(base, tmp_path):
    # Tip X's body links to tip Y, which neither relates to nor neighbours X:
    # only the kept `has_page` answer of X's page can tell that Y lost its page.
    tips, _, before = base
    output = build_site(tips, AS_OF_DATE, SETTINGS)
    index = output.index.index
    pair = None
    for tip in index.tips:
        shown = {other.slug for other in (*index.related(tip), *index.neighbours(tip)) if other}
        for target in re.findall(r"\]\(([a-z0-9-]+)\.md", tip.body):
            linked = index.library.by_slug.get(target)
            weeks = [slot for slot in output.report.schedule.slots if slot.tip and slot.tip.slug == target]
            if linked and target not in shown and target != tip.slug and linked in index.tips and not weeks:
                pair = (tip.slug, target)
    assert pair is not None, "the library has no link between unrelated tips"
    slug, target = pair
    copy, cache = warm(base, tmp_path)
    _edit(copy / f"{target}.md", f"published: {_front(copy / f'{target}.md', 'published')}", "published: 2027-06-01")
    pages, _ = kept_build(copy, cache)
    assert pages == fresh_build(copy)
    link = f'href="../{target}/"'
    assert link in before[tip_source(slug)].html and link not in pages[tip_source(slug)].html


def test_a_damaged_kept_file_is_ignored_and_written_again(base, tmp_path):
    tips, cache = warm(base, tmp_path)
    (entry,) = list((cache / KIND).rglob("*.bin"))
    data = entry.read_bytes()
    entry.write_bytes(data[:-20] + bytes([data[-20] ^ 1]) + data[-19:])
    pages, kept = kept_build(tips, cache)
    assert kept.hits == 0 and pages == base[2]
    assert entry.read_bytes() == data  # written again, the same bytes


def _rewrite(cache: Path, shared: str, change) -> None:
    """Rewrite the kept file with a sound header, after `change(index, records)`.

    `records` maps each key to [html, footer, rest].
    """
    store = Store(cache, KIND, suffix=".bin")
    head, _, body = store.get(shared).partition(b"\n")
    index = json.loads(head)
    records = {}
    for key, (start, *lengths) in index.items():
        parts, at = [], start
        for length in lengths:
            parts.append(body[at : at + length])
            at += length
        records[key] = parts
    change(index, records)
    out, offset, where = [], 0, {}
    for key, parts in records.items():
        where[key] = [offset, *(len(part) for part in parts)]
        out.extend(parts)
        offset += sum(len(part) for part in parts)
    where.update({key: value for key, value in index.items() if key not in records})
    store.put(shared, json.dumps(where).encode("ascii") + b"\n" + b"".join(out))


def test_a_kept_page_of_the_wrong_shape_or_in_another_page_s_place_is_built_again(base, tmp_path):
    tips, cache = warm(base, tmp_path)
    output = build_site(tips, AS_OF_DATE, SETTINGS)
    shared = KeptPages(cache, output.index.index).shared

    def spoil(index: dict, records: dict) -> None:
        keys = sorted(records)
        records[keys[0]][2] = b"[1, 2, 3]"  # not the rest of a page
        records[keys[1]][0] = b"\xff\xfe not UTF-8"
        rest = json.loads(records[keys[2]][2])
        rest[4] = [["a-tip", "yes"]]  # an answer that is not a boolean
        records[keys[2]][2] = json.dumps(rest).encode()
        records[keys[3]] = list(records[keys[4]])  # a sound page, in another page's place
        rest = json.loads(records[keys[5]][2])
        rest[1] = ["meta", "that is not a mapping"]
        records[keys[5]][2] = json.dumps(rest).encode()
        del records[keys[6]]
        index[keys[6]] = [10**9, 5, 5, 5]  # beyond the end of the file

    _rewrite(cache, shared, spoil)
    pages, kept = kept_build(tips, cache)
    assert pages == base[2]
    assert kept.misses == 6 and kept.hits == len(pages) - 6


def test_a_file_of_another_cache_in_its_place_is_ignored(base, tmp_path):
    tips, cache = warm(base, tmp_path)
    (entry,) = list((cache / KIND).rglob("*.bin"))
    key = entry.name.removesuffix(".bin")
    # A sound entry of another kind of cache, under the same key: its header names the other kind.
    other = Store(tmp_path / "other", "pages", suffix=".html")
    other.put(key, b"<html>a rendered page</html>")
    shutil.copy(other.path(key), entry)
    pages, kept = kept_build(tips, cache)
    assert kept.hits == 0 and pages == base[2]
    # And a file whose index is not JSON, under a sound header of its own kind.
    Store(cache, KIND, suffix=".bin").put(key, b"\xff not json\n<p>a page</p>")
    pages, kept = kept_build(tips, cache)
    assert kept.hits == 0 and pages == base[2]


def test_a_page_json_would_not_give_back_is_not_kept(tmp_path, base):
    tips, _, _ = base
    output = build_site(tips, AS_OF_DATE, SETTINGS)
    page = VirtualPage("tips/odd.md", "<p>odd</p>", {"hide": ("toc",)})
    assert decode_record(*encode_record(page, []))[0] != page
    for _ in range(2):
        kept = KeptPages(tmp_path / "cache", output.index.index)
        assert kept.page(output.index.index, page.src_uri, ["odd"], lambda: page) is page
        kept.save()
        assert kept.misses == 1


def test_the_tip_key_follows_every_field_of_the_tip(base):
    tips, _, _ = base
    output = build_site(tips, AS_OF_DATE, SETTINGS)
    tip = output.index.index.tips[0]
    variants = [
        tip,
        dataclasses.replace(tip, body=tip.body + " "),
        dataclasses.replace(tip, meta=tip.meta.model_copy(update={"summary": tip.summary + "!"})),
        dataclasses.replace(tip, meta=tip.meta.model_copy(update={"author": "someone-else"})),
        dataclasses.replace(tip, meta=tip.meta.model_copy(update={"source": None})),
        dataclasses.replace(tip, front_matter=tip.front_matter + "# a comment\n"),
        dataclasses.replace(tip, slug=tip.slug + "-2"),
    ]
    assert len({tip_key(variant) for variant in variants}) == len(variants)


def test_the_preview_keeps_a_scheduled_tip_s_page_apart(base, tmp_path):
    tips, cache = warm(base, tmp_path)
    pages, _ = kept_build(tips, cache, preview=True)
    assert pages == fresh_build(tips, preview=True)
    again, kept = kept_build(tips, cache, preview=True)
    assert again == pages and kept.misses == 0


@pytest.mark.slow
def test_the_site_built_over_kept_pages_is_byte_for_byte_the_site_built_anew(tmp_path):
    tips = _library(tmp_path / "tips")
    cache = tmp_path / "cache"
    env = {"TIPS_CACHE_DIR": str(cache)}
    assert build_mkdocs_site(tips, tmp_path / "first", AS_OF, extra_env=env).ok
    paths = sorted(tips.glob("*.md"))
    _change_title(paths[5])
    _change_body(paths[6])
    _change_tags(paths[7])
    _change_date(paths[8])
    cached = build_mkdocs_site(tips, tmp_path / "cached", AS_OF, extra_env=env)
    fresh = build_mkdocs_site(tips, tmp_path / "fresh", AS_OF, extra_env={"TIPS_CACHE_DIR": "off"})
    assert cached.ok and fresh.ok
    assert snapshot(cached.site) == snapshot(fresh.site)
