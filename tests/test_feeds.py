"""Weekly and per-tag feeds, read back the way newsletter tools read them.

The fixture library (tests/fixtures/feeds/library) starts its schedule in
2026-W44, pins a tip to 2026-W53 (the week spanning New Year), has a draft,
a tip published on a Monday in December, and a title with `&`, `<`, quotes
and non-ASCII text.
"""

from __future__ import annotations

import dataclasses
import json
import os
import random
import shutil
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree, html

from servicetips.dates import IsoWeek
from servicetips.feeds import OutputFile, SiteInfo, build_feeds
from servicetips.model import Library, ScheduleSettings
from servicetips.render import render_body
from servicetips.routes import week_url
from servicetips.schedule import Schedule, build_schedule
from servicetips.validate import validate_library

LIBRARY = Path(__file__).parent / "fixtures" / "feeds" / "library"
SITE = SiteInfo(url="https://tips.example.org/", title="Service Tips", description="Short tips & better service")
WEEKLY_FEEDS = ("feed.xml", "atom.xml", "feed.json")
ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
SPECIAL_SLUG = "reply-within-two-hours"
SPECIAL_TITLE = 'Reply in < 2 hours & say "thanks" — the café rule'


@pytest.fixture(scope="module")
def library() -> Library:
    validation = validate_library(LIBRARY)
    errors = [p.as_text() for p in validation.problems if p.severity.value == "error"]
    assert not errors, errors
    return validation.library


def build(library: Library, as_of: date, site: SiteInfo = SITE) -> tuple[Schedule, dict[str, bytes]]:
    schedule = build_schedule(library, as_of)
    files = build_feeds(library, schedule, site)
    assert [f.path for f in files] == sorted(f.path for f in files)
    return schedule, {f.path: f.content for f in files}


def parse(content: bytes):
    parsed = feedparser.parse(content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def rss_items(content: bytes) -> dict[str, bytes]:
    """RSS items by guid, each serialized on its own (for byte comparisons).

    Without its tail: the whitespace after an item depends on whether it is the last one.
    """
    root = etree.fromstring(content)
    return {item.findtext("guid"): etree.tostring(item, with_tail=False) for item in root.iter("item")}


def atom_entries(content: bytes) -> dict[str, bytes]:
    root = etree.fromstring(content)
    return {entry.findtext(f"{ATOM}id"): etree.tostring(entry, with_tail=False) for entry in root.iter(f"{ATOM}entry")}


def json_items(content: bytes) -> dict[str, str]:
    return {item["id"]: json.dumps(item, sort_keys=True) for item in json.loads(content)["items"]}


def expected_weeks(schedule: Schedule, limit: int = 52) -> list[str]:
    return [week_url(slot.week, SITE.url) for slot in schedule.published[:limit]]


# --- the weekly feeds ---------------------------------------------------------


def test_rss_has_one_item_per_published_week_newest_first(library):
    schedule, files = build(library, date(2026, 11, 25))
    feed = parse(files["feed.xml"])
    assert feed.version == "rss20"
    assert [e.id for e in feed.entries] == expected_weeks(schedule)
    assert [e.id for e in feed.entries][0] == "https://tips.example.org/weekly/2026-W48/"
    assert len(feed.entries) == 5  # 2026-W44 to 2026-W48
    for entry, slot in zip(feed.entries, schedule.published, strict=False):
        assert entry.link == entry.id
        assert entry.title == f"Tip of the week {slot.week}: {slot.tip.title}"
        assert parsedate_to_datetime(entry.published) == slot.week.start
        assert entry.summary == slot.tip.summary
        assert entry.author == library.authors[slot.tip.meta.author].name
        assert [t.term for t in entry.tags] == [library.tags[t].label for t in slot.tip.tags]
    root = etree.fromstring(files["feed.xml"])
    guids = root.findall("channel/item/guid")
    assert {g.get("isPermaLink") for g in guids} == {"true"}
    assert all(item.find(CONTENT_ENCODED) is not None for item in root.iter("item"))


def test_rss_channel_says_what_it_is(library):
    _, files = build(library, date(2026, 11, 25))
    feed = parse(files["feed.xml"])
    assert feed.feed.title == "Service Tips: tip of the week"
    assert feed.feed.link == SITE.url
    assert feed.feed.subtitle == SITE.description
    assert feed.feed.language == "en"
    assert {(link.rel, link.href) for link in feed.feed.links} >= {("self", "https://tips.example.org/feed.xml")}
    # lastBuildDate is the newest week's start (Monday 23 Nov), not the build time (a Wednesday).
    channel = etree.fromstring(files["feed.xml"]).find("channel")
    assert channel.findtext("lastBuildDate") == "Mon, 23 Nov 2026 00:00:00 +0000"
    assert "feedgen" not in files["feed.xml"].decode()  # no generator version that changes on upgrades


def test_atom_has_the_same_items(library):
    schedule, files = build(library, date(2026, 11, 25))
    feed = parse(files["atom.xml"])
    assert feed.version == "atom10"
    assert [e.id for e in feed.entries] == expected_weeks(schedule)
    assert feed.feed.updated == "2026-11-23T00:00:00+00:00"
    assert feed.feed.id == "https://tips.example.org/atom.xml"
    assert {(link.rel, link.href) for link in feed.feed.links} == {
        ("self", "https://tips.example.org/atom.xml"),
        ("alternate", SITE.url),
    }
    for entry, slot in zip(feed.entries, schedule.published, strict=False):
        assert entry.link == week_url(slot.week, SITE.url)
        assert datetime.fromisoformat(entry.updated) == slot.week.start
        assert datetime.fromisoformat(entry.published) == slot.week.start
        assert entry.content[0].type == "text/html"
        assert [t.term for t in entry.tags] == list(slot.tip.tags)
        author = library.authors[slot.tip.meta.author]
        assert entry.author_detail.name == author.name
        assert entry.author_detail.get("href") == author.url


def test_json_feed_has_the_spec_fields(library):
    schedule, files = build(library, date(2026, 11, 25))
    feed = json.loads(files["feed.json"])
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["title"] == "Service Tips: tip of the week"
    assert feed["home_page_url"] == SITE.url
    assert feed["feed_url"] == "https://tips.example.org/feed.json"
    assert [item["id"] for item in feed["items"]] == expected_weeks(schedule)
    for item, slot in zip(feed["items"], schedule.published, strict=False):
        assert item["url"] == item["id"]
        assert isinstance(item["content_html"], str) and item["content_html"].startswith("<")
        assert datetime.fromisoformat(item["date_published"]) == slot.week.start
        assert item["date_published"].endswith("T00:00:00Z")
        assert item["tags"] == [library.tags[t].label for t in slot.tip.tags]
        author = library.authors[slot.tip.meta.author]
        assert item["authors"] == [{"name": author.name, **({"url": author.url} if author.url else {})}]
        assert item["summary"] == slot.tip.summary


def test_all_three_feeds_carry_the_same_html(library):
    _, files = build(library, date(2026, 11, 25))
    rss = {i.findtext("guid"): i.findtext(CONTENT_ENCODED) for i in etree.fromstring(files["feed.xml"]).iter("item")}
    atom = {
        e.findtext(f"{ATOM}id"): e.findtext(f"{ATOM}content")
        for e in etree.fromstring(files["atom.xml"]).iter(f"{ATOM}entry")
    }
    jsonfeed = {i["id"]: i["content_html"] for i in json.loads(files["feed.json"])["items"]}
    assert rss == atom == jsonfeed


def test_links_in_the_html_are_absolute(library):
    _, files = build(library, date(2026, 11, 25))
    item = json.loads(files["feed.json"])["items"][-1]  # 2026-W44: the tip with links
    assert item["id"].endswith("/weekly/2026-W44/")
    hrefs = [a.get("href") for a in html.fragment_fromstring(item["content_html"], create_parent="div").iter("a")]
    # A heading's permalink (the same `toc` configuration as the site) stays an in-item fragment.
    assert sorted(hrefs) == sorted(
        [
            "https://tips.example.org/tips/own-the-miss/#say-it-first",
            "https://tips.example.org/tips/listen-first/",
            "#try-this-today",
            "https://example.org/research?a=1&b=2",
        ]
    )


def test_front_matter_text_is_escaped_and_round_trips(library):
    _, files = build(library, date(2026, 11, 25))
    title = f"Tip of the week 2026-W44: {SPECIAL_TITLE}"
    rss, atom = parse(files["feed.xml"]), parse(files["atom.xml"])
    assert rss.entries[-1].title == title
    assert atom.entries[-1].title == title
    assert json.loads(files["feed.json"])["items"][-1]["title"] == title
    tag_feed = parse(files["tags/reputation/feed.xml"])
    assert SPECIAL_TITLE in [e.title for e in tag_feed.entries]
    # The raw XML holds the escaped forms, and the non-ASCII text as UTF-8.
    raw = files["feed.xml"]
    assert 'Reply in &lt; 2 hours &amp; say "thanks" — the café rule'.encode() in raw
    assert SPECIAL_TITLE.encode() not in raw
    assert b"Recovery &amp; repair" in files["tags/recovery/feed.xml"]  # a tag label with '&'
    assert b"Short tips &amp; better service" in raw


def test_drafts_never_appear(library):
    _, files = build(library, date(2027, 3, 1))
    for path, content in files.items():
        assert b"thank-the-messenger" not in content, path
        assert b"Thank the messenger" not in content, path


def test_feeds_carry_at_most_feed_weeks_items(library):
    small = dataclasses.replace(library, settings=ScheduleSettings(first_week="2026-W44", feed_weeks=3))
    schedule, files = build(small, date(2026, 12, 30))
    assert len(schedule.published) == 10  # 2026-W44 to 2026-W53
    assert [e.id for e in parse(files["feed.xml"]).entries] == expected_weeks(schedule, 3)
    assert [e.id for e in parse(files["atom.xml"]).entries] == expected_weeks(schedule, 3)
    assert len(json.loads(files["feed.json"])["items"]) == 3
    assert len(json.loads(files["api/weeks.json"])["weeks"]) == 10  # the API lists every week


# --- stable for newsletter tools ------------------------------------------------


def test_same_inputs_give_identical_bytes(library):
    first = build_feeds(library, build_schedule(library, date(2026, 11, 25)), SITE)
    second = build_feeds(library, build_schedule(library, date(2026, 11, 25)), SITE)
    assert first == second
    # A fresh load of the same files, with the tips in another order, changes nothing either.
    reloaded = validate_library(LIBRARY).library
    shuffled = list(reloaded.tips)
    random.Random(4).shuffle(shuffled)
    reloaded = dataclasses.replace(reloaded, tips=tuple(shuffled))
    assert build_feeds(reloaded, build_schedule(reloaded, date(2026, 11, 25)), SITE) == first
    assert all(isinstance(f, OutputFile) and isinstance(f.content, bytes) for f in first)


def test_rebuild_later_in_the_same_week_changes_nothing(library):
    _, monday = build(library, date(2026, 11, 23))
    _, sunday = build(library, date(2026, 11, 29))
    for path in (*WEEKLY_FEEDS, "api/weeks.json", "api/tip-of-the-week.json"):
        assert monday[path] == sunday[path], path


@pytest.mark.parametrize(
    "serialize",
    [(rss_items, "feed.xml"), (atom_entries, "atom.xml"), (json_items, "feed.json")],
    ids=["rss", "atom", "json"],
)
def test_a_newsletter_tool_sees_exactly_one_new_item_each_monday(library, serialize):
    items_of, path = serialize
    monday = date(2026, 11, 2)
    _, files = build(library, monday)
    seen = items_of(files[path])
    while monday < date(2027, 2, 1):
        monday += timedelta(days=7)
        _, files = build(library, monday)
        now = items_of(files[path])
        new = set(now) - set(seen)
        assert new == {week_url(IsoWeek.of(monday), SITE.url)}, monday
        for guid, serialized in seen.items():
            assert now[guid] == serialized, f"{guid} changed on {monday}"
        assert list(now)[0] in new  # the new week comes first
        seen = now


def test_the_window_slides_when_feed_weeks_is_reached(library):
    small = dataclasses.replace(library, settings=ScheduleSettings(first_week="2026-W44", feed_weeks=3))
    _, before = build(small, date(2026, 12, 7))
    _, after = build(small, date(2026, 12, 14))
    old, new = rss_items(before["feed.xml"]), rss_items(after["feed.xml"])
    assert list(new) == [week_url(IsoWeek(2026, w), SITE.url) for w in (51, 50, 49)]
    assert set(old) - set(new) == {week_url(IsoWeek(2026, 48), SITE.url)}
    assert all(new[guid] == old[guid] for guid in set(old) & set(new))


# --- edge weeks -------------------------------------------------------------------


def test_sunday_shows_the_week_that_is_ending_and_monday_the_next(library):
    _, sunday = build(library, date(2026, 11, 29))
    _, monday = build(library, date(2026, 11, 30))
    for path in WEEKLY_FEEDS[:2]:
        assert parse(sunday[path]).entries[0].id == "https://tips.example.org/weekly/2026-W48/"
        assert parse(monday[path]).entries[0].id == "https://tips.example.org/weekly/2026-W49/"
    assert json.loads(sunday["feed.json"])["items"][0]["date_published"] == "2026-11-23T00:00:00Z"
    assert json.loads(monday["feed.json"])["items"][0]["date_published"] == "2026-11-30T00:00:00Z"


def test_the_week_spanning_new_year(library):
    schedule, files = build(library, date(2027, 1, 1))  # a Friday in 2026-W53
    assert schedule.current == IsoWeek(2026, 53)
    rss, jsonfeed = parse(files["feed.xml"]), json.loads(files["feed.json"])
    newest = rss.entries[0]
    assert newest.id == "https://tips.example.org/weekly/2026-W53/"
    assert newest.title == "Tip of the week 2026-W53: Name the next step"  # the pinned tip
    assert parsedate_to_datetime(newest.published) == datetime(2026, 12, 28, tzinfo=UTC)
    assert jsonfeed["items"][0]["date_published"] == "2026-12-28T00:00:00Z"
    assert etree.fromstring(files["feed.xml"]).findtext("channel/lastBuildDate") == "Mon, 28 Dec 2026 00:00:00 +0000"
    # The next Monday is 2027-W01; W53 stays, unchanged, right behind it.
    _, january = build(library, date(2027, 1, 4))
    ids = [e.id for e in parse(january["feed.xml"]).entries]
    assert ids[:3] == [
        week_url(IsoWeek(2027, 1), SITE.url),
        week_url(IsoWeek(2026, 53), SITE.url),
        week_url(IsoWeek(2026, 52), SITE.url),
    ]
    assert rss_items(january["feed.xml"])[ids[1]] == rss_items(files["feed.xml"])[ids[1]]


def test_before_the_first_week_the_feeds_are_empty_but_valid(library):
    schedule, files = build(library, date(2026, 10, 20))
    assert schedule.published == ()
    assert parse(files["feed.xml"]).entries == []
    assert parse(files["atom.xml"]).entries == []
    assert json.loads(files["feed.json"])["items"] == []
    assert "api/tip-of-the-week.json" not in files
    assert json.loads(files["api/weeks.json"])["weeks"] == []
    # An empty feed is dated at the start of the build's week, never the build time.
    assert parse(files["atom.xml"]).feed.updated == "2026-10-19T00:00:00+00:00"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(as_of=st.dates(min_value=date(2026, 10, 1), max_value=date(2027, 6, 30)))
def test_never_a_future_week_in_any_output(library, as_of):
    _schedule, files = build(library, as_of)
    current = IsoWeek.of(as_of)
    end_of_day = datetime.combine(as_of, datetime.max.time(), tzinfo=UTC)
    for path in ("feed.xml", "atom.xml"):
        feed = parse(files[path])
        for entry in feed.entries:
            week = IsoWeek.parse(entry.id.rstrip("/").rsplit("/", 1)[1])
            assert week <= current
            assert datetime(*entry.published_parsed[:6], tzinfo=UTC) <= current.start
    for item in json.loads(files["feed.json"])["items"]:
        assert datetime.fromisoformat(item["date_published"]) <= current.start
    for week in json.loads(files["api/weeks.json"])["weeks"]:
        assert IsoWeek.parse(week["week"]) <= current
    if "api/tip-of-the-week.json" in files:
        assert json.loads(files["api/tip-of-the-week.json"])["week"] == str(current)
    for path, content in files.items():
        if path.startswith("tags/"):
            for entry in parse(content).entries:
                assert datetime(*entry.published_parsed[:6], tzinfo=UTC) <= end_of_day


# --- per-tag feeds ------------------------------------------------------------------


def test_one_rss_feed_per_tag(library):
    _, files = build(library, date(2026, 11, 25))
    assert sorted(p for p in files if p.startswith("tags/")) == [f"tags/{t}/feed.xml" for t in sorted(library.tags)]


@pytest.mark.parametrize("as_of", [date(2026, 11, 25), date(2026, 12, 14), date(2027, 1, 4)])
def test_a_tag_feed_lists_the_tags_tips_newest_first(library, as_of):
    _, files = build(library, as_of)
    for tag, info in library.tags.items():
        feed = parse(files[f"tags/{tag}/feed.xml"])
        # Worked out here from the tips themselves, not by the visibility rule under test.
        expected = sorted(
            (t for t in library.tips if tag in t.tags and not t.meta.draft and t.published <= as_of),
            key=lambda t: (-t.published.toordinal(), t.slug),
        )
        assert [e.id for e in feed.entries] == [f"https://tips.example.org/tips/{t.slug}/" for t in expected]
        assert [e.title for e in feed.entries] == [t.title for t in expected]
        dates = [parsedate_to_datetime(e.published).date() for e in feed.entries]
        assert dates == [t.published for t in expected] == sorted(dates, reverse=True)
        assert feed.feed.title == f"Service Tips: {info.label}"
        assert feed.feed.link == f"https://tips.example.org/tags/{tag}/"
        assert feed.feed.subtitle == info.description


def test_a_tip_appears_in_tag_feeds_from_its_published_date(library):
    # late-arrival is published on Monday 2026-12-14.
    _, sunday = build(library, date(2026, 12, 13))
    _, monday = build(library, date(2026, 12, 14))
    url = "https://tips.example.org/tips/late-arrival/"
    assert url not in [e.id for e in parse(sunday["tags/empathy/feed.xml"]).entries]
    assert [e.id for e in parse(monday["tags/empathy/feed.xml"]).entries][0] == url


# --- the site URL -----------------------------------------------------------------


@pytest.mark.parametrize(
    "url", [None, "", "tips.example.org", "/tips/", "ftp://example.org/", "https:///nohost", "https://example.org/?q=1"]
)
def test_site_info_needs_an_absolute_http_url(url):
    with pytest.raises(ValueError, match="site_url is required"):
        SiteInfo(url=url, title="T", description="D")  # type: ignore[arg-type]


def test_site_info_needs_a_title_and_fills_in_a_description(library):
    with pytest.raises(ValueError, match="site title is required"):
        SiteInfo(url=SITE.url, title=" ", description="D")
    site = SiteInfo(url=SITE.url, title="Service Tips", description="")
    assert site.description == "Service Tips: a new tip every week."
    _, files = build(library, date(2026, 11, 25), site)
    assert parse(files["feed.xml"]).feed.subtitle == site.description


def test_site_info_adds_the_trailing_slash_and_keeps_a_sub_path(library):
    site = SiteInfo(url="https://example.org/service-tips", title="T", description="D")
    assert site.url == "https://example.org/service-tips/"
    assert site.language == "en"
    _, files = build(library, date(2026, 11, 25), site)
    item = json.loads(files["feed.json"])["items"][-1]
    assert item["id"] == "https://example.org/service-tips/weekly/2026-W44/"
    assert "https://example.org/service-tips/tips/own-the-miss/#say-it-first" in item["content_html"]


# --- rendering a body for readers outside the site ---------------------------------


def test_render_rewrites_every_kind_of_tip_link():
    body = "[a](other.md) [b](../other.md#x) [c](/tips/other/) [d](../other/) [e](#top) [f](mailto:a@b.org)"
    hrefs = [a.get("href") for a in html.fragment_fromstring(render_body(body, "me", SITE.url), "div").iter("a")]
    assert hrefs == [
        "https://tips.example.org/tips/other/",
        "https://tips.example.org/tips/other/#x",
        "https://tips.example.org/tips/other/",
        "https://tips.example.org/tips/other/",
        "#top",
        "mailto:a@b.org",
    ]
    relative = [a.get("href") for a in html.fragment_fromstring(render_body(body, "me", None), "div").iter("a")]
    assert relative[:4] == ["/tips/other/", "/tips/other/#x", "/tips/other/", "/tips/other/"]


def test_render_resolves_other_relative_links_like_the_site():
    rendered = render_body("![A card](card.png) [About](/about/)", "me", SITE.url)
    assert 'src="https://tips.example.org/tips/card.png"' in rendered
    assert 'href="https://tips.example.org/about/"' in rendered


def test_render_holds_the_body_to_the_allow_list():
    rendered = render_body(
        '<b onclick="x()">hi</b>\n\n<div>block</div>\n\n[go](javascript:alert(1)) '
        '[go](JAVA{}&#9;script:alert(2)) text {{: onclick="y()" }}'.format("\t"),
        "me",
        SITE.url,
    )
    fragment = html.fragment_fromstring(rendered, create_parent="div")
    # <b> is not on the allow-list (its text stays), <div> is; script links lose their href.
    assert [el.tag for el in fragment.iter()] == ["div", "p", "div", "p", "a", "a"]
    # A tab expanded to spaces inside the scheme is no scheme: a harmless link on the site.
    hrefs = [a.get("href") for a in fragment.iter("a")]
    assert hrefs[0] is None and hrefs[1].startswith("https://tips.example.org/tips/JAVA")
    assert "onclick" not in "".join(str(v) for el in fragment.iter() for v in el.attrib.values())
    assert fragment.text_content().startswith("hi")


def test_render_supports_the_markdown_editors_use():
    rendered = render_body(
        "## Try this\n\n1. one\n2. two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "```\ncode <here>\n```\n\nA note[^1].\n\n[^1]: The footnote.",
        "me",
        SITE.url,
    )
    fragment = html.fragment_fromstring(rendered, create_parent="div")
    assert {"h2", "ol", "table", "pre", "sup"} <= {el.tag for el in fragment.iter()}
    assert "code &lt;here&gt;" in rendered


# --- stored expected output -----------------------------------------------------------

EXPECTED = Path(__file__).parent / "fixtures" / "feeds" / "expected"


def test_output_matches_the_stored_files(library):
    """Any change to what integrators receive shows up here as a diff to review.

    After an intended change, regenerate with `UPDATE_EXPECTED=1 .venv/bin/pytest tests/test_feeds.py`
    and commit the new files with the change.
    """
    _, files = build(library, date(2026, 12, 30))  # 2026-W53, the week spanning New Year
    if os.environ.get("UPDATE_EXPECTED") == "1":
        shutil.rmtree(EXPECTED, ignore_errors=True)
        for path, content in files.items():
            (EXPECTED / path).parent.mkdir(parents=True, exist_ok=True)
            (EXPECTED / path).write_bytes(content)
    stored = {p.relative_to(EXPECTED).as_posix(): p.read_bytes() for p in sorted(EXPECTED.rglob("*")) if p.is_file()}
    assert sorted(stored) == sorted(files)
    for path, content in files.items():
        assert content.decode("utf-8") == stored[path].decode("utf-8"), path
