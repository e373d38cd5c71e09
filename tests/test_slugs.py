"""One slug rule and one title comparison for `tips new`, `tips check` and tag keys; dates in the site's language."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

from servicetips import routes
from servicetips.build import SiteSettings, build_site
from servicetips.check import check_library
from servicetips.cli import main
from servicetips.dates import IsoWeek, day_label
from servicetips.slugs import is_slug, slugify, title_key
from support import AS_OF_DATE, SITE_FIXTURES, copy_library


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Straße", "strasse"),  # the old ASCII folding lost the ß: "strae"
        ("Вежливый ответ клиенту", "vezhlivyi-otvet-klientu"),  # it gave an empty slug
        ('Say "sorry" & mean it', "say-sorry-mean-it"),
        ("Café crème étiquette", "cafe-creme-etiquette"),
        ("  --Reply in < 2 hours--  ", "reply-in-2-hours"),
        ("日本語のヒント", "ri-ben-yu-nohinto"),
    ],
)
def test_a_non_ascii_title_keeps_its_letters(title, slug):
    assert slugify(title) == slug
    assert is_slug(slug)


def test_a_slug_is_at_most_60_characters_and_never_ends_with_a_hyphen():
    slug = slugify("word " * 30)
    assert len(slug) <= 60 and is_slug(slug)


def test_nothing_to_spell_gives_no_slug():
    assert slugify("!!! ???") == ""
    assert not is_slug("") and not is_slug("Upper") and not is_slug("a--b") and not is_slug("-a")


def test_tips_new_names_a_german_and_a_russian_tip_by_their_letters(tmp_path):
    root = copy_library(tmp_path)
    for title, name in (
        ("Grüße an die Straße", "grusse-an-die-strasse.md"),
        ("Спасибо за терпение", "spasibo-za-terpenie.md"),
    ):
        result = CliRunner().invoke(main, ["new", title, "--tag", "empathy", "--root", str(root)])
        assert result.exit_code == 0, result.output
        assert (root / name).is_file()


def test_tips_new_and_tips_check_compare_titles_the_same_way(tmp_path):
    # `tips check` called "Own  the MISS" a duplicate of "Own the miss" (DUP001)
    # while `tips new` compared case only and wrote it: now both refuse it.
    root = copy_library(tmp_path)
    existing = check_library(root, AS_OF_DATE).library.by_slug["own-the-miss"].title
    spaced = "  ".join(existing.upper().split())
    assert title_key(spaced) == title_key(existing)
    result = CliRunner().invoke(main, ["new", spaced, "--tag", "empathy", "--root", str(root)])
    assert result.exit_code == 2 and "already exists" in result.output


def test_check_suggests_a_file_name_from_the_same_rule(tmp_path):
    root = copy_library(tmp_path)
    source = next(root.glob("own-the-miss.md"))
    source.rename(root / "Straße Tip.md")
    problems = [p for p in check_library(root, AS_OF_DATE).problems if p.code == "SLUG001"]
    assert len(problems) == 1 and "rename it to strasse-tip.md" in problems[0].hint


def test_dates_are_labelled_in_the_site_language():
    assert day_label(date(2026, 6, 2)) == "2 Jun 2026"
    assert day_label(date(2026, 6, 2), "fr") == "2 juin 2026"
    assert IsoWeek(2026, 48).date_range_label("de") == "23-29 Nov. 2026"
    assert day_label(date(2026, 6, 2), "xx-unknown") == "2 Jun 2026"  # an unknown language falls back to English
    settings = SiteSettings(url="https://tips.example.org/", title="Tipps", description="", language="de")
    output = build_site(SITE_FIXTURES / "small", AS_OF_DATE, settings)
    tip = output.visible.published[-1]
    page = output.page(routes.tip_source(tip.slug))
    assert day_label(tip.published, "de") in page.html
    assert day_label(tip.published, "en") not in page.html


@pytest.mark.parametrize(
    "title",
    [
        "Own the\u200b miss",  # zero-width space
        "\ufeffOwn the miss",  # byte order mark
        "Own the mi\u00adss",  # soft hyphen
        "Own\u2060 the miss",  # word joiner
        "Ｏｗｎ ｔｈｅ ｍｉｓｓ",  # fullwidth letters
        "Own\u00a0the miss",  # no-break space
    ],
)
def test_titles_that_look_the_same_are_the_same(tmp_path, title):
    # Before: these passed DUP001 and `tips new` wrote them.
    assert title_key(title) == title_key("Own the miss")
    root = copy_library(tmp_path)
    result = CliRunner().invoke(main, ["new", title, "--tag", "empathy", "--root", str(root)])
    assert result.exit_code == 2 and "already exists" in result.output


def test_titles_that_differ_stay_different():
    assert title_key("Own the miss") != title_key("Own the mist")
    assert title_key("Straße") != title_key("Strasse tip")
