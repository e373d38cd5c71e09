"""Every validation rule, one bad fixture each: code, line, column and message."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from servicetips.check import check_library
from servicetips.problems import CODES
from support import AS_OF_DATE, FIXTURES, REPO, copy_library

# (fixture in tests/fixtures/bad, code, line, col, text the message must contain)
BAD = [
    ("no-front-matter.md", "FM001", 1, 1, "does not start with front matter"),
    ("unterminated-front-matter.md", "FM002", 1, 1, "not closed by a `---` line"),
    ("yaml-syntax-error.md", "FM003", 3, 10, "a quote is opened and never closed"),
    ("yaml-unknown-tag.md", "FM006", 4, 7, "the YAML tag '!!set' is not used here"),
    ("yaml-duplicate-key.md", "FM007", 6, 1, "key 'title' is written twice"),
    ("yaml-alias.md", "FM008", 3, 10, "an alias (`*name`) repeats another value"),
    ("yaml-huge-number.md", "FM009", 7, 7, "the number has 30 digits; at most 15 are read"),
    ("control-character.md", "ENC006", 8, 200, "U+000B, a control character"),
    # Refused before libyaml counts it as a line break, which moved every later line number down by one.
    ("yaml-line-separator.md", "ENC007", 3, 25, "U+2028 (LINE SEPARATOR) is an invisible line break in YAML"),
    (
        "date-out-of-range.md",
        "DATE002",
        6,
        12,
        "'1900-01-01' is outside the dates the site publishes, 2000-01-01 to 2100-12-31",
    ),
    ("week-far-future.md", "DATE003", 7, 7, "'2999-W01' is outside the weeks the site publishes, 2000-W01 to 2100-W51"),
    ("front-matter-not-mapping.md", "FM004", 2, 1, "a list, not a mapping"),
    ("not-utf8.md", "ENC001", 8, 4, "not valid UTF-8 (byte 0xe9)"),
    ("empty-file.md", "ENC002", 1, 1, "the file is empty"),
    ("nul-byte.md", "ENC003", 9, 1, "NUL byte"),
    # Saved as UTF-16: said so, not "the file contains a NUL byte".
    ("utf16-with-bom.md", "ENC001", 1, 1, "the file is saved as UTF-16 (little-endian), not as UTF-8"),
    ("utf16-without-bom.md", "ENC001", 1, 1, "the file is saved as UTF-16 (big-endian), not as UTF-8"),
    ("missing-key.md", "KEY001", 1, 1, "required key 'summary' is missing"),
    ("unknown-key.md", "KEY002", 7, 1, "unknown key 'tag' (did you mean 'tags'?)"),
    ("unknown-source-key.md", "KEY002", 8, 3, "unknown key 'source.titel' (did you mean 'title'?)"),
    ("key-not-a-name.md", "KEY003", 7, 1, "the key 'true' is read by YAML as true/false, not as a name"),
    ("wrong-type.md", "TYPE001", 2, 8, "title must be text, not a number"),
    ("draft-not-boolean.md", "TYPE001", 7, 8, "draft must be true or false"),
    ("empty-string.md", "TEXT001", 3, 10, "summary is empty"),
    ("title-too-short.md", "TEXT002", 2, 8, "title is 2 characters long; it must be 3-80"),
    ("summary-too-long.md", "TEXT002", 3, 10, "summary is 172 characters long; it must be 1-160"),
    ("title-control-character.md", "TEXT004", 2, 8, "title contains a line break or control character"),
    ("title-bidi-override.md", "TEXT004", 2, 8, "title contains U+202E, a bidirectional control character"),
    ("title-html.md", "TEXT003", 2, 8, "title contains an HTML tag: '<b>'"),
    ("summary-markdown.md", "TEXT003", 3, 10, "summary contains an asterisk"),
    ("tag-markup.md", "TEXT003", 4, 8, "tag contains an HTML tag: '<script>'"),
    ("tag-unknown.md", "TAG001", 4, 7, "tag 'reputaton' is not in the vocabulary"),
    ("tag-duplicate.md", "TAG002", 4, 7, "tag 'empathy' is listed twice"),
    ("tags-none.md", "TAG003", 4, 7, "the tip has 0 tags; it needs 1 to 3"),
    ("tags-too-many.md", "TAG003", 4, 7, "the tip has 4 tags; it needs 1 to 3"),
    ("author-unknown.md", "AUTH001", 5, 9, "author 'jane-doe' is not in tips/authors.yml"),
    ("date-invalid.md", "DATE001", 6, 12, "'2026-02-30' is not a real date"),
    ("date-wrong-format.md", "DATE001", 6, 12, "'02/11/2026' is not a date in the form YYYY-MM-DD"),
    ("week-out-of-range.md", "WEEK001", 7, 7, "'2026-W54' does not exist: 2026 has ISO weeks W01 to W53"),
    ("week-wrong-format.md", "WEEK001", 7, 7, "'2026-48' is not an ISO week"),
    ("source-bad-url.md", "URL001", 9, 8, "'javascript:alert(1)' is not an absolute http:// or https:// URL"),
    ("source-url-bad-ipv6.md", "URL001", 9, 8, "is not a valid URL: its host in brackets `[...]` is not a valid IPv6"),
    ("source-url-bad-port.md", "URL001", 9, 8, "is not a valid URL: its port (after the host's `:`) is not a number"),
    ("source-url-credentials.md", "URL001", 9, 8, "carries a user name or password"),
    ("source-title-and-opening.md", "SRC001", 8, 3, "a source has a title or opening words, not both"),
    (
        "source-unnamed.md",
        "SRC001",
        8,
        3,
        "a source needs its title, or its opening words when it was published without one",
    ),
    ("Not Kebab Case.md", "SLUG001", 1, 1, "not a lowercase kebab-case slug"),
    ("index.md", "SLUG002", 1, 1, "the slug 'index' is reserved: its page would replace the list of every tip"),
    ("duplicate-title.md", "DUP001", 2, 8, "the title is also used by"),
    ("duplicate-title-invisible.md", "DUP001", 2, 8, "differ only in invisible characters"),
    ("pinned-week-taken.md", "SCHED003", 7, 7, "2026-W40 is also pinned by"),
    ("pinned-before-first-week.md", "SCHED001", 7, 7, "2026-W10 is before the schedule's first week, 2026-W36"),
    ("pinned-draft.md", "SCHED002", 7, 7, "the tip is a draft but pinned to 2026-W50"),
    (
        "pinned-before-published.md",
        "SCHED005",
        7,
        7,
        "2026-W49 starts 2026-11-30, before the tip's published date 2026-12-09",
    ),
    ("body-empty.md", "BODY001", 8, 1, "the body is empty"),
    ("body-too-short.md", "BODY002", 8, 1, "the body has 5 words; a tip needs at least 60"),
    ("body-h1.md", "BODY003", 8, 1, "level-1 heading"),
    ("body-setext-h1.md", "BODY003", 8, 1, "level-1 heading"),  # the heading's text, not its `===` line
    ("body-raw-html.md", "BODY004", 10, 1, "the HTML element <font>"),
    ("body-script.md", "BODY004", 11, 9, "a <script> element"),
    ("body-event-handler.md", "BODY004", 11, 26, "the event handler 'onerror' on <img>"),
    ("body-class-not-allowed.md", "BODY008", 10, 42, "the class 'md-button' is not allowed"),
    ("body-id-not-allowed.md", "BODY009", 10, 24, "the id '__search' is not allowed on <h2>"),
    ("body-quote-in-link-url.md", "BODY011", 12, 45, "a quote in a link's URL makes Markdown leave"),
    ("body-javascript-link.md", "BODY005", 11, 17, "forbidden URL scheme: 'javascript:"),
    ("body-data-link.md", "BODY005", 11, 12, "forbidden URL scheme: 'data:text/html"),
    ("body-missing-tip-link.md", "BODY006", 11, 21, "points to tip 'no-such-tip', which does not exist"),
    ("body-link-out-of-tips.md", "BODY006", 11, 16, "the link '../docs/about.md' points out of the tips folder"),
    ("body-image-no-alt.md", "BODY007", 11, 1, "an image has no alt text"),
    (
        "body-missing-image.md",
        "BODY010",
        12,
        69,
        "'queue-on-monday.png' points to tips/queue-on-monday.png, which does",
    ),
    (
        "body-too-many-characters.md",
        "BODY020",
        208,
        19,
        "the body is 21,182 characters long; a tip body has at most 20,000",
    ),
    ("body-too-many-lines.md", "BODY021", 1008, 1, "the body has 1,004 lines; a tip body has at most 1,000"),
    ("body-nested-too-deeply.md", "BODY022", 10, 1, "nested 11 levels deep; at most 10"),
    (
        "body-unclosed-brackets.md",
        "BODY023",
        50,
        9,
        "21 `[` or `](` are never closed by a `]` or `)` in their paragraph",
    ),
    ("body-too-much-html.md", "BODY024", 10, 405, "the body has more than 50 HTML tags outside code blocks"),
    ("body-too-many-abbreviations.md", "BODY025", 62, 1, "the body defines more than 50 abbreviations"),
    (
        "placeholder-outline.md",
        "PLACE001",
        12,
        103,
        "the outline's placeholder 'The steps, in order, with the words to use where words matter.' "
        "is still in the body",
    ),
]


def check_one(tmp_path: Path, fixture: Path):
    root = copy_library(tmp_path, fixture)
    return check_library(root, AS_OF_DATE, only=[root / fixture.name])


def test_the_fixture_library_is_clean(tmp_path):
    report = check_library(copy_library(tmp_path), AS_OF_DATE)
    assert report.ok
    # Two tips cannot fill the coming weeks without repeats: a warning, not an error.
    assert [p.code for p in report.problems] == ["SCHED004"]
    assert len(report.library.tips) == 2


def test_every_bad_fixture_is_in_the_table():
    on_disk = {p.name for p in (FIXTURES / "bad").iterdir()}
    assert on_disk == {row[0] for row in BAD}


def test_every_error_code_has_a_fixture():
    covered = {row[1] for row in BAD}
    # Codes covered elsewhere: VOC001 (vocabulary tests below), FM005/ENC004/ENC005
    # (hostile corpus), SCHED004 (a warning; schedule tests), SCHED006 (needs git
    # history: test_backdating.py), SCHED007 (a change of tips/schedule.yml against
    # git history: test_the_feeds_keep_the_started_weeks_they_carry), LEDGER* (a ledger beside the tips: test_ledger.py,
    # with its own fixtures in tests/fixtures/hostile/recorded-weeks/), the
    # vocabularies' codes (test_yamlload.py and test_input_limits.py).
    ledger_codes = {code for code in CODES if code.startswith("LEDGER")}
    # SEC* (files named or made to get past the site's rules): the hostile corpus, test_hostile.py.
    security_codes = {code for code in CODES if code.startswith("SEC")}
    vocabulary_codes = {"VOC002", "VOC003", "VOC004", "VOC005", "VOC006", "VOC007", "TAG004", "TAG005", "TAG006"}
    assert set(CODES) - covered <= {
        "VOC001",
        "FM005",
        "ENC004",
        "ENC005",
        "SCHED004",
        "SCHED006",
        "SCHED007",
        *ledger_codes,
        *vocabulary_codes,
        *security_codes,
    }


@pytest.mark.parametrize("name, code, line, col, text", BAD, ids=[row[0] for row in BAD])
def test_bad_fixture_is_reported_at_its_place(tmp_path, name, code, line, col, text):
    report = check_one(tmp_path, FIXTURES / "bad" / name)
    assert not report.ok
    matching = [p for p in report.problems if p.code == code]
    assert matching, [p.as_text() for p in report.problems]
    problem = matching[0]
    assert (problem.line, problem.col) == (line, col), problem.as_text()
    assert text in problem.message
    assert problem.path.endswith(name)
    assert problem.hint, f"{code} has no fix hint"
    assert name not in report.library.by_slug


@pytest.mark.parametrize("name", sorted(p.name for p in (FIXTURES / "good").iterdir()))
def test_accepted_variants_pass(tmp_path, name):
    report = check_one(tmp_path, FIXTURES / "good" / name)
    assert report.problems == [], [p.as_text() for p in report.problems]
    assert name[:-3] in report.library.by_slug


def test_crlf_and_bom_keep_line_numbers(tmp_path):
    source = (
        (FIXTURES / "good" / "windows-line-endings.md")
        .read_bytes()
        .replace(b"published: 2026-09-01", b"published: 2026-09-31")
    )
    bad = tmp_path / "crlf-bad-date.md"
    bad.write_bytes(b"\xef\xbb\xbf" + source)
    report = check_one(tmp_path / "lib", bad)
    assert [(p.code, p.line, p.col) for p in report.problems] == [("DATE001", 6, 12)]


def test_all_problems_of_a_file_are_reported_at_once(tmp_path):
    bad = tmp_path / "many-problems.md"
    bad.write_text("---\ntitle: <i>x</i>\nsumary: y\ntags: [nope]\nauthor: nobody\npublished: 2026-1-1\n---\n# Big\n")
    codes = {p.code for p in check_one(tmp_path / "lib", bad).problems}
    assert {"TEXT003", "KEY001", "KEY002", "TAG001", "AUTH001", "DATE001"} <= codes


def test_draft_is_checked_but_not_published(tmp_path):
    report = check_one(tmp_path, FIXTURES / "good" / "draft-tip.md")
    assert "draft-tip" in report.library.by_slug
    assert "draft-tip" not in {t.slug for t in report.visible.published}


def test_only_reports_the_selected_files(tmp_path):
    root = copy_library(tmp_path, FIXTURES / "bad" / "author-unknown.md", FIXTURES / "bad" / "tag-unknown.md")
    report = check_library(root, AS_OF_DATE, only=[root / "author-unknown.md"])
    assert {p.code for p in report.problems} == {"AUTH001"}
    assert report.files_checked == 1


def test_the_real_library_is_clean():
    report = check_library(REPO / "tips", AS_OF_DATE)
    assert [p.as_text() for p in report.problems if p.severity.value == "error"] == []
    assert len(report.visible.published) >= 24
    for tag in report.library.tags:
        assert len(report.visible.tips_with_tag(tag)) >= 6, tag
    for tip in report.library.tips:
        assert 150 <= tip.words <= 400, (tip.slug, tip.words)


@pytest.mark.parametrize(
    "content, code, text",
    [
        ("reputation: [not, a, mapping]\n", "VOC001", "entry 'reputation'"),
        ("Bad Key:\n  label: X\n  description: Y\n", "TAG004", "not lowercase kebab-case"),
        ("reputation:\n  label: [unclosed\n", "VOC001", "not valid YAML"),
        ("", "VOC001", "must be a mapping"),
    ],
)
def test_bad_tag_vocabulary_is_reported(tmp_path, content, code, text):
    root = copy_library(tmp_path)
    (root / "tags.yml").write_text(content)
    problems = [p for p in check_library(root, AS_OF_DATE).problems if p.code == code]
    assert problems and text in problems[0].message
    assert problems[0].path.endswith("tags.yml")


def test_missing_authors_file_is_reported(tmp_path):
    root = copy_library(tmp_path)
    (root / "authors.yml").unlink()
    problems = check_library(root, AS_OF_DATE).problems
    assert any(p.code == "VOC001" and "authors.yml is missing" in p.message for p in problems)


# -- a broken vocabulary is reported alone, not as the tips' mistakes ----------


def test_a_broken_tags_file_is_reported_alone(tmp_path):
    # Before: its one syntax error came with TAG001 "use one of: ;" (an empty
    # list) for every tip, and a SCHED004 warning for the tips that left.
    root = copy_library(tmp_path)
    (root / "tags.yml").write_text("empathy: [\n  label: Empathy\n", encoding="utf-8")
    report = check_library(root, AS_OF_DATE)
    assert [(p.path.rsplit("/", 1)[-1], p.code) for p in report.problems] == [("tags.yml", "VOC001")]
    assert not report.ok


def test_one_bad_authors_entry_is_reported_alone(tmp_path):
    # Before: AUTH001 "author 'maria-lopez' is not in tips/authors.yml" on her
    # tips (she is there, misspelt), and "name Field required" for the entry.
    root = copy_library(tmp_path)
    authors = root / "authors.yml"
    authors.write_text(authors.read_text("utf-8").replace("  name: Maria Lopez", "  nam: Maria Lopez"), "utf-8")
    report = check_library(root, AS_OF_DATE)
    assert [(p.code, p.line, p.col, p.message) for p in report.problems] == [
        ("VOC001", 5, 3, "authors.yml: entry 'maria-lopez': unknown key 'nam' (did you mean 'name'?)")
    ]
    assert report.problems[0].hint == "allowed keys: name, url"
    # A tip naming someone who is not in the file at all is still the tip's mistake.
    (root / "by-nobody.md").write_text((FIXTURES / "bad" / "author-unknown.md").read_text("utf-8"), encoding="utf-8")
    codes = [p.code for p in check_library(root, AS_OF_DATE).problems]
    assert sorted(codes) == ["AUTH001", "VOC001"]


def test_a_link_to_a_tip_with_problems_of_its_own_is_not_called_a_draft(tmp_path):
    # Before: BODY006 "points to tip 'own-the-miss', which is a draft" when
    # own-the-miss.md had an unrelated problem (here a misspelt key).
    root = copy_library(tmp_path, FIXTURES / "good" / "with-source-and-link.md")
    target = root / "own-the-miss.md"
    target.write_text(target.read_text("utf-8").replace("summary:", "sumary:"), encoding="utf-8")
    report = check_library(root, AS_OF_DATE)
    assert "BODY006" not in [p.code for p in report.problems]
    assert {p.code for p in report.problems if p.path.endswith("own-the-miss.md")} == {"KEY001", "KEY002"}


@pytest.mark.parametrize(
    "settings, line, col, text",
    [
        ("first_week: 2026-W99\n", 1, 13, "first_week: '2026-W99' does not exist"),
        # A boolean passed as a whole number (true == 1) before.
        ("first_week: 2026-W36\nfeed_weeks: true\n", 2, 13, "feed_weeks must be a whole number, not true/false"),
        ("first_week: 2026-W36\nfeed_weeks: '52'\n", 2, 13, "feed_weeks must be a whole number, not text"),
    ],
)
def test_invalid_settings_are_reported_alone(tmp_path, settings, line, col, text):
    # Before: the stand-in first week 2000-W01 reached the ledger, which said
    # "the ledger has no file for 2000-W01 and 1390 more weeks", with a
    # LEDGER014 warning about the 1,400 weeks since 2000.
    root = copy_library(tmp_path)
    shutil.copytree(REPO / "ledger", tmp_path / "ledger")
    (root / "schedule.yml").write_text(settings, encoding="utf-8")
    problems = check_library(root, AS_OF_DATE).problems
    assert [(p.path.rsplit("/", 1)[-1], p.code, p.line, p.col) for p in problems] == [
        ("schedule.yml", "VOC001", line, col)
    ]
    assert text in problems[0].message


@pytest.mark.parametrize(
    "content, code, line, col, text",
    [
        # U+2028 moved every later line of the file down by one in libyaml's count.
        (
            "reputation:\n  label: Repu\u2028tation\n  description: Trust.\nbad key:\n",
            "ENC007",
            2,
            14,
            "U+2028 (LINE SEPARATOR)",
        ),
        ("reputation:\n  label: Reputation\n  description: Trust.\n~:\n  label: X\n", "VOC001", 4, 1, "the key '~'"),
        ("reputation:\n  label: Reputation\n  true: x\n", "VOC001", 3, 3, "the key 'true' is read by YAML as"),
    ],
)
def test_a_vocabulary_is_read_by_the_same_rules_as_front_matter(tmp_path, content, code, line, col, text):
    root = copy_library(tmp_path)
    (root / "tags.yml").write_text(content, encoding="utf-8")
    problems = check_library(root, AS_OF_DATE).problems
    assert [(p.code, p.line, p.col) for p in problems] == [(code, line, col)]
    assert text in problems[0].message and problems[0].hint


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_a_vocabulary_saved_as_utf16_says_so(tmp_path, encoding):
    root = copy_library(tmp_path)
    authors = root / "authors.yml"
    authors.write_bytes(authors.read_text("utf-8").encode(encoding))
    problems = check_library(root, AS_OF_DATE).problems
    assert [(p.code, p.line, p.col) for p in problems] == [("VOC001", 1, 1)]
    assert "authors.yml is saved as UTF-16 (little-endian), not as UTF-8" in problems[0].message


@pytest.mark.parametrize(
    "url, text",
    [
        ("https://[::1/me", "IPv6"),
        ("https://example.org:99999/me", "its port"),
        ("https://user:pass@example.org/me", "carries a user name or password"),
    ],
)
def test_an_author_url_is_checked_like_a_source_url(tmp_path, url, text):
    root = copy_library(tmp_path)
    authors = root / "authors.yml"
    authors.write_text(authors.read_text("utf-8") + f"jane-doe:\n  name: Jane Doe\n  url: {url}\n", "utf-8")
    problems = check_library(root, AS_OF_DATE).problems
    assert [p.code for p in problems] == ["VOC001"]
    assert text in problems[0].message
