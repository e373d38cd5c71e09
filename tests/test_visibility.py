"""A tip is published on its `published` date, not before, everywhere.

The library is tests/fixtures/hostile/accepted, which holds tips dated after
the build (`scheduled-*`: one the day after, one pinned to a week to come,
one that would be the newest, most related tip) and a published tip whose
body links to them in every accepted form. Built for real on AS_OF, the
scheduled tips are nowhere: no page, no tag listing or count, no home card,
no related card or pager link, no search entry, no sitemap entry, no feed
item, no API entry, and the links to them read as text. Built on a later
date, the same tips are everywhere.

Expected values are worked out here from the tips' front matter, never by
`servicetips.visibility`, the rule under test.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest
from click.testing import CliRunner

from servicetips.check import check_library
from servicetips.cli import main
from servicetips.dates import IsoWeek
from servicetips.feeds import SiteInfo, build_feeds, week_payload
from servicetips.pages import SitePages
from servicetips.schedule import WeekSlot
from servicetips.visibility import Status, partition
from support import ACCEPTED, AS_OF, SITE_URL, check_links, text_of
from support import has_class as c
from support.pagefind import fragments

LATER = "2026-12-07"  # every scheduled tip's date has passed; 2026-W49 (the pin) has started
# slug -> a word only that tip's body uses
SCHEDULED = {
    "scheduled-for-the-next-day": "marzipanrelay",
    "scheduled-and-pinned": "quokkaledger",
    "scheduled-next-month": "zanzibarquill",
}
LINKER = "links-to-scheduled-tips"
LINK_LABELS = ["the coming tip", "its reasons", "the site path form", "the pinned one", "the next day's tip"]
SITE = SiteInfo(url="https://tips.example.org/", title="Service Tips", description="Tips.")


def readable_files(site: Path) -> dict[str, str]:
    """Every text file of a built site by path, the sitemap and search index unpacked: what any client can fetch."""
    files = {}
    for path in sorted(site.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(site).as_posix()
        if path.suffix == ".gz":
            files[relative] = gzip.decompress(path.read_bytes()).decode("utf-8")
        elif path.suffix.startswith(".pf_"):
            # Pagefind's index: gzip, a signature, then JSON (fragments) or
            # CBOR (word index, metadata), whose strings are UTF-8.
            raw = gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd")
            files[relative] = raw.decode("utf-8", errors="replace")
        elif path.suffix in (".html", ".xml", ".json", ".txt", ".js"):
            files[relative] = path.read_text("utf-8")
    return files


def expected_published(library, as_of: str) -> list:
    """The tips readers should see on `as_of`, newest first: worked out from the front matter."""
    day = date.fromisoformat(as_of)
    shown = [t for t in library.tips if not t.meta.draft and t.published <= day]
    return sorted(shown, key=lambda t: (-t.published.toordinal(), t.slug))


@pytest.fixture(scope="module")
def library():
    report = check_library(ACCEPTED, date.fromisoformat(AS_OF))
    assert report.ok, [p.as_text() for p in report.problems]
    return report.library


@pytest.fixture(scope="module")
def early(accepted_site):
    """The accepted library built on AS_OF, before any scheduled tip's date."""
    return accepted_site


@pytest.fixture(scope="module")
def later(shared_site):
    """The same library built on LATER, when every scheduled tip is published."""
    return shared_site(ACCEPTED, LATER)


# --- the rule ---------------------------------------------------------------------


def test_the_fixture_really_has_tips_on_both_sides_of_the_date(library):
    day = date.fromisoformat(AS_OF)
    for slug in SCHEDULED:
        assert library.by_slug[slug].published > day
    assert library.by_slug[LINKER].published <= day


def test_each_tip_gets_one_status_on_a_date(library):
    visible = partition(library, date.fromisoformat(AS_OF))
    assert [t.slug for t in visible.scheduled] == [
        "scheduled-for-the-next-day",
        "scheduled-and-pinned",
        "scheduled-next-month",
    ]  # soonest first
    assert [t.slug for t in visible.published] == [t.slug for t in expected_published(library, AS_OF)]
    assert visible.status("scheduled-and-pinned") is Status.SCHEDULED
    assert visible.status(LINKER) is Status.PUBLISHED
    assert visible.status("no-such-tip") is None
    assert not visible.has_page("scheduled-next-month") and visible.has_page(LINKER)
    for tag in library.tags:
        assert [t.slug for t in visible.tips_with_tag(tag)] == [
            t.slug for t in expected_published(library, AS_OF) if tag in t.tags
        ]


def test_a_tip_is_published_on_its_date_not_the_day_after(library):
    # On the day itself the tip is out; the day before it is not.
    assert partition(library, date(2026, 11, 23)).status("scheduled-for-the-next-day") is Status.SCHEDULED
    assert partition(library, date(2026, 11, 24)).status("scheduled-for-the-next-day") is Status.PUBLISHED


def test_a_draft_stays_a_draft_whatever_the_date(tmp_path):
    tips = tmp_path / "tips"
    shutil.copytree(ACCEPTED, tips)
    text = (tips / "scheduled-next-month.md").read_text("utf-8")
    (tips / "scheduled-next-month.md").write_text(text.replace("published:", "draft: true\npublished:"), "utf-8")
    report = check_library(tips, date(2030, 1, 1))
    # A draft has a page on no date, so a link to it is refused where it is written.
    assert {(p.path.split("/")[-1], p.code) for p in report.problems if p.severity.value == "error"} == {
        (f"{LINKER}.md", "BODY006")
    }
    assert report.visible.status("scheduled-next-month") is Status.DRAFT
    assert "scheduled-next-month" not in {t.slug for t in report.visible.published + report.visible.scheduled}


# --- the site before the date -------------------------------------------------------


def test_before_its_date_a_tip_is_in_no_file_of_the_site(early):
    files = readable_files(early.site)
    assert "sitemap.xml" in files and "pagefind/pagefind-entry.json" in files and "api/weeks.json" in files
    assert any(path.startswith("pagefind/fragment/") for path in files)
    for slug, word in SCHEDULED.items():
        assert not (early.site / "tips" / slug).exists()
        for path, text in files.items():
            assert slug not in text, f"{slug} in {path}"
            assert word not in text, f"{word} in {path}"


def test_before_its_date_a_tip_is_not_counted_or_listed_on_its_tags(early, library):
    shown = expected_published(library, AS_OF)
    index = early.tree("tags/")
    for card, (tag, _info) in zip(index.xpath(f"//article//*[{c('cards')}]/ul/li"), library.tags.items(), strict=False):
        count = len([t for t in shown if tag in t.tags])
        assert f"{count} tip" in text_of(card), (tag, text_of(card))
        page = early.tree(f"tags/{tag}/")
        listed = [a.get("href") for a in page.xpath(f"//article//*[{c('tip-list')}]//li/p[1]//a")]
        assert listed == [f"../../tips/{t.slug}/" for t in shown if tag in t.tags]
    home = early.tree("")
    chips = [text_of(a) for a in home.xpath(f"//article//*[{c('tip-chips')}]//a")]
    assert chips == [f"{info.label} ({len([t for t in shown if tag in t.tags])})" for tag, info in library.tags.items()]


def test_before_its_date_a_tip_is_not_on_the_home_page_or_in_any_pager(early, library):
    shown = expected_published(library, AS_OF)
    home = early.tree("")
    latest = [a.get("href") for a in home.xpath(f"//article//*[{c('cards')}]/ul/li/p[1]//a")]
    assert latest == [f"tips/{t.slug}/" for t in shown[:6]]
    newest = early.tree(f"tips/{shown[0].slug}/")
    assert newest.xpath(f"//nav[{c('tip-pager')}]//a[{c('tip-pager__newer')}]") == []


def test_links_to_a_scheduled_tip_read_as_text_and_other_links_stay(early):
    article = early.tree(f"tips/{LINKER}/").xpath("//article")[0]
    text = text_of(article)
    for label in LINK_LABELS:
        assert label in text
    labels = {text_of(a) for a in article.iter("a")}
    assert not labels & set(LINK_LABELS)
    assert article.xpath(".//p/em[text()='coming']"), "the label keeps its own markup"
    assert "../plain-tip-with-links/" in [a.get("href") for a in article.iter("a")]
    assert "tips-not-yet-published" not in early.page(f"tips/{LINKER}/")
    checked, broken = check_links(early)
    assert checked and broken == []


def test_links_to_a_scheduled_tip_read_as_text_in_the_feeds(early):
    feed = feedparser.parse((early.site / "tags" / "empathy" / "feed.xml").read_bytes())
    entry = next(e for e in feed.entries if e.link.endswith(f"/tips/{LINKER}/"))
    html = entry.content[0].value
    assert "the <em>coming</em> tip" in html and "its reasons" in html
    assert not re.search(r"<a [^>]*>(?:the <em>coming</em> tip|its reasons|the pinned one)</a>", html)
    assert f'href="{SITE_URL}tips/plain-tip-with-links/"' in html


def test_the_api_body_of_the_week_turns_links_to_scheduled_tips_into_text(library):
    visible = partition(library, date.fromisoformat(AS_OF))
    slot = WeekSlot(week=IsoWeek.parse("2026-W48"), tip=library.by_slug[LINKER])
    early_html = week_payload(slot, SITE.url, visible.has_page)["html"]
    assert "the <em>coming</em> tip" in early_html and "scheduled-next-month" not in early_html
    later_html = week_payload(slot, SITE.url, partition(library, date.fromisoformat(LATER)).has_page)["html"]
    assert '<a href="https://tips.example.org/tips/scheduled-next-month/">the <em>coming</em> tip</a>' in later_html
    assert 'href="https://tips.example.org/tips/scheduled-next-month/#why-it-works"' in later_html


# --- the site on and after the date -------------------------------------------------


def test_on_its_date_a_tip_is_everywhere(later, library):
    files = readable_files(later.site)
    shown = expected_published(library, LATER)
    assert set(SCHEDULED) <= {t.slug for t in shown}
    search = fragments(later.site)
    sitemap = ElementTree.fromstring(files["sitemap.xml"])
    urls = {loc.text for loc in sitemap.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")}
    for slug, word in SCHEDULED.items():
        tip = library.by_slug[slug]
        assert later.exists(f"tips/{slug}/")
        assert word in search[f"tips/{slug}/"]["content"]
        assert f"{SITE_URL}tips/{slug}/" in urls
        for tag in tip.tags:
            listed = later.tree(f"tags/{tag}/").xpath(f"//article//*[{c('tip-list')}]//li/p[1]//a/@href")
            assert f"../../tips/{slug}/" in listed
            feed = feedparser.parse(files[f"tags/{tag}/feed.xml"].encode())
            assert f"https://servicetips.example.org/tips/{slug}/" in [e.id for e in feed.entries]
    home = later.tree("")
    latest = [a.get("href") for a in home.xpath(f"//article//*[{c('cards')}]/ul/li/p[1]//a")]
    assert latest[0] == "tips/scheduled-next-month/"
    related = later.tree("tips/plain-tip-with-links/").xpath(f"//*[{c('tip-related')}]//li/p[1]//a/@href")
    assert related[0] == "../scheduled-next-month/"  # shares both tags: first related tip once it is out


def test_on_its_date_the_links_to_it_are_links(later):
    article = later.tree(f"tips/{LINKER}/").xpath("//article")[0]
    hrefs = {text_of(a): a.get("href") for a in article.iter("a")}
    assert hrefs["the coming tip"] == "../scheduled-next-month/"
    assert hrefs["its reasons"] == "../scheduled-next-month/#why-it-works"
    assert hrefs["the pinned one"] == "../scheduled-and-pinned/"
    checked, broken = check_links(later)
    assert checked and broken == []


def test_a_pinned_scheduled_tip_takes_its_week_once_the_week_starts(early, later):
    assert not early.exists("weekly/2026-W49/")
    assert later.exists("weekly/2026-W49/")
    weeks = json.loads((later.site / "api" / "weeks.json").read_text("utf-8"))["weeks"]
    assert {"week": "2026-W49", "slug": "scheduled-and-pinned"}.items() <= next(
        w for w in weeks if w["week"] == "2026-W49"
    ).items()
    feed = feedparser.parse((later.site / "feed.xml").read_bytes())
    assert "https://servicetips.example.org/weekly/2026-W49/" in [e.id for e in feed.entries]


# --- the core and the preview ---------------------------------------------------------


def test_feeds_and_api_built_by_the_core_leave_scheduled_tips_out(library):
    report = check_library(ACCEPTED, date.fromisoformat(AS_OF))
    for file in build_feeds(report.library, report.schedule, SITE, report.visible):
        text = file.content.decode("utf-8")
        for slug, word in SCHEDULED.items():
            assert slug not in text and word not in text, (slug, file.path)


def test_the_preview_shows_a_scheduled_tip_on_its_own_page_marked_and_nowhere_else(library):
    report = check_library(ACCEPTED, date.fromisoformat(AS_OF))
    built = {p.src_uri: p for p in SitePages(report.library, report.schedule, (), report.visible).pages()}
    preview = {
        p.src_uri: p for p in SitePages(report.library, report.schedule, (), report.visible.for_preview()).pages()
    }
    assert set(preview) - set(built) == {f"tips/{slug}.md" for slug in SCHEDULED}
    for slug in SCHEDULED:
        page = preview[f"tips/{slug}.md"]
        assert '<div class="admonition warning tip-scheduled">' in page.html
        assert "Scheduled: on the site from" in page.html
        assert page.meta["search"] == {"exclude": True}
        assert "tip-pager" not in page.footer_html  # in no order of published tips yet
    for uri, page in built.items():
        if uri.startswith("tags/") or uri == "weekly/index.md":
            assert preview[uri].source == page.source, uri  # listings are those of the real site
    # In the preview the scheduled pages exist, so the links to them work there.
    assert 'href="../scheduled-next-month/"' in preview[f"tips/{LINKER}.md"].html
    assert "scheduled-next-month" not in built[f"tips/{LINKER}.md"].html


def test_tips_schedule_lists_the_scheduled_tips_with_their_dates():
    result = CliRunner().invoke(
        main, ["schedule", "--root", str(ACCEPTED), "--as-of", AS_OF, "--weeks", "2"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    tail = result.stdout.split("Scheduled tips", 1)[1].splitlines()
    rows = [line.split() for line in tail[1:] if line.strip()]
    assert rows == [
        ["2026-11-24", "scheduled-for-the-next-day"],
        ["2026-11-25", "scheduled-and-pinned", "[pinned", "2026-W49]"],
        ["2026-12-01", "scheduled-next-month"],
    ]
    later = CliRunner().invoke(main, ["schedule", "--root", str(ACCEPTED), "--as-of", LATER, "--weeks", "0"])
    assert "Scheduled tips: none" in later.stdout


@pytest.mark.slow
def test_mkdocs_serve_shows_a_scheduled_tip_with_its_banner(tmp_path):
    from test_site_serve import preview, wait_for  # noqa: PLC0415 - the preview tests' helpers

    with preview(ACCEPTED, tmp_path) as (base, server, _log):
        page = wait_for(base + "tips/scheduled-next-month/", "Scheduled: on the site from 1 Dec 2026", server)
        assert "zanzibarquill" in page
        tags = wait_for(base + "tags/recovery/", "Recovery", server)
        assert "scheduled-next-month" not in tags
