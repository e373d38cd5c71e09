"""Which tip files changed since a git revision, for `tips check --changed`."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Optional


class ChangesError(RuntimeError):
    """git could not say what changed; the message says why."""


def _git(args: list[str], cwd: Path) -> str:
    try:
        result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise ChangesError("git is not installed; run `tips check` without --changed") from None
    if result.returncode != 0:
        raise ChangesError(result.stderr.strip() or f"git {' '.join(args)} failed")
    return result.stdout


def default_base(cwd: Path) -> str:
    """`origin/main` when that ref exists, else `HEAD`."""
    try:
        _git(["rev-parse", "--verify", "--quiet", "origin/main^{commit}"], cwd)
        return "origin/main"
    except ChangesError:
        return "HEAD"


def changed_files(root: Path, base: Optional[str] = None) -> tuple[str, list[Path]]:
    """(base used, changed or new files under `root`) since `base`, including uncommitted work."""
    root = root.resolve()
    top = Path(_git(["rev-parse", "--show-toplevel"], root).strip())
    base = base or default_base(top)
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"], top)
    except ChangesError:
        raise ChangesError(f"{base!r} is not a commit, branch or tag this repository knows; "
                           f"fetch it first (e.g. `git fetch origin main`) or pass another BASE") from None
    names = _git(["diff", "--name-only", "--diff-filter=ACMRT", "-z", base, "--", str(root)], top).split("\0")
    names += _git(["ls-files", "--others", "--exclude-standard", "-z", "--", str(root)], top).split("\0")
    return base, sorted({(top / n).resolve() for n in names if n})
