"""`tips new` writes a valid tip skeleton, refuses bad input, and never overwrites."""

from __future__ import annotations

import errno
import os
import re
import sys

import pytest
from click.testing import CliRunner

from servicetips import files
from servicetips.check import check_library
from servicetips.cli import main
from servicetips.outline import (
    BODY_PLACEHOLDERS,
    PREFILTER_WORDS,
    STEPS_PLACEHOLDER,
    SUMMARY_PLACEHOLDER,
    find_placeholders,
)
from support import AS_OF, AS_OF_DATE, copy_library
from support.readonly import refusing_writes

BODY = (
    "When a parcel is late, tell the customer what you know, what you do not know yet, and when "
    "you will write again. " * 6
)


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_new_tip_passes_check_once_the_body_is_written(tmp_path):
    root = copy_library(tmp_path)
    result = run(
        "new",
        "Tell them what you know",
        "--tag",
        "recovery",
        "--tag",
        "empathy",
        "--author",
        "sam-okafor",
        "--root",
        str(root),
        "--as-of",
        AS_OF,
    )
    assert result.exit_code == 0, result.output
    path = root / "tell-them-what-you-know.md"
    assert f"wrote {path}" in result.output
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\ntitle: Tell them what you know\n")
    assert "tags: [recovery, empathy]\n" in text and "published: 2026-11-23\n" in text
    # The outline alone is not a tip yet: every placeholder is refused at its
    # place, and the body is too short.
    first = check_library(root, AS_OF_DATE, only=[path])
    assert [(p.code, p.line, p.col) for p in first.problems] == [
        ("PLACE001", 3, 10),
        ("BODY002", 8, 1),
        ("PLACE001", 9, 1),
        ("PLACE001", 13, 1),
        ("PLACE001", 17, 1),
    ]
    assert first.problems[0].message == f"the summary is still the placeholder {SUMMARY_PLACEHOLDER!r}"
    # A body written around the outline, keeping its placeholder lines, is still refused.
    path.write_text(text.replace("## What to do", BODY + "\n\n## What to do"), encoding="utf-8")
    kept = check_library(root, AS_OF_DATE, only=[path])
    assert [p.code for p in kept.problems] == ["PLACE001"] * 4
    front = text.split("---\n", 2)[1].replace(
        SUMMARY_PLACEHOLDER, "Say what you know, what you do not, and when you will write."
    )
    path.write_text("---\n" + front + "---\n" + BODY, encoding="utf-8")
    assert check_library(root, AS_OF_DATE, only=[path]).problems == []


def test_new_with_a_summary_has_no_summary_placeholder(tmp_path):
    root = copy_library(tmp_path)
    result = run(
        "new",
        "Tell them what you know",
        "--tag",
        "recovery",
        "--summary",
        "Say what you know first.",
        "--root",
        str(root),
        "--as-of",
        AS_OF,
    )
    assert result.exit_code == 0, result.output
    codes = [p.code for p in check_library(root, AS_OF_DATE, only=[root / "tell-them-what-you-know.md"]).problems]
    assert codes.count("PLACE001") == 3  # the three outline lines, not the summary


@pytest.mark.parametrize(
    "summary, col",
    [
        # quoted, re-cased, re-spaced, or inside a longer sentence: still the placeholder
        (f'"{SUMMARY_PLACEHOLDER}"', 11),
        ("one sentence that says  what the reader GAINS.", 10),
        (f"Well. {SUMMARY_PLACEHOLDER}", 16),
    ],
)
def test_the_summary_placeholder_is_found_however_it_is_written(tmp_path, summary, col):
    root = copy_library(tmp_path)
    (root / "kept-summary.md").write_text(
        f"---\ntitle: Kept summary\nsummary: {summary}\ntags: [empathy]\nauthor: editorial-team\n"
        f"published: 2026-09-01\n---\n{BODY}",
        encoding="utf-8",
    )
    problems = check_library(root, AS_OF_DATE, only=[root / "kept-summary.md"]).problems
    assert [(p.code, p.line, p.col) for p in problems] == [("PLACE001", 3, col)]


def test_an_outline_line_rewrapped_by_an_editor_is_still_found(tmp_path):
    root = copy_library(tmp_path)
    wrapped = STEPS_PLACEHOLDER.replace(" with ", "\nwith ")
    (root / "wrapped.md").write_text(
        "---\ntitle: Wrapped outline\nsummary: A fine summary.\ntags: [empathy]\nauthor: editorial-team\n"
        f"published: 2026-09-01\n---\n{BODY}\n\n{wrapped}\n",
        encoding="utf-8",
    )
    problems = check_library(root, AS_OF_DATE, only=[root / "wrapped.md"]).problems
    assert [(p.code, p.line, p.col) for p in problems] == [("PLACE001", 10, 1)]


def test_the_placeholder_prefilter_passes_every_spelling_the_pattern_finds():
    # Each placeholder holds a prefilter word, and every character that the
    # case-insensitive pattern takes for a letter of those words casefolds to
    # that letter: a body the pattern would match always passes the prefilter.
    assert all(any(word in text.casefold() for word in PREFILTER_WORDS) for text in BODY_PLACEHOLDERS)
    letters = set("".join(PREFILTER_WORDS))
    for letter in letters:
        pattern = re.compile(letter, re.IGNORECASE)
        odd = [chr(c) for c in range(sys.maxunicode + 1) if pattern.fullmatch(chr(c)) and chr(c).casefold() != letter]
        assert odd == [], letter
    # An attacker's spelling: the long s (U+017F) is an `s` to the pattern, and still found.
    sneaky = STEPS_PLACEHOLDER.upper().replace("STEPS", "\u017fTEPS")
    assert "steps" not in sneaky.lower()
    assert [p.text for p in find_placeholders(f"Intro.\n\n{sneaky}\n")] == [STEPS_PLACEHOLDER]


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
    assert run("check", "--root", str(root), "--as-of", AS_OF).exit_code == 0
    (root / "broken.md").write_text("no front matter\n")
    result = run("check", "--root", str(root), "--as-of", AS_OF)
    assert result.exit_code == 1
    assert f"{root.name}/broken.md:1:1: FM001" in result.output or "broken.md:1:1: FM001" in result.output
    assert result.output.strip().endswith("3 files checked: 1 error, 1 warning")
    assert run("check", "--root", str(tmp_path / "nowhere")).exit_code == 2
    assert run("check", "--root", str(root), "--as-of", "2026-13-45").exit_code == 2
    assert run("check", str(tmp_path / "missing.md"), "--root", str(root)).exit_code == 2


# -- refusals: one clear error, nothing written ------------------------------


def tip_files(root):
    return sorted(p.name for p in root.iterdir() if p.name.endswith(".md") or p.name.startswith("."))


@pytest.mark.parametrize(
    "args, expected",
    [
        # A reserved slug: tips/index.md would replace the list of every tip.
        (["index"], "tips/index.md:1:1: SLUG002 the slug 'index' is reserved"),
        # The summary is checked by the schema's own rules before anything is written.
        (["A fine title", "--summary", "Say <b>hi</b>."], "tips/a-fine-title.md:3:10: TEXT003 summary contains"),
        (["A fine title", "--summary", "x" * 161], "tips/a-fine-title.md:3:10: TEXT002 summary is 161 characters"),
        (["A fine title", "--summary", "Two\nlines."], "tips/a-fine-title.md:3:10: TEXT004 summary contains"),
        (
            ["A fine title", "--published", "1999-01-01"],
            "tips/a-fine-title.md:6:12: DATE002 '1999-01-01' is outside the dates the site publishes",
        ),
    ],
)
def test_new_refuses_what_check_would_refuse_and_writes_nothing(tmp_path, monkeypatch, args, expected):
    root = copy_library(tmp_path)
    monkeypatch.chdir(tmp_path)
    before = tip_files(root)
    result = CliRunner().invoke(main, ["new", *args, "--tag", "empathy", "--root", "tips", "--as-of", AS_OF])
    assert result.exit_code == 2, result.output
    assert "nothing was written" in result.output and expected in result.output
    assert "    hint: " in result.output and "Traceback" not in result.output
    assert tip_files(root) == before


def test_new_in_a_folder_it_cannot_write_is_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    # Before: a PermissionError traceback.
    root = copy_library(tmp_path)
    monkeypatch.chdir(tmp_path)
    before = tip_files(root)
    with refusing_writes(root, monkeypatch, files, "write_exclusive"):
        result = CliRunner().invoke(main, ["new", "A fine title", "--tag", "empathy", "--root", "tips"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "Error: cannot write tips/a-fine-title.md: Operation not permitted; nothing was written: "
        "check that you may write to tips/ and run it again"
    ]
    assert tip_files(root) == before


def test_new_that_fails_while_writing_leaves_no_file(tmp_path, monkeypatch):
    # A full disk found when the text is flushed to it: neither the tip nor its temporary file stays.
    root = copy_library(tmp_path)
    before = tip_files(root)

    def full_disk(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full_disk)
    result = run("new", "A fine title", "--tag", "empathy", "--root", str(root))
    monkeypatch.undo()
    assert result.exit_code == 1
    assert "No space left on device; nothing was written: free some disk space" in result.output
    assert tip_files(root) == before


@pytest.mark.parametrize(
    "file, content, named",
    [
        ("tags.yml", "empathy: [\n  label: Empathy\n", "tags.yml:1:10: VOC001"),
        ("authors.yml", "editorial-team:\n  nam: Editors\n", "authors.yml:2:3: VOC001"),
    ],
)
def test_new_with_a_broken_vocabulary_names_the_file(tmp_path, file, content, named):
    # Before: "unknown tag empathy: choose from " (an empty list).
    root = copy_library(tmp_path)
    (root / file).write_text(content, encoding="utf-8")
    result = run("new", "A fine title", "--tag", "empathy", "--root", str(root))
    assert result.exit_code == 2
    assert f"{file} is invalid; fix it first, then run `tips new` again" in result.output
    assert named in result.output
    assert "choose from" not in result.output
    assert not (root / "a-fine-title.md").exists()
