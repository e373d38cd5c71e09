"""servicetips.incremental: the preview's fast pages are the full build's; what it cannot vouch for is refused."""

from __future__ import annotations

import shutil

import pytest

from servicetips.build import SiteSettings, build_site
from servicetips.incremental import changed_tips
from support import AS_OF_DATE, SITE_FIXTURES
from test_site_scale import generate_library

SETTINGS = SiteSettings(url="https://tips.example.org/", title="Service Tips", description="", language="en")
TIP = "answer-in-under-two-hours"  # tip of the week 2026-W46 in the small library


@pytest.fixture
def library(tmp_path):
    """A copy of the small library and its preview build before any edit."""
    root = tmp_path / "tips"
    shutil.copytree(SITE_FIXTURES / "small", root)
    return root, build_site(root, AS_OF_DATE, SETTINGS, preview=True)


def edit(root, slug: str, old: str, new: str, count: int = 1) -> None:
    path = root / f"{slug}.md"
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), "utf-8")


def test_a_changed_title_and_body_give_the_full_builds_tip_and_week_pages(library):
    root, before = library
    edit(root, TIP, "title: Answer in", "title: Reply in")
    edit(root, TIP, "A customer who writes in", "A customer <em>who</em> writes in")
    update = changed_tips(before, root, [root / f"{TIP}.md"])
    assert update is not None
    assert update.pages == (f"tips/{TIP}.md", "weekly/2026-W46.md")
    fresh = build_site(root, AS_OF_DATE, SETTINGS, preview=True)
    for src in update.pages:
        assert update.output.page(src) == fresh.page(src), src
        assert update.output.head(src) == fresh.head(src), src
    assert "Reply in" in update.output.page(f"tips/{TIP}.md").html
    assert "<em>who</em>" in update.output.page("weekly/2026-W46.md").html
    # The pages it did not touch are the last build's, to be redone by the full rebuild.
    assert update.output.page("tips/index.md") == before.page("tips/index.md")


def test_a_summary_change_is_taken_and_an_unchanged_file_gives_the_same_pages(library):
    root, before = library
    update = changed_tips(before, root, [root / f"{TIP}.md"])
    assert update is not None and update.output.page(f"tips/{TIP}.md") == before.page(f"tips/{TIP}.md")
    edit(root, TIP, "summary: Reply fast", "summary: Answer fast")
    update = changed_tips(before, root, [root / f"{TIP}.md"])
    fresh = build_site(root, AS_OF_DATE, SETTINGS, preview=True)
    assert update.output.page(f"tips/{TIP}.md") == fresh.page(f"tips/{TIP}.md")


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        ("tags: [tone, empathy]", "tags: [tone]", "tags move a tip between tag pages"),
        ("published: 2026-10-01", "published: 2026-10-02", "the date orders every listing"),
        ("author: sean", "author: nobody-known", "an unknown author is an error"),
        ("tags: [tone, empathy]", "tags: [tone, kindness]", "an unknown tag is an error"),
        (
            'title: Answer in < 2 hours & say "thanks"',
            "title: QUOTE the customer's 'own' words back",
            "a title may clash with another tip's",
        ),
        ("A customer who writes in", "A customer (see [this](no-such-tip.md)) who writes in", "a broken tip link"),
        ("A customer who writes in", "# A heading\n\nA customer who writes in", "a body problem"),
        ("A customer who writes in", "A customer <script>alert(1)</script> who writes in", "raw HTML (BODY004)"),
        ("A customer who writes in", '<b onclick="x()">A customer</b> who writes in', "an event handler (BODY004)"),
        ("A customer who writes in", "A [customer](javascript:alert(1)) who writes in", "a script link (BODY005)"),
        ("---\ntitle:", "---\ndraft: true\ntitle:", "a tip that becomes a draft leaves the site"),
        ("---\n", "", "a file that no longer has front matter"),
    ],
)
def test_anything_it_cannot_vouch_for_asks_for_a_full_rebuild(library, old, new, why):
    root, before = library
    edit(root, TIP, old, new)
    assert changed_tips(before, root, [root / f"{TIP}.md"]) is None, why


def test_new_removed_or_not_a_tip_files_and_a_library_with_errors_ask_for_a_full_rebuild(library, tmp_path):
    root, before = library
    shutil.copy(root / f"{TIP}.md", root / "a-brand-new-tip.md")
    assert changed_tips(before, root, [root / "a-brand-new-tip.md"]) is None
    (root / "a-brand-new-tip.md").unlink()
    assert changed_tips(before, root, [root / "tags.yml"]) is None
    assert changed_tips(before, root, [root / "a-draft-tip.md"]) is None  # no page to show
    assert changed_tips(before, root, []) is None
    (root / f"{TIP}.md").unlink()
    assert changed_tips(before, root, [root / f"{TIP}.md"]) is None
    broken = tmp_path / "broken"
    shutil.copytree(SITE_FIXTURES / "small", broken)
    shutil.copy(SITE_FIXTURES / "broken" / "unknown-tag.md", broken)
    with_errors = build_site(broken, AS_OF_DATE, SETTINGS, preview=True)
    assert not with_errors.ok
    assert changed_tips(with_errors, broken, [broken / f"{TIP}.md"]) is None


def test_two_tips_changed_at_once_cannot_take_each_others_titles_or_show_each_others_old_ones(library):
    root, before = library
    other = "quote-the-customers-words"
    old_title = before.report.library.by_slug[other].title
    edit(root, other, "title: ", "title: Something else entirely ", 1)
    edit(root, TIP, f"title: {before.report.library.by_slug[TIP].title}", f"title: {old_title}")
    assert changed_tips(before, root, [root / f"{TIP}.md"]) is None  # alone, its title clashes
    # Together the titles are unique, but each page lists the other as a related
    # tip, whose title the last build's index has: a full rebuild shows both.
    assert other in {tip.slug for tip in before.index.related(before.report.library.by_slug[TIP])}
    assert changed_tips(before, root, [root / f"{TIP}.md", root / f"{other}.md"]) is None


def test_two_tips_changed_at_once_that_do_not_show_each_other_give_the_full_builds_pages(tmp_path):
    root = generate_library(tmp_path / "tips", 30)  # enough tips that some never show each other
    before = build_site(root, AS_OF_DATE, SETTINGS, preview=True)
    tips = {tip.slug: tip for tip in before.visible.with_pages}
    pairs = [
        (a, b)
        for a in tips
        for b in tips
        if a < b
        and b not in {t.slug for t in (*before.index.related(tips[a]), *before.index.neighbours(tips[a])) if t}
        and a not in {t.slug for t in (*before.index.related(tips[b]), *before.index.neighbours(tips[b])) if t}
    ]
    assert pairs
    a, b = pairs[0]
    for slug in (a, b):
        edit(root, slug, "title: ", "title: Edited ")
    update = changed_tips(before, root, [root / f"{a}.md", root / f"{b}.md"])
    fresh = build_site(root, AS_OF_DATE, SETTINGS, preview=True)
    assert update is not None
    for src in update.pages:
        assert update.output.page(src) == fresh.page(src), src
