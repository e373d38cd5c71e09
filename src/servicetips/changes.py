"""Which tip files changed since a git revision, for `tips check --changed`."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import frontmatter

from .model import ScheduleSettings
from .yamlload import load


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


@dataclass(frozen=True)
class ChangeSet:
    """What changed under the tips folder since `base`."""

    base: str
    files: list[Path]
    # slug -> `published` at `base` for every changed tip; None when the tip
    # is new (or was a draft, or unreadable, there): it was never scheduled.
    published_at_base: dict[str, date | None] = field(default_factory=dict)
    # slug -> `week:` pin at `base` for every changed tip (None: no pin, or new).
    pinned_at_base: dict[str, str | None] = field(default_factory=dict)
    # `feed_weeks` of tips/schedule.yml at `base` when that file changed (None: unchanged, or unreadable there).
    feed_weeks_at_base: int | None = None


def changed_files(root: Path, base: str | None = None) -> ChangeSet:
    """Changed or new files under `root` since `base`, including uncommitted work."""
    root = root.resolve()
    top = Path(_git(["rev-parse", "--show-toplevel"], root).strip())
    base = base or default_base(top)
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{base}^{{commit}}"], top)
    except ChangesError:
        raise ChangesError(
            f"{base!r} is not a commit, branch or tag this repository knows; "
            f"fetch it first (e.g. `git fetch origin main`) or pass another BASE"
        ) from None
    names = _git(["diff", "--name-only", "--diff-filter=ACMRT", "-z", base, "--", str(root)], top).split("\0")
    names += _git(["ls-files", "--others", "--exclude-standard", "-z", "--", str(root)], top).split("\0")
    files = sorted({(top / n).resolve() for n in names if n})
    at_base = {
        path.name[:-3]: _at_base(top, base, path.relative_to(top).as_posix())
        for path in files
        if path.suffix == ".md" and path.parent == root
    }
    schedule = root / "schedule.yml"
    return ChangeSet(
        base=base,
        files=files,
        published_at_base={s: v[0] for s, v in at_base.items()},
        pinned_at_base={s: v[1] for s, v in at_base.items()},
        feed_weeks_at_base=_feed_weeks_at(top, base, schedule.relative_to(top).as_posix())
        if schedule in files
        else None,
    )


def _feed_weeks_at(top: Path, base: str, relative: str) -> int | None:
    # The schedule settings at `base`, read by the schema's own rules: their feed window, when valid there.
    try:
        return ScheduleSettings.model_validate(load(_git(["show", f"{base}:{relative}"], top))).feed_weeks
    except Exception:  # noqa: BLE001 - git, YAML or schema errors mean "unknown"
        return None


def _at_base(top: Path, base: str, relative: str) -> tuple[date | None, str | None]:
    # The tip as it was at `base`: its published date (None: not scheduled
    # there, the cautious answer for the backdating check) and its pin.
    try:
        text = _git(["show", f"{base}:{relative}"], top)
        # python-frontmatter is enough here: no positions are needed, and the
        # old version's problems, if any, were reported when it changed.
        meta = frontmatter.loads(text.lstrip("\ufeff")).metadata
    except Exception:  # noqa: BLE001 - git or YAML errors mean "unknown"
        return None, None
    week = str(meta["week"]) if meta.get("week") is not None else None
    if meta.get("draft") is True:
        return None, week
    try:
        published = meta.get("published")
        return (published if isinstance(published, date) else date.fromisoformat(str(published))), week
    except Exception:  # noqa: BLE001 - a date error means "unknown"
        return None, week


def ledger_at(folder: Path, base: str | None = None) -> dict[str, str | None]:
    """The ledger files in `folder` at `base`, by file name, with their text there.

    An empty dict when the folder did not exist at `base` (a new ledger).
    """
    folder = folder.absolute()
    top = Path(_git(["rev-parse", "--show-toplevel"], folder.parent).strip())
    base = base or default_base(top)
    relative = folder.resolve().relative_to(top.resolve()).as_posix()
    names = (
        _git(["ls-tree", "-z", "--name-only", f"{base}:{relative}"], top).split("\0")
        if _exists_at(top, base, relative)
        else []
    )
    return {name: _git(["show", f"{base}:{relative}/{name}"], top) for name in names if name.endswith(".json")}


def _exists_at(top: Path, base: str, relative: str) -> bool:
    try:
        _git(["cat-file", "-e", f"{base}:{relative}"], top)
        return True
    except ChangesError:
        return False
