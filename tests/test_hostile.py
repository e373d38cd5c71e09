"""Hostile tips: every one is refused with a located error, or accepted and shown as text.

The corpus is in tests/fixtures/hostile/:

* `rejected/`: one small file per attack (script and event-handler injection
  in every front-matter field and every Markdown link form, YAML alias bombs,
  NUL bytes, invalid UTF-8, bad file names), each listed in REJECTED below
  with the problem `tips check` must report and where.
* `accepted/`: a complete library of harmless-but-tricky tips (quotes, `&`
  and `<` in titles, `javascript:` inside code, CR LF and bare CR line
  endings, a byte-order mark). tests/test_output_scan.py builds it and checks
  that nothing in it became markup or script.

Cases too big to commit (a 5 MB body, 10,000 lines of front matter, 10,000
nested brackets) and those git cannot hold (symlinks, a named pipe, a
folder named like a tip) are made at test time by GENERATED.

Every case runs `tips check` (in this process; the memory and stack bombs
of ISOLATED in a subprocess limited to 1 GiB of address space, with a
timeout that only detects a hang, this is no speed test): it must exit 1
with `path:line:col: CODE`, never a traceback or a crash. The
site build must refuse the same tips with the same lines, and a refused
build must leave the previous site byte for byte as it was.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from support import AS_OF, FIXTURES, LIBRARY, TipsRun, build_site, copy_library, run_tips, run_tips_isolated, snapshot

HOSTILE = FIXTURES / "hostile"
REJECTED_DIR = HOSTILE / "rejected"
ACCEPTED_DIR = HOSTILE / "accepted"

# (file in rejected/, code, line, col, text the message must contain)
REJECTED = [
    # Front matter: markup, entities and script URLs in each text field.
    ("title-script-tag.md", "TEXT003", 2, 8, "title contains an HTML tag: '<script>'"),
    ("title-img-onerror.md", "TEXT003", 2, 8, "title contains an HTML tag"),
    ("title-entity-javascript.md", "TEXT003", 2, 8, "an HTML entity: '&#106;'"),
    ("title-tab-in-scheme.md", "TEXT004", 2, 8, "control character"),
    # Invisible direction overrides and isolates: text shown in another order than it is written.
    ("summary-bidi-isolate.md", "TEXT004", 3, 10, "summary contains U+2067, a bidirectional control character"),
    ("summary-svg-onload.md", "TEXT003", 3, 10, "summary contains an HTML tag: '<svg onload=alert(1)>'"),
    ("summary-javascript-mixed-case.md", "TEXT003", 3, 10, "a script URL: 'JaVaScRiPt:'"),
    ("tag-svg-onload.md", "TEXT003", 4, 8, "tag contains an HTML tag"),
    ("tag-attribute-breakout.md", "TAG001", 4, 7, "is not in the vocabulary"),
    ("author-img-onerror.md", "TEXT003", 5, 9, "author contains an HTML tag"),
    ("author-attribute-breakout.md", "AUTH001", 5, 9, "is not in tips/authors.yml"),
    ("source-url-javascript-mixed-case.md", "URL001", 9, 8, "'JaVaScRiPt:alert(1)' is not an absolute http"),
    ("source-url-entity.md", "URL001", 9, 8, "'&#106;avascript:alert(1)' is not an absolute http"),
    ("source-title-link.md", "TEXT003", 8, 10, "source title contains an HTML tag"),
    # Body: raw HTML and event handlers, also split across lines or set with attr_list.
    ("body-script-uppercase.md", "BODY004", 10, 1, "a <script> element"),
    ("body-svg-onload.md", "BODY004", 10, 7, "the HTML element <svg>"),
    ("body-svg-onload-split-line.md", "BODY004", 10, 7, "the HTML element <svg>"),
    ("body-img-onerror.md", "BODY004", 10, 12, "the event handler 'onerror' on <img>"),
    ("body-a-href-javascript.md", "BODY005", 10, 15, "forbidden URL scheme: 'javascript:alert(1)'"),
    ("body-attr-list-onclick.md", "BODY004", 10, 35, "the event handler 'onclick' on <a>"),
    ("body-attr-list-href.md", "BODY005", 10, 41, "forbidden URL scheme: 'javascript:alert(1)'"),
    # Body: script URLs in every link form Markdown has, however encoded.
    ("body-link-mixed-case.md", "BODY005", 10, 11, "'JaVaScRiPt:alert(1"),
    ("body-link-decimal-entity.md", "BODY005", 10, 11, "'javascript:alert(1)'"),
    ("body-link-hex-entity-colon.md", "BODY005", 10, 11, "'javascript:alert(1)'"),
    ("body-link-newline-entity.md", "BODY005", 10, 11, "'java\\nscript:alert(1)'"),
    (
        "body-link-control-character.md",
        "ENC006",
        10,
        11,
        "U+000E, a control character",
    ),  # refused before the body rules
    ("body-link-destination-next-line.md", "BODY005", 11, 1, "forbidden URL scheme"),
    ("body-link-nested-label.md", "BODY005", 10, 45, "forbidden URL scheme"),
    ("body-link-vbscript.md", "BODY005", 10, 11, "'vbscript:msgbox(1"),
    # Relative-looking links that are no file beside the tips: a browser reads `\\host` as `//host`, and the
    # entity leaves `java\ufffdscript:...`, a path to nothing.
    ("body-link-backslash-host.md", "BODY010", 10, 12, "evil.example' points to tips/"),
    ("body-link-nul-entity-scheme.md", "BODY010", 10, 11, "the link 'java&#0;script:alert(1' points to tips/"),
    ("body-autolink-javascript.md", "BODY005", 10, 11, "'javascript:alert(1)'"),
    ("body-reference-definition.md", "BODY005", 12, 9, "'javascript:alert(1)'"),
    ("body-reference-next-line.md", "BODY005", 13, 5, "'javascript:alert(1)'"),
    ("body-reference-in-blockquote.md", "BODY005", 12, 11, "'javascript:alert(1)'"),
    ("body-image-javascript.md", "BODY005", 10, 12, "forbidden URL scheme"),
    ("body-image-data-svg.md", "BODY005", 10, 12, "'data:image/svg+xml"),
    # Body: text that looks like code to a careless scan, but is not code to Markdown.
    ("body-unclosed-fence.md", "BODY005", 11, 11, "forbidden URL scheme"),
    ("body-escaped-backtick.md", "BODY005", 10, 18, "forbidden URL scheme"),
    # YAML: a code-execution tag, alias bombs (refused at their first alias), a bare CR.
    ("yaml-python-object.md", "FM006", 2, 8, "the YAML tag '!!python/object/apply:os.system' is not used here"),
    ("yaml-billion-laughs.md", "FM008", 8, 12, "an alias (`*name`) repeats another value"),
    ("yaml-billion-laughs-in-title.md", "FM008", 7, 12, "an alias (`*name`) repeats another value"),
    # Body, judged on its rendering against the allow-list: raw HTML in odd forms, entities and
    # control characters in schemes, attribute lists, footnotes, tables, backtick tricks.
    ("body-attr-list-id.md", "BODY009", 11, 4, "the id 'location' is not allowed on <p>"),
    ("body-attr-list-image-src.md", "BODY005", 10, 28, "forbidden URL scheme: 'javascript:alert(1)'"),
    ("body-attr-list-style.md", "BODY004", 11, 4, "the attribute 'style' is not allowed on <p>"),
    ("body-autolink-uppercase.md", "BODY005", 10, 7, "forbidden URL scheme: 'javascript:alert(1)'"),
    ("body-backtick-mismatch.md", "BODY004", 10, 27, "the event handler 'onerror' on <img>"),
    ("body-cdata-section.md", "BODY004", 10, 7, "a CDATA section"),
    ("body-comment-around-script.md", "BODY004", 10, 6, "an HTML comment"),
    ("body-details-ontoggle.md", "BODY004", 10, 1, "the HTML element <details>"),
    ("body-footnote-markup.md", "BODY004", 12, 18, "the event handler 'onerror' on <img>"),
    ("body-image-data-png.md", "BODY005", 10, 12, "forbidden URL scheme: 'data:image/png"),
    ("body-marker-comment.md", "BODY004", 10, 1, "an HTML comment"),
    ("body-math-mglyph.md", "BODY004", 10, 1, "the HTML element <math>"),
    ("body-md-in-html-onclick.md", "BODY004", 10, 19, "the event handler 'onclick' on <div>"),
    ("body-processing-instruction.md", "BODY004", 10, 8, "a processing instruction"),
    ("body-raw-a-colon-entity.md", "BODY005", 10, 13, "forbidden URL scheme: 'javascript:alert(1)'"),
    ("body-raw-a-newline-in-scheme.md", "BODY005", 10, 13, "forbidden URL scheme: 'java\\nscript:alert(1)'"),
    ("body-reference-hex-entity.md", "BODY005", 12, 9, "forbidden URL scheme: 'javascript:alert(1)'"),
    ("body-table-cell-svg.md", "BODY004", 12, 9, "the HTML element <svg>"),
    ("body-template-img.md", "BODY004", 10, 6, "the HTML element <template>"),
    ("body-uppercase-attributes.md", "BODY004", 10, 18, "the event handler 'onerror' on <img>"),
    ("bare-cr-starts-a-line.md", "FM003", 3, 1, "not valid YAML"),
    # Bytes: NUL, an overlong `<` (a classic filter bypass), an encoded surrogate.
    ("nul-byte-in-title.md", "ENC003", 2, 13, "NUL byte"),
    ("invalid-utf8-overlong-lt.md", "ENC001", 10, 11, "not valid UTF-8 (byte 0xc0)"),
    ("invalid-utf8-surrogate.md", "ENC001", 2, 14, "not valid UTF-8 (byte 0xed)"),
    # Characters a feed cannot carry: they passed the check and crashed the build's XML writer.
    ("body-escape-sequence.md", "ENC006", 8, 342, "U+001B, a control character"),
    ("body-form-feed.md", "ENC006", 8, 238, "U+000C, a control character"),
    ("summary-noncharacter-fffe.md", "ENC006", 3, 19, "U+FFFE, a Unicode noncharacter"),
    ("body-noncharacter-fdd0.md", "ENC006", 8, 239, "U+FDD0, a Unicode noncharacter"),
    ("body-noncharacter-last-plane.md", "ENC006", 8, 239, "U+10FFFF, a Unicode noncharacter"),
    ("title-delete-character.md", "ENC006", 2, 16, "U+007F, a control character"),
    # A quote in a link's URL: Python-Markdown misreads the link and leaves its placeholders
    # (STX ... ETX) in the HTML; they passed the check and crashed the feeds' XML writer.
    ("body-link-quote-escape-at-end.md", "BODY011", 10, 11, "a quote in a link's URL makes Markdown leave"),
    ("body-link-apostrophe-code-span.md", "BODY011", 10, 13, "U+0002, a control character"),
    ("body-image-quote-in-list-item.md", "BODY011", 10, 20, "a quote in a link's URL"),
    ("body-link-quote-in-heading.md", "BODY011", 10, 42, "a quote in a link's URL"),
    ("body-link-quote-in-definition.md", "BODY011", 11, 38, "a quote in a link's URL"),
    ("body-link-quote-before-footnote-ref.md", "BODY011", 10, 38, "a quote in a link's URL"),
    ("body-link-quote-in-angle-brackets.md", "BODY011", 10, 39, "a quote in a link's URL"),
    ("body-reference-to-control-character.md", "BODY011", 10, 16, "the character reference '&#2;' stands for U+0002"),
    # YAML the schema does not use: a traceback (5,000 digits), types nothing reads, hidden repeats.
    ("yaml-5000-digit-week.md", "FM009", 7, 7, "the number has 5,000 digits"),
    ("yaml-binary-tag.md", "FM006", 3, 10, "the YAML tag '!!binary' is not used here"),
    ("yaml-timestamp-tag.md", "FM006", 6, 12, "the YAML tag '!!timestamp' is not used here"),
    ("yaml-set-of-tags.md", "FM006", 4, 7, "the YAML tag '!!set' is not used here"),
    ("yaml-merge-key.md", "FM008", 8, 3, "a merge key (`<<:`)"),
    ("yaml-recursive-alias.md", "FM008", 4, 20, "an alias (`*name`)"),
    ("yaml-duplicate-author.md", "FM007", 7, 1, "key 'author' is written twice"),
    ("yaml-tab-indented-source.md", "FM003", 8, 1, "a tab is used for indentation; YAML needs spaces"),
    # Dates no schedule should walk to.
    ("published-year-9999.md", "DATE002", 6, 12, "outside the dates the site publishes, 2000-01-01 to 2100-12-31"),
    ("week-year-9998.md", "DATE003", 7, 7, "outside the weeks the site publishes, 2000-W01 to 2100-W51"),
    # Long fields: the length is checked before any pattern (the underscore rule was quadratic).
    ("summary-underscores-quadratic.md", "TEXT002", 3, 10, "summary is 180,004 characters long"),
    ("title-200k-brackets.md", "TEXT002", 2, 8, "title is 200,000 characters long"),
    ("source-url-200k.md", "URL001", 9, 8, "the URL is 200,020 characters long"),
    # File names become public URLs.
    ("tip with spaces.md", "SLUG001", 1, 1, "not a lowercase kebab-case slug"),
    ("UPPERCASE-TIP.md", "SLUG001", 1, 1, "not a lowercase kebab-case slug"),
    # Dates: a pin cannot put a tip on a week page before its published date
    # (accepted scheduled tips are in accepted/, see tests/test_visibility.py).
    ("scheduled-pinned-before-its-date.md", "SCHED005", 7, 7, "before the tip's published date 2026-11-30"),
    ("dated-today-pinned-to-this-week.md", "SCHED005", 7, 7, "2026-W48 starts 2026-11-23"),
    ("scheduled-draft-pinned.md", "SCHED002", 7, 7, "the tip is a draft but pinned to 2026-W50"),
    # A tip named index.md: MkDocs publishes it at /tips/, so every feed, the API and the sitemap
    # pointed at /tips/index/, a page that did not exist.
    ("index.md", "SLUG002", 1, 1, "the slug 'index' is reserved"),
    # Body constructs that aim at the theme's page around the body: its ids, classes and names
    # (DOM clobbering), link targets and openers, a language class, a script URL as a document.
    ("body-heading-id-of-the-theme.md", "BODY009", 10, 10, "the id '__drawer' is not allowed on <h2>"),
    ("body-footnote-label-markup.md", "BODY009", 10, 18, "the id 'fn:\"><img src=x onerror=alert(1)>'"),
    ("body-attr-list-target-blank.md", "BODY004", 10, 35, "the attribute 'target' is not allowed on <a>"),
    ("body-attr-list-rel-opener.md", "BODY004", 10, 35, "the attribute 'rel' is not allowed on <a>"),
    ("body-class-of-the-theme.md", "BODY008", 10, 14, "the class 'md-search' is not allowed"),
    ("body-a-name-clobbers.md", "BODY004", 10, 4, "the attribute 'name' is not allowed on <a>"),
    ("body-admonition-title-img.md", "BODY004", 10, 22, "the event handler 'onerror' on <img>"),
    ("body-code-language-class.md", "BODY008", 10, 14, "the class 'language-js' is not allowed"),
    ("body-link-to-data-html.md", "BODY005", 10, 5, "forbidden URL scheme: 'data:text/html"),
    # A relative link is a link to a tip (BODY006), never a path out of the site (not `body-`: not an HTML rule).
    (
        "link-climbs-out-of-the-site.md",
        "BODY006",
        10,
        13,
        "the link '../../../../etc/passwd' points out of the tips folder, not to a tip",
    ),
]

FRONT = (
    "---\ntitle: {title}\nsummary: A generated hostile tip.\ntags: [empathy]\n"
    "author: editorial-team\npublished: 2026-09-01\n"
)
PROSE = "Read the whole message twice before you answer, and open with what they most need to hear. " * 6


@dataclass(frozen=True)
class Generated:
    """A hostile case made at test time in the tips folder: `make(folder)` creates the file `name`."""

    name: str
    make: Callable[[Path], None]
    code: str
    line: int
    col: int
    text: str


def _write(name: str, data: bytes) -> Callable[[Path], None]:
    return lambda folder: (folder / name).write_bytes(data)


def _symlink(name: str, target: Callable[[Path], Path]) -> Callable[[Path], None]:
    return lambda folder: (folder / name).symlink_to(target(folder))


def _outside_file(folder: Path) -> Path:
    secret = folder.parent / "outside-the-library.md"
    secret.write_text(FRONT.format(title="Not a tip") + "---\n" + PROSE, encoding="utf-8")
    return secret


def _image(path: Path, image_format: str) -> None:
    from PIL import Image  # noqa: PLC0415 - only the image cases need it

    Image.new("RGB", (2, 2), "white").save(path, format=image_format)


def _svg_behind_a_png_name(folder: Path) -> None:
    (folder / "diagram.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')
    (folder / "svg-named-as-image.png").symlink_to("diagram.svg")


def _outside_image(folder: Path) -> Path:
    outside = folder.parent / "outside.png"
    _image(outside, "PNG")
    return outside


GENERATED = [
    Generated(
        "body-5-mb.md",
        _write(
            "body-5-mb.md",
            (FRONT.format(title="Five megabytes") + "---\n").encode() + b"All work and no play. " * 240_000,
        ),
        "ENC004",
        1,
        1,
        "a tip file is at most 262,144",
    ),
    Generated(
        "front-matter-10000-lines.md",
        _write(
            "front-matter-10000-lines.md",
            (FRONT.format(title="Long front matter") + "note: x\n" * 10_000 + "---\n" + PROSE).encode(),
        ),
        "FM005",
        1,
        1,
        "longer than 200 lines",
    ),
    Generated(
        "front-matter-10000-lines-unclosed.md",
        _write("front-matter-10000-lines-unclosed.md", ("---\n" + "note: x\n" * 10_000 + PROSE).encode()),
        "FM005",
        1,
        1,
        "longer than 200 lines",
    ),
    # 10,000 is the example; 100,000 is past the depth (about 30,000)
    # where libyaml's C composer overflowed the stack and killed the process.
    # The front matter itself is the first level, so the 64th bracket passes the limit.
    Generated(
        "nested-10000-brackets.md",
        _write(
            "nested-10000-brackets.md", (FRONT.format(title="[" * 10_000 + "]" * 10_000) + "---\n" + PROSE).encode()
        ),
        "FM005",
        2,
        71,
        "more than 64 levels deep",
    ),
    Generated(
        "nested-10000-unclosed.md",
        _write("nested-10000-unclosed.md", (FRONT.format(title="[" * 10_000) + "---\n" + PROSE).encode()),
        "FM005",
        2,
        71,
        "more than 64 levels deep",
    ),
    Generated(
        "nested-100000-dashes.md",
        _write(
            "nested-100000-dashes.md",
            (FRONT.format(title="A dash bomb") + "note:\n  " + "- " * 100_000 + "x\n---\n" + PROSE).encode(),
        ),
        "FM005",
        8,
        129,
        "more than 64 levels deep",
    ),
    Generated(
        "symlink-outside.md", _symlink("symlink-outside.md", _outside_file), "ENC005", 1, 1, "outside the library"
    ),
    Generated(
        "symlink-loop.md",
        _symlink("symlink-loop.md", lambda folder: folder / "symlink-loop.md"),
        "ENC005",
        1,
        1,
        "a link that leads back to itself",
    ),
    Generated(
        "named-pipe.md", lambda folder: os.mkfifo(folder / "named-pipe.md"), "ENC005", 1, 1, "not a regular file"
    ),
    Generated("a-folder.md", lambda folder: (folder / "a-folder.md").mkdir(), "ENC005", 1, 1, "not a regular file"),
    # Files beside the tips are published as images under /tips/: only real images, named as slugs.
    Generated(
        "page-named-as-image.png",
        _write("page-named-as-image.png", b"<html><script>alert(1)</script></html>"),
        "SEC002",
        1,
        1,
        "named as a PNG image but is not an image this site publishes",
    ),
    Generated(
        "svg-named-as-image.png",
        _svg_behind_a_png_name,
        "SEC002",
        1,
        1,
        "named as a PNG image but is not an image this site publishes",
    ),
    Generated(
        "gif-named-as-png.png",
        lambda folder: _image(folder / "gif-named-as-png.png", "GIF"),
        "SEC002",
        1,
        1,
        "named as a PNG image but is a GIF image",
    ),
    Generated(
        'quote"and<angle>.png',
        lambda folder: _image(folder / 'quote"and<angle>.png', "PNG"),
        "SLUG001",
        1,
        1,
        "is not a lowercase kebab-case slug",
    ),
    Generated(
        "image-outside.png",
        _symlink("image-outside.png", _outside_image),
        "ENC005",
        1,
        1,
        "the image is not a file inside the library",
    ),
]

CASES = [(name, code, line, col, text, None) for name, code, line, col, text in REJECTED] + [
    (g.name, g.code, g.line, g.col, g.text, g.make) for g in GENERATED
]


# Inputs that could take the whole process down or never return, not just
# fail a check: the deep nestings overflowed the stack of libyaml's C
# composer (a crash no `except` catches), alias bombs and a 5 MB body could
# allocate without bound, and the 200,000-character fields once made a
# pattern quadratic. They run in a subprocess with 1 GiB of address space
# and a timeout only a hang reaches, where a crash shows as a signal and a
# runaway allocation as a MemoryError, without taking the test run with it.
# Every other case runs in this process, where an exception fails the test
# with its traceback.
ISOLATED = {
    "nested-10000-brackets.md",
    "nested-10000-unclosed.md",
    "nested-100000-dashes.md",
    "yaml-billion-laughs.md",
    "yaml-billion-laughs-in-title.md",
    "yaml-recursive-alias.md",
    "body-5-mb.md",
    "summary-underscores-quadratic.md",
    "title-200k-brackets.md",
    "source-url-200k.md",
}


def run_tips_check(cwd: Path, *args: str, isolated: bool = False) -> TipsRun:
    """`tips check ARGS` in `cwd`: in this process, or `isolated` in a guarded subprocess."""
    run = run_tips_isolated if isolated else run_tips
    return run("check", "--as-of", AS_OF, *args, cwd=cwd)


def add_case(tips: Path, name: str, make: Callable[[Path], None] | None) -> None:
    """Put one hostile case into a tips folder: copy the fixture file or generate it."""
    if make is None:
        shutil.copyfile(REJECTED_DIR / name, tips / name)
    else:
        make(tips)


def located(name: str, code: str, line: int, col: int) -> str:
    """The start of the problem line editors and CI read: `tips/<name>:line:col: CODE`."""
    return f"tips/{name}:{line}:{col}: {code} "


def assert_no_crash(result: TipsRun) -> None:
    output = result.stdout + result.stderr
    assert "Traceback" not in output, output[-3000:]
    assert "MemoryError" not in output, output[-3000:]
    # A negative return code is a signal: a segmentation fault or the kernel's OOM killer.
    assert result.returncode >= 0, f"killed by signal {-result.returncode}"


def test_every_rejected_fixture_is_in_the_table():
    assert {p.name for p in REJECTED_DIR.iterdir()} == {row[0] for row in REJECTED}


@pytest.mark.parametrize("name, code, line, col, text, make", CASES, ids=[case[0] for case in CASES])
def test_tips_check_refuses_a_hostile_tip_at_its_place(tmp_path, name, code, line, col, text, make):
    tips = copy_library(tmp_path)
    add_case(tips, name, make)
    result = run_tips_check(tmp_path, "--root", "tips", isolated=name in ISOLATED)
    assert_no_crash(result)
    assert result.returncode == 1, result.stdout
    lines = [entry for entry in result.stdout.splitlines() if entry.startswith(located(name, code, line, col))]
    assert lines, f"expected {located(name, code, line, col)!r} in:\n{result.stdout}"
    assert text in lines[0], lines[0]
    # The other tips of the library are not blamed for the hostile one.
    assert "own-the-miss.md:" not in result.stdout and "open-with-what-they-need.md:" not in result.stdout


def test_the_accepted_tricky_library_passes_tips_check(tmp_path):
    result = run_tips_check(tmp_path, "--root", str(ACCEPTED_DIR))
    assert_no_crash(result)
    assert result.returncode == 0, result.stdout
    assert "no problems" in result.stdout or "0 errors" in result.stdout


@pytest.mark.parametrize(
    "vocabulary, content, text",
    [
        (
            "tags.yml",
            "empathy:\n  label: <script>alert(1)</script>\n  description: Seeing it their way.\n",
            "contains an HTML tag",
        ),
        (
            "tags.yml",
            "empathy:\n  label: Empathy\n  description: '&#106;avascript:alert(1)'\n",
            "contains an HTML entity",
        ),
        ("authors.yml", "editorial-team:\n  name: <img src=x onerror=alert(1)>\n", "contains an HTML tag"),
        ("authors.yml", "editorial-team:\n  name: Editors\n  url: javascript:alert(1)\n", "not an absolute http"),
        ("authors.yml", "editorial-team:\n  name: Editors \u202egnp.exe\n", "U+202E, a bidirectional control"),
        ("tags.yml", "empathy:\n  label: \u2066Care\u2069\n  description: Their way.\n", "U+2066, a bidirectional"),
        ("tags.yml", "empathy: " + "[" * 50_000 + "]" * 50_000 + "\n", "nested more than 64 levels deep"),
    ],
)
def test_tips_check_refuses_script_in_the_vocabularies(tmp_path, vocabulary, content, text):
    tips = copy_library(tmp_path)
    (tips / vocabulary).write_text(content, encoding="utf-8")
    result = run_tips_check(tmp_path, "--root", "tips", isolated="[" * 50_000 in content)  # a stack bomb
    assert_no_crash(result)
    assert result.returncode == 1
    problems = [entry for entry in result.stdout.splitlines() if entry.startswith(f"tips/{vocabulary}:")]
    assert problems and "VOC001" in problems[0] and text in problems[0], result.stdout


def test_the_site_build_refuses_every_hostile_tip_with_the_same_lines(tmp_path):
    tips = copy_library(tmp_path)
    for name, _code, _line, _col, _text, make in CASES:
        add_case(tips, name, make)
    out = tmp_path / "out" / "site"
    result = build_site(tips, out, AS_OF)
    assert "Traceback" not in result.output, result.output[-3000:]
    assert result.returncode > 0, result.output[-3000:]
    assert "the site was not built" in result.output
    for name, code, line, col, text, _make in CASES:
        # The build prints the lines of `tips check`; its paths are relative to the repository.
        where = f"{name}:{line}:{col}: {code} "
        assert any(where in entry and text in entry for entry in result.output.splitlines()), where
    assert not out.exists(), "a refused build must not create a site"
    assert [p.name for p in out.parent.iterdir()] == [], "no staging folder may be left behind"


@pytest.mark.parametrize("name", ["body-svg-onload-split-line.md", "body-5-mb.md", "nested-100000-dashes.md"])
def test_a_refused_build_leaves_the_previous_site_byte_identical(tmp_path, site_cache, name):
    tips, out = site_cache.copy(LIBRARY, tmp_path)  # the library and a good site built from it
    before = snapshot(out)
    assert "tips/own-the-miss/index.html" in before
    make = next((g.make for g in GENERATED if g.name == name), None)
    add_case(tips, name, make)
    second = build_site(tips, out, AS_OF)
    assert second.returncode > 0 and "Traceback" not in second.output
    assert snapshot(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["site"], "no staging folder may be left behind"
