"""Files beside the tips that the site publishes: images, and only what their name says they are.

A body may show an image kept in the tips folder (`![A chart](chart.png)`);
the build publishes such files under /tips/ as they are. They arrive by pull
request like the tips, so a file is published only if it passes an
allow-list, checked by `tips check` and used by the build:

* its suffix names an image format (`FORMATS`, the same suffixes as
  `pages.TIP_ASSET_SUFFIXES`; no SVG, which can carry scripts);
* its content *is* that format, as Pillow reads it: a page of HTML, an SVG
  or a script renamed `x.png` (or a link `x.png` to one) would otherwise be
  published, and a server or a browser that sniffs content could run it;
* its path is lowercase kebab-case, like a tip's file name: it becomes a
  public URL, so no quotes, spaces or angle brackets;
* it lies inside the library (a link to a file outside it is refused).

Files with other suffixes are not published and not reported (notes,
drafts, a README); hidden files and folders are ignored.
"""

from __future__ import annotations

import re
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from .problems import Problem, display_path

# The Pillow format each suffix promises (Pillow's own registry agrees; a
# test checks these are the suffixes the pages allow).
FORMATS: dict[str, str] = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".gif": "GIF", ".webp": "WEBP",
                           ".avif": "AVIF"}
_PART = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _image_format(path: Path) -> str | None:
    """The format Pillow reads in `path`, trying only image formats we publish; None if none."""
    try:
        with Image.open(path, formats=sorted(set(FORMATS.values()))) as image:
            return image.format
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def tip_assets(root: Path) -> tuple[list[tuple[str, Path]], list[Problem]]:
    """The images beside the tips as (tips/<path>, file) to publish, and a problem for each refused one."""
    root = Path(root)
    inside = root.resolve()
    base = root.absolute().parent
    assets: list[tuple[str, Path]] = []
    problems: list[Problem] = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.suffix.lower() not in FORMATS or any(part.startswith(".") for part in relative.parts):
            continue
        shown = display_path(path, base)
        if not path.is_file() or not path.resolve().is_relative_to(inside):
            problems.append(Problem(shown, 1, 1, "ENC005", "the image is not a file inside the library",
                                    "put the image itself in the tips folder, not a link to it"))
            continue
        stems = [*relative.parts[:-1], path.name[: -len(path.suffix)]]
        if path.suffix != path.suffix.lower() or not all(_PART.fullmatch(part) for part in stems):
            suggestion = "-".join(re.findall(r"[a-z0-9]+", path.stem.lower())) or "image"
            problems.append(Problem(shown, 1, 1, "SLUG001",
                                    f"file name {relative.as_posix()!r} is not a lowercase kebab-case slug",
                                    f"rename it to {suggestion}{path.suffix.lower()} (its name becomes a public "
                                    "address under /tips/)"))
            continue
        expected = FORMATS[path.suffix]
        found = _image_format(path)
        if found != expected:
            what = f"a {found} image" if found else "not an image this site publishes"
            problems.append(Problem(shown, 1, 1, "SEC002",
                                    f"the file is named as a {expected} image but is {what}",
                                    f"save it as a real {expected} file, or give it the suffix of its format; "
                                    "only PNG, JPEG, GIF, WebP and AVIF images are published"))
            continue
        assets.append((f"tips/{relative.as_posix()}", path))
    return assets, problems
