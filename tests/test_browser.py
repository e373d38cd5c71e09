"""The real site in headless Chromium: this week's tip, search, tags, no errors, nothing too wide on a phone."""

from __future__ import annotations

import re
import shutil

import pytest

from servicetips.search import index_site
from support.browser import SEARCH_FIELD, search_for
from support.pagefind import fragments

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
    text_by_page = {
        url: " ".join([f["content"], *f["meta"].values()]).lower() for url, f in fragments(real_site.site).items()
    }
    candidates = []
    for tip in report.visible.published:
        for word in set(re.findall(r"[a-z]{8,}", tip.body.lower())):
            # Pagefind stems words ("acceptable" finds "accept"): the word's
            # first five letters must start a word on this page only.
            pages = [page for page, text in text_by_page.items() if re.search(rf"\b{word[:5]}", text)]
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


def test_search_finds_a_tip_by_a_word_in_its_body(page, base, real_site, report):
    word, slug = word_only_in_one_tip_body(real_site, report)
    page.goto(base + "about/")
    search_for(page, word)
    first = page.locator(".md-search-result__list > li a").first
    assert f"tips/{slug}/" in first.get_attribute("href")
    first.click()
    page.wait_for_url(f"**/tips/{slug}/?highlight={word}")
    assert heading(page.locator("article h1")) == report.library.by_slug[slug].title
    # Pagefind's highlight script marks the word on the page that was opened.
    marked = page.locator("article mark.pagefind-highlight").first
    marked.wait_for(timeout=30_000)
    assert marked.inner_text().lower().startswith(word)
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


@pytest.mark.parametrize("url", [*PAGES, "first-tip", "first-week", "first-tag"])
def test_pages_load_without_console_errors(page, base, report, url):
    url = {
        "first-tip": f"tips/{report.visible.published[0].slug}/",
        "first-week": f"weekly/{report.schedule.published[0].week}/",
        "first-tag": f"tags/{next(iter(report.library.tags))}/",
    }.get(url, url)
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


def test_search_is_used_from_the_keyboard(page, base, report):
    word = "customer"
    page.goto(base + "about/")
    field = page.locator(SEARCH_FIELD)
    page.keyboard.press("/")
    assert field.evaluate("el => el === document.activeElement")
    assert page.evaluate("document.getElementById('__search').checked")
    page.keyboard.type(word)
    page.wait_for_function(
        """word => {
            const first = document.querySelector('.md-search-result__list > li a');
            return first !== null && new URL(first.href).searchParams.get('highlight') === word;
        }""",
        arg=word,
        timeout=60_000,
    )
    links = page.locator(".md-search-result__list > li a")
    assert links.count() >= 2
    page.keyboard.press("ArrowDown")
    assert links.nth(0).evaluate("el => el === document.activeElement")
    page.keyboard.press("ArrowDown")
    assert links.nth(1).evaluate("el => el === document.activeElement")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert field.evaluate("el => el === document.activeElement")
    page.keyboard.press("Escape")
    assert not page.evaluate("document.getElementById('__search').checked")
    assert not field.evaluate("el => el === document.activeElement")
    page.keyboard.press("s")  # the other shortcut; the query is still there
    assert field.evaluate("el => el === document.activeElement")
    first = links.nth(0).get_attribute("href")
    page.keyboard.press("Enter")  # opens the first result
    page.wait_for_url("**" + first)
    assert page.errors == []


def test_nothing_is_fetched_for_search_before_it_is_opened_and_a_first_search_is_small(page, base, real_site):
    fetched = []
    page.on("requestfinished", lambda request: fetched.append(request.url))
    page.goto(base + "about/")
    page.wait_for_load_state("networkidle")
    page.mouse.wheel(0, 600)
    page.locator("article a").first.hover()
    page.wait_for_timeout(300)
    assert [url for url in fetched if "/pagefind/" in url] == []
    search_for(page, "customer")
    page.wait_for_load_state("networkidle")
    search_files = {url.split("?")[0].removeprefix(base) for url in fetched if "/pagefind/" in url}
    assert "pagefind/pagefind.js" in search_files and any(".pf_fragment" in f for f in search_files)
    size = sum((real_site.site / path).stat().st_size for path in search_files)
    assert size <= 250 * 1024, sorted(search_files)


def test_hostile_text_in_the_index_is_shown_as_text_in_the_results(page, small_site, serve_site, tmp_path):
    # A gap in the checks that let markup into a title, summary, tag or body
    # (the build refuses all of them) must still show as text: the tip's page
    # is edited as if it had, and the copy indexed again.
    site = tmp_path / "site"
    shutil.copytree(small_site.site, site)
    tip = site / "tips" / "answer-in-under-two-hours" / "index.html"
    hostile = "&lt;img src=x onerror=&quot;window.pwned=1&quot;&gt;"
    source = tip.read_text("utf-8")
    source = re.sub(r"(<h1 [^>]*>).*?(<a class=\"headerlink\")", rf"\1{hostile} zanzibar\2", source, count=1)
    source = re.sub(r'(data-pagefind-meta="summary\[content\]" content=")[^"]*', rf"\1{hostile}", source)
    source = re.sub(r'(data-pagefind-meta="tag1\[content\]" content=")[^"]*', rf"\1{hostile}", source)
    extra = f"<p>{hostile} &lt;/mark&gt;&lt;b&gt;zanzibar</p>"
    source = source.replace('<p class="tip-summary">', extra + '<p class="tip-summary">', 1)
    tip.write_text(source, "utf-8")
    index_site(site)
    page.goto(serve_site(site) + "about/")
    search_for(page, "zanzibar")
    first = page.locator(".md-search-result__list > li").first
    shown = '<img src=x onerror="window.pwned=1">'
    assert first.locator("h1").inner_text() == f"{shown} zanzibar"
    assert first.locator(".tips-search-summary").inner_text() == shown
    assert first.locator(".md-tag").first.inner_text() == shown
    assert shown in first.inner_text().split("\n", 3)[-1]  # the excerpt
    assert first.locator("img, b").count() == 0
    # Pagefind marks whole words; a closing </mark> written in the text stays text inside one.
    marks = first.locator("mark").all_inner_texts()
    assert "</mark><b>zanzibar." in marks and all(m.endswith("zanzibar.") for m in marks)
    assert first.locator("mark *").count() == 0
    page.wait_for_timeout(300)
    assert page.evaluate("window.pwned") is None
    assert page.errors == []


def test_more_results_load_on_demand_and_from_the_keyboard(page, base, real_site):
    indexed = fragments(real_site.site)
    with_word = [url for url, f in indexed.items() if "customer" in f["content"].lower()]
    assert len(with_word) > 10  # the word must have more results than the first ten
    page.goto(base + "about/")
    search_for(page, "customer")
    links = page.locator(".md-search-result__list a.md-search-result__link")
    assert links.count() == 10
    for _ in range(11):
        page.keyboard.press("ArrowDown")
    more = page.locator(".tips-search-more")
    assert more.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelectorAll('.md-search-result__link').length > 10")
    assert links.nth(10).evaluate("el => el === document.activeElement")
    assert page.errors == []
