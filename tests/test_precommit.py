"""The pre-commit hooks, for real: a throwaway git repository with a copy of tips/
and .pre-commit-config.yaml, the hooks installed from .venv, and `git commit`.

Offline by design: the hook is `repo: local` with `language: system`, so
pre-commit creates no environment and downloads nothing (PRE_COMMIT_HOME points
into the temporary folder to prove it). The hook runs `.venv/bin/tips`, so the
repository gets a `.venv` link to the environment running these tests.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from support import AS_OF, FIXTURES, REPO
from support.git import ISOLATED

WORKFLOW = FIXTURES / "workflow"
NEW_TIP = "offer-two-clear-options.md"
BIN = Path(sys.executable).parent


class Repo:
    """A git repository in a temporary folder, isolated from the user's git and pre-commit set-up."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env

    def run(self, *args: str | Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(a) for a in args], cwd=self.root, env=self.env, capture_output=True, text=True, check=False
        )

    def git(self, *args: str | Path) -> subprocess.CompletedProcess:
        result = self.run("git", *args)
        assert result.returncode == 0, f"git {' '.join(map(str, args))} failed:\n{result.stdout}{result.stderr}"
        return result

    def commit(self, message: str, *paths: str) -> subprocess.CompletedProcess:
        """Stage `paths` and run `git commit` (which runs the installed pre-commit hook)."""
        self.git("add", "--", *paths)
        result = self.run("git", "commit", "-m", message)
        result.output = result.stdout + result.stderr  # pre-commit writes hook output to stdout
        return result

    def head_files(self) -> set[str]:
        return set(self.git("ls-tree", "-r", "--name-only", "HEAD").stdout.split())


def _environment(home: Path) -> dict[str, str]:
    env = {
        **os.environ,
        # The user's git configuration (a global hooks path, signing, templates) must not leak in.
        **ISOLATED,
        "PRE_COMMIT_HOME": str(home),
        # The hook checks "as of" this date, so the test does not change with the calendar.
        "TIPS_AS_OF": AS_OF,
        "NO_COLOR": "1",
    }
    env.pop("TIPS_ROOT", None)
    return env


@pytest.fixture(scope="session")
def committed(tmp_path_factory) -> Path:
    """tips/ and the pre-commit config committed through the installed hook, once per run."""
    assert (BIN / "tips").exists() and (BIN / "pre-commit").exists(), (
        f"run the tests from the project's environment ({BIN} has no tips or pre-commit); `make test` does"
    )
    base = tmp_path_factory.mktemp("precommit")
    root = base / "repo"
    root.mkdir()
    shutil.copytree(REPO / "tips", root / "tips")
    shutil.copy(REPO / ".pre-commit-config.yaml", root)
    (root / ".venv").symlink_to(BIN.parent, target_is_directory=True)
    repository = Repo(root, _environment(base / "pre-commit-home"))
    repository.git("init", "--quiet", "--initial-branch=main")
    installed = repository.run(BIN / "pre-commit", "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    first = repository.commit("Add the library", "tips", ".pre-commit-config.yaml")
    assert first.returncode == 0, f"the current library must pass its own hook:\n{first.output}"
    return root


@pytest.fixture
def repo(tmp_path: Path, committed: Path) -> Repo:
    """tips/ and the pre-commit config committed, with the hook installed: a copy of `committed`."""
    root = tmp_path / "repo"
    shutil.copytree(committed, root, symlinks=True)  # .git, its installed hook and the .venv link
    return Repo(root, _environment(tmp_path / "pre-commit-home"))


def test_a_broken_tip_is_refused_with_file_line_and_code(repo: Repo) -> None:
    shutil.copy(WORKFLOW / "bad" / NEW_TIP, repo.root / "tips" / NEW_TIP)

    result = repo.commit("Add a tip", f"tips/{NEW_TIP}")

    assert result.returncode != 0, result.output
    # Every problem of the file at once, each with its place and what to do.
    assert f"tips/{NEW_TIP}:4:1: KEY002 unknown key 'tag' (did you mean 'tags'?)" in result.output
    assert f"tips/{NEW_TIP}:1:1: KEY001 required key 'tags' is missing" in result.output
    assert f"tips/{NEW_TIP}:12:1: BODY003 the body has a level-1 heading" in result.output
    assert "hint: the title is the page's heading: use `##` for sections" in result.output
    assert "1 file checked: 3 errors" in result.output
    assert f"tips/{NEW_TIP}" not in repo.head_files()


def test_a_good_tip_commits(repo: Repo) -> None:
    shutil.copy(WORKFLOW / NEW_TIP, repo.root / "tips" / NEW_TIP)

    result = repo.commit("Add a tip", f"tips/{NEW_TIP}")

    assert result.returncode == 0, result.output
    assert re.search(r"^tips check\.+Passed$", result.output, flags=re.MULTILINE), result.output
    assert f"tips/{NEW_TIP}" in repo.head_files()


def test_fixing_the_refused_tip_lets_it_commit(repo: Repo) -> None:
    target = repo.root / "tips" / NEW_TIP
    shutil.copy(WORKFLOW / "bad" / NEW_TIP, target)
    assert repo.commit("Add a tip", f"tips/{NEW_TIP}").returncode != 0

    shutil.copy(WORKFLOW / NEW_TIP, target)
    result = repo.commit("Add a tip", f"tips/{NEW_TIP}")

    assert result.returncode == 0, result.output
    assert f"tips/{NEW_TIP}" in repo.head_files()


def test_the_staged_version_is_checked_not_the_working_copy(repo: Repo) -> None:
    # pre-commit stashes unstaged edits: a good staged tip commits even while
    # the editor has a half-written, broken version in the working tree.
    target = repo.root / "tips" / NEW_TIP
    shutil.copy(WORKFLOW / NEW_TIP, target)
    repo.git("add", f"tips/{NEW_TIP}")
    shutil.copy(WORKFLOW / "bad" / NEW_TIP, target)

    result = repo.run("git", "commit", "-m", "Add a tip")

    assert result.returncode == 0, result.stdout + result.stderr
    assert target.read_text(encoding="utf-8") == (WORKFLOW / "bad" / NEW_TIP).read_text(encoding="utf-8")


def test_a_vocabulary_change_checks_every_tip(repo: Repo) -> None:
    # Removing a tag from tags.yml breaks tips that use it, though none of them
    # is part of the commit: the hook must check the whole library.
    tags_file = repo.root / "tips" / "tags.yml"
    tags = yaml.safe_load(tags_file.read_text(encoding="utf-8"))
    users = sorted(
        p.name
        for p in (repo.root / "tips").glob("*.md")
        if "freedoms" in p.read_text(encoding="utf-8").split("\n---", 1)[0]
    )
    assert users, "the library has no tip tagged freedoms; pick another tag for this test"
    del tags["freedoms"]
    tags_file.write_text(yaml.safe_dump(tags, sort_keys=False), encoding="utf-8")

    result = repo.commit("Retire a tag", "tips/tags.yml")

    assert result.returncode != 0, result.output
    for name in users:
        assert re.search(
            rf"^tips/{re.escape(name)}:\d+:\d+: TAG001 tag 'freedoms' is not in the vocabulary$",
            result.output,
            flags=re.MULTILINE,
        ), result.output


def test_a_tip_and_a_vocabulary_together_are_checked_once(repo: Repo) -> None:
    # The whole library is checked in one run, so each problem appears once.
    shutil.copy(WORKFLOW / "bad" / NEW_TIP, repo.root / "tips" / NEW_TIP)
    authors = repo.root / "tips" / "authors.yml"
    authors.write_text(authors.read_text(encoding="utf-8") + "jane-doe:\n  name: Jane Doe\n", encoding="utf-8")

    result = repo.commit("Add a tip and its author", f"tips/{NEW_TIP}", "tips/authors.yml")

    assert result.returncode != 0
    assert result.output.count(f"tips/{NEW_TIP}:4:1: KEY002") == 1, result.output
    assert re.search(r"^\d+ files checked: 3 errors$", result.output, flags=re.MULTILINE), result.output


def test_an_untouched_library_skips_the_hooks(repo: Repo) -> None:
    # Commits that touch no tip (docs, code) do not pay for a check.
    (repo.root / "notes.txt").write_text("not a tip\n", encoding="utf-8")

    result = repo.commit("Add notes", "notes.txt")

    assert result.returncode == 0, result.output
    assert re.search(r"^tips check\.+\(no files to check\)Skipped$", result.output, flags=re.MULTILINE)


def test_the_local_hook_works_offline_and_matches_the_reusable_manifest() -> None:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [r["repo"] for r in config["repos"]] == ["local"], "GitHub is not reachable from CI: local hooks only"
    local = {hook["id"]: hook for hook in config["repos"][0]["hooks"]}
    shared = {hook["id"]: hook for hook in manifest}
    # The manifest is for other repositories' tips; ruff is this repository's own code check.
    assert local.keys() == {"tips-check", "ruff-check", "ruff-format"}
    assert shared.keys() == {"tips-check"}
    for hook in local.values():
        assert hook["language"] == "system", "a local hook must not build an environment (offline)"
        assert hook["entry"].startswith(".venv/bin/"), "the pinned tool of the project's .venv, found without a PATH"
    hook = local["tips-check"]
    assert hook["entry"] == ".venv/bin/tips check"
    assert shared["tips-check"]["entry"] == "tips check"
    for key in ("files", "pass_filenames", "require_serial"):
        assert hook.get(key) == shared["tips-check"].get(key), f"tips-check: {key} differs from .pre-commit-hooks.yaml"
    assert local["ruff-check"]["entry"].split()[:2] == [".venv/bin/ruff", "check"]
    assert "--fix" not in local["ruff-check"]["entry"]
    assert local["ruff-format"]["entry"].split()[:2] == [".venv/bin/ruff", "format"]
    # Tips and vocabularies both go to the one command, which decides how much to check.
    pattern = re.compile(local["tips-check"]["files"])
    for path in ("tips/pause-before-you-answer.md", "tips/tags.yml", "tips/authors.yml", "tips/schedule.yml"):
        assert pattern.search(path), path
    assert not pattern.search("docs/contributing.md")


@pytest.mark.parametrize(
    ("command", "path"),
    [
        ("validate-config", ".pre-commit-config.yaml"),
        ("validate-manifest", ".pre-commit-hooks.yaml"),
    ],
)
def test_pre_commit_accepts_the_files(command: str, path: str) -> None:
    result = subprocess.run(
        [str(BIN / "pre-commit"), command, str(REPO / path)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _with_project_ruff_settings(repo: Repo) -> None:
    """Commit pyproject.toml, so ruff in the hooks reads the project's settings, not its defaults."""
    shutil.copy(REPO / "pyproject.toml", repo.root)
    assert repo.commit("Add the project settings", "pyproject.toml").returncode == 0


def test_python_with_an_unused_import_is_refused_by_ruff(repo: Repo) -> None:
    _with_project_ruff_settings(repo)
    (repo.root / "tool.py").write_text('"""A tool."""\n\nimport os\n\nVALUE = 1\n', encoding="utf-8")

    result = repo.commit("Add a tool", "tool.py")

    assert result.returncode != 0, result.output
    assert re.search(r"^ruff check\.+Failed$", result.output, flags=re.MULTILINE), result.output
    assert "tool.py:3:8: F401" in result.output
    assert "tool.py" not in repo.head_files()


def test_unformatted_python_is_formatted_and_the_commit_stops_until_it_is_staged(repo: Repo) -> None:
    _with_project_ruff_settings(repo)
    target = repo.root / "tool.py"
    target.write_text('"""A tool."""\n\nVALUE = { \'a\':1 }\n', encoding="utf-8")

    first = repo.commit("Add a tool", "tool.py")

    assert first.returncode != 0, first.output
    assert re.search(r"^ruff format\.+Failed$", first.output, flags=re.MULTILINE), first.output
    assert target.read_text(encoding="utf-8") == '"""A tool."""\n\nVALUE = {"a": 1}\n'
    assert "tool.py" not in repo.head_files()
    second = repo.commit("Add a tool", "tool.py")
    assert second.returncode == 0, second.output
    assert "tool.py" in repo.head_files()


def test_ruff_never_formats_the_python_blocks_of_markdown(tmp_path: Path) -> None:
    # Tips and the docs are content: a Python block in a tip is published as
    # written. ruff formats Python blocks inside Markdown unless told not to.
    block = "x = { 'a':1 }\n"
    tip = tmp_path / "tip.md"
    tip.write_text(f"---\ntitle: A tip\n---\n\nSome text.\n\n```python\n{block}```\n", encoding="utf-8")
    script = tmp_path / "script.py"
    script.write_text(block, encoding="utf-8")
    before = tip.read_bytes()
    ruff = [str(BIN / "ruff"), "format", "--config", str(REPO / "pyproject.toml")]

    markdown = subprocess.run([*ruff, "--force-exclude", str(tip)], capture_output=True, text=True, check=False)
    python = subprocess.run([*ruff, "--check", str(script)], capture_output=True, text=True, check=False)

    assert markdown.returncode == 0, markdown.stdout + markdown.stderr
    assert tip.read_bytes() == before
    assert python.returncode == 1, (
        "the same code in a .py file is reformatted: the setting, not the code, spared the tip"
    )
