"""The real site, built from tips/ with `mkdocs build --strict`: every page, link and listing.

Expected values come from the core (`check_library`), never from literals,
so the tests follow the library as tips are added.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

import pytest

from servicetips.pages import day_label, week_label
from support import AS_OF, REPO, SITE_FIXTURES, build_site, check_links, text_of
from support import has_class as c
from support.pagefind import fragments, searched_hand_written_pages, tags_of


@pytest.fixture(scope="module")
def library(report):
    return report.library


@pytest.fixture(scope="module")
def visible(report):
    """Which tips readers see as of AS_OF: the check's one partition."""
    return report.visible


@pytest.fixture(scope="module")
def schedule(report):
    return report.schedule


def hrefs(tree, xpath: str) -> list[str]:
    return [a.get("href") for a in tree.xpath(xpath)]


def resolve(page_url: str, href: str) -> str:
    """The site path a relative href on `page_url` points to."""
    return posixpath.normpath(posixpath.join(posixpath.dirname(page_url), href)) + ("/" if href.endswith("/") else "")


def test_every_published_tip_has_a_page_with_its_title_as_the_only_h1(real_site, library, visible):
    published = {tip.slug for tip in visible.published}
    built = {p.name for p in (real_site.site / "tips").iterdir() if (p / "index.html").is_file()}
    assert built == published
    for tip in visible.published:
        tree = real_site.tree(f"tips/{tip.slug}/")
        headings = tree.xpath("//article//h1")
        assert [text_of(h) for h in headings] == [tip.title]
        assert text_of(tree.xpath(f"//article//*[{c('tip-summary')}]")[0]) == tip.summary


def test_a_tip_page_shows_tags_author_date_reading_time_and_weeks(real_site, library, schedule, visible):
    for tip in visible.published:
        tree = real_site.tree(f"tips/{tip.slug}/")
        chips = tree.xpath(f"//article//*[{c('tip-meta')}]//a[{c('tip-chip')}]")
        assert [text_of(a) for a in chips] == [library.tags[t].label for t in tip.tags]
        assert [a.get("href") for a in chips] == [f"../../tags/{t}/" for t in tip.tags]
        byline = text_of(tree.xpath(f"//article//*[{c('tip-byline')}]")[0])
        author = library.authors[tip.meta.author]
        assert byline == f"By {author.name} · {day_label(tip.published)} · {tip.reading_minutes} min read"
        times = tree.xpath(f"//article//*[{c('tip-byline')}]//time")
        assert times[0].get("datetime") == tip.published.isoformat()
        if author.url:
            assert tree.xpath(f"//article//*[{c('tip-byline')}]//a")[0].get("href") == author.url
        weeks = schedule.weeks_of(tip.slug)
        week_links = tree.xpath(f"//article//*[{c('tip-credits')}]//a[contains(@href, 'weekly/')]")
        assert [text_of(a) for a in week_links] == [str(w) for w in weeks]
        assert [a.get("href") for a in week_links] == [f"../../weekly/{w}/" for w in weeks]
        if tip.meta.source is not None:
            credit = text_of(tree.xpath(f"//article//*[{c('tip-credits')}]")[0])
            if tip.meta.source.title is not None:
                assert f"“{tip.meta.source.title}”" in credit
            else:  # an untitled work: named by its opening words, never passed off as a title
                assert f"an untitled piece that opens “{tip.meta.source.opening}”" in credit


def test_related_tips_share_the_most_tags_then_are_newest(real_site, library, visible):
    rank = {tip.slug: i for i, tip in enumerate(visible.published)}
    for tip in visible.published:
        tree = real_site.tree(f"tips/{tip.slug}/")
        links = hrefs(tree, f"//article//*[{c('tip-related')}]//*[{c('cards')}]/ul/li/p[1]//a")
        slugs = [resolve(f"tips/{tip.slug}/", href).split("/")[1] for href in links]
        assert len(slugs) == 3 and tip.slug not in slugs and len(set(slugs)) == 3
        others = [t for t in visible.published if t.slug != tip.slug]
        expected = sorted(others, key=lambda t: (-len(set(t.tags) & set(tip.tags)), rank[t.slug]))[:3]
        assert slugs == [t.slug for t in expected]


def test_older_and_newer_links_follow_the_publication_date(real_site, library, visible):
    tips = visible.published  # newest first
    for index, tip in enumerate(tips):
        tree = real_site.tree(f"tips/{tip.slug}/")
        older = hrefs(tree, f"//article//nav[{c('tip-pager')}]//a[{c('tip-pager__older')}]")
        newer = hrefs(tree, f"//article//nav[{c('tip-pager')}]//a[{c('tip-pager__newer')}]")
        assert older == ([f"../{tips[index + 1].slug}/"] if index + 1 < len(tips) else [])
        assert newer == ([f"../{tips[index - 1].slug}/"] if index > 0 else [])


def test_tag_pages_list_their_tips_newest_first(real_site, library, visible):
    index = real_site.tree("tags/")
    cards = index.xpath(f"//article//*[{c('cards')}]/ul/li")
    assert len(cards) == len(library.tags)
    for card, (tag, info) in zip(cards, library.tags.items(), strict=False):
        count = len(visible.tips_with_tag(tag))
        assert text_of(card).startswith(f"{info.label} · {count} tip")
        assert info.description in text_of(card)
        assert card.xpath(".//a")[0].get("href") == f"{tag}/"
    for tag, info in library.tags.items():
        tree = real_site.tree(f"tags/{tag}/")
        assert text_of(tree.xpath("//article//h1")[0]) == info.label
        assert info.description in text_of(tree.xpath(f"//article//*[{c('tip-lead')}]")[0])
        listed = hrefs(tree, f"//article//*[{c('tip-list')}]//li/p[1]//a")
        assert listed == [f"../../tips/{t.slug}/" for t in visible.tips_with_tag(tag)]


def test_weekly_archive_lists_every_started_week_newest_first(real_site, schedule):
    tree = real_site.tree("weekly/")
    labels = [text_of(p) for p in tree.xpath(f"//article//p[{c('tip-eyebrow')}]")]
    published = schedule.published
    assert published and published[0].week == schedule.current
    assert [label.split(" · this week")[0] for label in labels] == [week_label(s.week) for s in published]
    titles = [text_of(h) for h in tree.xpath("//article//h2")]
    assert titles == [s.tip.title for s in published]
    built_weeks = {p.name for p in (real_site.site / "weekly").iterdir() if p.is_dir()}
    assert built_weeks == {str(s.week) for s in published}
    assert all(s.week <= schedule.current for s in published)


def test_a_week_permalink_shows_its_tip_and_links_to_the_tip_page(real_site, schedule):
    for slot in schedule.published:
        tree = real_site.tree(f"weekly/{slot.week}/")
        assert text_of(tree.xpath("//article//h1")[0]) == slot.tip.title
        assert week_label(slot.week) in text_of(tree.xpath(f"//article//*[{c('tip-eyebrow')}]")[0])
        assert text_of(tree.xpath(f"//article//*[{c('tip-summary')}]")[0]) == slot.tip.summary
        assert f"../../tips/{slot.tip.slug}/" in hrefs(tree, f"//article//a[{c('md-button')}]")
        first_paragraph = slot.tip.body.strip().split("\n\n")[0].split("\n")[0]
        words = re.findall(r"[A-Za-z]{4,}", first_paragraph)[:5]
        body_text = text_of(tree.xpath("//article")[0])
        assert all(word in body_text for word in words)


def test_home_page_shows_this_weeks_tip_latest_tips_and_tags(real_site, library, schedule, visible):
    tree = real_site.tree("")
    slot = schedule.this_week
    admonition = tree.xpath(f"//article//*[{c('admonition')} and {c('tip')}]")[0]
    assert week_label(slot.week) in text_of(admonition.xpath(f".//*[{c('admonition-title')}]")[0])
    assert text_of(admonition.xpath(".//h2")[0]) == slot.tip.title
    assert admonition.xpath(".//h2/a")[0].get("href") == f"tips/{slot.tip.slug}/"
    latest = hrefs(tree, f"//article//*[{c('cards')}]/ul/li/p[1]//a")
    assert latest == [f"tips/{t.slug}/" for t in visible.published[:6]]
    chips = [text_of(a) for a in tree.xpath(f"//article//*[{c('tip-chips')}]//a")]
    assert chips == [f"{info.label} ({len(visible.tips_with_tag(tag))})" for tag, info in library.tags.items()]


def test_no_page_links_to_a_missing_page_or_anchor(real_site):
    checked, broken = check_links(real_site)
    assert checked > 1000
    assert broken == []


def test_the_sidebar_lists_sections_not_tips(real_site, library, visible):
    for url in ("", f"tips/{visible.published[0].slug}/", "tags/", "weekly/"):
        tree = real_site.tree(url)
        nav_links = hrefs(tree, f"//*[{c('md-sidebar--primary')}]//nav//a")
        # The list of all tips (/tips/) is a section; a single tip never is.
        assert nav_links and not any(re.search(r"tips/[^/]+/", href) for href in nav_links)


def test_pages_advertise_the_feeds_in_the_head_and_header(real_site, library, visible):
    tree = real_site.tree(f"tips/{visible.published[0].slug}/")
    alternates = {link.get("type"): link.get("href") for link in tree.xpath("//head/link[@rel='alternate']")}
    assert alternates == {
        "application/rss+xml": "../../feed.xml",
        "application/atom+xml": "../../atom.xml",
        "application/feed+json": "../../feed.json",
    }
    # The header's button leads people to the subscribe page, not to raw XML.
    assert hrefs(tree, "//header//a[contains(@href, 'feed.xml')]") == []
    assert hrefs(tree, "//header//a[contains(@class, 'tip-subscribe-button')]") == ["../../subscribe/"]
    for name in ("feed.xml", "atom.xml", "feed.json", "api/weeks.json", "api/tip-of-the-week.json"):
        assert real_site.exists(name)
    for tag in library.tags:
        assert real_site.exists(f"tags/{tag}/feed.xml")
        assert hrefs(real_site.tree(f"tags/{tag}/"), f"//article//a[{c('tip-feed-button')}]") == ["feed.xml"]


def test_markers_are_replaced_in_hand_written_pages(real_site, library):
    # Every site marker is filled in; the guide's generated blocks (`tips docs`)
    # keep their begin/end comments, and their content is already in the file.
    for path in real_site.html_files():
        comments = re.findall(r"<!--.*?-->", path.read_text("utf-8"), re.S)
        assert not [c for c in comments if "tips:" in c and not re.match(r"<!-- tips:[a-z-]+:(begin|end)\b", c)]
    tree = real_site.tree("contributing/")
    tables = [text_of(t) for t in tree.xpath("//article//table")]
    assert any("title" in t and "summary" in t and "published" in t for t in tables)
    vocabulary = next(t for t in tree.xpath("//article//table") if "What it covers" in text_of(t))
    rows = vocabulary.xpath(".//tbody/tr")
    assert [text_of(r.xpath("./td")[1]) for r in rows] == list(library.tags)


def test_search_indexes_tips_and_leaves_listing_pages_out(real_site, library, visible):
    indexed = fragments(real_site.site)
    tips = {f"tips/{t.slug}/" for t in visible.published}
    # Tips on the site and the hand-written pages; no scheduled tip, no home, tag, weekly or week page.
    hand_written = searched_hand_written_pages()
    assert {"about/", "contributing/"} <= hand_written and "" not in hand_written
    assert set(indexed) == tips | hand_written
    assert not (real_site.site / "search").exists()  # Material's lunr index is gone
    for tip in visible.published:
        fragment = indexed[f"tips/{tip.slug}/"]
        assert fragment["meta"]["title"] == tip.title
        assert fragment["meta"]["summary"] == tip.summary
        assert tags_of(fragment) == [library.tags[t].label for t in tip.tags]
        assert " ".join(tip.summary.split()[:3]) in fragment["content"]
    # Related tips, credits and the pager name other tips: left out of a tip's entry.
    for tip in visible.published:
        others = [t.title for t in visible.published if t.slug != tip.slug and t.title not in tip.body]
        assert [title for title in others if title in indexed[f"tips/{tip.slug}/"]["content"]] == []


def test_nothing_of_the_search_is_loaded_by_a_page_until_used(real_site):
    first_tip = sorted(p.parent.name for p in (real_site.site / "tips").glob("*/index.html"))[0]
    for url in ("", "about/", f"tips/{first_tip}/"):
        source = real_site.page(url)
        assert "pagefind" not in " ".join(re.findall(r"<(?:script|link)\b[^>]*>", source))
        assert "search_index" not in source


def test_no_generated_file_is_written_into_docs_or_tips(real_site):
    generated = re.compile(r"^(tips|tags|weekly)/|^(feed\.xml|atom\.xml|feed\.json)$")
    tracked = {p.relative_to(REPO / "docs").as_posix() for p in (REPO / "docs").rglob("*") if p.is_file()}
    assert not any(generated.match(p) for p in tracked)
    assert not any(p.is_dir() for p in (REPO / "tips").iterdir())


def test_the_build_leaves_no_staging_folder_behind(real_site):
    leftovers = [p.name for p in Path(real_site.site).parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_the_same_tips_and_date_give_byte_identical_sites(tmp_path, small_site):
    again = build_site(SITE_FIXTURES / "small", tmp_path / "site", AS_OF)
    assert again.ok, again.output
    first = {p.relative_to(small_site.site): p.read_bytes() for p in small_site.site.rglob("*") if p.is_file()}
    second = {p.relative_to(again.site): p.read_bytes() for p in again.site.rglob("*") if p.is_file()}
    assert first.keys() == second.keys()
    assert [str(path) for path in first if first[path] != second[path]] == []
    # Images and email files are among the files compared.
    names = {path.as_posix() for path in first}
    assert {"favicon.ico", "apple-touch-icon.png", "cards/home.png", "robots.txt"} <= names
    assert any(name.startswith("cards/weekly/") for name in names)
    assert any(name.endswith("/email.html") for name in names) and any(name.endswith("/email.txt") for name in names)
    # The sitemap is dated by the tips' own dates and as_of, never by the day the build ran.
    assert max(re.findall(r"<lastmod>([^<]+)", (again.site / "sitemap.xml").read_text("utf-8"))) == AS_OF


# Titles whose heading-id slug drops a first letter it cannot transliterate
# and is left with an id of the theme's own ("ø__config" gave "__config").
THEME_IDS = SITE_FIXTURES / "theme-ids"


def test_a_title_never_gives_a_heading_an_id_of_the_themes(shared_site):
    site = shared_site(THEME_IDS, AS_OF)
    pages = [page for page in site.html_files() if page.name != "email.html"]
    assert len(pages) > 10
    for page in pages:
        text = page.read_text("utf-8")
        tree = site.tree(page.relative_to(site.site).as_posix())
        headings = [h.get("id") for h in tree.xpath("//h1|//h2|//h3|//h4|//h5|//h6") if h.get("id")]
        assert not [i for i in headings if i.startswith("__")], (page, headings)
        # Material's settings are read from the one element with id "__config": its own script.
        assert [e.tag for e in tree.xpath('//*[@id="__config"]')] == ["script"], page
        assert text.count('id="__config"') == 1, page
    # Where the titles show as headings: the tip pages, this week's permalink, the home page's box.
    titles = {"ø__config", "ß__search", "æ__drawer", "đ__toc"}
    assert titles <= {text_of(h) for h in site.tree("weekly/").xpath("//article//h2")}
    assert text_of(site.tree("weekly/2026-W48/").xpath("//article//h1")[0]) == "ø__config"
    box = site.tree("").xpath(f"//article//h2[{c('tip-week-title')}]")[0]
    assert text_of(box) == "ø__config" and not box.get("id").startswith("_")
