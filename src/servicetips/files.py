"""Writing a file whole or not at all: the one way the tools write the files editors and the ledger keep.

A reader (the preview server, git, an editor, the next step of a workflow)
never sees half a file, and a full disk or a stopped process never leaves
one: the text is written and synced beside the file first, then given its
name. `write_new` never replaces a file (a hard link fails when the name is
taken, where a rename would replace it); `replace_whole` replaces one, with
the mode the old file had. Nothing here knows what the files hold.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path

# A link that fails for one of these says the file system has no hard links (or refuses them here).
_NO_LINKS = (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK)


def write_exclusive(path: Path, text: str) -> None:
    """Create `path` (never an existing file, never through a link) holding `text`, synced; removed again if
    that fails."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        os.unlink(path)
        raise


def _beside(path: Path) -> Path:
    return path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"


def write_new(path: Path, text: str) -> bool:
    """Write `text` to the new file `path`, whole; False (nothing written) when the name is taken.

    OSError when the folder cannot be written. On a file system without hard
    links the file is created in place, and removed again if it cannot be
    written whole.
    """
    temporary = _beside(path)
    try:
        write_exclusive(temporary, text)
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        except OSError as exc:
            if exc.errno not in _NO_LINKS:
                raise
            try:
                write_exclusive(path, text)  # no hard links here
            except FileExistsError:
                return False
        return True
    finally:
        with contextlib.suppress(OSError):  # gone already when it was never made
            os.unlink(temporary)


def replace_whole(path: Path, text: str) -> None:
    """Write `text` to `path`, replacing the file there (keeping its mode) or making it; OSError when the
    folder cannot be written."""
    temporary = _beside(path)
    try:
        write_exclusive(temporary, text)
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
