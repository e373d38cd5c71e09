"""Pages that help readers find and follow the tips: the subscribe page, the 404 page, robots.txt,
the reading measure, the search dialog's contrast and the "copy link" control."""

from __future__ import annotations

import re

import pytest

from servicetips.robots import robots_txt
from support import SITE_URL
from support.browser import search_for


def test_robots_txt_names_the_absolute_sitemap():
    assert robots_txt("https://tips.example.org/") == (
        "User-agent: *\nAllow: /\n\nSitemap: https://tips.example.org/sitemap.xml\n"
    )
    assert robots_txt("https://example.org/tips-site").endswith("Sitemap: https://example.org/tips-site/sitemap.xml\n")


@pytest.mark.parametrize(
    "bad", ["", "/relative/", "ftp://example.org/", "https://example.org/\nSitemap: https://evil.example/"]
)
def test_robots_txt_refuses_what_is_not_one_absolute_url(bad):
    with pytest.raises(ValueError, match=r"site's absolute URL|must be one line"):
        robots_txt(bad)


def test_the_subscribe_page_gives_the_real_feed_addresses(real_site, report):
    tree = real_site.tree("subscribe/")
    text = tree.text_content()
    assert f"{SITE_URL}feed.xml" in text
    assert f"/feed subscribe {SITE_URL}feed.xml" in text
    # Every address the page shows inside this site exists in the build.
    for address in set(re.findall(re.escape(SITE_URL) + r"[\w/.-]*", text)):
        path = address[len(SITE_URL) :].rstrip(".")  # the end of a sentence
        assert real_site.exists(path), address
    for tool in ("Mailchimp", "MailerLite", "Buttondown", "Slack", "Teams"):
        assert tool in text


def test_the_subscribe_page_is_in_the_nav_and_linked_from_about(real_site):
    nav = real_site.tree("").xpath("//nav[contains(@class, 'md-nav--primary')]//a/@href")
    assert any(href.rstrip("/").endswith("subscribe") for href in nav)
    assert real_site.tree("about/").xpath("//article//a[@href='../subscribe/']")


def test_about_credits_the_font_and_its_licence(real_site):
    text = real_site.tree("about/").text_content()
    assert "Noto Sans" in text and "SIL Open Font License" in text


def test_the_404_page_leads_to_search_this_week_tags_and_archive(real_site):
    tree = real_site.tree("404.html")
    links = tree.xpath("//article//a/@href")
    # The 404 page is served at any depth: its links start at the site's root.
    assert {"/weekly/", "/tags/", "/"} <= set(links)
    assert all(link.startswith("/") for link in links)
    assert tree.xpath("//article//label[@for='__search']")


@pytest.fixture(scope="module")
def base(real_site, serve_site) -> str:
    return serve_site(real_site.site)


@pytest.mark.browser
def test_tip_text_keeps_a_comfortable_measure_on_a_wide_screen(browser, base, report):
    context = browser.new_context(viewport={"width": 1920, "height": 1000})
    tab = context.new_page()
    tab.goto(base + f"tips/{report.schedule.this_week.tip.slug}/")
    widths = tab.evaluate("""() => {
        const probe = document.createElement('span');
        probe.textContent = '0'.repeat(100);
        probe.style.cssText = 'position:absolute;white-space:nowrap;';
        const paragraph = document.querySelector('article .tip-meta ~ p');
        paragraph.appendChild(probe);
        const ch = probe.getBoundingClientRect().width / 100;
        probe.remove();
        return [paragraph.getBoundingClientRect().width / ch, document.querySelector('article').clientWidth / ch];
    }""")
    context.close()
    measure, article = widths
    assert article > 75  # the screen is wide enough for the rule to matter
    assert 60 <= measure <= 70.5


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_search_results_pass_axe_in_both_schemes(browser, base, axe_script, scheme):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    tab = context.new_page()
    try:
        tab.goto(base + "about/")
        search_for(tab, "customer")
        tab.wait_for_selector(".md-search-result__list > li mark", timeout=60_000)
        tab.add_script_tag(path=str(axe_script))
        result = tab.evaluate("""async () => await axe.run('.md-search', {resultTypes: ['violations'],
                                                                  runOnly: ['color-contrast']})""")
    finally:
        context.close()
    blocking = [
        f"{v['id']}: {node['target']} {node['any'][0]['message'] if node['any'] else ''}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
        for node in v["nodes"]
    ]
    assert blocking == []


@pytest.mark.browser
def test_copy_link_copies_the_canonical_address_and_says_so(browser, base, report):
    slot = report.schedule.this_week
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    tab = context.new_page()
    tab.goto(base + f"weekly/{slot.week}/")
    button = tab.get_by_role("button", name="Copy link to this page")
    button.click()
    status = tab.locator("[role=status].tip-copy-status")
    status.wait_for()
    tab.wait_for_function("document.querySelector('.tip-copy-status').textContent !== ''")
    copied = tab.evaluate("navigator.clipboard.readText()")
    canonical = tab.evaluate("document.querySelector('link[rel=canonical]').href")
    text = status.inner_text()
    context.close()
    assert text == "Link copied"
    assert copied == canonical and copied.startswith(SITE_URL)


@pytest.mark.browser
def test_no_copy_link_control_without_javascript_or_on_other_pages(browser, base, report):
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(base + f"tips/{report.schedule.this_week.tip.slug}/")
    assert tab.locator(".tip-copy-link").count() == 0
    context.close()
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(base + "about/")
    tab.wait_for_load_state("load")
    assert tab.locator(".tip-copy-link").count() == 0
    tab.goto(base + f"tips/{report.schedule.this_week.tip.slug}/")
    assert tab.locator(".tip-copy-link").count() == 1
    context.close()
