"""ProperDocs builds this site unchanged: the same files, byte for byte, as MkDocs.

ProperDocs, a maintained fork of MkDocs 1.6, answers `import mkdocs` with its
own modules, so the hooks and Material run as they are. Both builds take the
real tips/ and the same date; the only difference allowed is the
`<meta name="generator">` tag of each HTML page, which names the engine.
A build that --strict refuses leaves the previous site in place under both.
docs/engines.md reports this comparison.

Both engines are checked with the fast path for generated pages
(hooks/fast_pages.py) on, as builds run, and off (`TIPS_FAST_PATH=off`):
ProperDocs' stock path gives the same files as its fast path.

Marked slow: it is a second full build of the site. `make test-slow` and CI
run it.
"""

from __future__ import annotations

import difflib
import re
from importlib.metadata import version
from pathlib import Path

import pytest
import yaml

from support import AS_OF, MKDOCS_YML, REPO, SiteBuild, build_site

pytestmark = pytest.mark.slow

GENERATOR = re.compile(rb'<meta name="generator" content="[^"]*">')
# Files the hooks write (public URLs, design.md): if the hooks did not run under
# ProperDocs, these would be missing from its site.
HOOK_OUTPUTS = ("feed.xml", "atom.xml", "feed.json", "api/tip-of-the-week.json", "weekly/index.html")


@pytest.fixture(scope="module")
def properdocs_site(tmp_path_factory) -> SiteBuild:
    """The real site built by ProperDocs, with the same tips and date as the `real_site` MkDocs build."""
    result = build_site(REPO / "tips", tmp_path_factory.mktemp("properdocs") / "site", AS_OF, engine="properdocs")
    assert result.ok, result.output
    return result


@pytest.fixture(scope="module")
def properdocs_stock_site(tmp_path_factory) -> SiteBuild:
    """The same ProperDocs build with the fast path off: MkDocs' own reading and Markdown for every page."""
    out = tmp_path_factory.mktemp("properdocs-stock") / "site"
    result = build_site(REPO / "tips", out, AS_OF, extra_env={"TIPS_FAST_PATH": "off"}, engine="properdocs")
    assert result.ok, result.output
    return result


def files_of(site: Path) -> dict[str, Path]:
    """Every file of a built site, by its path relative to the site folder."""
    return {path.relative_to(site).as_posix(): path for path in site.rglob("*") if path.is_file()}


def first_difference(name: str, left: bytes, right: bytes) -> str:
    """The first differing lines of two versions of a file, for the failure message."""
    diff = difflib.unified_diff(
        left.decode("utf-8", "replace").splitlines(),
        right.decode("utf-8", "replace").splitlines(),
        f"mkdocs/{name}",
        f"properdocs/{name}",
        n=0,
        lineterm="",
    )
    return "\n".join(list(diff)[:6])


def same_but_generator(left: bytes, right: bytes) -> bool:
    """True when two pages have one generator tag each and are equal without it.

    A second generator tag, or any other change on the tag's line, is still a difference.
    """
    one_each = len(GENERATOR.findall(left)) == len(GENERATOR.findall(right)) == 1
    return one_each and GENERATOR.sub(b"", left) == GENERATOR.sub(b"", right)


def generator_of(html: bytes) -> str:
    """The content of a page's one generator meta tag."""
    tags = GENERATOR.findall(html)
    assert len(tags) == 1, tags
    return tags[0].decode()


def test_both_engines_write_the_same_files(real_site: SiteBuild, properdocs_site: SiteBuild) -> None:
    mkdocs_files = set(files_of(real_site.site))
    properdocs_files = set(files_of(properdocs_site.site))

    assert not mkdocs_files - properdocs_files, f"only MkDocs wrote: {sorted(mkdocs_files - properdocs_files)}"
    assert not properdocs_files - mkdocs_files, f"only ProperDocs wrote: {sorted(properdocs_files - mkdocs_files)}"
    for name in HOOK_OUTPUTS:
        assert name in properdocs_files, f"{name} missing: the hooks did not run under ProperDocs"
    assert any(name.startswith("tips/") for name in properdocs_files)


def test_every_file_is_byte_identical_apart_from_the_generator_tag(
    real_site: SiteBuild, properdocs_site: SiteBuild
) -> None:
    differences = []
    compared = 0
    for name, path in sorted(files_of(real_site.site).items()):
        other = properdocs_site.site / name
        if not other.is_file():
            continue  # reported by the file-list test
        compared += 1
        left, right = path.read_bytes(), other.read_bytes()
        if left == right:
            continue
        if name.endswith(".html") and same_but_generator(left, right):
            continue
        differences.append(first_difference(name, left, right))

    assert compared > len(HOOK_OUTPUTS)
    assert not differences, f"{len(differences)} files differ:\n" + "\n\n".join(differences[:10])


def test_the_second_build_really_ran_properdocs(real_site: SiteBuild, properdocs_site: SiteBuild) -> None:
    # Without this, an engine argument that was ignored (MkDocs twice) would
    # pass the comparison above trivially.
    mkdocs_generator = generator_of(real_site.page("").encode())
    properdocs_generator = generator_of(properdocs_site.page("").encode())

    assert f"mkdocs-{version('mkdocs')}," in mkdocs_generator
    assert f"ProperDocs {version('properdocs')}," in properdocs_generator
    assert "ProperDocs" not in mkdocs_generator
    # Every page the theme renders names ProperDocs (pages written whole by
    # the hooks, if any, carry no generator tag).
    themed = [path for path in properdocs_site.html_files() if GENERATOR.search(path.read_bytes())]
    assert themed
    for path in themed:
        assert "ProperDocs" in generator_of(path.read_bytes()), path


@pytest.mark.parametrize("engine", ["mkdocs", "properdocs"])
def test_a_build_refused_by_strict_keeps_the_previous_site(tmp_path: Path, engine: str) -> None:
    # A warning of the engine itself (here a nav entry for a missing page)
    # makes --strict refuse the build. ProperDocs logs under its own name, not
    # "mkdocs": the site must stay as it was with either engine.
    nav = [*yaml.safe_load(MKDOCS_YML.read_text("utf-8"))["nav"], {"Missing": "missing.md"}]
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("the previous site", encoding="utf-8")

    result = build_site(REPO / "tips", site, AS_OF, config_overrides={"nav": nav}, engine=engine)

    assert result.returncode == 1, result.output
    assert "'missing.md' is included in the 'nav' configuration" in result.output
    assert "Aborted with 1 warnings in strict mode!" in result.output
    assert [path.name for path in site.iterdir()] == ["index.html"]
    assert (site / "index.html").read_text(encoding="utf-8") == "the previous site"


def test_properdocs_gives_the_same_files_with_and_without_the_fast_path(
    properdocs_site: SiteBuild, properdocs_stock_site: SiteBuild
) -> None:
    fast, stock = files_of(properdocs_site.site), files_of(properdocs_stock_site.site)
    assert sorted(fast) == sorted(stock)
    differences = [
        first_difference(name, path.read_bytes(), stock[name].read_bytes())
        for name, path in sorted(fast.items())
        if path.read_bytes() != stock[name].read_bytes()
    ]
    assert not differences, f"{len(differences)} files differ:\n" + "\n\n".join(differences[:10])
    assert any(name.startswith("tips/") for name in fast)
