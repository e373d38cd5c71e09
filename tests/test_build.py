"""The core build (`servicetips.build`): one call gives the pages, feeds, API and assets of a site.

The MkDocs build of the same fixture is compared file by file in
test_site_build.py; these tests read the plain data the hooks hand over.
"""

from __future__ import annotations

import re
import shutil
from datetime import date

import pytest

from servicetips import routes
from servicetips.build import SiteSettings, build_inputs, build_site
from support import AS_OF, AS_OF_DATE, REPO, SITE_FIXTURES

SETTINGS = SiteSettings(url="https://tips.example.org/", title="Service Tips", description="", language="en")


def test_one_call_builds_pages_feeds_api_and_assets():
    output = build_site(SITE_FIXTURES / "small", AS_OF_DATE, SETTINGS)
    assert output.ok
    sources = {page.src_uri for page in output.pages}
    assert {routes.tip_source(tip.slug) for tip in output.visible.published} <= sources
    assert {routes.TAGS_INDEX, routes.WEEKLY_INDEX} <= sources
    assert routes.tip_source("a-draft-tip") not in sources  # a draft has no page
    files = {file.path for file in output.files}
    assert {routes.FEED_RSS, routes.FEED_ATOM, routes.FEED_JSON, routes.API_WEEKS} <= files
    assert [(asset.path, asset.source.name) for asset in output.assets] == [
        ("tips/images/reply-card.png", "reply-card.png")
    ]
    # Every generated path is unique, and an engine writes exactly these.
    paths = [item.path for item in output.generated()]
    assert len(paths) == len(set(paths)) == len(output.pages) + len(output.all_files()) + len(output.assets)


def test_the_same_inputs_give_the_same_output():
    first = build_site(SITE_FIXTURES / "small", AS_OF_DATE, SETTINGS)
    second = build_site(SITE_FIXTURES / "small", AS_OF_DATE, SETTINGS)
    assert first.generated() == second.generated()


def test_a_library_with_errors_gives_its_problems_and_no_page(tmp_path):
    output = build_site(SITE_FIXTURES / "broken", AS_OF_DATE, SETTINGS)
    assert not output.ok
    assert output.pages == () and output.files == () and output.assets == ()
    assert "unknown-tag.md" in output.problems_text
    assert routes.tip_source("unknown-tag") in output.problem_pages
    assert routes.HOME in output.problem_pages


def test_the_preview_gives_scheduled_tips_a_page_and_the_feeds_do_not_change():
    build = build_site(SITE_FIXTURES / "small", date(2026, 10, 20), SETTINGS)
    preview = build_site(SITE_FIXTURES / "small", date(2026, 10, 20), SETTINGS, preview=True)
    assert {p.src_uri for p in build.pages} < {p.src_uri for p in preview.pages}
    # The feeds carry the same items: a scheduled tip is in none of them (in
    # the preview, a body's link to one stays a link, since it has a page there).
    # Only the share cards of the scheduled tips' preview pages are added.
    scheduled_cards = {routes.tip_card(tip.slug) for tip in preview.visible.scheduled}
    assert [file.path for file in build.all_files()] == [
        file.path for file in preview.all_files() if file.path not in scheduled_cards
    ]
    assert scheduled_cards <= {file.path for file in preview.all_files()}
    scheduled = [routes.tip_url(tip.slug, SETTINGS.url) for tip in preview.visible.scheduled]
    assert scheduled
    for file in preview.files:
        assert not any(f"<link>{url}</link>".encode() in file.content for url in scheduled), file.path


def test_a_linked_image_outside_the_library_is_no_asset(tmp_path):
    # An attacker's pull request links a file of the build machine into the
    # tips folder under an image name: it must not be published.
    root = tmp_path / "tips"
    shutil.copytree(SITE_FIXTURES / "small", root)
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"not for readers")
    (root / "images" / "leak.png").symlink_to(secret)
    (root / "images" / ".hidden.png").write_bytes(b"hidden")
    (root / "images" / "inside.png").symlink_to(root / "images" / "reply-card.png")
    output = build_site(root, AS_OF_DATE, SETTINGS)
    # The check refuses the link (servicetips.assets), so the build publishes nothing at all.
    assert not output.ok and output.assets == ()
    assert [
        (p.code, p.path.endswith("images/leak.png")) for p in output.report.problems if p.severity.value == "error"
    ] == [("ENC005", True)]
    (root / "images" / "leak.png").unlink()
    output = build_site(root, AS_OF_DATE, SETTINGS)
    assert [asset.path for asset in output.assets] == ["tips/images/inside.png", "tips/images/reply-card.png"]


def test_build_inputs_name_what_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("TIPS_AS_OF", AS_OF)
    monkeypatch.delenv("TIPS_ROOT", raising=False)
    with pytest.raises(ValueError, match="site_url is not set"):
        build_inputs(tmp_path, None, "Service Tips", None, "en")
    with pytest.raises(ValueError, match=r"tips folder .* does not exist"):
        build_inputs(tmp_path, "https://tips.example.org/", "Service Tips", None, "en")
    (tmp_path / "tips").mkdir()
    with pytest.raises(ValueError, match=r"mkdocs\.yml: site_url is required"):
        build_inputs(tmp_path, "ftp://tips.example.org/", "Service Tips", None, "en")
    inputs = build_inputs(tmp_path, "https://tips.example.org", "Service Tips", None, "en")
    assert (inputs.root, inputs.as_of, inputs.settings.url) == (
        tmp_path / "tips",
        AS_OF_DATE,
        "https://tips.example.org/",
    )
    monkeypatch.setenv("TIPS_AS_OF", "someday")
    with pytest.raises(ValueError, match="cannot tell which week it is"):
        build_inputs(tmp_path, "https://tips.example.org/", "Service Tips", None, "en")


def test_the_readme_layout_names_every_module_of_the_core():
    repo = REPO
    readme = (repo / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout") :].split("```")[1]
    modules = {path.stem for path in (repo / "src" / "servicetips").glob("*.py")} - {"__init__"}
    named = set(re.findall(r"[a-z_]+", layout))
    assert modules - named == set()
    assert "pages/" in layout and (repo / "src" / "servicetips" / "pages" / "__init__.py").is_file()
