"""`tips check` as CI and tools see it: `--format github`, `--format json` and
`--changed [BASE]` in real git repositories.

Which rule fires for which mistake is tested in test_validate.py; here the
fixtures only need to be wrong in known places.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from servicetips import files
from servicetips.cli import main
from support import AS_OF, FIXTURES, Git
from support.git import ISOLATED
from support.readonly import refusing_writes

WORKFLOW = FIXTURES / "workflow"
BAD = WORKFLOW / "bad"
# tests/fixtures/workflow/bad/ask-before-you-transfer.md: one misspelt tag.
TRANSFER_PROBLEM = "tips/ask-before-you-transfer.md:4:7: TAG001 tag 'reputaton' is not in the vocabulary"
# tests/fixtures/workflow/bad/offer-two-clear-options.md: `tag:` for `tags:` and an H1.
OFFER_PROBLEM = "tips/offer-two-clear-options.md:4:1: KEY002 unknown key 'tag' (did you mean 'tags'?)"


def tips_check(*args: str) -> subprocess.CompletedProcess:
    """Run `tips check ARGS` in the current folder, with stdout and stderr apart."""
    result = CliRunner().invoke(main, ["check", "--as-of", AS_OF, *args], catch_exceptions=False)
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture library copied to ./tips, with the working folder set to its parent (as in CI)."""
    shutil.copytree(FIXTURES / "library", tmp_path / "tips")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TIPS_ROOT", raising=False)
    return tmp_path / "tips"


def add(library: Path, *fixtures: Path) -> None:
    for fixture in fixtures:
        shutil.copy(fixture, library / fixture.name)


# -- --format github -------------------------------------------------------


def test_github_format_is_one_workflow_command_per_problem(library: Path) -> None:
    add(library, BAD / "ask-before-you-transfer.md", BAD / "offer-two-clear-options.md")

    result = tips_check("--format", "github")

    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "::error file=tips/ask-before-you-transfer.md,line=4,col=7,title=TAG001::"
        "tag 'reputaton' is not in the vocabulary (hint: use one of: empathy, freedoms, recovery, reputation "
        "(did you mean 'reputation'?); new tags are added to tips/tags.yml by a maintainer)"
    )
    assert (
        "::error file=tips/offer-two-clear-options.md,line=4,col=1,title=KEY002::unknown key 'tag'"
        " (did you mean 'tags'?) (hint: allowed keys: " in result.stdout
    )
    assert "::error file=tips/offer-two-clear-options.md,line=12,col=1,title=BODY003::" in result.stdout
    # Everything but the summary is an annotation; the paths are relative to
    # the repository root, which is how GitHub finds the file and the line.
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == len(lines) - 1
    assert lines[-1] == "4 files checked: 4 errors, 1 warning"


def test_github_format_marks_warnings_as_warnings_and_they_do_not_fail(library: Path) -> None:
    result = tips_check("--format", "github")

    assert result.returncode == 0
    assert result.stdout.splitlines()[0].startswith(
        "::warning file=tips/schedule.yml,line=1,col=1,title=SCHED004::only 0 of the next 4 weeks"
    )


def test_github_format_escapes_what_would_break_the_command(library: Path) -> None:
    # A comma in a property would end the file name; a % in the message would
    # be read as an escape. GitHub's rules: %25 in both, %2C and %3A in properties.
    add(library, BAD / "half,price.md")

    result = tips_check("--format", "github")

    assert (
        "::error file=tips/half%2Cprice.md,line=1,col=1,title=SLUG001::file name 'half,price.md' is not"
        in result.stdout
    )
    assert (
        "::error file=tips/half%2Cprice.md,line=4,col=7,title=TAG001::tag '50%25-off' is not in the vocabulary"
        in result.stdout
    )


def test_text_format_escapes_control_characters_in_file_names(library: Path) -> None:
    # A file name with a newline started a line of its own in the text
    # output: in a CI log, `::warning ...` there is a workflow command.
    forged = "x\n::warning file=README.md,line=1::looks fine.md"
    (library / forged).write_text("no front matter\n", encoding="utf-8")

    result = tips_check()

    assert result.returncode == 1
    assert not any(line.startswith("::") for line in result.stdout.splitlines())
    assert "tips/x\\n::warning file=README.md,line=1::looks fine.md:1:1: FM001" in result.stdout


# -- --format json ---------------------------------------------------------


def test_json_format_is_a_list_of_problems_and_nothing_else(library: Path) -> None:
    add(library, BAD / "ask-before-you-transfer.md")

    result = tips_check("--format", "json")

    assert result.returncode == 1
    problems = json.loads(result.stdout)  # no summary line or banner mixed into stdout
    assert problems == [
        {
            "path": "tips/ask-before-you-transfer.md",
            "line": 4,
            "col": 7,
            "code": "TAG001",
            "message": "tag 'reputaton' is not in the vocabulary",
            "hint": "use one of: empathy, freedoms, recovery, reputation (did you mean 'reputation'?); "
            "new tags are added to tips/tags.yml by a maintainer",
            "severity": "error",
        },
        {
            "path": "tips/schedule.yml",
            "line": 1,
            "col": 1,
            "code": "SCHED004",
            "message": "only 0 of the next 4 weeks get a tip that has not been tip of the week before",
            "hint": "add new tips (or pin some) so readers do not see repeats; `tips schedule` shows the plan",
            "severity": "warning",
        },
    ]


def test_json_format_of_a_clean_library_is_an_empty_list(library: Path) -> None:
    add(library, WORKFLOW / "offer-two-clear-options.md")

    result = tips_check("--format", "json", "tips/offer-two-clear-options.md")

    assert result.returncode == 0
    assert json.loads(result.stdout) == []


# -- --changed [BASE] ----------------------------------------------------------


@pytest.fixture
def git(library: Path, monkeypatch: pytest.MonkeyPatch) -> Git:
    """./tips committed on main, with a bad tip already in history (so "changed" is visible)."""
    repo = Git(library.parent)
    for key, value in ISOLATED.items():
        monkeypatch.setenv(key, value)  # `tips check --changed` runs git too
    repo("init", "--quiet", "--initial-branch=main")
    add(library, BAD / "ask-before-you-transfer.md")
    repo.commit("A library with one old problem")
    return repo


def test_changed_reports_only_new_and_modified_tips(library: Path, git: Git) -> None:
    add(library, BAD / "offer-two-clear-options.md")  # new, untracked
    own = library / "own-the-miss.md"
    own.write_text(
        own.read_text(encoding="utf-8").replace("tags: [recovery, reputation]", "tags: [recovry]"), encoding="utf-8"
    )  # tracked, edited, not staged

    result = tips_check("--changed")

    assert result.returncode == 1
    assert OFFER_PROBLEM in result.stdout
    assert "tips/own-the-miss.md:4:7: TAG001 tag 'recovry' is not in the vocabulary" in result.stdout
    assert TRANSFER_PROBLEM not in result.stdout, "a committed, unchanged tip was reported"
    assert "2 files checked" in result.stdout
    assert result.stderr == "checking files changed since HEAD\n"


def test_changed_includes_staged_tips(library: Path, git: Git) -> None:
    add(library, BAD / "offer-two-clear-options.md")
    git("add", "tips/offer-two-clear-options.md")

    result = tips_check("--changed")

    assert OFFER_PROBLEM in result.stdout
    assert "1 file checked: 3 errors" in result.stdout


def test_changed_with_nothing_changed_checks_nothing_and_passes(library: Path, git: Git) -> None:
    result = tips_check("--changed")

    assert result.returncode == 0
    assert result.stdout.strip() == "0 files checked: no problems"


def test_changed_ignores_deleted_tips_and_files_outside_the_library(library: Path, git: Git) -> None:
    (library / "open-with-what-they-need.md").unlink()
    (library.parent / "notes.md").write_text("# Not a tip\n", encoding="utf-8")

    result = tips_check("--changed")

    assert result.returncode == 0
    assert result.stdout.strip() == "0 files checked: no problems"


@pytest.mark.parametrize("vocabulary", ["tags.yml", "authors.yml", "schedule.yml"])
def test_a_changed_vocabulary_checks_the_whole_library(library: Path, git: Git, vocabulary: str) -> None:
    path = library / vocabulary
    path.write_text(path.read_text(encoding="utf-8") + "# reviewed\n", encoding="utf-8")

    result = tips_check("--changed")

    assert TRANSFER_PROBLEM in result.stdout, "an unchanged tip must be rechecked when a vocabulary changes"
    assert "3 files checked" in result.stdout


def test_changed_defaults_to_origin_main_when_it_exists(library: Path, git: Git) -> None:
    # A branch with one committed tip on top of origin/main: the pull request's view.
    git("update-ref", "refs/remotes/origin/main", "HEAD")
    add(library, BAD / "offer-two-clear-options.md")
    git.commit("Propose a tip")

    result = tips_check("--changed")

    assert result.stderr == "checking files changed since origin/main\n"
    assert OFFER_PROBLEM in result.stdout
    assert TRANSFER_PROBLEM not in result.stdout


def test_changed_falls_back_to_head_without_origin_main(library: Path, git: Git) -> None:
    add(library, BAD / "offer-two-clear-options.md")
    git.commit("Propose a tip")

    result = tips_check("--changed")

    assert result.stderr == "checking files changed since HEAD\n"
    assert result.stdout.strip() == "0 files checked: no problems", "committed work is not a change since HEAD"


def test_changed_accepts_an_explicit_base(library: Path, git: Git) -> None:
    add(library, BAD / "offer-two-clear-options.md")
    git.commit("Propose a tip")

    result = tips_check("--changed", "HEAD~1")

    assert result.stderr == "checking files changed since HEAD~1\n"
    assert OFFER_PROBLEM in result.stdout
    assert TRANSFER_PROBLEM not in result.stdout


def test_changed_with_github_format_annotates_only_changed_files(library: Path, git: Git) -> None:
    git("update-ref", "refs/remotes/origin/main", "HEAD")
    add(library, BAD / "offer-two-clear-options.md")
    git.commit("Propose a tip")

    result = tips_check("--changed", "origin/main", "--format", "github")

    annotations = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert annotations and all("file=tips/offer-two-clear-options.md," in line for line in annotations)
    assert result.stderr == "", "the banner is for people; annotations output stays clean"


def test_changed_with_an_unknown_base_is_a_usage_error(library: Path, git: Git) -> None:
    result = tips_check("--changed", "no-such-branch")

    assert result.returncode == 2
    assert "--changed" in result.stderr and "no-such-branch" in result.stderr
    assert result.stdout == ""


def test_changed_with_an_unknown_base_says_what_to_do(library: Path, git: Git) -> None:
    result = tips_check("--changed", "no-such-branch")

    assert "rev-parse" not in result.stderr
    assert "no-such-branch" in result.stderr and "not a commit" in result.stderr


def test_changed_outside_a_git_repository_is_a_usage_error(library: Path) -> None:
    result = tips_check("--changed")

    assert result.returncode == 2
    assert "--changed" in result.stderr and "not a git repository" in result.stderr


def test_changed_and_paths_together_are_a_usage_error(library: Path, git: Git) -> None:
    result = tips_check("--changed", "HEAD", "tips/own-the-miss.md")

    assert result.returncode == 2
    assert "either PATHS or --changed" in result.stderr


# -- PATHS, as the pre-commit hook passes them ----------------------------------


def test_paths_report_only_those_files_but_in_the_context_of_the_library(library: Path) -> None:
    add(library, BAD / "ask-before-you-transfer.md", WORKFLOW / "offer-two-clear-options.md")
    duplicate = library / "offer-two-again.md"  # same title as offer-two-clear-options.md
    duplicate.write_text((WORKFLOW / "offer-two-clear-options.md").read_text(encoding="utf-8"), encoding="utf-8")

    result = tips_check("tips/offer-two-again.md")

    assert result.returncode == 1
    assert "tips/offer-two-again.md:2:8: DUP001" in result.stdout, "titles are compared across the whole library"
    assert TRANSFER_PROBLEM not in result.stdout
    assert "1 file checked" in result.stdout


def test_a_path_that_links_out_of_the_library_gets_the_located_problem(library: Path) -> None:
    # Before: "Error: tips/outside.md is not in tips/", where checking the
    # whole library gave the located ENC005.
    (library / "outside.md").symlink_to("/etc/passwd")
    expected = "tips/outside.md:1:1: ENC005 the file is a link to /etc/passwd, outside the library"

    result = tips_check("tips/outside.md")

    assert result.returncode == 1
    assert expected in result.stdout and "1 file checked: 1 error" in result.stdout
    assert expected in tips_check().stdout


def test_a_path_outside_the_tips_folder_is_still_a_usage_error(library: Path) -> None:
    (library.parent / "elsewhere.md").write_text("---\n", encoding="utf-8")
    result = tips_check("elsewhere.md")
    assert result.returncode == 2 and "is not in tips/" in result.stderr


def test_a_vocabulary_file_as_path_checks_the_whole_library(library: Path) -> None:
    add(library, BAD / "ask-before-you-transfer.md")

    result = tips_check("tips/tags.yml")

    assert TRANSFER_PROBLEM in result.stdout


# -- tips schema -o, tips docs --repo, tips withdraw: one-line errors ------------


def run_tips(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.mark.parametrize(
    "target, message",
    [
        ("missing-folder/x.json", "cannot write missing-folder/x.json: the folder missing-folder/ does not exist"),
        (".", ". is a folder; give a file name"),
    ],
)
def test_schema_output_that_cannot_be_written_is_one_line(library: Path, target: str, message: str) -> None:
    # Before: FileNotFoundError and IsADirectoryError tracebacks.
    result = run_tips("schema", "-o", target)
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {message}")


def test_schema_output_to_a_file_that_cannot_be_changed_is_one_line_and_keeps_it(
    library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before: a PermissionError traceback.
    target = library.parent / "tip.schema.json"
    target.write_text("old\n", encoding="utf-8")
    with refusing_writes(target, monkeypatch, files, "write_exclusive"):
        result = run_tips("schema", "-o", "tip.schema.json")
    assert result.exit_code == 1
    assert len(result.output.splitlines()) == 1
    assert result.output.startswith("Error: cannot write tip.schema.json: ")
    assert target.read_text("utf-8") == "old\n"
    assert [p.name for p in library.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_schema_output_is_written(library: Path) -> None:
    result = run_tips("schema", "-o", "tip.schema.json")
    assert result.exit_code == 0
    assert json.loads((library.parent / "tip.schema.json").read_text("utf-8"))["properties"]["author"]["enum"]


def test_schema_with_a_broken_tags_file_names_it(library: Path) -> None:
    # The schema's tag list would have been empty.
    (library / "tags.yml").write_text("empathy: [\n", encoding="utf-8")
    result = run_tips("schema")
    assert result.exit_code == 2
    assert "tips/tags.yml is invalid; fix it first, then run `tips schema` again" in result.output


@pytest.mark.parametrize("repo", ["nowhere", "empty"])
def test_docs_check_of_a_folder_without_docs_fails(library: Path, repo: str) -> None:
    # Before: "0 documents checked: every generated block is up to date", exit 0.
    (library.parent / "empty").mkdir()
    result = run_tips("docs", "--check", "--repo", repo)
    assert result.exit_code == 2
    assert f"--repo {repo}: " in result.output and "up to date" not in result.output


def test_withdraw_with_invalid_settings_reports_them_alone(library: Path) -> None:
    # Before: only "LEDGER006 the ledger has no file for 2000-W01 and 1390 more weeks".
    shutil.copytree(FIXTURES.parent.parent / "ledger", library.parent / "ledger")
    (library / "schedule.yml").write_text("first_week: 2026-W99\n", encoding="utf-8")
    result = run_tips("withdraw", "own-the-miss", "--reason", "A reason.", "--as-of", AS_OF)
    assert result.exit_code == 2
    assert "tips/schedule.yml is invalid; fix it first, then run `tips withdraw` again" in result.output
    assert "tips/schedule.yml:1:13: VOC001" in result.output
    assert "LEDGER" not in result.output
