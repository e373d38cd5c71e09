"""servicetips.search.searched_part: Pagefind is handed a page's searched region only, and the bundle stays the same.

Pagefind reads a marked page's `data-pagefind-body` region and, outside it,
only its `data-pagefind-*` attributes and a title or image from an h1 or img.
Handing over the region with the title and meta tags must give the same
bundle, byte for byte, as the whole pages; any page where that is not
certain is handed over whole. The pages are those of
tests/fixtures/search/site and of a real build of tests/fixtures/sites/small.
"""

from __future__ import annotations

import pytest

from servicetips.search import BUNDLE_DIR, index_pages, page_url, searched_part, site_pages
from support import AS_OF, build_site, snapshot
from support.pagefind import copy_search_site
from support.paths import SITE_FIXTURES

TIP = "tips/one/index.html"


def _bundles(pages: list[tuple[str, str]], tmp_path) -> tuple[dict, dict]:
    """The bundle of `pages` handed over whole, and handed over trimmed, each in a site folder of its own."""
    whole, trimmed = (tmp_path / "whole", tmp_path / "trimmed")
    for folder, trim in ((whole, False), (trimmed, True)):
        folder.mkdir()
        index_pages(pages, folder, trim=trim)
    return snapshot(whole / BUNDLE_DIR), snapshot(trimmed / BUNDLE_DIR)


def _tip_html(tmp_path) -> str:
    site = copy_search_site(tmp_path / "fixture")
    return (site / TIP).read_text("utf-8")


def test_the_tip_is_cut_down_to_its_title_meta_tags_and_searched_region(tmp_path):
    part = searched_part(_tip_html(tmp_path))
    assert part is not None
    assert "<title>Greet the regulars by name - Service Tips</title>" in part
    assert '<meta data-pagefind-meta="tag2[content]" content="Care">' in part
    assert "marmalade" in part and "Pagerword" in part
    assert "headerword" not in part and "footerword" not in part


def test_the_fixture_pages_give_the_same_bundle_whole_or_trimmed(tmp_path):
    site = copy_search_site(tmp_path)
    pages = [(page_url(path), html) for path, html in site_pages(site)]
    whole, trimmed = _bundles(pages, tmp_path)
    assert whole == trimmed
    assert any(name.startswith("fragment/") for name in whole)


def test_a_built_site_gives_the_same_bundle_whole_or_trimmed(tmp_path):
    built = build_site(SITE_FIXTURES / "small", tmp_path / "out" / "site", AS_OF, extra_env={"TIPS_CACHE_DIR": "off"})
    assert built.ok, built.output
    pages = [(page_url(path), html) for path, html in site_pages(built.site)]
    # Every tip page of the real template is cut down (a hand-written page with a comment is not).
    tips = [url for url, html in pages if url.startswith("/tips/") and "data-pagefind-body" in html]
    assert len(tips) >= 3
    assert all(searched_part(html) is not None for url, html in pages if url in tips)
    whole, trimmed = _bundles(pages, tmp_path)
    assert whole == trimmed
    # The bundle the build itself wrote (pages handed over as they rendered) holds the same fragments.
    assert {name: data for name, data in snapshot(built.site / BUNDLE_DIR).items() if "fragment/" in name} == {
        name: data for name, data in whole.items() if "fragment/" in name
    }


# Pages where cutting could change what Pagefind reads: each is handed over whole.
UNSURE = {
    "an h1 outside the region (Pagefind's title)": ("<header>", "<header><h1>Other title</h1>"),
    "an image outside the region": ("<footer>", '<footer><img src="x.png" alt="x">'),
    "a filter outside the region": ("<header>", '<header><span data-pagefind-filter="kind">outside</span>'),
    "an attribute in capitals outside": ("<header>", '<header><span DATA-PAGEFIND-META="extra">outside</span>'),
    "the marker in capitals": ("data-pagefind-body", "DATA-PAGEFIND-BODY"),
    "two marked regions": ("<footer>", "<footer><div data-pagefind-body>second</div>"),
    "a comment in the region": ("<p>Regulars", "<!-- </article> --><p>Regulars"),
    "a script in the region": ("<p>Regulars", "<script>var a = '</article>';</script><p>Regulars"),
    "a closing tag in capitals": ("<p>Regulars", "<p>x</ARTICLE><p>Regulars"),
    "an article opened and not closed": ("<p>Regulars", "<article><p>Regulars"),
    "an article closed after the region": ("<footer>", "<footer></article>"),
    "no html tag": ('<html lang="en">', ""),
}


@pytest.mark.parametrize("case", sorted(UNSURE))
def test_a_page_that_cannot_be_cut_for_certain_is_handed_over_whole(tmp_path, case):
    old, new = UNSURE[case]
    html = _tip_html(tmp_path)
    assert old in html
    assert searched_part(html.replace(old, new, 1)) is None


@pytest.mark.parametrize("case", ["an h1 outside the region (Pagefind's title)", "a filter outside the region"])
def test_pages_handed_over_whole_still_give_the_bundle_of_whole_pages(tmp_path, case):
    site = copy_search_site(tmp_path)
    old, new = UNSURE[case]
    tip = site / TIP
    tip.write_text(tip.read_text("utf-8").replace(old, new, 1), encoding="utf-8")
    pages = [(page_url(path), html) for path, html in site_pages(site)]
    whole, trimmed = _bundles(pages, tmp_path)
    assert whole == trimmed


def test_a_listing_page_without_the_marker_is_handed_over_whole(tmp_path):
    site = copy_search_site(tmp_path)
    assert searched_part((site / "listing" / "index.html").read_text("utf-8")) is None
