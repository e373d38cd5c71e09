"""Builds that must fail: cleanly, with the problem named, and without touching the previous site."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from servicetips.cli import main as tips_cli
from support import AS_OF, SITE_FIXTURES, build_site, copy_library, snapshot

PROBLEM_LINE = r"^\S+:\d+:\d+: [A-Z]+\d{3} "


def leftovers(out: Path) -> list[str]:
    """Staging or replaced folders left beside the site folder."""
    return [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}-")]


@pytest.fixture
def good_site(tmp_path, site_cache):
    """A tips folder (a copy of the small fixture) and a site built from it (a copy of the shared build)."""
    return site_cache.copy(SITE_FIXTURES / "small", tmp_path)


def test_an_invalid_tip_stops_the_build_with_the_lines_tips_check_prints(good_site):
    tips, out = good_site
    before = snapshot(out)
    shutil.copy(SITE_FIXTURES / "broken" / "unknown-tag.md", tips)
    result = build_site(tips, out, AS_OF)
    assert result.returncode != 0
    assert "Traceback" not in result.output
    check = CliRunner().invoke(tips_cli, ["check", "--root", str(tips), "--as-of", AS_OF])
    assert check.exit_code == 1
    problem_lines = [line for line in check.output.splitlines() if ": TAG001 " in line]
    assert problem_lines and problem_lines[0].endswith(
        "unknown-tag.md:4:7: TAG001 tag 'kindness' is not in the vocabulary"
    )
    for line in check.output.splitlines():
        if line.strip():
            assert line in result.output  # the same lines, hints and summary included
    assert snapshot(out) == before  # the previous good site is untouched
    assert leftovers(out) == []


def test_an_invalid_library_never_creates_a_site(tmp_path):
    tips = copy_library(tmp_path, source=SITE_FIXTURES / "small")
    shutil.copy(SITE_FIXTURES / "broken" / "unknown-tag.md", tips)
    out = tmp_path / "out" / "site"
    result = build_site(tips, out, AS_OF)
    assert result.returncode != 0 and "TAG001" in result.output
    assert not out.exists()
    assert leftovers(out) == []


def test_a_strict_warning_also_keeps_the_previous_site(good_site):
    tips, out = good_site
    before = snapshot(out)
    result = build_site(
        tips, out, AS_OF, config_overrides={"docs_dir": str(SITE_FIXTURES / "docs-broken-link"), "nav": None}
    )
    assert result.returncode != 0
    assert "missing.md" in result.output and "strict" in result.output
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_a_good_build_replaces_the_previous_site(good_site):
    tips, out = good_site
    (tips / "cafe-creme-etiquette.md").unlink()
    (tips / "answer-in-under-two-hours.md").write_text(
        (tips / "answer-in-under-two-hours.md")
        .read_text("utf-8")
        .replace("[the café tip](../cafe-creme-etiquette.md)", "the café tip"),
        "utf-8",
    )
    result = build_site(tips, out, AS_OF)
    assert result.ok, result.output
    assert not (out / "tips" / "cafe-creme-etiquette").exists()  # no stale page from the previous build
    assert (out / "tips" / "answer-in-under-two-hours" / "index.html").is_file()
    assert leftovers(out) == []


def test_a_build_without_site_url_fails_clearly(tmp_path):
    out = tmp_path / "site"
    result = build_site(SITE_FIXTURES / "small", out, AS_OF, config_overrides={"site_url": None})
    assert result.returncode != 0
    assert "site_url is not set in mkdocs.yml" in result.output
    assert "Traceback" not in result.output
    assert not out.exists() and leftovers(out) == []


@pytest.mark.parametrize(
    "env, message",
    [
        ({"TIPS_AS_OF": "2026-13-45"}, "is not a date; write it as YYYY-MM-DD"),
        ({"TIPS_ROOT": "/nonexistent/tips"}, "the tips folder /nonexistent/tips does not exist"),
    ],
)
def test_bad_settings_fail_with_a_message_not_a_traceback(tmp_path, env, message):
    out = tmp_path / "site"
    result = build_site(SITE_FIXTURES / "small", out, AS_OF, extra_env=env)
    assert result.returncode != 0
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists() and leftovers(out) == []


def test_a_hand_written_page_cannot_take_a_generated_address(tmp_path):
    out = tmp_path / "site"
    result = build_site(
        SITE_FIXTURES / "small",
        out,
        AS_OF,
        config_overrides={"docs_dir": str(SITE_FIXTURES / "docs-clash"), "nav": None},
    )
    assert result.returncode != 0
    assert "docs/tags/index.md has the same path as a generated page" in result.output
    assert "Traceback" not in result.output


def test_a_hand_written_page_with_an_event_handler_stops_the_build(good_site):
    # The wall behind the escaping of vocabulary text in the guide and the home page:
    # a hand-written page's HTML is held to the allow-list's elements and attributes.
    tips, out = good_site
    before = snapshot(out)
    result = build_site(
        tips, out, AS_OF, config_overrides={"docs_dir": str(SITE_FIXTURES / "docs-event-handler"), "nav": None}
    )
    assert result.returncode != 0
    assert "Traceback" not in result.output
    assert "docs/index.md: the page's HTML holds the attribute 'onmouseover' on <td>" in result.output
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_a_failed_search_index_stops_the_build_and_keeps_the_previous_site(good_site, tmp_path):
    tips, out = good_site
    before = snapshot(out)
    failing = tmp_path / "failing-pagefind"
    failing.write_text("#!/bin/sh\necho 'Error: disk full' >&2\nexit 2\n", encoding="utf-8")
    failing.chmod(0o755)
    result = build_site(tips, out, AS_OF, extra_env={"PAGEFIND_BINARY_PATH": str(failing)})
    assert result.returncode != 0
    assert "Traceback" not in result.output
    assert any(
        line.endswith("Search index not built: Pagefind failed (exit 2): Error: disk full")
        for line in result.output.splitlines()
    ), result.output
    assert snapshot(out) == before
    assert leftovers(out) == []
