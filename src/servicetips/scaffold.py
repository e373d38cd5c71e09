"""`tips new`: start a tip file with valid front matter and an outline of the body."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import frontmatter
from pydantic_core import PydanticCustomError

from .files import write_new
from .load import SourceFile, read_text
from .model import Library, check_plain_text
from .outline import OUTLINE, SUMMARY_PLACEHOLDER
from .problems import Problem, display_path
from .slugs import slugify, title_key


class ScaffoldError(ValueError):
    """`tips new` cannot write the tip; the message says why and what to do.

    `problems`: what `tips check` would report on the file, when that is why.
    """

    def __init__(self, message: str, problems: tuple[Problem, ...] = ()):
        super().__init__(message)
        self.problems = problems


class ScaffoldWriteError(ScaffoldError):
    """The tip's file could not be written (no permission, a full disk): nothing was left behind."""


@dataclass(frozen=True)
class NewTip:
    """The file `tips new` wrote."""

    path: Path
    slug: str


def new_tip(library: Library, title: str, tags: list[str], author: str, published: date, summary: str = "") -> NewTip:
    """Write tips/<slug>.md for a new tip; refuse bad input and never overwrite a file."""
    try:
        title = check_plain_text(title, what="title", min_len=3, max_len=80)
    except PydanticCustomError as exc:  # the plain-text rule's error carries the readable message
        raise ScaffoldError(str(exc)) from None
    slug = slugify(title)
    if not slug:
        raise ScaffoldError(f"cannot make a file name from the title {title!r}: use some letters or digits")
    unknown = [t for t in tags if t not in library.tags]
    if unknown or not tags:
        raise ScaffoldError(
            f"unknown tag {', '.join(unknown) or '(none given)'}: choose from {', '.join(sorted(library.tags))}"
        )
    if author not in library.authors:
        raise ScaffoldError(
            f"unknown author {author!r}: choose from {', '.join(sorted(library.authors))} "
            "or add yourself to tips/authors.yml"
        )
    if any(title_key(t.title) == title_key(title) for t in library.tips):
        raise ScaffoldError(f"a tip titled {title!r} already exists")
    path = library.root / f"{slug}.md"
    if path.exists() or path.is_symlink():
        raise ScaffoldError(f"{path} already exists; choose another title or edit that file")
    post = frontmatter.Post(
        OUTLINE,
        title=title,
        summary=summary or SUMMARY_PLACEHOLDER,
        tags=list(dict.fromkeys(tags)),
        author=author,
        published=published,
    )
    text = frontmatter.dumps(post, sort_keys=False, default_flow_style=None, allow_unicode=True) + "\n"
    problems = _check_file(library, path, text)
    if problems:
        raise ScaffoldError(
            f"nothing was written: `tips check` would refuse {display_path(path)} as follows", tuple(problems)
        )
    _write_new(path, text)
    return NewTip(path=path, slug=slug)


def _check_file(library: Library, path: Path, text: str) -> list[Problem]:
    """What `tips check` would report on the new file's name and front matter, by the same rules.

    The outline's placeholders (PLACE001) and its short body are expected
    in a new file and are not checked here; the title was compared above.
    """
    from .validate import check_front_matter  # noqa: PLC0415 - validate imports the model this module's callers use

    source = SourceFile(path=path, display=display_path(path), slug=path.name[: -len(".md")])
    read_text(source, text)
    check_front_matter(source, {"tags": library.tags, "authors": library.authors})
    return source.problems


def _write_new(path: Path, text: str) -> None:
    """Write `text` to the new file `path` whole or not at all, never replacing a file (`files.write_new`):
    a full disk or a stopped process never leaves a half-written tip behind."""
    try:
        written = write_new(path, text)
    except OSError as exc:
        what = (
            "free some disk space and run it again"
            if exc.errno in (errno.ENOSPC, errno.EDQUOT)
            else f"check that you may write to {path.parent}/ and run it again"
        )
        raise ScaffoldWriteError(f"cannot write {path}: {exc.strerror or exc}; nothing was written: {what}") from None
    if not written:
        raise ScaffoldError(f"{path} already exists; choose another title or edit that file")
