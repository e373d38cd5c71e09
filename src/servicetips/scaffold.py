"""`tips new`: start a tip file with valid front matter and an outline of the body."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import frontmatter
from pydantic_core import PydanticCustomError

from .model import Library, check_plain_text
from .outline import OUTLINE, SUMMARY_PLACEHOLDER
from .slugs import slugify, title_key


class ScaffoldError(ValueError):
    """`tips new` cannot write the tip; the message says why and what to do."""


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
    post = frontmatter.Post(
        OUTLINE,
        title=title,
        summary=summary or SUMMARY_PLACEHOLDER,
        tags=list(dict.fromkeys(tags)),
        author=author,
        published=published,
    )
    text = frontmatter.dumps(post, sort_keys=False, default_flow_style=None, allow_unicode=True) + "\n"
    try:
        with path.open("x", encoding="utf-8") as handle:  # "x": fail if it exists, never overwrite
            handle.write(text)
    except FileExistsError:
        raise ScaffoldError(f"{path} already exists; choose another title or edit that file") from None
    return NewTip(path=path, slug=slug)
