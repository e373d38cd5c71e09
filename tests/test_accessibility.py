"""axe-core on the real site: no serious or critical violation, in the light and the dark scheme."""

from __future__ import annotations

import pytest

from support.browser import search_for

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")


def page_urls(report) -> dict[str, str]:
    first_tag = next(iter(report.library.tags))
    return {
        "home": "",
        "tip": f"tips/{report.schedule.this_week.tip.slug}/",
        "tag": f"tags/{first_tag}/",
        "tags": "tags/",
        "weekly": "weekly/",
        "week": f"weekly/{report.schedule.published[-1].week}/",
        "about": "about/",
        "contributing": "contributing/",
        "integrators": "integrators/",
        "not found": "404.html",
    }


def describe(violations: list[dict]) -> list[str]:
    """One readable line per violating element."""
    return [f"{v['impact']} {v['id']}: {v['help']} at {node['target']}" for v in violations for node in v["nodes"]]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(
    "name", ["home", "tip", "tag", "tags", "weekly", "week", "about", "contributing", "integrators", "not found"]
)
def test_no_serious_or_critical_violations(browser, real_site, serve_site, axe_script, report, name, scheme):
    url = page_urls(report)[name]
    if not real_site.exists(url):
        pytest.skip(f"the site has no {url} (docs/{name}.md is optional)")
    base = serve_site(real_site.site)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    tab = context.new_page()
    try:
        tab.goto(base + url)
        expected = "slate" if scheme == "dark" else "default"
        assert tab.evaluate("document.body.getAttribute('data-md-color-scheme')") == expected
        tab.add_script_tag(path=str(axe_script))
        result = tab.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    finally:
        context.close()
    blocking = [v for v in result["violations"] if v["impact"] in BLOCKING]
    assert describe(blocking) == []


def test_a_phone_sized_tip_page_has_no_serious_violations(browser, real_site, serve_site, axe_script, report):
    base = serve_site(real_site.site)
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    tab = context.new_page()
    try:
        tab.goto(base + page_urls(report)["tip"])
        tab.add_script_tag(path=str(axe_script))
        result = tab.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    finally:
        context.close()
    assert describe([v for v in result["violations"] if v["impact"] in BLOCKING]) == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_search_with_results_shown_has_no_serious_violations(browser, real_site, serve_site, axe_script, scheme):
    base = serve_site(real_site.site)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    tab = context.new_page()
    try:
        tab.goto(base + "about/")
        search_for(tab, "customer")
        assert tab.locator(".md-search-result__list > li").count() >= 2
        assert tab.locator(".md-search-result__list mark").count() >= 1
        assert tab.locator(".md-search__output").is_visible()  # the dialog is open, results shown
        tab.add_script_tag(path=str(axe_script))
        result = tab.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    finally:
        context.close()
    assert describe([v for v in result["violations"] if v["impact"] in BLOCKING]) == []
