"""What the core build gives to the outside (servicetips.share): cards, icons, robots.txt, the week's email
files and each page's head, as plain data; and the feeds' images, channel image, TTL and WebSub hub."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date

import feedparser
import pytest
import yaml
from lxml import html as lxml_html
from PIL import Image

from servicetips import routes
from servicetips.build import build_inputs, build_site
from servicetips.feeds import SiteInfo, validate_hub
from servicetips.share import this_week_email
from support import AS_OF, REPO
from test_ledger import make_case

SITE = SiteInfo(
    url="https://servicetips.example.org/", title="Service Tips", description="Short, practical customer-service tips."
)
HUB = "https://hub.example.org/"


@pytest.fixture(scope="module")
def output():
    built = build_site(REPO / "tips", date.fromisoformat(AS_OF), SITE, hub=HUB)
    assert built.ok
    return built


@pytest.fixture(scope="module")
def files(output) -> dict[str, bytes]:
    return {file.path: file.content for file in output.all_files()}


def png_size(data: bytes) -> tuple[int, int]:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG"
    return image.size


def test_every_tip_week_tag_and_the_home_page_has_a_1200x630_card(output, files):
    report = output.report
    wanted = [routes.tip_card(t.slug) for t in output.visible.published]
    wanted += [routes.week_card(s.week) for s in report.schedule.published]
    wanted += [routes.tag_card(tag) for tag in report.library.tags] + [routes.HOME_CARD]
    for path in wanted:
        assert png_size(files[path]) == (1200, 630), path
    # No card for a tip that is not published yet.
    for tip in output.visible.scheduled:
        assert routes.tip_card(tip.slug) not in files


def test_icons_and_robots_txt(files):
    assert png_size(files[routes.FAVICON_PNG]) == (32, 32)
    assert png_size(files[routes.FAVICON_48]) == (48, 48)
    assert png_size(files[routes.TOUCH_ICON]) == (180, 180)
    assert Image.open(io.BytesIO(files[routes.FAVICON_ICO])).format == "ICO"
    assert files[routes.ROBOTS].decode() == f"User-agent: *\nAllow: /\n\nSitemap: {SITE.url}sitemap.xml\n"


def test_the_same_inputs_give_the_same_bytes(files):
    again = build_site(REPO / "tips", date.fromisoformat(AS_OF), SITE, hub=HUB)
    assert {file.path: file.content for file in again.all_files()} == files


def test_a_tip_page_head_is_an_article_with_its_card(output):
    tip = output.visible.published[0]
    head = output.head(routes.tip_source(tip.slug))
    tree = lxml_html.fromstring(f"<html><head>{head.social}</head></html>")
    meta = {m.get("property") or m.get("name"): m.get("content") for m in tree.iter("meta")}
    assert meta["og:type"] == "article"
    assert meta["og:image"] == routes.url(routes.tip_card(tip.slug), SITE.url)
    assert meta["og:url"] == routes.tip_url(tip.slug, SITE.url)
    assert meta["article:published_time"] == tip.published.isoformat()
    assert meta["twitter:card"] == "summary_large_image"
    data = json.loads(tree.xpath("//script[@type='application/ld+json']")[0].text)
    assert data["@type"] == "Article" and data["headline"] == tip.title
    assert head.lastmod == tip.published.isoformat()


def test_a_week_page_names_its_tip_page_as_canonical(output):
    slot = output.report.schedule.this_week
    head = output.head(routes.week_source(slot.week))
    assert head.canonical == routes.tip_url(slot.tip.slug, SITE.url)
    # A tag page advertises its own feed; a hand-written page gets the home card and its own address.
    tag = next(iter(output.report.library.tags))
    assert output.head(routes.tag_source(tag)).feed.path == routes.tag_feed(tag)
    about = output.head("about.md", "About <Service> Tips", "What & why")
    assert f'content="{SITE.url}about/"' in about.social and "About &lt;Service&gt; Tips" in about.social
    assert routes.url(routes.HOME_CARD, SITE.url) in about.social


def test_feeds_carry_a_card_on_every_item_a_channel_image_a_ttl_and_the_hub(files):
    feeds = [routes.FEED_RSS, routes.FEED_ATOM] + [p for p in files if p.startswith("tags/") and p.endswith(".xml")]
    assert len(feeds) > 3
    for path in feeds:
        parsed = feedparser.parse(files[path])
        assert not parsed.bozo, (path, parsed.bozo_exception)
        assert parsed.entries, path
        assert any(link.get("rel") == "hub" and link.get("href") == HUB for link in parsed.feed.links), path
        for entry in parsed.entries:
            images = [e for e in entry.enclosures if e.type == "image/png"]
            assert len(images) == 1, (path, entry.id)
            card = images[0].href[len(SITE.url) :]
            assert int(images[0].length) == len(files[card])
            assert png_size(files[card]) == (1200, 630)
            if path != routes.FEED_ATOM:
                assert entry.media_content[0]["url"] == images[0].href
        if path != routes.FEED_ATOM:
            assert parsed.feed.image.href == routes.url(routes.FAVICON_48, SITE.url)
            assert parsed.feed.ttl == "60"
    data = json.loads(files[routes.FEED_JSON])
    assert data["hubs"] == [{"type": "WebSub", "url": HUB}]
    for item in data["items"]:
        week = item["id"].rstrip("/").rsplit("/", 1)[1]
        assert item["image"] == routes.url(routes.week_card(week), SITE.url)
        assert item["_service_tips"]["email_html"] == routes.url(routes.week_email_html(week), SITE.url)
        assert item["_service_tips"]["email_text"] == routes.url(routes.week_email_text(week), SITE.url)


def test_without_a_hub_no_feed_names_one(tmp_path):
    built = build_site(REPO / "tips", date.fromisoformat(AS_OF), SITE)
    for file in built.files:
        if file.path.endswith((".xml", ".json")):
            assert b'rel="hub"' not in file.content and b'"hubs"' not in file.content, file.path


@pytest.mark.parametrize(
    "hub",
    [
        "http://hub.example.org/",
        "/hub",
        "javascript:alert(1)",
        'https://hub.example.org/"><script>',
        "https://hub.example.org/\nx",
        42,
    ],
)
def test_a_hub_must_be_one_absolute_https_url(hub, tmp_path):
    with pytest.raises(ValueError, match="websub_hub must be an absolute https URL"):
        validate_hub(hub)
    with pytest.raises(ValueError, match="websub_hub"):
        build_inputs(REPO, SITE.url, "Service Tips", None, "en", hub)


def test_the_api_links_the_current_weeks_card_and_email_files(files):
    payload = json.loads(files[routes.API_TIP_OF_THE_WEEK])
    week = payload["week"]
    assert payload["image"] == routes.url(routes.week_card(week), SITE.url)
    assert payload["email_html"] == routes.url(routes.week_email_html(week), SITE.url)
    assert payload["email_text"] == routes.url(routes.week_email_text(week), SITE.url)
    for key in ("image", "email_html", "email_text"):
        assert payload[key][len(SITE.url) :] in files


def test_every_published_week_has_both_email_files_from_the_sanitised_body(output, files):
    for slot in output.report.schedule.published:
        page = files[routes.week_email_html(slot.week)].decode()
        text = files[routes.week_email_text(slot.week)].decode()
        assert slot.tip.title.split()[0] in text
        tree = lxml_html.document_fromstring(page)
        assert not tree.xpath("//script | //style | //link | //iframe | //@*[starts-with(name(), 'on')]")
        assert len(page.encode()) < 100_000


def test_no_email_without_an_https_site():
    plain = SiteInfo(url="http://servicetips.example.org/", title="Service Tips", description="x")
    built = build_site(REPO / "tips", date.fromisoformat(AS_OF), plain)
    assert not any(f.path.endswith((routes.EMAIL_HTML_NAME, routes.EMAIL_TEXT_NAME)) for f in built.files)
    assert "email_html" not in json.loads({f.path: f.content for f in built.files}[routes.API_TIP_OF_THE_WEEK])


def test_a_withdrawn_week_email_says_so_and_carries_nothing_of_the_tip(tmp_path):
    repo = make_case(tmp_path, "withdrawn-then-deleted")
    built = build_site(repo / "tips", date.fromisoformat(AS_OF), SITE)
    assert built.ok
    withdrawn = [s for s in built.report.schedule.published if s.withdrawn is not None]
    assert withdrawn
    files = {f.path: f.content for f in built.all_files()}
    for slot in withdrawn:
        page = files[routes.week_email_html(slot.week)].decode()
        text = files[routes.week_email_text(slot.week)].decode()
        for shown in (page, text):
            assert "Tip withdrawn" in shown and "not ours to share" in shown
            assert slot.tip.title not in shown and slot.tip.slug not in shown
        # Its page stays its own canonical (there is no tip page to point to) and its card says withdrawn.
        assert built.head(routes.week_source(slot.week)).canonical is None
        assert png_size(files[routes.week_card(slot.week)]) == (1200, 630)


def test_tips_week_prints_the_email_the_site_publishes(output, files):
    slot = output.report.schedule.this_week
    for fmt, path in (("email", routes.week_email_html(slot.week)), ("email-text", routes.week_email_text(slot.week))):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "servicetips.cli",
                "week",
                "--as-of",
                AS_OF,
                "--format",
                fmt,
                "--config",
                str(REPO / "mkdocs.yml"),
                "--root",
                str(REPO / "tips"),
            ],
            capture_output=True,
            text=True,
            cwd=REPO,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        # The email names the site by its URL and name only, which mkdocs.yml and SITE share.
        assert done.stdout == files[path].decode()


def test_tips_week_email_needs_an_https_site(tmp_path):
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: Tips\nsite_url: http://tips.example.org/\n")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "servicetips.cli",
            "week",
            "--as-of",
            AS_OF,
            "--format",
            "email",
            "--config",
            str(config),
            "--root",
            str(REPO / "tips"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1 and "https" in done.stderr and "Traceback" not in done.stderr


def test_this_week_email_refuses_a_week_without_a_tip():
    before = build_site(REPO / "tips", date(2026, 1, 5), SITE)  # before the schedule's first week
    assert before.report.schedule.this_week is None
    with pytest.raises(ValueError, match="no tip of the week"):
        this_week_email(before.report.library, before.report.schedule, SITE, before.visible)


def _site_folder(tmp_path):
    site = tmp_path / "site"
    for path in (
        routes.FEED_RSS,
        routes.FEED_ATOM,
        routes.FEED_JSON,
        routes.tag_feed("empathy"),
        routes.tag_feed("recovery"),
    ):
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text("x")
    return site


def test_the_publish_workflow_learns_the_hub_and_the_feeds_to_announce(tmp_path):
    site = _site_folder(tmp_path)
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        "site_url: https://tips.example.org/\nextra:\n  websub_hub: https://hub.example.org/\n"
        "markdown_extensions:\n  - pymdownx.emoji:\n"
        "      emoji_index: !!python/name:material.extensions.emoji.twemoji\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "servicetips.websub", str(config), str(site)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        "hub=https://hub.example.org/\ntopics=https://tips.example.org/feed.xml "
        "https://tips.example.org/atom.xml https://tips.example.org/feed.json "
        "https://tips.example.org/tags/empathy/feed.xml https://tips.example.org/tags/recovery/feed.xml\n"
    )
    # Without a hub, nothing to announce: the workflow's job is skipped.
    done = subprocess.run(
        [sys.executable, "-m", "servicetips.websub", str(REPO / "mkdocs.yml"), str(site)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout == "hub=\ntopics=\n"
    # A hub that is not https stops the workflow with one line.
    config.write_text("site_url: https://tips.example.org/\nextra:\n  websub_hub: 'http://hub.example.org/;rm -rf /'\n")
    done = subprocess.run(
        [sys.executable, "-m", "servicetips.websub", str(config), str(site)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1 and "websub_hub" in done.stderr and "Traceback" not in done.stderr


def test_the_hub_is_told_after_the_deploy_by_a_job_without_a_token():
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "publish.yml").read_text())
    announce = workflow["jobs"]["announce"]
    assert announce["needs"] == ["build", "deploy"] and announce["permissions"] == {}
    assert announce["if"] == "needs.build.outputs.hub != ''"
    script = announce["steps"][0]["run"]
    assert "hub.mode=publish" in script and '"$HUB"' in script and "${{" not in script
    build = workflow["jobs"]["build"]["steps"]
    names = [step.get("run", "") for step in build]
    websub = next(i for i, run in enumerate(names) if "servicetips.websub" in run)
    assert websub > next(i for i, run in enumerate(names) if "mkdocs build" in run)
