"""Helpers shared by the tests: copy a fixture library into a temporary folder."""

from __future__ import annotations

import shutil
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
REPO = Path(__file__).parent.parent


def copy_library(tmp_path: Path, *extra: Path, source: Path = FIXTURES / "library") -> Path:
    """A writable copy of a fixture library (tips folder) with `extra` files added; returns its root."""
    root = tmp_path / "tips"
    shutil.copytree(source, root)
    for path in extra:
        shutil.copy(path, root / path.name)
    return root
