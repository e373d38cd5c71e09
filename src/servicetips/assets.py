"""Files beside the tips that the site publishes: images, and only what their name says they are.

A body may show an image kept in the tips folder (`![A chart](chart.png)`);
the build publishes such files under /tips/ as they are. They arrive by pull
request like the tips, so a file is published only if it passes an
allow-list, checked by `tips check` and used by the build:

* its suffix names an image format (`routes.TIP_ASSET_SUFFIXES`, each with
  the Pillow format it promises in `FORMATS`; no SVG, which can carry scripts);
* its content *is* that format, as Pillow reads it: a page of HTML, an SVG
  or a script renamed `x.png` (or a link `x.png` to one) would otherwise be
  published, and a server or a browser that sniffs content could run it;
* its path is lowercase kebab-case, like a tip's file name: it becomes a
  public URL, so no quotes, spaces or angle brackets;
* it lies inside the library (a link to a file outside it is refused).

Files with other suffixes are not published and not reported (notes,
drafts, a README); hidden files and folders are ignored. A body's link or
image to a file beside the tips must name one this publishes
(`file_link_issues`, BODY010): otherwise readers would get a broken image
or a page that is not there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from .body import BodyIssue, file_links
from .load import inside_library
from .problems import Problem, display_path
from .routes import TIP_ASSET_SUFFIXES, tip_asset
from .slugs import is_slug, slugify

# The Pillow format each suffix promises (Pillow's own registry agrees; a
# test checks these are the suffixes the pages allow).
FORMATS: dict[str, str] = {
    ".png": "PNG",
    ".jpg": "JPEG",
    ".jpeg": "JPEG",
    ".gif": "GIF",
    ".webp": "WEBP",
    ".avif": "AVIF",
}


def _image_format(path: Path) -> str | None:
    """The format Pillow reads in `path`, trying only image formats we publish; None if none."""
    try:
        with Image.open(path, formats=sorted(set(FORMATS.values()))) as image:
            return image.format
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def tip_assets(root: Path) -> tuple[list[tuple[str, Path]], list[Problem]]:
    """The images beside the tips to publish, as (path relative to the library, file), and a problem per refused one."""
    root = Path(root)
    base = root.absolute().parent
    assets: list[tuple[str, Path]] = []
    problems: list[Problem] = []
    # Only image names are sorted: sorting every tip's Path first was a measurable share of a large check.
    for path in sorted(p for p in root.rglob("*") if p.suffix.lower() in TIP_ASSET_SUFFIXES):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        shown = display_path(path, base)
        if not inside_library(path, root) or not path.is_file():
            problems.append(
                Problem(
                    shown,
                    1,
                    1,
                    "ENC005",
                    "the image is not a file inside the library",
                    "put the image itself in the tips folder, not a link to it",
                )
            )
            continue
        stems = [*relative.parts[:-1], path.name[: -len(path.suffix)]]
        if path.suffix != path.suffix.lower() or not all(is_slug(part) for part in stems):
            suggestion = slugify(path.stem) or "image"
            problems.append(
                Problem(
                    shown,
                    1,
                    1,
                    "SLUG001",
                    f"file name {relative.as_posix()!r} is not a lowercase kebab-case slug",
                    f"rename it to {suggestion}{path.suffix.lower()} (its name becomes a public address under /tips/)",
                )
            )
            continue
        expected = FORMATS[path.suffix]
        found = _image_format(path)
        if found != expected:
            what = f"a {found} image" if found else "not an image this site publishes"
            problems.append(
                Problem(
                    shown,
                    1,
                    1,
                    "SEC002",
                    f"the file is named as a {expected} image but is {what}",
                    f"save it as a real {expected} file, or give it the suffix of its format; "
                    "only PNG, JPEG, GIF, WebP and AVIF images are published",
                )
            )
            continue
        assets.append((relative.as_posix(), path))
    return assets, problems


# At most this many BODY010 problems for one body.
MAX_FILE_LINK_ISSUES = 20


def file_link_issues(body: str, published: Collection[str], root: Path) -> list[BodyIssue]:
    """BODY010: every link or image of `body` to a file beside the tips that the site does not publish.

    `published` holds the paths (in the tips folder) that `tip_assets` accepted.
    """
    issues = []
    for link in file_links(body):
        if link.path in published:
            continue
        if len(issues) == MAX_FILE_LINK_ISSUES:
            break  # a body of thousands of such links: the first ones say what to fix
        if link.path is None:
            why = "a file outside the tips folder"
        elif _exists(Path(root) / link.path):
            why = f"{tip_asset(link.path)}, which the site does not publish (see the problem reported for it)"
        else:
            why = f"{tip_asset(link.path)}, which does not exist"
        issues.append(
            BodyIssue(
                link.line,
                link.col,
                "BODY010",
                f"the link {link.target!r} points to {why}",
                "put the image beside the tips (a PNG, JPEG, GIF, WebP or AVIF file with a lowercase "
                "kebab-case name) and link to it by that name, link to a tip as [text](slug.md), "
                "or use a full https:// address",
            )
        )
    return issues


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):  # a name too long for the file system, or with a NUL: no such file
        return False


def file_sha256(path: Path) -> str:
    """The sha256 of the file's bytes (an image a recorded week showed is kept to these bytes)."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
