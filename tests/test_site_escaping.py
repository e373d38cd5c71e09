"""Front-matter text on the site: escaped exactly once everywhere, drafts nowhere.

Built from tests/fixtures/site/small, whose titles, summaries, tag labels and
author names contain `&`, `<`, quotes and non-ASCII characters.
"""

from __future__ import annotations

import html
import json
import re
from datetime import date

import pytest

from servicetips.check import check_library
from support import AS_OF, REPO, SITE_FIXTURES, check_links, text_of
from support import has_class as c
from support.pagefind import fragments, tags_of

TRICKY = "answer-in-under-two-hours"
FRENCH = "cafe-creme-etiquette"


@pytest.fixture(scope="module")
def small_report():
    report = check_library(SITE_FIXTURES / "small", date.fromisoformat(AS_OF))
    assert report.ok
    return report


@pytest.fixture(scope="module")
def library(small_report):
    return small_report.library


@pytest.fixture(scope="module")
def visible(small_report):
    """Which tips of the small site readers see as of AS_OF."""
    return small_report.visible


@pytest.fixture(scope="module")
def search_index(small_site):
    return fragments(small_site.site)


def test_fixture_titles_really_need_escaping(visible):
    titles = [t.title for t in visible.published]
    assert any("<" in t and "&" in t and '"' in t for t in titles)
    assert any(not t.isascii() for t in titles)


@pytest.mark.parametrize("slug", [TRICKY, FRENCH, "quote-the-customers-words"])
def test_title_and_summary_render_as_written(small_site, library, slug):
    tip = library.by_slug[slug]
    tree = small_site.tree(f"tips/{slug}/")
    assert [text_of(h) for h in tree.xpath("//article//h1")] == [tip.title]
    assert tree.xpath("//title")[0].text_content() == f"{tip.title} - Service Tips"
    assert tree.xpath("//meta[@name='description']")[0].get("content") == tip.summary
    topic = tree.xpath("//*[@data-md-component='header-topic']")[0]
    assert text_of(topic) == tip.title
    assert text_of(tree.xpath(f"//article//*[{c('tip-summary')}]")[0]) == tip.summary


@pytest.mark.parametrize("slug", [TRICKY, FRENCH])
def test_the_html_source_is_escaped_once_never_twice(small_site, library, slug):
    source = small_site.page(f"tips/{slug}/")
    assert "&amp;amp;" not in source and "&amp;lt;" not in source and "&amp;quot;" not in source
    tip = library.by_slug[slug]
    title_tag = re.search(r"<title>(.*?)</title>", source).group(1)
    assert title_tag == f"{html.escape(tip.title)} - Service Tips"
    if "<" in tip.title:
        assert tip.title not in source  # the raw `<` never reaches the HTML


def test_tag_labels_and_author_names_are_escaped(small_site, library):
    tree = small_site.tree(f"tips/{TRICKY}/")
    chips = [text_of(a) for a in tree.xpath(f"//article//*[{c('tip-meta')}]//a[{c('tip-chip')}]")]
    assert chips == ["Tone & wording", "Care"]
    author = tree.xpath(f"//article//*[{c('tip-byline')}]//a")[0]
    assert text_of(author) == "Seán O'Brien"
    assert author.get("href") == library.authors["sean"].url  # `&` in the URL survives the round trip
    assert tree.xpath("//meta[@name='author']")[0].get("content") == "Seán O'Brien"
    source = tree.xpath(f"//article//*[{c('tip-credits')}]//a")[0]
    assert source.get("href") == "https://example.org/articles/speed?x=1&y=2"
    assert text_of(source) == '“Speed & "tone" in replies”'
    tag_page = small_site.tree("tags/tone/")
    assert text_of(tag_page.xpath("//article//h1")[0]) == "Tone & wording"
    assert tag_page.xpath("//title")[0].text_content() == "Tone & wording - Service Tips"
    assert tag_page.xpath("//meta[@name='description']")[0].get("content") == library.tags["tone"].description
    team = small_site.tree(f"tips/{FRENCH}/")
    assert text_of(team.xpath(f"//article//*[{c('tip-byline')}]")[0]).startswith("By Support < Ops & Co ·")


def test_the_404_page_shows_this_weeks_title_escaped_once(shared_site, library):
    # As of 2026-11-30 the tip of the week is the one whose title holds `<`, `&` and quotes.
    tip = library.by_slug[TRICKY]
    site = shared_site(SITE_FIXTURES / "small", "2026-11-30")
    source = site.page("404.html")
    link = site.tree("404.html").xpath(f"//article//a[@href='/tips/{TRICKY}/']")
    assert [text_of(a) for a in link] == [tip.title]
    assert "&lt; 2 hours &amp; say" in source
    assert tip.title not in source  # MkDocs' Jinja does not autoescape: the raw `<` never reaches the page


# What the templates in overrides/ print without `| e`, and why each is safe.
# MkDocs' Jinja has no autoescape, so any other value must be escaped where it is printed.
PRINTED_AS_IS = {
    "title": "page.meta.title (see below), or page.title | striptags | e",
    "page.meta.title": "escaped once by the hooks (markup.html_page_meta), as Material's own templates need it",
    "page.meta.description": "escaped once by the hooks (markup.html_page_meta)",
    "tag": "an entry of page.meta.tags, escaped once by the hooks (markup.html_page_meta)",
    "tips_head.social": "finished HTML from the core's autoescaped template (servicetips.share)",
    "tip_footer": "finished HTML from the core's autoescaped templates (servicetips.pages)",
    "class": "set in the template from constants",
    "config.site_name": "the site's own configuration, not the tips",
    "feed.media_type": "a constant (servicetips.pages.WEEKLY_FEEDS)",
    "feed.name": "a constant (servicetips.pages.WEEKLY_FEEDS)",
    "feed.path | url": "a constant (servicetips.pages.WEEKLY_FEEDS)",
    "config.extra.homepage | d(nav.homepage.url, true) | url": "the site's own configuration and nav",
    "tips_head.feed.media_type": "a constant (servicetips.pages.WEEKLY_FEEDS)",
    "loop.index": "a number",
    "file.page.update_date": "a date",
    "base_url.rstrip('/') ~ '/'": "MkDocs' own relative URL",
}
_PRINTED = re.compile(r"{{-?\s*(.*?)\s*-?}}", re.DOTALL)
_SAFE_FORM = re.compile(r".*\|\s*e|'[^']*'\s*\|\s*url|lang\.t\(.*\)")


def test_every_value_the_template_overrides_print_is_escaped_or_known_safe():
    printed = {
        (path.relative_to(REPO).as_posix(), expression)
        for path in sorted((REPO / "overrides").rglob("*"))
        if path.is_file()
        for expression in _PRINTED.findall(path.read_text("utf-8"))
    }
    assert len(printed) > 20
    unsafe = sorted((where, e) for where, e in printed if not _SAFE_FORM.fullmatch(e) and e not in PRINTED_AS_IS)
    assert unsafe == [], "escape these with `| e`, or say in PRINTED_AS_IS why they are safe"


def test_search_index_holds_titles_as_plain_text(search_index, library, visible):
    # Pagefind keeps text, and the search script inserts it as text: neither
    # escaped (it would show `&amp;`) nor markup.
    for tip in visible.published:
        entry = search_index[f"tips/{tip.slug}/"]
        assert entry["meta"]["title"] == tip.title
        assert entry["meta"]["summary"] == tip.summary
        assert tip.summary in entry["content"]
        assert tags_of(entry) == [library.tags[t].label for t in tip.tags]
    raw = json.dumps(search_index, ensure_ascii=False)
    assert "&amp;" not in raw and "&lt;" not in raw and "&quot;" not in raw
    assert "a-draft-tip" not in " ".join(search_index)


def test_links_between_tips_work_in_every_accepted_form(small_site):
    tree = small_site.tree(f"tips/{TRICKY}/")
    body_links = [a.get("href") for a in tree.xpath("//article/p//a") if not a.get("class")]
    assert "../cafe-creme-etiquette/" in body_links  # written ../cafe-creme-etiquette.md
    assert "../quote-the-customers-words/" in body_links  # written /tips/quote-the-customers-words/
    code = [text_of(e) for e in tree.xpath("//article//code")]
    assert "[not a link](nowhere.md)" in code  # code is never rewritten
    french = small_site.tree(f"tips/{FRENCH}/")
    assert "../answer-in-under-two-hours/#why-it-works" in [a.get("href") for a in french.xpath("//article/p//a")]
    week = small_site.tree("weekly/2026-W47/")  # the pinned tip, shown under /weekly/
    assert "../../tips/answer-in-under-two-hours/" in [a.get("href") for a in week.xpath("//article/p//a")]


def test_a_draft_is_checked_but_published_nowhere(small_site, library):
    draft = next(t for t in library.tips if t.meta.draft)
    assert not (small_site.site / "tips" / draft.slug).exists()
    for path in small_site.site.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".json", ".xml"):
            text = path.read_text("utf-8")
            assert "zephyrwidgets" not in text and draft.slug not in text, path


def test_a_tag_without_published_tips_has_an_empty_page(small_site):
    tree = small_site.tree("tags/unused/")
    assert "No published tip carries this tag yet." in text_of(tree.xpath("//article")[0])


def test_images_beside_the_tips_are_published_and_found_from_every_page(small_site):
    tip = small_site.tree(f"tips/{TRICKY}/")
    assert [img.get("src") for img in tip.xpath("//article//img")] == ["../images/reply-card.png"]
    week = small_site.tree("weekly/2026-W46/")  # the same body, shown from /weekly/
    assert [img.get("src") for img in week.xpath("//article//img")] == ["../../tips/images/reply-card.png"]
    assert (small_site.site / "tips" / "images" / "reply-card.png").read_bytes() == (
        SITE_FIXTURES / "small" / "images" / "reply-card.png"
    ).read_bytes()


def test_no_page_of_the_small_site_links_to_a_missing_page(small_site):
    checked, broken = check_links(small_site)
    assert checked > 100
    assert broken == []
