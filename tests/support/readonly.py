"""A file or folder that refuses writes: immutable with `chattr +i` where the machine allows it (root ignores
permissions), else the module's own writer refusing as the kernel would (a container without the capability)."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest


@contextlib.contextmanager
def refusing_writes(path: Path, monkeypatch: pytest.MonkeyPatch, module: ModuleType, writer: str) -> Iterator[None]:
    """While inside, writing into `path` fails with EPERM: `chattr +i`, or `module.writer` raising it."""
    locked = subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0
    if not locked:

        def refused(target, *args, **kwargs):
            raise PermissionError(errno.EPERM, os.strerror(errno.EPERM), str(target))

        monkeypatch.setattr(module, writer, refused)
    try:
        yield
    finally:
        if locked:
            subprocess.run(["chattr", "-i", str(path)], check=True)
        else:
            monkeypatch.undo()
