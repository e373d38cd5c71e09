"""The favicon and the touch icon: the site's logo, a light bulb, white on indigo.

The logo in mkdocs.yml is Material's `lightbulb-on-outline`, an SVG icon,
and Pillow cannot draw SVG. Parsing its path (arcs and curves) would need a
path library and a rasteriser with even-odd filling for ~30 px of output;
instead the same figure is drawn here from Pillow's shapes (a ring for the
bulb, bars for its base, short rays), at 8x and scaled down, which stays
crisp at 32 px where the SVG's fine outline would blur. Same size, same
bytes (see `cards.png_bytes`).
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from . import routes
from .cards import INDIGO, WHITE, png_bytes

FAVICON_SIZES = (32, 48)
TOUCH_ICON_SIZE = 180
_SCALE = 8  # drawn at 8x, then reduced: smooth edges without a vector renderer


def _draw(size: int, rounded: bool) -> Image.Image:
    big = size * _SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if rounded:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 5, fill=INDIGO)
    else:  # the touch icon: iOS rounds the corners itself and wants no transparency
        draw.rectangle((0, 0, big, big), fill=INDIGO)
    unit = big / 32  # the figure is laid out on a 32x32 grid
    stroke = round(2.6 * unit)
    cx, cy, r = 16 * unit, 14 * unit, 6.5 * unit
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=WHITE, width=stroke)
    # The base: two bars under the bulb.
    for top in (21.5, 25):
        draw.rounded_rectangle((12.5 * unit, top * unit, 19.5 * unit, (top + 2.2) * unit), radius=unit, fill=WHITE)
    # Rays: left, upper left, top, upper right, right.
    for x1, y1, x2, y2 in (
        (3.5, 14, 6, 14),
        (6.5, 5, 8.2, 6.7),
        (16, 2, 16, 4.6),
        (25.5, 5, 23.8, 6.7),
        (28.5, 14, 26, 14),
    ):
        draw.line((x1 * unit, y1 * unit, x2 * unit, y2 * unit), fill=WHITE, width=round(2 * unit))
    return image.resize((size, size), Image.Resampling.LANCZOS)


def favicon_png(size: int = 32) -> bytes:
    """The favicon as a PNG of `size` pixels (32 or 48), with rounded corners."""
    return png_bytes(_draw(size, rounded=True))


def touch_icon_png() -> bytes:
    """apple-touch-icon.png: 180 px, square, opaque."""
    return png_bytes(_draw(TOUCH_ICON_SIZE, rounded=False).convert("RGB"))


def favicon_ico() -> bytes:
    """favicon.ico with the 32 and 48 px images (for browsers that ask for /favicon.ico)."""
    out = io.BytesIO()
    largest = _draw(max(FAVICON_SIZES), rounded=True)
    largest.save(out, format="ICO", sizes=[(s, s) for s in FAVICON_SIZES])
    return out.getvalue()


def icon_files() -> dict[str, bytes]:
    """Every icon file by its path in the site (paths are the site root's, as browsers expect)."""
    return {
        routes.FAVICON_ICO: favicon_ico(),
        routes.FAVICON_PNG: favicon_png(32),
        routes.FAVICON_48: favicon_png(48),
        routes.TOUCH_ICON: touch_icon_png(),
    }
