"""The built site reaches people where they are: share tags and cards, icons, robots.txt, the sitemap's dates,
/tips/, the subscribe page from the header, the 404 page, the week's email files, feeds with images, a
WebSub hub; in the built site and in Chromium."""

from __future__ import annotations

import io
import json
import re
from urllib.parse import urlsplit

import feedparser
import pytest
from lxml import etree
from lxml import html as lxml_html
from PIL import Image

from support import AS_OF, SITE_FIXTURES, SITE_URL
from support.builds import build_site

HUB = "https://hub.example.org/"


def meta(tree) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for element in tree.xpath("//head/meta[@property or @name]"):
        found.setdefault(element.get("property") or element.get("name"), []).append(element.get("content"))
    return found


def site_file(build, url: str):
    assert url.startswith(SITE_URL), url
    return build.site / urlsplit(url).path[len(urlsplit(SITE_URL).path) :]


def png_size(path) -> tuple[int, int]:
    image = Image.open(io.BytesIO(path.read_bytes()))
    assert image.format == "PNG", path
    return image.size


def pages(build):
    return [p for p in build.html_files() if p.name != "email.html" and p.name != "404.html"]


def test_every_page_has_share_tags_whose_image_is_a_card_of_the_site(real_site):
    checked = 0
    for path in pages(real_site):
        tree = lxml_html.fromstring(path.read_bytes())
        tags = meta(tree)
        for key in ("og:title", "og:description", "og:url", "og:image", "og:image:alt", "og:type"):
            assert tags.get(key) and tags[key][0], (path, key)
        assert tags["og:image:width"] == ["1200"] and tags["og:image:height"] == ["630"]
        assert tags["twitter:card"] == ["summary_large_image"]
        assert png_size(site_file(real_site, tags["og:image"][0])) == (1200, 630)
        checked += 1
    assert checked > 40


def test_a_tip_page_is_an_article_with_its_date_tags_and_json_ld(real_site, report):
    tip = report.schedule.this_week.tip
    tree = real_site.tree(f"tips/{tip.slug}/")
    tags = meta(tree)
    assert tags["og:type"] == ["article"]
    assert tags["og:url"] == [f"{SITE_URL}tips/{tip.slug}/"]
    assert tags["article:published_time"] == [tip.published.isoformat()]
    assert tags["article:tag"] == [report.library.tags[t].label for t in tip.tags]
    data = json.loads(tree.xpath("//script[@type='application/ld+json']")[0].text)
    assert data["@type"] == "Article" and data["headline"] == tip.title
    home = json.loads(real_site.tree("").xpath("//script[@type='application/ld+json']")[0].text)
    assert home["@type"] == "WebSite" and home["url"] == SITE_URL


def test_icons_robots_and_the_sitemap(real_site, visible):
    tree = real_site.tree("about/")
    icon = tree.xpath("//head/link[@rel='icon']/@href")[0]
    touch = tree.xpath("//head/link[@rel='apple-touch-icon']/@href")[0]
    assert png_size(real_site.site / "about" / icon) == (32, 32)
    assert png_size(real_site.site / "about" / touch) == (180, 180)
    assert (real_site.site / "favicon.ico").is_file()
    robots = (real_site.site / "robots.txt").read_text()
    assert f"Sitemap: {SITE_URL}sitemap.xml" in robots.splitlines()
    sitemap = etree.fromstring((real_site.site / "sitemap.xml").read_bytes())
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    dates = {
        url.findtext("s:loc", namespaces=ns): url.findtext("s:lastmod", namespaces=ns)
        for url in sitemap.iterfind("s:url", ns)
    }
    for tip in visible.published:
        assert dates[f"{SITE_URL}tips/{tip.slug}/"] == tip.published.isoformat()
    assert max(dates.values()) <= AS_OF


def test_the_sitemap_lists_canonical_pages_only(real_site, report, visible):
    sitemap = etree.fromstring((real_site.site / "sitemap.xml").read_bytes())
    listed = [loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert len(listed) == len(set(listed))  # no address twice (a week page once listed its tip's)
    weeks_left_out = 0
    for slot in report.schedule.published:
        own = f"{SITE_URL}weekly/{slot.week}/"
        canonical = real_site.tree(f"weekly/{slot.week}/").xpath("//head/link[@rel='canonical']/@href")[0]
        if canonical == own:  # a withdrawn week, or one whose tip has no page: its own page
            assert own in listed
        else:
            assert own not in listed and canonical in listed
            weeks_left_out += 1
    assert weeks_left_out > 0
    for tip in visible.published:
        assert f"{SITE_URL}tips/{tip.slug}/" in listed
    assert f"{SITE_URL}about/" in listed and SITE_URL in listed


@pytest.fixture(scope="module")
def visible(report):
    return report.visible


def test_a_week_page_names_its_tip_page_as_canonical(real_site, report):
    for slot in report.schedule.published:
        tree = real_site.tree(f"weekly/{slot.week}/")
        canonical = tree.xpath("//head/link[@rel='canonical']/@href")
        expected = f"{SITE_URL}weekly/{slot.week}/" if slot.withdrawn else f"{SITE_URL}tips/{slot.tip.slug}/"
        assert canonical == [expected]
    tip = report.schedule.this_week.tip
    assert real_site.tree(f"tips/{tip.slug}/").xpath("//head/link[@rel='canonical']/@href") == [
        f"{SITE_URL}tips/{tip.slug}/"
    ]


def test_a_tag_page_advertises_its_own_feed_in_its_head(real_site, report):
    for tag in report.library.tags:
        head = real_site.tree(f"tags/{tag}/").xpath("//head")[0]
        feeds = head.xpath("link[contains(concat(' ', @rel, ' '), ' alternate ')]/@href")
        assert "feed.xml" in feeds and "../../feed.xml" in feeds
        assert head.xpath("link[@href='feed.xml']/@type") == ["application/rss+xml"]


def test_the_tips_page_lists_every_published_tip_newest_first_with_its_tags(real_site, visible, report):
    tree = real_site.tree("tips/")
    items = tree.xpath("//article//div[contains(@class, 'tip-list')]//li")
    assert [li.xpath(".//strong/a/@href")[0] for li in items] == [f"{t.slug}/" for t in visible.published]
    for li, tip in zip(items, visible.published, strict=True):
        chips = [" ".join(a.text_content().split()) for a in li.xpath(".//a[contains(@class, 'tip-chip')]")]
        assert chips == [report.library.tags[t].label for t in tip.tags]
    assert not any(tip.slug in lxml_html.tostring(tree).decode() for tip in visible.scheduled)


def test_the_home_page_and_the_header_lead_to_the_subscribe_page(real_site):
    home = real_site.tree("")
    assert home.xpath("//article//a[@href='subscribe/']")
    assert home.xpath("//header//a[contains(@class, 'tip-subscribe-button')]/@href") == ["subscribe/"]


def test_the_404_page_links_to_this_weeks_tip(real_site, report):
    tip = report.schedule.this_week.tip
    tree = real_site.tree("404.html")
    assert tree.xpath(f"//article//a[@href='/tips/{tip.slug}/']")[0].text_content() == tip.title


# -- the week's email files -----------------------------------------------------------------------


def emails(build):
    return sorted(build.site.glob("weekly/*/email.html"))


def test_every_published_week_has_email_files_that_mail_clients_accept(real_site, report):
    found = emails(real_site)
    assert [p.parent.name for p in found] == sorted(str(s.week) for s in report.schedule.published)
    for path in found:
        data = path.read_bytes()
        assert len(data) < 100_000, path
        tree = lxml_html.document_fromstring(data)
        assert not tree.xpath("//script | //style | //link[@rel='stylesheet'] | //link"), path
        assert not tree.xpath("//@*[starts-with(name(), 'on')]"), path
        urls = tree.xpath("//@href | //@src")
        assert urls
        for url in urls:
            assert url.startswith("https://") and urlsplit(url).netloc, (path, url)
        assert (path.parent / "email.txt").is_file()
        # The card in the email is the week's card, with a text alternative.
        image = tree.xpath("//img")[0]
        assert image.get("src") == f"{SITE_URL}cards/weekly/{path.parent.name}.png" and image.get("alt")


def test_the_emails_body_is_the_sanitised_body_of_the_week(real_site, report):
    slot = report.schedule.this_week
    email = lxml_html.document_fromstring((real_site.site / f"weekly/{slot.week}/email.html").read_bytes())
    page = real_site.tree(f"weekly/{slot.week}/")
    first = page.xpath("//article//div[contains(@class, 'tip-meta')]/following-sibling::p[1]")[0].text_content()
    assert " ".join(first.split())[:60] in " ".join(email.text_content().split())


def test_feedparser_finds_an_image_on_every_item_of_every_feed(real_site):
    feeds = [
        "feed.xml",
        "atom.xml",
        *(p.relative_to(real_site.site).as_posix() for p in real_site.site.glob("tags/*/feed.xml")),
    ]
    items = 0
    for path in feeds:
        parsed = feedparser.parse((real_site.site / path).read_bytes())
        assert not parsed.bozo, path
        for entry in parsed.entries:
            images = [e.href for e in entry.get("enclosures", []) if e.type == "image/png"]
            assert images, (path, entry.id)
            assert png_size(site_file(real_site, images[0])) == (1200, 630)
            items += 1
    # feedparser 6 does not read JSON Feed: its items are checked as JSON.
    for item in json.loads((real_site.site / "feed.json").read_text())["items"]:
        assert png_size(site_file(real_site, item["image"])) == (1200, 630)
        assert site_file(real_site, item["_service_tips"]["email_html"]).is_file()
        items += 1
    assert items > 20


def test_a_hub_in_mkdocs_yml_is_advertised_by_every_feed(tmp_path):
    built = build_site(
        SITE_FIXTURES / "small", tmp_path / "site", AS_OF, config_overrides={"extra": {"websub_hub": HUB}}
    )
    assert built.ok, built.output
    for path in [*built.site.glob("*.xml"), *built.site.glob("tags/*/feed.xml")]:
        if path.name == "sitemap.xml":
            continue
        links = feedparser.parse(path.read_bytes()).feed.links
        assert [link.href for link in links if link.rel == "hub"] == [HUB], path
    assert json.loads((built.site / "feed.json").read_text())["hubs"] == [{"type": "WebSub", "url": HUB}]
    refused = build_site(
        SITE_FIXTURES / "small",
        tmp_path / "refused",
        AS_OF,
        config_overrides={"extra": {"websub_hub": "http://hub.example.org/"}},
    )
    assert not refused.ok and "websub_hub must be an absolute https URL" in refused.output
    assert "Traceback" not in refused.output


# -- in Chromium ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base(real_site, serve_site) -> str:
    return serve_site(real_site.site)


@pytest.mark.browser
def test_a_tip_pages_og_image_is_a_1200x630_png_on_the_site(page, base, report):
    page.goto(base + f"tips/{report.schedule.this_week.tip.slug}/")
    image = page.locator("meta[property='og:image']").get_attribute("content")
    assert image.startswith(SITE_URL)
    response = page.request.get(base + image[len(SITE_URL) :])
    assert response.ok and response.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(response.body())).size == (1200, 630)


@pytest.mark.browser
def test_the_subscribe_page_is_reached_from_the_header(page, base):
    page.goto(base + "tags/")
    page.get_by_role("link", name="Get the tip of the week").first.click()
    page.wait_for_url(re.compile(r"/subscribe/$"))
    assert page.locator("article h1").inner_text().rstrip("¶ \n") == "Get the tip of the week"


@pytest.mark.browser
def test_the_404_page_leads_to_this_weeks_tip(page, base, report):
    tip = report.schedule.this_week.tip
    page.goto(base + "404.html")
    page.get_by_role("link", name=tip.title).click()
    page.wait_for_url(re.compile(rf"/tips/{tip.slug}/$"))
    assert page.locator("article h1").inner_text().rstrip("¶ \n") == tip.title


@pytest.mark.browser
def test_every_email_fits_600_px_without_horizontal_scroll(browser, base, real_site):
    context = browser.new_context(viewport={"width": 600, "height": 900})
    tab = context.new_page()
    try:
        for path in emails(real_site):
            tab.goto(base + path.relative_to(real_site.site).as_posix())
            widths = tab.evaluate(
                "[document.documentElement.scrollWidth, document.documentElement.clientWidth,"
                " document.body.scrollWidth]"
            )
            assert widths[0] <= widths[1] and widths[2] <= 600, (path, widths)
    finally:
        context.close()
