"""Input limits: what passes `tips check` builds, and no input makes a check slow.

* Every front-matter and vocabulary field gets 1 MB adversarial strings
  (patterns that make backtracking regexes quadratic or worse) through the
  real check, each string in its own subprocess with a hang guard: a
  timeout only a hang reaches, not a speed assertion.
* Tag and author keys follow the key rules (TAG004-TAG006, VOC006), and the
  names a tag may not take cover every top-level name of the built site.
* An `as_of` outside the site's dates is one line, for the CLI and the build.
* Every library `tips check` accepts (the good fixtures, keys at their
  limits, the accepted hostile library) builds with `mkdocs build --strict`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import yaml

from servicetips.check import check_library
from servicetips.model import AUTHOR_KEY_MAX, RESERVED_NAMES, TAG_KEY_MAX
from support import AS_OF, FIXTURES, TipsRun, build_site, copy_library, run_tips

TESTS = Path(__file__).parent
HANG_TIMEOUT = 60  # seconds per adversarial string; a run takes a few, so only a hang gets near this
MB = 1_000_000

# Each about 1 MB: inputs that make a careless pattern backtrack (lazy `.*?`
# between delimiters, nested optional groups), or a careless parser recurse.
ADVERSARIAL = {
    "underscore-words": "_a" * (MB // 2),
    "comma-underscore-words": ",_a" * (MB // 3),
    "less-than": "<" * MB,
    "tag-starts": "<a" * (MB // 2),
    "open-brackets": "[" * MB,
    "nested-brackets": "[" * (MB // 2) + "]" * (MB // 2),
    "backticks": "`" * MB,
    "backtick-words": "`a" * (MB // 2),
    "entity-starts": "&#" * (MB // 2),
    "entity-digits": "&#1" * (MB // 3),
    "asterisks": "*" * MB,
    "spaces-and-tabs": " \t" * (MB // 2),
    "one-word": "a" * MB,
    "url-path": "https://" + "a/" * (MB // 2),
    "digits": "9" * MB,
    "date-prefixes": "2026-" * (MB // 5),
    "script-schemes": "javascript:" * (MB // 11),
    "backslashes": "\\" * MB,
}
TIP_FIELDS = (
    "title",
    "summary",
    "tags",
    "author",
    "published",
    "week",
    "source.title",
    "source.author",
    "source.url",
    "draft",
)
VALID_TIP = {
    "title": "A tip with one odd field",
    "summary": "A short summary.",
    "tags": ["empathy"],
    "author": "editorial-team",
    "published": "2026-09-01",
}
BODY = "Read the whole message twice before you answer, and open with what they most need to hear. " * 8


def _tip_with(field: str, value: str) -> dict:
    data = dict(VALID_TIP)
    if field == "tags":
        data["tags"] = [value]
    elif field.startswith("source."):
        data["source"] = {"title": "A book", field.split(".")[1]: value}
    else:
        data[field] = value
    return data


def _dump(data) -> str:
    # libyaml's emitter: the pure-Python one takes seconds per megabyte.
    return yaml.dump(data, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False, width=1 << 30)


def run_worker(name: str, folder: str) -> None:
    """Run in a subprocess: every field check on ADVERSARIAL[name]; print which files got problems (JSON)."""
    from servicetips.model import TipFrontMatter  # noqa: PLC0415 - the subprocess's own import

    value = ADVERSARIAL[name]
    context = {"tags": {"empathy": None}, "authors": {"editorial-team": None}}
    refused_in_memory = []
    for field in TIP_FIELDS:  # the full 1 MB, straight into the schema the check uses
        try:
            TipFrontMatter.model_validate(_tip_with(field, value), context=context)
        except Exception as exc:
            if type(exc).__name__ == "ValidationError":
                refused_in_memory.append(field)
            else:
                raise
    results = {"in_memory": refused_in_memory, "files": {}}
    # Through the files, as `tips check` reads them: a tip file is at most 256 KiB,
    # so tips get the first 200,000 characters; vocabularies get the whole string.
    base = Path(folder)
    short = value[:200_000]
    variants = {
        "keys": ({value: {"label": "Odd", "description": "Odd."}}, {value: {"name": "Odd"}}, {"first_week": value}),
        "labels": (
            {"odd": {"label": value, "description": "Odd."}},
            {"odd": {"name": value}},
            {"first_week": "2026-W36", "feed_weeks": value},
        ),
        "descriptions": (
            {"odd": {"label": "Odd", "description": value}},
            {"odd": {"name": "Odd", "url": value}},
            {"first_week": "2026-W36"},
        ),
    }
    for variant, (tags, authors, schedule) in variants.items():
        root = base / variant / "tips"
        shutil.copytree(FIXTURES / "library", root)
        for file, extra in (("tags.yml", tags), ("authors.yml", authors)):
            existing = yaml.safe_load((root / file).read_text("utf-8"))
            (root / file).write_text(_dump({**existing, **extra}), "utf-8")
        (root / "schedule.yml").write_text(_dump(schedule), "utf-8")
        if variant == "keys":
            for index, field in enumerate(TIP_FIELDS):
                data = _tip_with(field, short)
                data["title"] = data["title"] if field == "title" else f"Odd field {index}"
                (root / f"odd-{index}.md").write_text("---\n" + _dump(data) + "---\n" + BODY, "utf-8")
        report = check_library(root, date.fromisoformat(AS_OF))
        results["files"][variant] = sorted({Path(p.path).name for p in report.problems if p.severity.value == "error"})
    print(json.dumps(results))


@pytest.mark.slow  # a megabyte per field through the whole check, about 2 s of CPU per string
@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_no_field_check_hangs_on_a_megabyte_of_adversarial_text(tmp_path, name):
    code = (
        f"import sys; sys.path.insert(0, {str(TESTS)!r}); from test_input_limits import run_worker; "
        f"run_worker({name!r}, {str(tmp_path)!r})"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=HANG_TIMEOUT, cwd=TESTS)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.splitlines()[-1])
    # A megabyte is beyond every field's limit: each field refuses it, none crashes.
    assert results["in_memory"] == list(TIP_FIELDS)
    assert {"tags.yml", "authors.yml", "schedule.yml"} <= set(results["files"]["keys"])
    assert {f"odd-{index}.md" for index in range(len(TIP_FIELDS))} <= set(results["files"]["keys"])
    assert {"tags.yml", "authors.yml", "schedule.yml"} <= set(results["files"]["labels"])
    assert {"tags.yml", "authors.yml"} <= set(results["files"]["descriptions"])


# -- Keys of the vocabularies -------------------------------------------------

ENTRY = "\n  label: Extra\n  description: An extra tag.\n"


@pytest.mark.parametrize(
    ("file", "key", "code", "words"),
    [
        ("tags.yml", "Customer-Care", "TAG004", "is not lowercase kebab-case"),
        ("tags.yml", "customer_care", "TAG004", "is not lowercase kebab-case"),
        ("tags.yml", "-care", "TAG004", "is not lowercase kebab-case"),
        ("tags.yml", "'care/../..'", "TAG004", "is not lowercase kebab-case"),
        # A number, not text: said so at the key, with the fix (it does fit the key pattern once quoted).
        ("tags.yml", "2026", "VOC001", "the key '2026' is read by YAML as a number, not as a name"),
        ("tags.yml", "''", "TAG005", "is 0 characters long; a key is 1-40"),
        ("tags.yml", "a" * (TAG_KEY_MAX + 1), "TAG005", "is 41 characters long; a key is 1-40"),
        ("tags.yml", "index", "TAG006", "tag key 'index' is a name the site uses"),
        ("tags.yml", "feed", "TAG006", "tag key 'feed' is a name the site uses"),
        ("tags.yml", "'404'", "TAG006", "tag key '404' is a name the site uses"),
        ("authors.yml", "Jane Doe", "VOC006", "is not lowercase kebab-case"),
        ("authors.yml", "a" * (AUTHOR_KEY_MAX + 1), "VOC006", "is 61 characters long; a key is 1-60"),
    ],
)
def test_a_bad_vocabulary_key_is_refused_at_its_line(tmp_path, file, key, code, words):
    root = copy_library(tmp_path)
    text = (root / file).read_text("utf-8")
    lines = text.count("\n") + 1
    entry = ENTRY if file == "tags.yml" else "\n  name: Jane Doe\n"
    (root / file).write_text(text + key + ":" + entry, "utf-8")
    problems = [p for p in check_library(root, date.fromisoformat(AS_OF)).problems if p.code == code]
    assert problems, code
    assert (problems[0].line, problems[0].col) == (lines, 1), problems[0].as_text()
    assert words in problems[0].message and problems[0].path.endswith(file) and problems[0].hint


def test_a_vocabulary_over_the_size_limit_is_refused(tmp_path):
    root = copy_library(tmp_path)
    (root / "authors.yml").write_text("# " + "x" * (4 * 1024 * 1024) + "\neditorial-team:\n  name: E\n", "utf-8")
    problems = [p for p in check_library(root, date.fromisoformat(AS_OF)).problems if p.code == "VOC007"]
    assert [(p.line, p.col) for p in problems] == [(1, 1)]
    assert "a vocabulary file is at most 4,194,304" in problems[0].message


def test_reserved_names_cover_every_top_level_name_of_the_site(real_site):
    # A tag page is /tags/<key>/ and a key is shown beside the site's own
    # sections: every name the built site uses at the top (and in /tags/,
    # besides the tags themselves) must be one a tag cannot take.
    top = {path.name.split(".")[0] for path in real_site.site.iterdir()}
    assert top <= RESERVED_NAMES, top - RESERVED_NAMES
    tags = set(yaml.safe_load((Path(__file__).parent.parent / "tips" / "tags.yml").read_text("utf-8")))
    in_tags = {path.name.split(".")[0] for path in (real_site.site / "tags").iterdir()} - tags
    assert in_tags <= RESERVED_NAMES, in_tags - RESERVED_NAMES


# -- The date -----------------------------------------------------------------


def _tips(*args: str, env: dict) -> TipsRun:
    """`tips ARGS --root <the fixture library>` with no date from this environment, only from `env`."""
    unset = {"TIPS_AS_OF": None, "SOURCE_DATE_EPOCH": None}
    return run_tips(*args, "--root", str(FIXTURES / "library"), env={**unset, **env})


@pytest.mark.parametrize(
    ("args", "env", "words"),
    [
        (
            ["check", "--as-of", "1999-12-31"],
            {},
            "'1999-12-31' is outside the dates the site publishes, 2000-01-01 to 2100-12-31",
        ),
        (["check", "--as-of", "0001-01-01"], {}, "is outside the dates the site publishes"),
        (["week", "--as-of", "9999-12-31"], {}, "is outside the dates the site publishes"),
        (["schedule"], {"TIPS_AS_OF": "2101-01-01"}, "'2101-01-01' is outside the dates"),
        (["check"], {"TIPS_AS_OF": "2026-13-01"}, "'2026-13-01' is not a date"),
        (["check"], {"SOURCE_DATE_EPOCH": "99999999999999999999"}, "is outside the dates the site publishes"),
        (["check"], {"SOURCE_DATE_EPOCH": "-62135596800"}, "is outside the dates the site publishes"),
        (["check"], {"SOURCE_DATE_EPOCH": "9" * 5000}, "is not a number of seconds"),
        (["check"], {"SOURCE_DATE_EPOCH": "1e9"}, "is not a number of seconds"),
    ],
)
def test_an_impossible_as_of_is_one_line_from_the_cli(args, env, words):
    done = _tips(*args, env=env)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: cannot tell which week it is"), done.stderr
    assert words in lines[0]


@pytest.mark.parametrize(
    ("env", "words"),
    [
        (
            {"TIPS_AS_OF": "9999-12-31"},
            "'9999-12-31' is outside the dates the site publishes, 2000-01-01 to 2100-12-31",
        ),
        ({"TIPS_AS_OF": "", "SOURCE_DATE_EPOCH": "99999999999999"}, "is outside the dates the site publishes"),
    ],
)
def test_an_impossible_as_of_is_one_line_from_the_build(tmp_path, env, words):
    as_of = env.pop("TIPS_AS_OF")
    result = build_site(FIXTURES / "library", tmp_path / "site", as_of, extra_env=env)
    assert result.returncode != 0
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if "cannot tell which week it is" in line]
    assert len(errors) == 1 and words in errors[0], result.output[-2000:]
    assert not (tmp_path / "site").exists()


# -- Check clean implies build clean -------------------------------------------


def _good_library(tmp_path: Path) -> Path:
    """The fixture library, every good fixture, and vocabulary keys at their limits used by a tip."""
    root = copy_library(tmp_path, *sorted((FIXTURES / "good").iterdir()))
    long_tag, long_author = "a" * TAG_KEY_MAX, "b" * AUTHOR_KEY_MAX
    with (root / "tags.yml").open("a", encoding="utf-8") as tags:
        tags.write(
            f"{long_tag}:\n  label: A long key\n  description: A tag whose key is as long as allowed.\n"
            f"x:\n  label: X\n  description: A tag whose key is one letter.\n"
        )
    with (root / "authors.yml").open("a", encoding="utf-8") as authors:
        authors.write(f"{long_author}:\n  name: A long key\n")
    (root / "keys-at-their-limits.md").write_text(
        f"---\ntitle: Keys at their limits\nsummary: Short and long keys.\ntags: [{long_tag}, x]\n"
        f"author: {long_author}\npublished: 2026-09-01\n---\n{BODY}",
        "utf-8",
    )
    return root


@pytest.mark.parametrize("library", ["good", "hostile-accepted"])
def test_every_library_the_check_accepts_builds(tmp_path, library):
    if library == "good":
        root = _good_library(tmp_path)
    else:
        root = tmp_path / "tips"
        shutil.copytree(FIXTURES / "hostile" / "accepted", root)
    report = check_library(root, date.fromisoformat(AS_OF))
    assert report.ok, [p.as_text() for p in report.problems]
    result = build_site(root, tmp_path / "site", AS_OF)
    assert result.ok, result.output[-3000:]
    for tip in report.visible.published:
        assert result.exists(f"tips/{tip.slug}/"), tip.slug
    for tag in report.library.tags:
        assert result.exists(f"tags/{tag}/"), tag
