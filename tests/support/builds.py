"""Site builds: `mkdocs build --strict` as `make build` runs it, against any tips folder and date.

`build_site(tips_dir, out_dir, as_of, extra_env, config_overrides)` runs the
build in a subprocess (the hooks read TIPS_ROOT and TIPS_AS_OF, and a
refused build must be seen as the exit code and output a user sees):

    result = build_site(my_tips, tmp_path / "site", "2026-11-23")
    assert result.ok, result.output
    html = result.page("tips/my-tip/")

A build takes seconds, so tests that only read a site share one through
`SiteCache` (the `shared_site` fixture); tests that change a site or its
tips work on a copy (`SiteCache.copy`).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import posixpath
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

from support.dates import AS_OF
from support.parsing import parse_html
from support.paths import MKDOCS_YML, REPO, SITE_URL


@dataclass(frozen=True)
class SiteBuild:
    """The outcome of one `mkdocs build --strict`: exit code, output and the site folder."""

    returncode: int
    stdout: str
    stderr: str
    site: Path

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def output(self) -> str:
        """Everything the build printed (MkDocs logs to stderr)."""
        return self.stdout + self.stderr

    def page(self, url_path: str) -> str:
        """The HTML of a page by its URL path, e.g. 'tips/x/' or '' for the home page."""
        path = self.site / url_path
        if url_path == "" or url_path.endswith("/"):
            path = path / "index.html"
        return path.read_text("utf-8")

    def tree(self, url_path: str):
        """The parsed page (lxml) by its URL path."""
        return parse_html(self.page(url_path))

    def exists(self, url_path: str) -> bool:
        """True when the site has this page or file."""
        path = self.site / url_path
        return (path / "index.html").is_file() if url_path == "" or url_path.endswith("/") else path.is_file()

    def html_files(self) -> list[Path]:
        """Every HTML file of the site."""
        return sorted(self.site.rglob("*.html"))


def derived_config(out_dir: Path, overrides: Mapping[str, Any]) -> Path:
    """A copy of mkdocs.yml with absolute paths (it lives outside the repository) and `overrides`.

    A value of None in `overrides` removes the key.
    """
    config = yaml.safe_load(MKDOCS_YML.read_text("utf-8"))
    config["docs_dir"] = str(REPO / config.get("docs_dir", "docs"))
    config["hooks"] = [str(REPO / hook) for hook in config.get("hooks", [])]
    theme = config.get("theme", {})
    if isinstance(theme, dict) and theme.get("custom_dir"):
        theme["custom_dir"] = str(REPO / theme["custom_dir"])
    for key, value in overrides.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    path = out_dir.parent / f"{out_dir.name}.mkdocs.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
    return path


def build_env(tips_dir: Path, as_of: str, extra_env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a build: this one without a date or tips folder of its own, then the test's."""
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "TIPS_ROOT", "TIPS_AS_OF")}
    env.update({"TIPS_ROOT": str(Path(tips_dir).resolve()), "TIPS_AS_OF": as_of, "NO_MKDOCS_2_WARNING": "1"})
    env.update(extra_env or {})
    return env


def build_site(
    tips_dir: Path,
    out_dir: Path,
    as_of: str = AS_OF,
    extra_env: Mapping[str, str] | None = None,
    config_overrides: Mapping[str, Any] | None = None,
    engine: str = "mkdocs",
) -> SiteBuild:
    """Run `mkdocs build --strict` for the tips in `tips_dir` into `out_dir` as of `as_of` (YYYY-MM-DD).

    `config_overrides` builds with a copy of mkdocs.yml whose top-level keys
    are replaced; `engine` is the module run with `python -m`: "properdocs"
    builds with ProperDocs instead.
    """
    config = derived_config(Path(out_dir), config_overrides) if config_overrides else MKDOCS_YML
    command = [
        sys.executable,
        "-m",
        engine,
        "build",
        "--strict",
        "--config-file",
        str(config),
        "--site-dir",
        str(out_dir),
    ]
    done = subprocess.run(
        command, cwd=REPO, env=build_env(tips_dir, as_of, extra_env), capture_output=True, text=True, timeout=1800
    )
    return SiteBuild(done.returncode, done.stdout, done.stderr, Path(out_dir))


class SiteCache:
    """Sites built once per test run, by (tips folder, date, config overrides).

    A shared site is for reading only. `copy` gives a test its own tips
    folder and a site built from it, copied from the shared build instead of
    built again: the same tips and date give the same bytes, wherever the
    tips folder is.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self.builds: dict[str, SiteBuild] = {}

    def get(
        self,
        tips_dir: Path,
        as_of: str = AS_OF,
        config_overrides: Mapping[str, Any] | None = None,
    ) -> SiteBuild:
        """The site of `tips_dir` as of `as_of`, built on first use; the build must succeed."""
        key = json.dumps([str(Path(tips_dir).resolve()), as_of, config_overrides or {}], sort_keys=True)
        if key not in self.builds:
            out = self.root / f"site-{len(self.builds)}" / "site"
            result = build_site(tips_dir, out, as_of, config_overrides=config_overrides)
            assert result.ok, result.output
            self.builds[key] = result
        return self.builds[key]

    def copy(self, tips_dir: Path, tmp_path: Path, as_of: str = AS_OF) -> tuple[Path, Path]:
        """A writable copy of `tips_dir` at tmp_path/tips and of its site at tmp_path/out/site."""
        shared = self.get(tips_dir, as_of)
        tips = tmp_path / "tips"
        shutil.copytree(tips_dir, tips)
        out = tmp_path / "out" / "site"
        out.parent.mkdir(parents=True)
        shutil.copytree(shared.site, out, symlinks=True)
        return tips, out


def load_hook(name: str):
    """hooks/<name>.py as MkDocs loads a hook: a module of its own, outside sys.modules."""
    if str(REPO / "hooks") not in sys.path:  # as MkDocs does while it loads a hook: its siblings import
        sys.path.insert(0, str(REPO / "hooks"))
    spec = importlib.util.spec_from_file_location(f"{name}_under_test", REPO / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def site_bytes(site: Path) -> dict[str, bytes]:
    """Every file of a built site by its path relative to the site folder, with its bytes."""
    return {path.relative_to(site).as_posix(): path.read_bytes() for path in site.rglob("*") if path.is_file()}


def site_folders(site: Path) -> list[str]:
    """Every folder of a built site, relative to it: an empty one too, which no file list shows."""
    return sorted(path.relative_to(site).as_posix() for path in site.rglob("*") if path.is_dir())


def assert_same_sites(left: Path, right: Path, *, tip_pages: int = 1) -> None:
    """Both folders hold the same files with the same bytes, and the same folders; at least `tip_pages` tip
    pages among them."""
    a, b = site_bytes(left), site_bytes(right)
    assert sorted(a) == sorted(b)
    assert site_folders(left) == site_folders(right)
    differing = [name for name in a if a[name] != b[name]]
    assert not differing, f"{len(differing)} files differ, first: {differing[:5]}"
    assert sum(name.startswith("tips/") and name.endswith("/index.html") for name in a) >= tip_pages


def snapshot(folder: Path) -> dict[str, str]:
    """Every file of a folder (relative path) with a hash of its bytes."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def check_links(build: SiteBuild) -> tuple[int, list[str]]:
    """Resolve every internal href and src of every HTML file: (links checked, broken ones).

    A link is broken when its file does not exist in the site, or when its
    #fragment names no element of the target page. Links into the site's
    own URL (site_url) count as internal; other absolute URLs are external.
    """
    ids: dict[str, set[str]] = {}
    trees = {}
    for path in build.html_files():
        url = path.relative_to(build.site).as_posix()
        trees[url] = parse_html(path.read_text("utf-8"))
        ids[url] = {e.get("id") for e in trees[url].iter() if isinstance(e.tag, str) and e.get("id")}
    site_path = urlsplit(SITE_URL).path
    broken: list[str] = []
    checked = 0
    for url, tree in trees.items():
        for element in tree.iter():
            if not isinstance(element.tag, str):
                continue
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if not value or value.startswith(("mailto:", "data:", "javascript:")):
                    continue
                if value.startswith(SITE_URL):
                    value = "/" + value[len(SITE_URL) :]
                parts = urlsplit(value)
                if parts.scheme or parts.netloc:
                    continue  # an external link
                if parts.path.startswith("/"):
                    target = posixpath.normpath(unquote(parts.path)[len(site_path) :] or ".")
                elif parts.path:
                    target = posixpath.normpath(posixpath.join(posixpath.dirname(url), unquote(parts.path)))
                else:
                    target = url
                file = build.site / ("" if target == "." else target)
                if file.is_dir():
                    file = file / "index.html"
                checked += 1
                if not file.is_file():
                    broken.append(f"{url}: {element.get(attribute)}")
                    continue
                key = file.relative_to(build.site).as_posix()
                fragment = unquote(parts.fragment)
                if fragment and key in ids and fragment not in ids[key] and not fragment.startswith("__"):
                    broken.append(f"{url}: {element.get(attribute)} (no such anchor)")  # `#__search` is Material's UI
    return checked, broken
