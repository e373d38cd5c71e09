"""servicetips.search: Pagefind indexes a built site folder (tests/fixtures/search/site).

The fixture has a tip page, a hand-written page and a listing page without
`data-pagefind-body`, with text in the places the index must leave out
(header, footer, byline, permalink sign).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from servicetips.search import BUNDLE_DIR, UNUSED_FILES, SearchIndexError, index_site
from support import snapshot
from support.pagefind import SEARCH_SITE, copy_search_site, fragments, tags_of


@pytest.fixture
def site(tmp_path) -> Path:
    return copy_search_site(tmp_path)


def test_only_pages_marked_for_search_are_indexed(site):
    written = index_site(site)
    found = fragments(site)
    assert sorted(found) == ["plain/", "tips/one/"]
    assert written.pages == 2
    assert written.files == len(list((site / BUNDLE_DIR).rglob("*.*")))
    assert written.bytes == sum(p.stat().st_size for p in (site / BUNDLE_DIR).rglob("*") if p.is_file())


def test_a_tip_keeps_its_title_summary_and_tags_as_plain_text(site):
    index_site(site)
    tip = fragments(site)["tips/one/"]
    assert tip["meta"]["title"] == "Greet the regulars by name"  # no permalink sign
    assert tip["meta"]["summary"] == "A name said back turns a visit into a welcome & a <habit>."
    assert tags_of(tip) == ["Tone & wording", "Care"]
    # Text, not markup: the entity in the page is the character in the index.
    assert "a <b> tag written as text" in tip["content"]
    assert "&lt;" not in tip["content"] and "&amp;" not in str(tip["meta"])


def test_header_footer_byline_credits_pager_and_permalink_stay_out_of_the_index(site):
    index_site(site)
    content = fragments(site)["tips/one/"]["content"]
    assert "marmalade" in content
    for word in ("headerword", "footerword", "bylineword", "creditword", "Pagerword", "\u00b6"):
        assert word not in content


def test_a_tip_is_found_by_its_tags(site):
    index_site(site)
    assert "Tone & wording Carechip" in fragments(site)["tips/one/"]["content"]


def test_the_same_site_gives_the_same_bytes(site, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(SEARCH_SITE, other)
    index_site(site)
    index_site(other)
    first, second = snapshot(site / BUNDLE_DIR), snapshot(other / BUNDLE_DIR)
    assert first and first == second


def test_an_earlier_bundle_is_replaced_not_merged(site):
    stale = site / BUNDLE_DIR / "fragment" / "en_stale.pf_fragment"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"left over from an earlier build")
    index_site(site)
    assert not stale.exists()
    assert sorted(fragments(site)) == ["plain/", "tips/one/"]


def test_the_unused_ready_made_uis_are_not_published(site):
    index_site(site)
    bundle = site / BUNDLE_DIR
    assert (bundle / "pagefind.js").is_file() and (bundle / "pagefind-highlight.js").is_file()
    assert (bundle / "wasm.en.pagefind").is_file()
    assert [name for name in UNUSED_FILES if (bundle / name).exists()] == []


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "the site folder {site} does not exist"),
        ("no-html", "no HTML page to index in {site}"),
        ("binary-missing", "Pagefind did not run: [Errno 2] No such file or directory: '{site}/no-pagefind'"),
        ("binary-fails", "Pagefind failed (exit 3): no message"),
    ],
)
def test_a_failure_is_one_line_that_says_what_went_wrong(site, monkeypatch, setup, message):
    if setup == "missing":
        shutil.rmtree(site)
    elif setup == "no-html":
        for page in site.rglob("*.html"):
            page.unlink()
    elif setup == "binary-missing":
        monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(site / "no-pagefind"))
    else:
        failing = site.parent / "failing-pagefind"
        failing.write_text(f"#!{sys.executable}\nimport sys\nsys.exit(3)\n", encoding="utf-8")
        failing.chmod(0o755)
        monkeypatch.setenv("PAGEFIND_BINARY_PATH", str(failing))
    with pytest.raises(SearchIndexError) as caught:
        index_site(site)
    assert str(caught.value) == message.format(site=site)
    assert "\n" not in str(caught.value)
