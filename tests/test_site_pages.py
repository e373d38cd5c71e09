"""servicetips.pages without MkDocs: which pages exist, what they link to, what the markers become."""

from __future__ import annotations

import re
import shutil
from datetime import date

import pytest
import yaml

from servicetips.check import check_library
from servicetips.dates import IsoWeek
from servicetips.pages import PAGE_PLACEHOLDER, SitePages, problems_markdown, week_label
from servicetips.routes import href, link
from support import AS_OF, SITE_FIXTURES


@pytest.fixture(scope="module")
def small():
    report = check_library(SITE_FIXTURES / "small", date.fromisoformat(AS_OF))
    assert report.ok
    return report


def site_of(report, feeds=()):
    return SitePages(report.library, report.schedule, feeds)


def test_pages_cover_every_public_address_and_nothing_else(small):
    pages = {p.src_uri: p for p in site_of(small).pages()}
    expected = {f"tips/{t.slug}.md" for t in small.visible.published}
    expected |= {"tips/index.md", "tags/index.md", "weekly/index.md"}
    expected |= {f"tags/{tag}.md" for tag in small.library.tags}
    expected |= {f"weekly/{s.week}.md" for s in small.schedule.published}
    assert set(pages) == expected
    assert {uri for uri, p in pages.items() if p.in_nav} == {"tips/index.md", "tags/index.md", "weekly/index.md"}


def test_no_page_for_a_draft_or_a_week_after_as_of(small):
    early = check_library(SITE_FIXTURES / "small", date(2026, 11, 16))  # week 2026-W47
    uris = {p.src_uri for p in site_of(early).pages()}
    assert "weekly/2026-W47.md" in uris and "weekly/2026-W48.md" not in uris
    assert not any("a-draft-tip" in uri for uri in uris)
    assert "a-draft-tip" not in site_of(small).weekly_index_page().html


def test_before_the_first_week_the_archive_says_when_it_starts(small):
    before = check_library(SITE_FIXTURES / "small", date(2026, 11, 2))  # 2026-W45, first week is W46
    site = site_of(before)
    assert not [p for p in site.pages() if p.src_uri.startswith("weekly/2026")]
    assert week_label(IsoWeek.parse("2026-W46")) in site.weekly_index_page().html
    this_week, unknown = site.replace_markers("<!-- tips:this-week -->", "index.md")
    assert unknown == [] and "The first tip of the week arrives in 2026-W46" in this_week


def test_a_library_of_drafts_says_there_is_nothing_yet(tmp_path):
    tips = tmp_path / "tips"
    shutil.copytree(SITE_FIXTURES / "small", tips)
    for path in tips.glob("*.md"):
        if path.name != "a-draft-tip.md":
            path.unlink()
    only_drafts = check_library(tips, date.fromisoformat(AS_OF))
    assert only_drafts.ok and only_drafts.schedule.published == ()
    site = site_of(only_drafts)
    this_week, _ = site.replace_markers("<!-- tips:this-week -->", "index.md")
    assert "There is no tip of the week yet" in this_week
    latest, _ = site.replace_markers("<!-- tips:latest -->", "index.md")
    assert latest == "No tip is published yet."
    assert "No published tip carries this tag yet." in site.tag_page("tone").html


def test_related_prefers_shared_tags_then_the_newest(report):
    site = site_of(report)
    rank = {t.slug: i for i, t in enumerate(report.visible.published)}
    for tip in report.visible.published:
        related = site.related(tip)
        assert len(related) == 3 and tip not in related
        shared = [len(set(r.tags) & set(tip.tags)) for r in related]
        assert shared == sorted(shared, reverse=True)
        for other in report.visible.published:
            if other is tip or other in related:
                continue
            # Nobody left out beats the weakest chosen tip.
            weakest = related[-1]
            key = lambda t, tip=tip: (-len(set(t.tags) & set(tip.tags)), rank[t.slug])  # noqa: E731
            assert key(other) > key(weakest)


def test_related_fills_with_the_newest_when_few_tips_share_a_tag(small):
    site = site_of(small)
    tip = small.library.by_slug["quote-the-customers-words"]  # the only other `tone` tip is one
    related = [t.slug for t in site.related(tip)]
    assert related[0] == "answer-in-under-two-hours"  # shares `tone`
    assert related[1:] == ["cafe-creme-etiquette"]  # then the newest of the rest


def test_neighbours_follow_publication_order(small):
    site = site_of(small)
    tips = small.visible.published
    assert site.neighbours(tips[0]) == (tips[1], None)
    assert site.neighbours(tips[-1]) == (None, tips[-2])


def test_links_are_relative_to_the_page(small):
    assert link("tips/a.md", "tips/b.md") == "b.md"
    assert link("tips/a.md", "tags/x.md") == "../tags/x.md"
    assert link("index.md", "weekly/2026-W48.md") == "weekly/2026-W48.md"
    assert link("weekly/2026-W48.md", "feed.xml") == "../feed.xml"
    page = site_of(small).tip_page(small.library.by_slug["answer-in-under-two-hours"])
    # The whole content is HTML from the core, with directory URLs; the
    # page's Markdown is only the placeholder MkDocs renders around.
    assert page.markdown == PAGE_PLACEHOLDER + "\n"
    assert PAGE_PLACEHOLDER not in page.html
    targets = re.findall(r'href="([^"]+)"', page.html)
    assert "../cafe-creme-etiquette/" in targets  # written as ../cafe-creme-etiquette.md
    assert "../quote-the-customers-words/" in targets  # written as /tips/quote-the-customers-words/
    # The page's own furniture (tags, weeks, related tips) is raw HTML with
    # the published directory URLs, relative to the page.
    assert 'href="../../tags/tone/"' in page.html  # the tags under the title
    assert 'href="../../weekly/2026-W46/"' in page.footer_html  # credits, after the content


def test_html_links_use_the_published_directory_urls():
    assert href("tips/a.md", "tips/b.md") == "../b/"
    assert href("tips/a.md", "tags/x.md") == "../../tags/x/"
    assert href("index.md", "weekly/2026-W48.md") == "weekly/2026-W48/"
    assert href("weekly/index.md", "index.md") == "../"
    assert href("tags/x.md", "tags/index.md") == "../"
    assert href("index.md", "index.md") == "./"


def test_page_metadata_is_plain_text_in_front_matter(small):
    tip = small.library.by_slug["answer-in-under-two-hours"]
    page = site_of(small).tip_page(tip)
    front = page.source.split("---\n")[1]
    meta = yaml.safe_load(front)
    assert meta["title"] == tip.title and meta["description"] == tip.summary
    assert meta["tags"] == ["Tone & wording", "Care"]
    assert meta["search"] == {"boost": 2}
    for listing in (site_of(small).tags_index_page(), site_of(small).weekly_index_page()):
        assert listing.meta["search"] == {"exclude": True}


def test_feed_links_appear_only_for_feeds_that_exist(small):
    without = site_of(small)
    assert without.weekly_feeds() == []
    assert "feed.xml" not in without.tag_page("tone").html
    with_feeds = site_of(small, ["feed.xml", "feed.json", "tags/tone/feed.xml"])
    assert [f.path for f in with_feeds.weekly_feeds()] == ["feed.xml", "feed.json"]
    assert 'href="feed.xml"' in with_feeds.tag_page("tone").html
    assert "feed.xml" not in with_feeds.tag_page("empathy").html


def test_markers_are_replaced_and_unknown_ones_reported(small):
    site = site_of(small)
    text = "A\n\n<!-- tips:this-week -->\n\n<!-- tips:latest -->\n\n<!-- tips:tag-chips -->\n\n<!--tips:nope-->\n"
    replaced, unknown = site.replace_markers(text, "index.md")
    assert unknown == ["nope"]
    assert "<!-- tips:this-week -->" not in replaced and "<!--tips:nope-->" in replaced
    assert "(tips/cafe-creme-etiquette.md)" in replaced  # this week's tip, linked from the home page
    nested, _ = site.replace_markers("<!-- tips:latest -->", "guide/page.md")
    assert 'href="../../tips/cafe-creme-etiquette/"' in nested  # cards are raw HTML with published URLs
    # The field table and tag list live in the guide itself (`tips docs`), not in the build.
    for name in ("fields", "tags"):
        assert site.replace_markers(f"<!-- tips:{name} -->", "contributing.md")[1] == [name]


def test_the_problems_page_keeps_the_report_verbatim():
    report = "tips/a.md:4:7: TAG001 tag 'x' is not in the vocabulary\n    hint: use ``` carefully"
    markdown = problems_markdown(report)
    fence = re.search(r"^(`{3,})text$", markdown, re.M).group(1)
    assert len(fence) > 3  # longer than the backticks inside the report
    assert report in markdown
