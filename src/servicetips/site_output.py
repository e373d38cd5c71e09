"""All-or-nothing output folder: build next to the site, swap it into place when done.

A build writes into a fresh staging folder beside the target (`.site-staging-*`
for `site/`). Only when the whole build has succeeded does the staging folder
replace the target; a failed build removes the staging folder and leaves the
previous site exactly as it was. Nothing here knows about MkDocs.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path


def make_staging_dir(target: Path) -> Path:
    """Create an empty staging folder beside `target` (same file system, so the swap is a rename)."""
    target = Path(target).absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    while True:
        staging = target.with_name(f".{target.name}-staging-{secrets.token_hex(4)}")
        try:
            # os.mkdir, not tempfile.mkdtemp: mkdtemp makes the folder private
            # (0700), and a published site must be readable by the web server.
            staging.mkdir()
            return staging
        except FileExistsError:
            continue


def swap_into_place(staging: Path, target: Path) -> None:
    """Replace `target` by `staging`; the old site is removed only once the new one is in place."""
    staging, target = Path(staging), Path(target)
    old = None
    if target.exists() or target.is_symlink():
        old = target.with_name(f".{target.name}-old-{secrets.token_hex(4)}")
        os.rename(target, old)
    try:
        os.rename(staging, target)
    except OSError:
        if old is not None:
            os.rename(old, target)  # put the previous site back before reporting the failure
        raise
    if old is not None:
        discard(old)


def discard(folder: Path) -> None:
    """Remove a staging (or replaced) folder; a missing folder is fine."""
    if Path(folder).is_symlink():
        Path(folder).unlink()
    else:
        shutil.rmtree(folder, ignore_errors=True)
