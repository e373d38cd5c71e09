"""`tips check --changed` refuses new or re-dated tips that would join weeks already sent (SCHED006)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from servicetips.cli import main
from support import FIXTURES, Git, copy_library

TODAY = "2026-11-25"  # a Wednesday: week 2026-W48 started on Monday 2026-11-23


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = copy_library(tmp_path)
    Git.committed(tmp_path, "library")
    monkeypatch.chdir(tmp_path)
    return root


def new_tip(root: Path, slug: str, published: str) -> Path:
    text = (FIXTURES / "library" / "open-with-what-they-need.md").read_text(encoding="utf-8")
    text = text.replace("title: Open with what they need", f"title: A new tip called {slug}")
    text = text.replace("published: 2026-08-03", f"published: {published}")
    path = root / f"{slug}.md"
    path.write_text(text, encoding="utf-8")
    return path


def check_changed():
    return CliRunner().invoke(main, ["check", "--changed", "HEAD", "--as-of", TODAY], catch_exceptions=False)


def test_a_new_tip_dated_in_a_started_week_is_refused(repo):
    new_tip(repo, "late-arrival", "2026-11-16")
    result = check_changed()
    assert result.exit_code == 1
    assert (
        "tips/late-arrival.md:6:12: SCHED006 published 2026-11-16 (a new tip) is before this week started (2026-11-23)"
        in result.output
    )
    assert "set `published: 2026-11-25` (today) or later" in result.output


def test_a_new_tip_dated_this_week_or_later_is_accepted(repo):
    new_tip(repo, "on-time", "2026-11-23")
    new_tip(repo, "scheduled-ahead", "2026-12-07")
    result = check_changed()
    assert result.exit_code == 0, result.output


def test_moving_an_existing_tip_earlier_is_refused_and_keeping_its_date_is_not(repo):
    path = repo / "own-the-miss.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Keep it to four short sentences", "Keep it to four sentences"), encoding="utf-8")
    assert check_changed().exit_code == 0  # edited, same date: fine
    path.write_text(text.replace("published: 2026-08-10", "published: 2026-08-01"), encoding="utf-8")
    result = check_changed()
    assert result.exit_code == 1
    assert "SCHED006 published 2026-08-01 (moved earlier from 2026-08-10)" in result.output


def test_a_draft_becoming_live_counts_as_new(repo):
    path = new_tip(repo, "was-a-draft", "2026-10-01")
    path.write_text(path.read_text(encoding="utf-8").replace("---\nWhen", "draft: true\n---\nWhen"), encoding="utf-8")
    Git(repo.parent)("add", ".")
    Git(repo.parent)("commit", "-q", "-m", "draft")
    assert check_changed().exit_code == 0  # nothing changed since HEAD
    path.write_text(path.read_text(encoding="utf-8").replace("draft: true\n", ""), encoding="utf-8")
    result = check_changed()
    assert result.exit_code == 1 and "was-a-draft.md" in result.output and "SCHED006" in result.output
