"""The docs' generated blocks (field table, tag list, sample outputs, feed examples) match their sources."""

from __future__ import annotations

import re
import shutil

import pytest
import yaml
from click.testing import CliRunner

from servicetips.cli import main
from servicetips.docblocks import COMMAND, DocBlockError, Project, refresh, refresh_text
from servicetips.markdown_config import new_markdown
from servicetips.schema import fields_table_markdown
from support import FIXTURES, MKDOCS_YML, REPO, SITE_FIXTURES, parse_html, text_of

GUIDE = REPO / "docs" / "contributing.md"
INTEGRATORS = REPO / "docs" / "integrators.md"


def test_the_committed_docs_are_up_to_date():
    stale = [r.path.relative_to(REPO).as_posix() for r in refresh(Project.at(REPO), write=False) if r.stale]
    assert not stale, f"generated blocks are out of date in {', '.join(stale)}: run `{COMMAND}` and commit the result"


def block(text: str, name: str, args: str = "") -> str:
    """The content of one generated block in a document."""
    begin = f"<!-- tips:{name}:begin{' ' + args if args else ''} -->\n"
    return text.split(begin, 1)[1].split(f"<!-- tips:{name}:end -->", 1)[0]


def test_the_guide_is_complete_without_the_site():
    # Read on GitHub, or from CONTRIBUTING.md's link, it shows every field and every tag.
    guide = GUIDE.read_text("utf-8")
    assert fields_table_markdown().strip() in block(guide, "fields")
    tags = yaml.safe_load((REPO / "tips" / "tags.yml").read_text("utf-8"))
    listed = block(guide, "tags")
    for key in tags:
        assert f"| `{key}` |" in listed
    assert "docs/contributing.md" in (REPO / "CONTRIBUTING.md").read_text("utf-8")
    assert "<!-- tips:fields -->" not in guide and "<!-- tips:tags -->" not in guide


def test_the_guides_samples_are_what_the_commands_print():
    guide = GUIDE.read_text("utf-8")
    typo = block(guide, "sample", "tips check tips/offer-two-clear-options.md with tests/fixtures/docs/tag-typo")
    assert "4:1: KEY002 unknown key 'tag' (did you mean 'tags'?)" in typo
    assert "1:1: KEY001 required key 'tags' is missing" in typo and "1 file checked: 2 errors" in typo
    new = block(
        guide, "sample", 'tips new "Offer two clear options" --tag freedoms --tag recovery --author editorial-team'
    )
    assert "wrote tips/offer-two-clear-options.md\nnext: " in new
    example = block(guide, "file", "tests/fixtures/docs/complete-example/offer-two-clear-options.md")
    assert (FIXTURES / "docs" / "complete-example" / "offer-two-clear-options.md").read_text("utf-8") in example
    clean = block(
        guide, "sample", "tips check tips/offer-two-clear-options.md with tests/fixtures/docs/complete-example"
    )
    assert "1 file checked: no problems" in clean


def test_integrators_quote_the_sites_own_address_and_description():
    config = yaml.safe_load(MKDOCS_YML.read_text("utf-8"))
    text = INTEGRATORS.read_text("utf-8")
    assert f'"description": "{config["site_description"].strip()}"' in text
    addresses = re.findall(r"https?://[A-Za-z0-9.-]*example\.org/", text)
    assert addresses and set(addresses) == {config["site_url"]}


def make_project(tmp_path, document: str) -> Project:
    shutil.copytree(SITE_FIXTURES / "small", tmp_path / "tips")  # a tag label holds "&"
    shutil.copy(MKDOCS_YML, tmp_path / "mkdocs.yml")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "page.md").write_text(document, encoding="utf-8")
    return Project.at(tmp_path)


STALE = """# A page

Before, with a [link](other.md).

<!-- tips:tags:begin -->
| old | table |
<!-- tips:tags:end -->

After: `<!-- tips:tags:begin -->` in code is text, not a block.
"""


def test_tips_docs_rewrites_only_the_blocks_and_check_reports_staleness(tmp_path):
    project = make_project(tmp_path, STALE)
    page = tmp_path / "docs" / "page.md"
    runner = CliRunner()
    stale = runner.invoke(main, ["docs", "--check", "--repo", str(tmp_path)])
    assert stale.exit_code == 1 and "out of date" in stale.output
    assert page.read_text("utf-8") == STALE  # --check changes nothing
    assert runner.invoke(main, ["docs", "--repo", str(tmp_path)]).exit_code == 0
    fresh = page.read_text("utf-8")
    assert fresh.startswith("# A page\n\nBefore, with a [link](other.md).\n\n<!-- tips:tags:begin -->\n")
    assert fresh.endswith("<!-- tips:tags:end -->\n\nAfter: `<!-- tips:tags:begin -->` in code is text, not a block.\n")
    assert "| old | table |" not in fresh and "| Tone &amp; wording | `tone` |" in fresh
    assert runner.invoke(main, ["docs", "--check", "--repo", str(tmp_path)]).exit_code == 0
    assert refresh_text(fresh, project) == fresh  # a second run changes nothing
    assert [p.name for p in page.parent.iterdir()] == ["page.md"]  # no temporary file left


@pytest.mark.parametrize(
    "document, error",
    [
        ("<!-- tips:sample:begin rm -rf / -->\n<!-- tips:sample:end -->\n", "a sample runs a `tips` command"),
        (
            "<!-- tips:sample:begin tips check --no-such-option -->\n<!-- tips:sample:end -->\n",
            "the command failed (exit 2)",
        ),
        ("<!-- tips:sample:begin tips check with ../.. -->\n<!-- tips:sample:end -->\n", "no such file or folder"),
        ("<!-- tips:file:begin ../../../etc/passwd -->\n<!-- tips:file:end -->\n", "no such file or folder"),
        ("<!-- tips:shell:begin ls -->\n<!-- tips:shell:end -->\n", "unknown block tips:shell"),
        ("<!-- tips:fields:begin extra -->\n<!-- tips:fields:end -->\n", "takes no arguments"),
        ("<!-- tips:tags:begin -->\nold\n<!-- tips:tag:end -->\n", "has no matching"),
        ("<!-- tips:tags:begin -->\n<!-- tips:tags:begin -->\n<!-- tips:tags:end -->\n", "has no matching"),
        ("<!-- tips:feed:begin feed.xml from tips as of 2026-11-23 -->\n<!-- tips:feed:end -->\n", "PATH one of"),
    ],
)
def test_a_block_that_would_run_or_show_something_else_is_refused(tmp_path, document, error):
    project = make_project(tmp_path, document)
    with pytest.raises(DocBlockError, match=re.escape(error)):
        refresh(project, write=True)
    assert (tmp_path / "docs" / "page.md").read_text("utf-8") == document


def test_a_shown_file_cannot_close_its_own_fence(tmp_path):
    project = make_project(tmp_path, "<!-- tips:file:begin docs/trick.md -->\n<!-- tips:file:end -->\n")
    (tmp_path / "docs" / "trick.md").write_text("````\n# not a heading of the page\n", encoding="utf-8")
    text = refresh_text((tmp_path / "docs" / "page.md").read_text("utf-8"), project)
    assert "\n`````markdown\n````\n# not a heading of the page\n`````\n" in text


# Tag labels and descriptions that pass `tips check` but hold what an attribute
# list, a table or an entity would read as markup (`{ onclick=... }`, `|`, `&`).
HOSTILE_VOCABULARY = FIXTURES / "hostile" / "vocabulary-markup"


def test_tag_text_in_the_guide_renders_as_written_and_sets_no_attribute(tmp_path):
    project = make_project(tmp_path, "# Tags\n\n<!-- tips:tags:begin -->\n<!-- tips:tags:end -->\n")
    shutil.copy(HOSTILE_VOCABULARY / "tags.yml", project.tips / "tags.yml")
    page = refresh_text((tmp_path / "docs" / "page.md").read_text("utf-8"), project)
    tree = parse_html(new_markdown().convert(page))
    rows = [[text_of(cell) for cell in row.xpath("td")] for row in tree.iter("tr")][1:]
    tags = yaml.safe_load((HOSTILE_VOCABULARY / "tags.yml").read_text("utf-8"))
    assert rows == [[tag["label"], key, " ".join(tag["description"].split())] for key, tag in tags.items()]
    # The table's cells are plain cells: no attribute list became attributes.
    assert [(e.tag, dict(e.attrib)) for e in tree.iter("table", "tr", "td", "th") if e.attrib] == []


def test_an_invalid_tag_vocabulary_is_named_not_a_traceback(tmp_path):
    project = make_project(tmp_path, "<!-- tips:tags:begin -->\n<!-- tips:tags:end -->\n")
    (project.tips / "tags.yml").write_text("tone:\n  label: <b>Tone</b>\n  description: Words.\n", encoding="utf-8")
    with pytest.raises(DocBlockError, match=re.escape("tags.yml is not valid (tips/tags.yml:2:10: VOC001")):
        refresh(project, write=True)
