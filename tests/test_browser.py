"""The real site in headless Chromium: this week's tip, search, tags, no errors, nothing too wide on a phone."""

from __future__ import annotations

import json
import re

import pytest

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PAGES = ["", "weekly/", "tags/", "about/", "contributing/"]


@pytest.fixture(scope="module")
def base(real_site, serve_site) -> str:
    return serve_site(real_site.site)


def heading(locator) -> str:
    """A heading's text without the permalink sign."""
    return locator.inner_text().replace("\u00b6", "").strip()


def word_only_in_one_tip_body(real_site, report) -> tuple[str, str]:
    """A word that appears in one tip's body and nowhere else in the search index: (word, slug)."""
    index = json.loads((real_site.site / "search" / "search_index.json").read_text("utf-8"))
    text_by_page: dict[str, str] = {}
    for doc in index["docs"]:
        page = doc["location"].split("#")[0]
        text = " ".join([doc["title"], doc["text"], *doc.get("tags", [])])
        text_by_page[page] = text_by_page.get(page, "") + " " + re.sub(r"<[^>]+>", " ", text).lower()
    candidates = []
    for tip in report.visible.published:
        for word in set(re.findall(r"[a-z]{8,}", tip.body.lower())):
            pages = [page for page, text in text_by_page.items() if word in text]
            if pages == [f"tips/{tip.slug}/"] and word not in tip.title.lower():
                candidates.append((word, tip.slug))
    assert candidates, "no word is unique to one tip"
    return sorted(candidates)[0]


def test_home_page_shows_this_weeks_tip(page, base, report):
    slot = report.schedule.this_week
    page.goto(base)
    box = page.locator("article .admonition.tip")
    assert box.is_visible()
    assert str(slot.week) in box.locator(".admonition-title").inner_text()
    title = box.locator("h2")
    assert heading(title) == slot.tip.title
    title.locator("a").first.click()
    page.wait_for_url(f"**/tips/{slot.tip.slug}/")
    assert heading(page.locator("article h1")) == slot.tip.title
    assert page.errors == []


def search_for(page, word: str) -> None:
    """Type `word` into the site search and wait until the results answer the whole word."""
    query = page.locator("input[data-md-component='search-query']")
    query.click()
    query.press_sequentially(word)  # Material searches on key events, which fill() does not send
    # Results appear while the word is still being typed (for "t", "th", ...):
    # wait for the list that answers the whole word; Material puts the query
    # in each result link's ?h= parameter.
    page.wait_for_function(
        """word => {
            const first = document.querySelector('.md-search-result__list > li a');
            return first !== null && new URL(first.href).searchParams.get('h') === word;
        }""",
        arg=word, timeout=60_000)


def test_search_finds_a_tip_by_a_word_in_its_body(page, base, real_site, report):
    word, slug = word_only_in_one_tip_body(real_site, report)
    page.goto(base + "about/")
    search_for(page, word)
    first = page.locator(".md-search-result__list > li a").first
    assert f"tips/{slug}/" in first.get_attribute("href")
    first.click()
    page.wait_for_url(f"**/tips/{slug}/**")
    assert heading(page.locator("article h1")) == report.library.by_slug[slug].title
    assert page.errors == []


def test_a_tag_on_a_tip_opens_the_tag_page(page, base, report):
    tip = report.visible.published[0]
    tag = tip.tags[0]
    page.goto(base + f"tips/{tip.slug}/")
    page.locator("article .tip-meta a.tip-chip").first.click()
    page.wait_for_url(f"**/tags/{tag}/")
    assert heading(page.locator("article h1")) == report.library.tags[tag].label
    listed = page.locator("article .tip-list li a").all_inner_texts()
    assert tip.title in [text.strip() for text in listed]
    assert page.errors == []


def test_the_palette_toggle_switches_to_dark_and_back(page, base):
    page.goto(base)
    scheme = lambda: page.evaluate("document.body.getAttribute('data-md-color-scheme')")  # noqa: E731
    assert scheme() == "default"
    page.locator("label[title='Switch to dark mode']").click()
    assert scheme() == "slate"
    page.locator("label[title='Switch to light mode']").click()
    assert scheme() == "default"


@pytest.mark.parametrize("url", PAGES + ["first-tip", "first-week", "first-tag"])
def test_pages_load_without_console_errors(page, base, report, url):
    url = {"first-tip": f"tips/{report.visible.published[0].slug}/",
           "first-week": f"weekly/{report.schedule.published[0].week}/",
           "first-tag": f"tags/{next(iter(report.library.tags))}/"}.get(url, url)
    response = page.goto(base + url)
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    assert page.errors == []


def test_nothing_overflows_at_phone_width(browser, base, report):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    tab = context.new_page()
    urls = PAGES + [f"tips/{t.slug}/" for t in report.visible.published]
    urls += [f"tags/{tag}/" for tag in report.library.tags] + [f"weekly/{report.schedule.published[0].week}/"]
    too_wide = []
    for url in urls:
        tab.goto(base + url)
        scroll_width, inner_width = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll_width > inner_width:
            too_wide.append(f"{url}: {scroll_width}px > {inner_width}px")
    context.close()
    assert too_wide == []


def test_search_results_show_escaped_titles_and_tags_as_written(page, small_site, serve_site):
    base = serve_site(small_site.site)
    page.goto(base + "about/")
    search_for(page, "thanks")
    first = page.locator(".md-search-result__list > li").first
    assert first.locator("article h1").inner_text().strip() == 'Answer in < 2 hours & say "thanks"'
    assert first.locator(".md-tag").all_inner_texts() == ["Tone & wording", "Care"]
    assert page.title() == "About - Service Tips"
    page.goto(base + "tips/answer-in-under-two-hours/")
    assert page.title() == 'Answer in < 2 hours & say "thanks" - Service Tips'
    assert page.errors == []
