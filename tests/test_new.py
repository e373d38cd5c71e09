"""`tips new` writes a valid tip skeleton, refuses bad input, and never overwrites."""

from __future__ import annotations

from datetime import date

from click.testing import CliRunner

from libraries import copy_library
from servicetips.check import check_library
from servicetips.cli import main

BODY = ("When a parcel is late, tell the customer what you know, what you do not know yet, and when "
        "you will write again. " * 6)


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_new_tip_passes_check_once_the_body_is_written(tmp_path):
    root = copy_library(tmp_path)
    result = run("new", "Tell them what you know", "--tag", "recovery", "--tag", "empathy",
                 "--author", "sam-okafor", "--root", str(root), "--as-of", "2026-11-23")
    assert result.exit_code == 0, result.output
    path = root / "tell-them-what-you-know.md"
    assert f"wrote {path}" in result.output
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: Tell them what you know\n")
    assert "tags: [recovery, empathy]\n" in text and "published: 2026-11-23\n" in text
    # The outline alone is not a tip yet: check says the body is too short.
    first = check_library(root, date(2026, 11, 23), only=[path])
    assert [p.code for p in first.problems] == ["BODY002"]
    path.write_text(text.split("---\n", 2)[0] + "---\n" + text.split("---\n", 2)[1] + "---\n" + BODY, encoding="utf-8")
    assert check_library(root, date(2026, 11, 23), only=[path]).problems == []


def test_new_refuses_to_overwrite(tmp_path):
    root = copy_library(tmp_path)
    args = ["new", "Same title twice", "--tag", "empathy", "--root", str(root)]
    assert run(*args).exit_code == 0
    before = (root / "same-title-twice.md").read_text()
    result = run(*args)
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert (root / "same-title-twice.md").read_text() == before


def test_new_rejects_unknown_tag_and_author_with_choices(tmp_path):
    root = copy_library(tmp_path)
    result = run("new", "A fine title", "--tag", "kindness", "--root", str(root))
    assert result.exit_code == 2 and "choose from empathy, freedoms, recovery, reputation" in result.output
    result = run("new", "A fine title", "--tag", "empathy", "--author", "nobody", "--root", str(root))
    assert result.exit_code == 2 and "unknown author 'nobody'" in result.output
    result = run("new", "A <b>bold</b> title", "--tag", "empathy", "--root", str(root))
    assert result.exit_code == 2 and "HTML tag" in result.output
    assert sorted(p.name for p in root.glob("*.md")) == ["open-with-what-they-need.md", "own-the-miss.md"]


def test_check_exit_codes(tmp_path):
    root = copy_library(tmp_path)
    assert run("check", "--root", str(root), "--as-of", "2026-11-23").exit_code == 0
    (root / "broken.md").write_text("no front matter\n")
    result = run("check", "--root", str(root), "--as-of", "2026-11-23")
    assert result.exit_code == 1
    assert f"{root.name}/broken.md:1:1: FM001" in result.output or "broken.md:1:1: FM001" in result.output
    assert result.output.strip().endswith("3 files checked: 1 error, 1 warning")
    assert run("check", "--root", str(tmp_path / "nowhere")).exit_code == 2
    assert run("check", "--root", str(root), "--as-of", "2026-13-45").exit_code == 2
    assert run("check", str(tmp_path / "missing.md"), "--root", str(root)).exit_code == 2
