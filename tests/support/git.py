"""A git repository in a test folder, isolated from the user's git configuration."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

# The user's git configuration (a global hooks path, signing, templates) must not leak in,
# and commits need an author whatever the machine has set up.
ISOLATED = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "Test Editor",
    "GIT_AUTHOR_EMAIL": "editor@example.org",
    "GIT_COMMITTER_NAME": "Test Editor",
    "GIT_COMMITTER_EMAIL": "editor@example.org",
}


class Git:
    """Run git in `root`: `repo("add", "-A")` returns stdout and fails the test when git fails."""

    def __init__(self, root: Path, env: Mapping[str, str] | None = None) -> None:
        self.root = Path(root)
        self.env = {**os.environ, **ISOLATED, **(env or {})}

    def run(self, *args: str | Path) -> subprocess.CompletedProcess:
        """`git ARGS` whatever its exit code (for tests that expect git to refuse)."""
        return subprocess.run(
            ["git", *map(str, args)], cwd=self.root, env=self.env, capture_output=True, text=True, check=False
        )

    def __call__(self, *args: str | Path) -> str:
        result = self.run(*args)
        assert result.returncode == 0, f"git {' '.join(map(str, args))}: {result.stdout}{result.stderr}"
        return result.stdout

    def init(self) -> Git:
        """A new repository on branch main."""
        self("init", "--quiet", "--initial-branch=main")
        return self

    def commit(self, message: str) -> None:
        """Stage everything and commit it."""
        self("add", "--all")
        self("commit", "--quiet", "-m", message)

    @classmethod
    def committed(cls, root: Path, message: str = "A library") -> Git:
        """`root` made a repository with everything in it committed on main."""
        repo = cls(root).init()
        repo.commit(message)
        return repo
