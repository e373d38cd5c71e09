"""No body makes the check, the ledger or the build slow: limits first, then linear patterns.

* Every adversarial shape of `body_corpus.py`, at the largest size a tip
  file may have and at 1 MB (which the file limit refuses), goes through
  the real check (`check_library`) in its own subprocess under a hang
  guard: a timeout only a hang reaches, not a speed assertion.
* The same shapes just under the body limit go through the check in one
  subprocess, in the default run.
* Bodies at every limit but not past it are checked and then built, so the
  limits are shown to bound what Markdown does with what they accept.
* The rewritten patterns (code spans, fences) read what the old ones read.
* The ledger's snapshots get the same limits.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from body_corpus import SHAPES, TIP_HEAD, body
from servicetips import body as body_module
from servicetips.body_limits import (
    LIMIT_CODES,
    MAX_ABBREVIATIONS,
    MAX_BODY_CHARS,
    MAX_BRACKET_DEPTH,
    MAX_HTML_DECLARATIONS,
    MAX_HTML_TAGS,
    MAX_NESTING,
    MAX_UNCLOSED_BRACKETS,
    check_tip_body,
    limit_issues,
)
from servicetips.check import check_library
from servicetips.ledger import read_entry
from servicetips.load import MAX_FILE_BYTES
from support import AS_OF, FIXTURES, build_site, copy_library

TESTS = Path(__file__).parent
HANG_TIMEOUT = 60  # seconds per subprocess; a run takes a few, so only a hang gets near this
# The largest body a tip file can carry (the file limit is in bytes; the shapes are ASCII).
LARGEST = MAX_FILE_BYTES - len(TIP_HEAD)
MEGABYTE = 1_000_000


def run_worker(folder: str, sizes: list[int], shapes: list[str]) -> None:
    """In a subprocess: check a library holding each shape at each size; print the codes of each (JSON)."""
    results = {}
    for shape in shapes:
        for size in sizes:
            root = Path(folder) / f"{shape}-{size}" / "tips"
            shutil.copytree(FIXTURES / "library", root)
            (root / "adversarial.md").write_text(TIP_HEAD + body(shape, size), "utf-8")
            report = check_library(root, date.fromisoformat(AS_OF))
            results[f"{shape}@{size}"] = sorted({p.code for p in report.problems if "adversarial" in p.path})
            shutil.rmtree(root.parent)
    print(json.dumps(results))


def _run(tmp_path: Path, sizes: list[int], shapes: list[str], timeout: float = HANG_TIMEOUT) -> dict:
    code = (
        f"import sys; sys.path.insert(0, {str(TESTS)!r}); from test_body_limits import run_worker; "
        f"run_worker({str(tmp_path)!r}, {sizes!r}, {shapes!r})"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout, cwd=TESTS)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_no_body_check_hangs_at_the_file_limit_or_a_megabyte(tmp_path, shape):
    results = _run(tmp_path, [LARGEST, MEGABYTE], [shape])
    # The largest file a tip may be is far past the body limit: refused by it,
    # before any pattern or rendering (only the word count besides).
    assert set(results[f"{shape}@{LARGEST}"]) - {"BODY001", "BODY002"} == {"BODY020"}, results
    assert results[f"{shape}@{MEGABYTE}"] == ["ENC004"], results


def test_no_body_check_hangs_just_under_the_body_limit(tmp_path):
    # Every shape at the largest body the limit lets through to the other
    # limits: each is refused by one, or checked, within the hang guard.
    results = _run(tmp_path, [MAX_BODY_CHARS - 500], sorted(SHAPES), timeout=HANG_TIMEOUT * 4)
    assert len(results) == len(SHAPES)
    for name, codes in results.items():
        assert "BODY020" not in codes, name
    # The shapes the limits exist for are refused by them, not rendered.
    for shape in (
        "open-brackets",
        "image-starts",
        "link-starts",
        "autolink-starts",
        "tag-starts",
        "attribute-quotes",
        "quote-markers",
        "ordered-markers",
        "hash-headings",
        "definition-lists",
        "nested-divs",
    ):
        assert set(results[f"{shape}@{MAX_BODY_CHARS - 500}"]) & LIMIT_CODES, shape


# -- Bodies at the limits (accepted by them) ----------------------------------------

WORD = "customerservice "  # 16 characters: 1,000 of them make a body of 16,000 characters


def _at_the_limits() -> dict[str, str]:
    """Bodies that break no limit but sit on it, each with the most Markdown work the limit allows."""
    prose = WORD * 900
    nested_list = "\n".join("    " * level + "- a step" for level in range(MAX_NESTING))
    return {
        # Unclosed brackets in one paragraph nest: the twenty are in two paragraphs.
        "unclosed-brackets": ("[" * (MAX_UNCLOSED_BRACKETS // 2) + WORD * 450 + "\n\n") * 2,
        "nested-brackets": "[" * MAX_BRACKET_DEPTH + prose + "]" * MAX_BRACKET_DEPTH,
        "nested-links": "[" * MAX_BRACKET_DEPTH + prose + "](own-the-miss.md)" * MAX_BRACKET_DEPTH,
        "tags": "<span>" * (MAX_HTML_TAGS // 2) + prose + "</span>" * (MAX_HTML_TAGS // 2),
        # `<![CDATA[` holds two `[`: the bracket depth allows five of them.
        "cdata": "<![CDATA[" * (MAX_BRACKET_DEPTH // 2)
        + "<?x" * (MAX_HTML_DECLARATIONS - MAX_BRACKET_DEPTH // 2)
        + prose,
        "nesting": nested_list + "\n\n" + prose,
        "quotes": "> " * MAX_NESTING + prose,
        "headings": "\n".join("## a" for _ in range(400)) + "\n\n" + WORD * 150,
        "abbreviations": " ".join(f"AB{i}" for i in range(MAX_ABBREVIATIONS))
        + " "
        + WORD * 800
        + "\n\n"
        + "\n".join(f"*[AB{i}]: x" for i in range(MAX_ABBREVIATIONS)),
    }


def test_bodies_at_the_limits_pass_them_and_are_rendered():
    for name, text in _at_the_limits().items():
        assert len(text) <= MAX_BODY_CHARS, name
        assert limit_issues(text) == (), (name, limit_issues(text))


def test_the_deepest_body_the_limits_accept_renders_with_half_the_stack():
    # The check runs inside `mkdocs build`, with a deeper stack than the CLI:
    # the deepest accepted body must leave most of Python's stack unused.
    nested = "\n".join(
        "    " * level
        + "- "
        + "> " * (MAX_NESTING - level - 1)
        + "[" * MAX_BRACKET_DEPTH
        + "a"
        + "]" * MAX_BRACKET_DEPTH
        for level in range(MAX_NESTING)
    )
    divs = "<div markdown>\n\n" * (MAX_HTML_TAGS // 2) + nested + "\n\n" + "</div>\n\n" * (MAX_HTML_TAGS // 2)
    code = (
        "import sys; from servicetips.body_limits import check_tip_body; sys.setrecursionlimit(500); "
        f"issues, _ = check_tip_body({divs!r}); print(sorted({{i.code for i in issues}}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=HANG_TIMEOUT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "BODY022" not in done.stdout and "BODY02" not in done.stdout, done.stdout


def test_nesting_the_limits_miss_is_a_located_problem_not_a_traceback():
    # The second wall: with a stack far smaller than Python's, even an
    # accepted body recurses too deep, and is reported, located.
    text = "\n".join("    " * level + "- a" for level in range(MAX_NESTING))
    code = (
        "import sys; from servicetips.body_limits import check_tip_body; sys.setrecursionlimit(60); "
        f"issues, _ = check_tip_body({text!r}); "
        "print([(i.line, i.col, i.code, i.message) for i in issues if i.code == 'BODY022'])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=HANG_TIMEOUT)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "(1, 1, 'BODY022', 'the body nests blocks too deeply for Markdown to read it')" in done.stdout


@pytest.mark.slow
def test_bodies_at_the_limits_are_checked_and_built(tmp_path):
    root = copy_library(tmp_path)
    for number, (name, text) in enumerate(_at_the_limits().items()):
        if name == "cdata":
            continue  # refused by the allow-list (BODY004), so never built
        (root / f"at-limit-{name}.md").write_text(
            TIP_HEAD.replace("An adversarial body", f"At the limit {number}") + text, "utf-8"
        )
    report = check_library(root, date.fromisoformat(AS_OF))
    assert report.ok, [p.as_text() for p in report.problems]
    result = build_site(root, tmp_path / "site", AS_OF)
    assert result.ok, result.output[-3000:]
    for name in _at_the_limits():
        if name != "cdata":
            assert result.exists(f"tips/at-limit-{name}/"), name


# -- Each limit, tried from the side ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "line", "col"),
    [
        ("a\n" * 999 + "a", None, 0, 0),  # 1,000 lines: the limit, not past it
        ("a\n" * 1000 + "a", "BODY021", 1001, 1),
        ("x" * MAX_BODY_CHARS, None, 0, 0),
        ("x" * (MAX_BODY_CHARS + 1), "BODY020", 1, MAX_BODY_CHARS + 1),
        ("\\[" * 100 + "a", None, 0, 0),  # escaped brackets open nothing
        ("\\\\[" * 21, "BODY023", 1, 33),  # an escaped backslash does not escape the bracket
        ("[a](" * (MAX_BRACKET_DEPTH + 1), "BODY023", 1, 4 * MAX_BRACKET_DEPTH + 1),
        ("`" + "[" * 100 + "`", None, 0, 0),  # brackets in code are code
        ("```\n" + "<a" * 200 + "\n```", None, 0, 0),  # tags in a fenced block are code
        ("`" + "<a" * 51 + "`", "BODY024", 1, 102),  # Markdown's HTML reader reads code spans too
        ("<!--" * 11, "BODY024", 1, 41),
        ("a\n: b\n" * 10 + "a\n: b", "BODY022", 22, 1),  # eleven definitions in a row nest eleven deep
        ("a\n: b\n\n" * 40, None, 0, 0),  # with blank lines between them they do not
        ("\t" * 9 + "- a", None, 0, 0),  # ten levels: nine tabs and a marker
        ("\t" * 10 + "- a", "BODY022", 1, 1),
        ("    " * 30 + "code, not nesting", None, 0, 0),
        ("1. " * 11 + "a", "BODY022", 1, 1),
    ],
)
def test_each_limit_at_its_edge(text, code, line, col):
    issues = limit_issues(text)
    if code is None:
        assert issues == (), issues
    else:
        assert [(i.code, i.line, i.col) for i in issues][:1] == [(code, line, col)], issues
        assert issues[0].hint


def test_a_body_past_a_limit_is_neither_scanned_nor_rendered(monkeypatch):
    import servicetips.body_limits as limits  # noqa: PLC0415 - the module whose callees are replaced

    def refuse(*args, **kwargs):
        raise AssertionError("rendered or scanned a body past a limit")

    monkeypatch.setattr(limits, "check_body_html", refuse)
    issues, links = check_tip_body("[a](other.md) " + "[" * 30)
    assert {i.code for i in issues} == {"BODY002", "BODY023"} and links == []


# -- The rewritten patterns read what the old ones read -------------------------------

_OLD_CODE_SPAN = re.compile(r"(?<![\\`])(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_OLD_FENCE_OPEN = re.compile(r"^(`{3,}|~{3,})[ ]*(?:\{[^\n]*\}|\.?[\w#.+-]*)[ ]*$")


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="`\\a ", max_size=40))
def test_code_spans_are_blanked_as_the_old_pattern_did(line):
    assert body_module._blank_code_spans(line) == _OLD_CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="`~ {}.a#!", max_size=20))
def test_fences_open_as_the_old_pattern_read_them(line):
    new, old = body_module._FENCE_OPEN.match(line), _OLD_FENCE_OPEN.match(line)
    assert bool(new) == bool(old) and (not new or new.group(1) == old.group(1))


# -- The ledger's snapshots -----------------------------------------------------------

LEDGER_BASE = FIXTURES / "hostile" / "recorded-weeks" / "base" / "ledger"


@pytest.mark.parametrize(
    ("recorded", "code", "words"),
    [
        ("[" * 30 + WORD * 70, "LEDGER007", "the recorded body breaks BODY023"),
        ("> " * 20 + WORD * 70, "LEDGER007", "the recorded body breaks BODY022"),
        (WORD * 1300, "LEDGER002", "tip.body: String should have at most 20000 characters"),
    ],
)
def test_a_recorded_body_gets_the_same_limits(tmp_path, recorded, code, words):
    entry = json.loads((LEDGER_BASE / "2026-W37.json").read_text("utf-8"))
    entry["tip"]["body"] = recorded
    path = tmp_path / "2026-W37.json"
    path.write_text(json.dumps(entry, indent=2), "utf-8")
    read, problems, _ = read_entry(path, "ledger/2026-W37.json")
    assert read is None
    assert [p.code for p in problems] == [code] and words in problems[0].message, [p.as_text() for p in problems]
