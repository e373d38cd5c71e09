"""Writable copies of fixture libraries, so a test can break one without touching the fixtures."""

from __future__ import annotations

import shutil
from pathlib import Path

from support.paths import LIBRARY


def copy_library(tmp_path: Path, *extra: Path, source: Path = LIBRARY) -> Path:
    """A copy of the tips folder `source` at tmp_path/tips, with the files `extra` added; returns the copy."""
    root = tmp_path / "tips"
    shutil.copytree(source, root)
    for path in extra:
        shutil.copy(path, root / path.name)
    return root
