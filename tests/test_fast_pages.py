"""Generated pages as finished HTML, and the fast path that skips MkDocs' Markdown for them (hooks/fast_pages.py).

The fast path must change nothing but the time a build takes: the site is
built with it and with `TIPS_FAST_PATH=off` (MkDocs reads and renders each
generated page's placeholder itself), and every file is compared byte for
byte, for the real tips and for a library with withdrawn weeks. The guard
is tested in-process: an engine version the fast path was not checked
against, or a changed signature, turns it off with one info note.
"""

from __future__ import annotations

import logging
import os
import shutil
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import markdown
import pytest

from servicetips.check import check_library
from servicetips.markup import md_text
from servicetips.pages import PAGE_PLACEHOLDER, SitePages, insert_content
from servicetips.pages.base import Content
from servicetips.pages.tip import scheduled_banner
from support import ACCEPTED, AS_OF, FIXTURES, REPO, SITE_FIXTURES, build_site
from support.builds import assert_same_sites, load_hook

RECORDED = FIXTURES / "hostile" / "recorded-weeks"
# The Markdown settings of mkdocs.yml that shaped these pages when they were Markdown.
EXTENSIONS = ["attr_list", "md_in_html", "admonition", "toc"]
EXTENSION_CONFIGS = {"toc": {"permalink": True}}


def withdrawn_library(tmp_path: Path) -> Path:
    """The recorded-weeks base library with most of its weeks withdrawn and the tip deleted (a ledger beside it)."""
    repo = tmp_path / "repo"
    shutil.copytree(RECORDED / "base", repo)
    case = RECORDED / "withdrawn-then-deleted"
    for path in (case / "ledger").iterdir():
        shutil.copy(path, repo / "ledger" / path.name)
    for line in (case / "DELETE").read_text("utf-8").split():
        (repo / line).unlink()
    return repo / "tips"


@pytest.fixture(scope="module")
def small():
    report = check_library(SITE_FIXTURES / "small", date.fromisoformat(AS_OF))
    assert report.ok
    return SitePages(report.library, report.schedule, (), report.visible)


# -- the same site either way ------------------------------------------------------


def test_the_real_site_is_the_same_with_and_without_the_fast_path(real_site, tmp_path: Path) -> None:
    fast = real_site  # the shared build takes the fast path, unless this run turned it off
    if os.environ.get("TIPS_FAST_PATH", "").strip().lower() == "off":
        fast = build_site(REPO / "tips", tmp_path / "fast", AS_OF, extra_env={"TIPS_FAST_PATH": "on"})
    stock = build_site(REPO / "tips", tmp_path / "stock", AS_OF, extra_env={"TIPS_FAST_PATH": "off"})
    assert fast.ok and stock.ok, stock.output
    assert_same_sites(fast.site, stock.site)


def test_withdrawn_weeks_are_the_same_with_and_without_the_fast_path(tmp_path: Path) -> None:
    tips = withdrawn_library(tmp_path)
    fast = build_site(tips, tmp_path / "fast", AS_OF, extra_env={"TIPS_FAST_PATH": "on"})
    stock = build_site(tips, tmp_path / "stock", AS_OF, extra_env={"TIPS_FAST_PATH": "off"})
    assert fast.ok and stock.ok, fast.output + stock.output
    assert_same_sites(fast.site, stock.site)
    # The comparison covers what it is meant to: withdrawn week pages, their
    # headings in the weekly index (unique ids), and a tip page.
    assert "Tip withdrawn" in fast.page("weekly/2026-W48/")
    assert 'id="tip-withdrawn_1"' in fast.page("weekly/")
    assert 'id="open-with-what-they-need"' in fast.page("tips/open-with-what-they-need/")


# -- the guard ----------------------------------------------------------------------


def test_the_installed_engine_is_one_the_fast_path_knows() -> None:
    # Without this the comparisons above would compare the stock path with itself.
    fast_pages = load_hook("fast_pages")
    assert fast_pages.engine_mismatch() is None
    assert fast_pages.enabled(SimpleNamespace(plugins=SimpleNamespace(events={})))


def test_an_unchecked_engine_version_takes_the_stock_path_with_one_info_note(monkeypatch, caplog) -> None:
    fast_pages = load_hook("fast_pages")
    monkeypatch.setattr(fast_pages.engine_check, "version", lambda name: "1.6.99")
    config = SimpleNamespace(plugins=SimpleNamespace(events={}))
    with caplog.at_level(logging.DEBUG, logger="mkdocs.hooks.fast_pages"):
        assert not fast_pages.enabled(config)
        assert not fast_pages.enabled(config)  # a second page, or a preview's rebuild: no second note
    notes = [record for record in caplog.records if record.name == "mkdocs.hooks.fast_pages"]
    assert len(notes) == 1
    assert notes[0].levelno == logging.INFO  # a warning would fail `mkdocs build --strict`
    assert "1.6.99 is not a version the fast path was checked against" in notes[0].getMessage()


def test_a_changed_signature_takes_the_stock_path(monkeypatch) -> None:
    fast_pages = load_hook("fast_pages")

    def render(self, config, files, extra=None):  # a future Page.render with one more parameter
        raise AssertionError("never called")

    monkeypatch.setattr(fast_pages.Page, "render", render)
    reason = fast_pages.engine_mismatch()
    assert reason is not None and "Page.render is not render(config, files)" in reason


def test_a_build_that_reads_pages_before_on_pre_page_takes_the_stock_path(monkeypatch) -> None:
    fast_pages = load_hook("fast_pages")

    def _populate_page(page, config, files, dirty=False):  # the order of a hypothetical later engine
        page.read_source(config)
        page = config.plugins.on_pre_page(page, config=config, files=files)
        page.render(config, files)

    monkeypatch.setattr(fast_pages.build_module, "_populate_page", _populate_page)
    assert "no longer read and rendered after on_pre_page" in fast_pages.engine_mismatch()


def test_a_plugin_that_reads_page_sources_keeps_the_stock_path() -> None:
    fast_pages = load_hook("fast_pages")
    config = SimpleNamespace(plugins=SimpleNamespace(events={"page_read_source": [lambda **kwargs: None]}))
    assert not fast_pages.enabled(config)


@pytest.mark.parametrize("value", ["off", "OFF", " off "])
def test_tips_fast_path_off_forces_the_stock_path(monkeypatch, caplog, value: str) -> None:
    fast_pages = load_hook("fast_pages")
    monkeypatch.setenv("TIPS_FAST_PATH", value)
    with caplog.at_level(logging.DEBUG, logger="mkdocs.hooks.fast_pages"):
        assert not fast_pages.enabled(SimpleNamespace(plugins=SimpleNamespace(events={})))
    assert not caplog.records  # asked for, not a mismatch: nothing to note


# -- the pages' HTML ------------------------------------------------------------------


def test_the_content_goes_in_place_of_exactly_one_placeholder() -> None:
    assert insert_content(f"<p>a</p>{PAGE_PLACEHOLDER}", "<p>b</p>") == "<p>a</p><p>b</p>"
    with pytest.raises(ValueError, match="exactly one content placeholder"):
        insert_content("<p>lost</p>", "<p>b</p>")
    with pytest.raises(ValueError, match="exactly one content placeholder"):
        insert_content(PAGE_PLACEHOLDER * 2, "<p>b</p>")


def test_headings_keep_the_ids_and_toc_python_markdown_gave_them(small) -> None:
    # Tricky titles (`&`, `<`, quotes, accents, repeats): the ids people link
    # to, and the table of contents Material shows, are those of the toc
    # extension when these headings were Markdown.
    index = small.weekly_index_page()
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    source = ["# Tip of the week"]
    for slot in small.index.schedule.published:
        title = "Tip withdrawn" if slot.withdrawn is not None else slot.tip.title
        source.append(f"## [{md_text(title)}](x.md)")
    md.convert("\n\n".join(source))

    def plain(tokens):
        return [{key: t[key] for key in ("level", "id", "name")} | {"children": plain(t["children"])} for t in tokens]

    assert index.toc_tokens() == plain(md.toc_tokens)
    for tip in small.index.tips:
        page = small.tip_page(tip)
        md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
        heading = md.convert(f"# {md_text(tip.title)}")
        assert page.html.startswith(heading + "\n"), tip.slug
        assert page.toc_tokens() == plain(md.toc_tokens)


def test_a_title_cannot_smuggle_markup_or_the_placeholder() -> None:
    content = Content()
    content.heading(1, f'{PAGE_PLACEHOLDER} <script>alert(1)</script> "q"')
    html = content.html()
    assert PAGE_PLACEHOLDER not in html and "<script>" not in html
    assert "&lt;!-- servicetips:page --&gt; &lt;script&gt;" in html


def test_banners_are_the_admonitions_they_were_in_markdown(small) -> None:
    tip = small.index.tips[0]
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
    expected = md.convert(
        f'!!! warning tip-scheduled "Scheduled: on the site from {small.index.day(tip.published)}"\n\n'
        "    Only the preview shows this tip. The site, its search, the feeds and the API "
        "leave it out until its `published` date.\n"
    )
    assert scheduled_banner(small.index, tip) == expected


@pytest.mark.slow
def test_the_preview_serves_the_same_scheduled_tip_and_listings_either_way(monkeypatch, tmp_path: Path) -> None:
    # Only `mkdocs serve` gives a scheduled tip a page (with its banner): run
    # the preview with the fast path and without, and compare what it serves.
    from test_site_serve import preview, wait_for  # noqa: PLC0415 - the preview tests' helpers

    served = {}
    for mode in ("on", "off"):
        monkeypatch.setenv("TIPS_FAST_PATH", mode)
        (tmp_path / mode).mkdir()
        with preview(ACCEPTED, tmp_path / mode) as (base, server, _log):
            pages = {"tips/scheduled-next-month/": "Scheduled: on the site from 1 Dec 2026"}
            pages |= {"tags/recovery/": "Recovery", "weekly/": "Tip of the week", "tips/": "All tips"}
            served[mode] = {
                path: without_live_reload(wait_for(base + path, text, server)).replace(base, "/")
                for path, text in pages.items()
            }
    assert served["on"] == served["off"]
    assert '<div class="admonition warning tip-scheduled">' in served["on"]["tips/scheduled-next-month/"]


def without_live_reload(page: str) -> str:
    """A served page without the script the preview server injects before `</body>` (it differs on every request)."""
    head, end, tail = page.rpartition("</body>")
    return head[: head.rindex("<script>")] + end + tail
