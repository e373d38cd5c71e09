"""The YAML loader: only the schema's types, and every syntax error in plain English with its fix.

tests/fixtures/yaml-syntax/ holds one tip per cause of FM003 that libyaml
can report; each is checked for its line, column, message and hint. The
loader's refusals (FM006-FM009, VOC002-VOC005) are tested on real files too.
"""

from __future__ import annotations

import pytest

from servicetips.check import check_library
from servicetips.yamlload import SYNTAX_ERRORS, SchemaRefusalError, load
from support import AS_OF_DATE, FIXTURES, copy_library

SYNTAX = FIXTURES / "yaml-syntax"
QUOTE = "put the whole value in double quotes, e.g. title: "
TAB = (
    "a tab is used for indentation; YAML needs spaces",
    "replace the tab at the start of the line with spaces (two per level)",
)

# (fixture, line, col, message after "the front matter is not valid YAML: ", start of the hint)
CAUSES = [
    ("tab-indentation.md", 8, 1, *TAB),
    ("tab-after-value.md", 6, 1, *TAB),
    ("unclosed-double-quote.md", 3, 10, "a quote is opened and never closed", "close the quote"),
    ("unclosed-single-quote.md", 3, 10, "a quote is opened and never closed", "close the quote"),
    ("unclosed-bracket.md", 4, 7, "a list's `[` is never closed by `]`", "close the list on the same line"),
    ("unclosed-brace.md", 7, 9, "a mapping's `{` is never closed by `}`", "close the `{` on the same line"),
    (
        "colon-in-value.md",
        2,
        22,
        "a value contains `: `, which YAML reads as the start of another key",
        QUOTE + '"Why: a story"',
    ),
    (
        "indented-under-value.md",
        6,
        8,
        "a line is indented under a key that already has a value",
        "start the line at the same indentation",
    ),
    ("indented-key.md", 5, 3, "a line is not indented like the keys around it", "start each key at the same"),
    ("list-item-on-key-line.md", 4, 7, "a list item `- ` is on the same line as its key", "write the list in brackets"),
    (
        "stray-list-item.md",
        6,
        1,
        "a list item `- ` stands where a key was expected",
        "put each `- item` on its own line",
    ),
    (
        "misaligned-list.md",
        6,
        2,
        "a list item `- ` stands where a key was expected",
        "put each `- item` on its own line",
    ),
    ("at-sign-value.md", 2, 8, "a value cannot start with `@` in YAML", QUOTE + '"@handle'),
    ("backtick-value.md", 2, 8, "a value cannot start with a backtick in YAML", QUOTE + '"`code`'),
    ("percent-value.md", 2, 8, "a value cannot start with `%` in YAML", QUOTE + '"%20 off"'),
    (
        "second-document.md",
        6,
        1,
        "a second `---` line (or `--- text`) starts another YAML document",
        "keep only the opening and closing `---` lines",
    ),
    ("document-end-marker.md", 7, 1, "a `...` or `%` line ends the YAML early", "remove the `...`"),
    ("text-after-quote.md", 2, 16, "text follows a closing quote or bracket", "put the whole value inside the quotes"),
    (
        "line-without-key.md",
        6,
        1,
        "a line has no `key: ` (a value may have run on to a new line)",
        "write one `key: value` per line",
    ),
    ("bad-escape.md", 2, 8, "a backslash in double quotes starts an unknown escape", "use single quotes"),
    ("comma-value.md", 2, 8, "a value starts with a character YAML reserves (`,` `[` `]` `{` `}` `|` `>`)", QUOTE),
    ("list-before-keys.md", 3, 1, "a line does not continue the list above it", "indent every `- item`"),
    ("block-scalar-value.md", 2, 8, "a value starts with `|` or `>`, which YAML reads as a block of text", QUOTE),
    ("anchor-value.md", 2, 8, "a value starts with `&`, which YAML reads as an anchor", QUOTE + '"& more"'),
    ("alias-value.md", 3, 10, "a value starts with `*`, which YAML reads as an alias", QUOTE + '"*new* tips"'),
    ("directive-line.md", 4, 1, "a line starts with `%`, which YAML reads as a directive", "remove the `%`"),
    ("question-mark-value.md", 6, 12, "a value starts with `? `, which YAML reads as a key", QUOTE + '"? and then"'),
    (
        "colon-in-brackets.md",
        4,
        8,
        "a value inside brackets contains `:`",
        'put the whole value in double quotes, e.g. tags: ["a: b"]',
    ),
    ("tag-value.md", 2, 8, "a value starts with `!`, which YAML reads as a tag", QUOTE + '"!important"'),
]


def test_every_syntax_fixture_is_in_the_table():
    assert {p.name for p in SYNTAX.iterdir()} == {row[0] for row in CAUSES}


def test_every_table_row_but_the_fallbacks_has_a_fixture():
    # Each plain message of the table is produced by at least one fixture.
    # "undefined alias" is the message for `*name` when no anchor exists, but
    # libyaml reports `*new*` as a bad alias name first; it stays for `*x`.
    produced = {row[3] for row in CAUSES}
    unused = {row[3] for row in SYNTAX_ERRORS} - produced
    assert unused <= {"a value starts with a character YAML reserves"} | {
        message for message in unused if "`*`" in message
    }, unused


@pytest.fixture(scope="module")
def syntax_report(tmp_path_factory):
    root = copy_library(tmp_path_factory.mktemp("syntax"), *sorted(SYNTAX.iterdir()))
    return check_library(root, AS_OF_DATE)


@pytest.mark.parametrize(("name", "line", "col", "message", "hint"), CAUSES, ids=[row[0] for row in CAUSES])
def test_each_yaml_syntax_error_is_told_in_plain_words(syntax_report, name, line, col, message, hint):
    problems = [p for p in syntax_report.problems if p.path.endswith("/" + name)]
    assert len(problems) == 1, [p.as_text() for p in problems]
    problem = problems[0]
    assert (problem.code, problem.line, problem.col) == ("FM003", line, col), problem.as_text()
    assert problem.message == f"the front matter is not valid YAML: {message}"
    assert problem.hint.startswith(hint), problem.hint
    # libyaml's own words never reach an editor.
    for jargon in ("scalar", "token", "<block", "document start", "stream", "indicator"):
        assert jargon not in problem.message


def test_a_tab_is_never_blamed_on_quoting(syntax_report):
    for problem in syntax_report.problems:
        if "tab" in problem.message:
            assert "quote" not in problem.hint


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (
            "a: text\nb: 52\nc: true\nd: false\ne: ~\nf: [x, 1]\ng: {h: i}\n",
            {"a": "text", "b": 52, "c": True, "d": False, "e": None, "f": ["x", 1], "g": {"h": "i"}},
        ),
        # What YAML 1.1 would turn into other types is text here.
        (
            "a: 1.5\nb: 1e999\nc: .inf\nd: .nan\ne: yes\nf: off\ng: 2026-11-23\nh: 0x1F\ni: 1:30\nj: 1_000\n",
            {
                "a": "1.5",
                "b": "1e999",
                "c": ".inf",
                "d": ".nan",
                "e": "yes",
                "f": "off",
                "g": "2026-11-23",
                "h": "0x1F",
                "i": "1:30",
                "j": "1_000",
            },
        ),
        ("a: !!str 52\nb: !!int '7'\nc: !!bool 'true'\nd: '<<'\n", {"a": "52", "b": 7, "c": True, "d": "<<"}),
    ],
)
def test_the_loader_knows_the_schemas_types(text, value):
    assert load(text) == value


@pytest.mark.parametrize(
    ("text", "kind", "line", "col", "words"),
    [
        ("a: !!python/object/apply:os.system ['true']\n", "tag", 0, 3, "'!!python/object/apply:os.system'"),
        ("a: !!binary aGVsbG8=\n", "tag", 0, 3, "'!!binary'"),
        ("a: !!set {x, y}\n", "tag", 0, 3, "'!!set'"),
        ("a: !!omap [x: 1]\n", "tag", 0, 3, "'!!omap'"),
        ("a: !!timestamp 2026-02-30\n", "tag", 0, 3, "'!!timestamp'"),
        ("a: !!float 1e999\n", "tag", 0, 3, "'!!float'"),
        ("a: !foo bar\n", "tag", 0, 3, "'!foo'"),
        ("? [x]\n: y\n", "tag", 0, 2, "a key is a list or a mapping"),
        ("a: 1\nb: 2\na: 3\n", "duplicate", 2, 0, "key 'a' is written twice"),
        ("a: &x [1]\nb: *x\n", "alias", 1, 3, "an alias"),
        ("a: &x [*x]\n", "alias", 0, 7, "an alias"),
        ("base: &b {x: 1}\nc:\n  <<: *b\n", "alias", 2, 2, "a merge key"),
        ("c:\n  <<: {x: 1}\n", "alias", 1, 2, "a merge key"),
        ("a: " + "9" * 5000 + "\n", "number", 0, 3, "5,000 digits"),
        ("a: !!int 1e999\n", "number", 0, 3, "'1e999' is not a whole number"),
        ("a: !!bool maybe\n", "number", 0, 3, "'maybe' is not true or false"),
    ],
)
def test_the_loader_refuses_what_the_schema_does_not_use(text, kind, line, col, words):
    with pytest.raises(SchemaRefusalError) as caught:
        load(text)
    assert caught.value.kind == kind
    assert (caught.value.problem_mark.line, caught.value.problem_mark.column) == (line, col)
    assert words in caught.value.problem
    assert caught.value.hint


def test_a_python_tag_in_a_vocabulary_is_not_executed(tmp_path):
    root = copy_library(tmp_path)
    marker = tmp_path / "pwned"
    (root / "tags.yml").write_text(f"empathy: !!python/object/apply:os.system ['touch {marker}']\n")
    problems = check_library(root, AS_OF_DATE).problems
    assert not marker.exists()
    assert [(p.code, p.line, p.col) for p in problems if p.path.endswith("tags.yml")] == [("VOC002", 1, 10)]


@pytest.mark.parametrize(
    ("file", "content", "code", "line", "col", "words"),
    [
        ("tags.yml", "empathy: !!binary aGVsbG8=\n", "VOC002", 1, 10, "'!!binary'"),
        (
            "tags.yml",
            "empathy:\n  label: Empathy\n  description: Seeing it.\nempathy:\n  label: Again\n  description: Twice.\n",
            "VOC003",
            4,
            1,
            "key 'empathy' is written twice",
        ),
        ("authors.yml", "editorial-team: &e\n  name: Editors\nmaria-lopez: *e\n", "VOC004", 3, 14, "an alias"),
        ("authors.yml", "editorial-team:\n  <<: {name: Editors}\n", "VOC004", 2, 3, "a merge key"),
        ("schedule.yml", "first_week: 2026-W36\nfeed_weeks: " + "9" * 5000 + "\n", "VOC005", 2, 13, "5,000 digits"),
        ("schedule.yml", "first_week: 2026-W36\nfeed_weeks: 1e999\n", "VOC001", 2, 13, "feed_weeks"),
        ("schedule.yml", "first_week: 2026-W36\nfeed_weeks: .inf\n", "VOC001", 2, 13, "feed_weeks"),
        ("schedule.yml", "first_week: 2026-W36\nfeed_weeks: !!float 52\n", "VOC002", 2, 13, "'!!float'"),
        (
            "schedule.yml",
            "first_week: 1970-W01\n",
            "DATE003",
            1,
            13,
            "outside the weeks the site publishes, 2000-W01 to",
        ),
        ("schedule.yml", "first_week: 9998-W52\n", "DATE003", 1, 13, "outside the weeks"),
        (
            "tags.yml",
            "empathy:\n  label: Empathy\n  description: Seeing it\x0b their way.\n",
            "ENC006",
            3,
            25,
            "U+000B, a control character",
        ),
        ("authors.yml", "editorial-team:\n  name: Editors \ufdd0\n", "ENC006", 2, 17, "U+FDD0, a Unicode noncharacter"),
        ("schedule.yml", "first_week: 2026-W36\x85\n", "ENC006", 1, 21, "U+0085"),
        ("tags.yml", "empathy:\n  label: Empathy\n  description: Fine \U0010ffff\n", "ENC006", 3, 21, "U+10FFFF"),
    ],
)
def test_vocabulary_refusals_are_located(tmp_path, file, content, code, line, col, words):
    root = copy_library(tmp_path)
    (root / file).write_text(content, encoding="utf-8")
    problems = [p for p in check_library(root, AS_OF_DATE).problems if p.path.endswith(file) and p.code != "SCHED004"]
    assert problems, f"no problem in {file}"
    assert (problems[0].code, problems[0].line, problems[0].col) == (code, line, col), problems[0].as_text()
    assert words in problems[0].message
    assert problems[0].hint
