"""Share cards and icons: size, palette, same bytes in two processes, long and non-Latin titles."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import itertools
import json
import random
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from servicetips import cards, icons
from servicetips.cards import BOLD, TEXT_WIDTH, Card, font, missing_glyphs, render_card, title_layout, wrap

WEEK = Card(
    title="Pause before you answer",
    kind="week",
    site_name="Service Tips",
    tags=("Reputation", "Tone & wording"),
    label="Tip of the week · 2026-W48",
    footer="servicetips.example.org",
)
LONG = "Say what you will do next, when you will do it, and who will do it " * 4


def image(data: bytes) -> Image.Image:
    loaded = Image.open(io.BytesIO(data))
    loaded.load()
    return loaded


def rgb(data: bytes) -> Image.Image:
    return image(data).convert("RGB")


def colours(loaded: Image.Image) -> set[tuple[int, int, int]]:
    return {colour for _, colour in loaded.getcolors(maxcolors=1_000_000)}


@pytest.mark.parametrize("kind", cards.KINDS)
def test_every_kind_is_a_1200x630_palette_png(kind):
    card = Card(title="Answer within two hours", kind=kind, site_name="Service Tips", tags=("Care",))
    data = render_card(card)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    loaded = image(data)
    assert (loaded.format, loaded.size, loaded.mode) == ("PNG", (1200, 630), "P")


def test_the_card_uses_the_site_indigo_and_white_text():
    found = colours(rgb(render_card(WEEK)))
    assert {cards.INDIGO, cards.INDIGO_DARK, cards.WHITE, cards.INDIGO_PALE} <= found


def test_text_edges_stay_smooth_in_the_palette():
    # Anti-aliased edges: many steps between the background and the ink, not a hard two-colour edge.
    loaded = rgb(render_card(WEEK))
    title_area = colours(loaded.crop((0, cards.TITLE_TOP, 1200, cards.BAND_TOP)))
    assert len(title_area) >= cards.LEVELS // 2
    band = colours(loaded.crop((0, cards.BAND_TOP, 1200, 630)))
    assert len(band) >= cards.LEVELS // 2 and cards.INDIGO not in band


def test_the_palette_runs_from_each_background_to_each_ink():
    palette = [tuple(cards.PALETTE[i : i + 3]) for i in range(0, len(cards.PALETTE), 3)]
    assert len(palette) == 256  # all a PNG palette holds
    levels = cards.LEVELS
    pairs = [
        (background, ink)
        for background in (cards.INDIGO, cards.INDIGO_DARK)
        for ink in (cards.WHITE, cards.INDIGO_PALE)
    ]
    for pair, (background, ink) in enumerate(pairs):
        steps = palette[pair * levels : (pair + 1) * levels]
        assert (steps[0], steps[-1]) == (background, ink)
        # Each step moves towards the ink, by at most one coverage step's worth.
        for channel in range(3):
            values = [step[channel] for step in steps]
            assert values == sorted(values, reverse=ink[channel] < background[channel])
            assert max(abs(b - a) for a, b in itertools.pairwise(values)) <= 256 // levels


def test_a_crowded_card_stays_small_enough_to_share():
    # Social sites take images of several megabytes; a card that stays small loads fast in a chat preview.
    crowded = Card(
        title=LONG,
        kind="week",
        site_name="S" * 80,
        tags=tuple(f"tag {i} " * 4 for i in range(9)),
        label="L" * 200,
        footer="f" * 200,
    )
    assert len(render_card(crowded)) < 100_000


def test_same_card_same_bytes_and_no_metadata_chunks():
    first, second = render_card(WEEK), render_card(WEEK)
    assert first == second
    # A PNG's optional chunks (tIME, tEXt, pHYs...) would carry a date or a tool's name.
    chunks, at = [], 8
    while at < len(first):
        length = int.from_bytes(first[at : at + 4], "big")
        chunks.append(first[at + 4 : at + 8].decode("ascii"))
        at += 12 + length
    assert chunks[0] == "IHDR" and chunks[-1] == "IEND"
    assert set(chunks) == {"IHDR", "PLTE", "IDAT", "IEND"}


def test_the_band_of_one_site_never_shows_on_another_sites_card():
    # The band is drawn once per site name and footer: a card drawn after another site's is unchanged.
    first = render_card(WEEK)
    other = Card(WEEK.title, WEEK.kind, "Other Site", WEEK.tags, WEEK.label, "other.example.org")
    assert render_card(other) != first
    assert render_card(WEEK) == first
    band = rgb(render_card(other)).crop((0, cards.BAND_TOP, 1200, 630))
    assert band.tobytes() != rgb(first).crop((0, cards.BAND_TOP, 1200, 630)).tobytes()


def test_same_card_same_bytes_in_another_process():
    code = (
        "import sys; from servicetips.cards import Card, render_card; "
        "sys.stdout.buffer.write(render_card(Card(title='Pause before you answer', kind='week', "
        "site_name='Service Tips', tags=('Reputation', 'Tone & wording'), "
        "label='Tip of the week \\u00b7 2026-W48', footer='servicetips.example.org')))"
    )
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True, timeout=120).stdout
    assert other == render_card(WEEK)


def test_different_titles_give_different_cards():
    assert render_card(WEEK) != render_card(Card(title="Thank them first", kind="week", site_name="Service Tips"))


def test_a_long_title_wraps_within_the_card_and_ends_with_an_ellipsis():
    face, lines = title_layout(LONG, 300)
    assert 1 < len(lines) <= cards.MAX_TITLE_LINES
    assert all(face.getlength(line) <= TEXT_WIDTH for line in lines)
    assert lines[-1].endswith(cards.ELLIPSIS)
    assert len(lines) * cards.line_height(face) <= 300
    # Drawn: nothing white outside the margins.
    loaded = rgb(render_card(Card(title=LONG, kind="tip", site_name="S", tags=("Care",))))
    for x in list(range(cards.MARGIN - 8)) + list(range(1200 - cards.MARGIN + 8, 1200)):
        column = {loaded.getpixel((x, y)) for y in range(cards.BAND_TOP)}
        assert cards.WHITE not in column, x


def test_a_word_longer_than_a_line_is_cut_not_left_overflowing():
    word = "Kundenzufriedenheitsverbesserungsmaßnahmenkatalogzusammenstellung" * 2
    face = font(84, BOLD)
    lines, complete = wrap(word, face, TEXT_WIDTH, 10)
    assert complete and "".join(lines) == word and len(lines) > 1
    assert all(face.getlength(line) <= TEXT_WIDTH for line in lines)


def test_a_short_title_is_whole_at_the_largest_size():
    face, lines = title_layout("Smile", 300)
    assert (face.size, lines) == (cards.TITLE_SIZES[0], ["Smile"])


@pytest.mark.parametrize("title", ["Straße, Größe, Ærø", "Ответ на жалобу клиента", "Ευχαριστώ πολύ", "Cảm ơn bạn"])
def test_non_latin_titles_have_glyphs(title):
    assert missing_glyphs(title) == []
    render_card(Card(title=title, kind="tip", site_name="Service Tips"))


def test_missing_glyphs_finds_characters_the_font_lacks():
    # The check itself must be able to fail: CJK and a snowman are not in Noto Sans.
    assert missing_glyphs("Thanks 谢谢 ☃") == ["☃", "谢"]


def test_markup_in_a_title_is_drawn_as_text():
    title = '<img src=x onerror=alert(1)> & "quotes"'
    _face, lines = title_layout(title, 300)
    assert " ".join(lines) == title


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown card kind"):
        Card(title="x", kind="page", site_name="S")


def test_the_font_and_its_licence_ship_with_the_install():
    assert cards.font_path().is_file()
    assert "SIL Open Font License" in cards.font_licence()


def test_icons_have_their_sizes_and_the_same_bytes_twice():
    files = icons.icon_files()
    assert set(files) == {"favicon.ico", "favicon.png", "favicon-48.png", "apple-touch-icon.png"}
    assert image(files["favicon.png"]).size == (32, 32)
    assert image(files["favicon-48.png"]).size == (48, 48)
    touch = image(files["apple-touch-icon.png"])
    assert (touch.size, touch.mode) == ((180, 180), "RGB")
    assert image(files["favicon.ico"]).info["sizes"] == {(32, 32), (48, 48)}
    assert icons.icon_files() == files


def test_the_icon_shows_a_white_figure_on_indigo():
    touch = image(icons.touch_icon_png())
    assert touch.getpixel((2, 2)) == cards.INDIGO
    assert touch.getpixel((90, 48)) == cards.WHITE  # the bulb's ring, top centre (7.5-10 of 32)


GOLDEN = Path(__file__).parent / "fixtures" / "cards" / "golden.json"


def golden_cards() -> list[tuple[Card, str]]:
    """The cards of fixtures/cards/golden.json with the sha256 each had when the fixture was written."""
    entries = json.loads(GOLDEN.read_text(encoding="utf-8"))
    return [
        (Card(e["title"], e["kind"], e["site_name"], tuple(e["tags"]), e["label"], e["footer"]), e["sha256"])
        for e in entries
    ]


def test_the_golden_cards_keep_their_bytes():
    # The fixture was written by the drawing code as it stood before it was made faster (titles short,
    # long and cut, non-Latin, 0-9 tags, every kind, other sites): a faster card must be the same file,
    # or every published card would change (and with it every cache and feed enclosure length).
    cases = golden_cards()
    assert len(cases) >= 50 and {card.kind for card, _ in cases} == set(cards.KINDS)
    changed = [card.title for card, digest in cases if hashlib.sha256(render_card(card)).hexdigest() != digest]
    assert changed == []


def test_the_golden_cards_do_not_depend_on_the_order_they_are_drawn_in():
    # Caches (label, band, chips, glyph widths) must not leak from one card into the next.
    cases = golden_cards()[::-1]
    changed = [card.title for card, digest in cases if hashlib.sha256(render_card(card)).hexdigest() != digest]
    assert changed == []


def reference_wrap(text, face, width, max_lines):
    """The line breaking as it was first written (one `getlength` per word tried, a linear scan): the faster
    one in cards.py must break every title at the same places."""
    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if face.getlength(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = ""
        while face.getlength(word) > width:
            cut = reference_longest_prefix(word, face, width)
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    if len(lines) <= max_lines:
        return lines, True
    kept = lines[:max_lines]
    kept[-1] = reference_ellipsize(kept[-1] + " " + lines[max_lines], face, width)
    return kept, False


def reference_ellipsize(text, face, width):
    if face.getlength(text) <= width:
        return text
    cut = reference_longest_prefix(text, face, width - face.getlength(cards.ELLIPSIS))
    space = text.rfind(" ", 0, cut + 1)
    if space > cut * 0.6:
        cut = space
    return text[:cut].rstrip(" ,;:.-\u2013\u2014") + cards.ELLIPSIS


def reference_longest_prefix(text, face, width):
    low, high = 1, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if face.getlength(text[:middle]) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def many_titles() -> list[str]:
    """The tips' titles, the benchmark library's (a real title cut to fit a number), and made-up ones:
    random runs of the tips' words, words longer than a line, non-Latin text, odd spacing."""
    bench = Path(__file__).parent.parent / "bench" / "generate.py"
    spec = importlib.util.spec_from_file_location("bench_generate", bench)
    generate = sys.modules.setdefault("bench_generate", importlib.util.module_from_spec(spec))
    spec.loader.exec_module(generate)  # registered first: its dataclasses look their module up
    seeds = generate.seed_tips()
    titles = [seed.meta["title"] for seed in seeds]
    for index in range(0, 1000, 7):
        suffix = f" ({index + 1})"
        titles.append(seeds[index % len(seeds)].meta["title"][: generate.TITLE_MAX - len(suffix)].rstrip() + suffix)
    words = " ".join(seed.body for seed in seeds).split()
    rng = random.Random(13)
    titles += [" ".join(rng.choice(words) for _ in range(rng.randint(1, 40))) for _ in range(200)]
    titles += [
        "Kundenzufriedenheitsverbesserungsmaßnahmenkatalogzusammenstellung" * 3,
        "Say it: " + "W" * 70 + " and then " + "i" * 300,
        "Straße, Größe, Ærø: Ответ на жалобу клиента, Ευχαριστώ πολύ, Cảm ơn bạn " * 3,
        "Thanks 谢谢 ☃ \U000f0000 e\u0301 tab\there\nnewline",
        "  spaced   out  ",
        "",
        "AVAVAV To Wa Yo LT ff fi " * 5,
    ]
    return titles


def test_line_breaks_and_ellipses_are_the_ones_the_first_algorithm_gave():
    titles = many_titles()
    assert len(titles) > 400
    for size in cards.TITLE_SIZES:
        face = font(size, BOLD)
        for max_lines in (1, 4):
            for title in titles:
                assert wrap(title, face, TEXT_WIDTH, max_lines) == reference_wrap(title, face, TEXT_WIDTH, max_lines)
    for face, width in ((font(34, BOLD), TEXT_WIDTH), (font(30), TEXT_WIDTH // 2 - 40), (font(30, BOLD), 300)):
        for title in titles:
            assert cards.ellipsize(title, face, width) == reference_ellipsize(title, face, width)


def test_widths_from_kept_characters_are_what_pillow_measures():
    titles = many_titles()
    face = font(84, BOLD)
    widths = cards._widths(face)
    for title in titles:
        assert widths.width(title) == round(face.getlength(title) * 64)


def pillow_png(indices: Image.Image) -> bytes:
    """A palette image as Pillow writes it with the settings cards were first written with."""
    out = io.BytesIO()
    indices.save(out, format="PNG", optimize=False, compress_level=6, compress_type=zlib.Z_RLE)
    return out.getvalue()


def test_the_hand_written_png_is_the_file_pillow_writes():
    # Golden cards decoded and written again by Pillow: the same bytes as the card's own writer.
    for card, _ in golden_cards()[::5]:
        data = render_card(card)
        assert pillow_png(image(data)) == data
    # Noise does not compress: ~750 KB of data, so several IDAT chunks, split where Pillow splits them.
    noise = Image.frombytes("P", cards.SIZE, random.Random(5).randbytes(cards.WIDTH * cards.HEIGHT))
    noise.putpalette(cards.PALETTE)
    data = cards.card_png(noise)
    assert data.count(b"IDAT") > 5 and data == pillow_png(noise)
    assert image(data).tobytes() == noise.tobytes()


@pytest.mark.parametrize("tags", [("Care",), ("Reputation", "Tone & wording", "Ευχαριστώ")])
def test_chips_kept_from_an_earlier_card_land_as_if_drawn_over_this_title(tags):
    # A title whose ink runs into the chips' row (a card's layout keeps them apart; this forces it):
    # laying the kept chips over it must give the pixels drawing them over it gives.
    title = Image.new("L", (cards.WIDTH, cards.BAND_TOP))
    draw = ImageDraw.Draw(title)
    draw.text((cards.MARGIN - 30, cards.CHIPS_TOP - 60), "Ögyjq ÅWMgy Ǻǻ gggg", font=font(84, BOLD), fill=255)
    draw.rectangle((0, cards.CHIPS_TOP + 20, cards.WIDTH, cards.CHIPS_TOP + 30), fill=90)
    drawn = title.copy()
    cards._draw_chips(ImageDraw.Draw(drawn), tags, cards.CHIPS_TOP)
    chips, (left, top) = cards._chips(tags)
    laid = title.copy()
    laid.paste(255, (left, top, left + chips.width, top + chips.height), chips)
    assert drawn.tobytes() != title.tobytes()
    assert laid.tobytes() == drawn.tobytes()
