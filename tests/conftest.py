"""Shared fixtures for the site tests: a real `mkdocs build --strict`, served over HTTP, in Chromium.

`build_site(tips_dir, out_dir, as_of, extra_env)` runs the same command as
`make build`, in a subprocess, against any tips folder (passed to the hooks
as TIPS_ROOT) into any output folder. Other test modules reuse it, e.g.:

    result = build_site(my_tips, tmp_path / "site", "2026-11-23")
    assert result.ok, result.output
    html = result.page("tips/my-tip/")

`config_overrides` builds with a copy of mkdocs.yml whose top-level keys are
replaced (a value of None removes the key).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import posixpath
import threading
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterator, Mapping, Optional
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from lxml import html as lxml_html

from servicetips.check import check_library

REPO = Path(__file__).resolve().parent.parent
MKDOCS_YML = REPO / "mkdocs.yml"
SITE_URL = yaml.safe_load(MKDOCS_YML.read_text("utf-8"))["site_url"]
SITE_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "site"
AS_OF = "2026-11-23"  # a Monday, ISO week 2026-W48
CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


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


def parse_html(text: str):
    """Parse an HTML page with lxml."""
    return lxml_html.fromstring(text)


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
                    value = "/" + value[len(SITE_URL):]
                parts = urlsplit(value)
                if parts.scheme or parts.netloc:
                    continue  # an external link
                if parts.path.startswith("/"):
                    target = posixpath.normpath(unquote(parts.path)[len(site_path):] or ".")
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


def has_class(name: str) -> str:
    """An XPath predicate: the element has CSS class `name`."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def text_of(element) -> str:
    """An element's text as a reader sees it: whitespace collapsed, the heading's permalink sign dropped."""
    return " ".join(element.text_content().replace("\u00b6", " ").split())


def _derived_config(out_dir: Path, overrides: Mapping[str, Any]) -> Path:
    """A copy of mkdocs.yml with absolute paths (it lives outside the repository) and `overrides`."""
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


def build_site(tips_dir: Path, out_dir: Path, as_of: str = AS_OF,
               extra_env: Optional[Mapping[str, str]] = None,
               config_overrides: Optional[Mapping[str, Any]] = None, engine: str = "mkdocs") -> SiteBuild:
    """Run `mkdocs build --strict` for the tips in `tips_dir` into `out_dir` as of `as_of` (YYYY-MM-DD).

    `engine` is the module run with `python -m`: "properdocs" builds with ProperDocs instead.
    """
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "TIPS_ROOT", "TIPS_AS_OF")}
    env.update({"TIPS_ROOT": str(Path(tips_dir).resolve()), "TIPS_AS_OF": as_of, "NO_MKDOCS_2_WARNING": "1"})
    env.update(extra_env or {})
    config = _derived_config(Path(out_dir), config_overrides) if config_overrides else MKDOCS_YML
    command = [sys.executable, "-m", engine, "build", "--strict",
               "--config-file", str(config), "--site-dir", str(out_dir)]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=1800)
    return SiteBuild(done.returncode, done.stdout, done.stderr, Path(out_dir))


@pytest.fixture(scope="session")
def report():
    """The real library checked as of AS_OF, as the build sees it."""
    result = check_library(REPO / "tips", date.fromisoformat(AS_OF))
    assert result.ok
    return result


@pytest.fixture(scope="session")
def real_site(tmp_path_factory) -> SiteBuild:
    """The site built once from the real tips/ as of 2026-11-23, shared by the site tests."""
    result = build_site(REPO / "tips", tmp_path_factory.mktemp("real") / "site", AS_OF)
    assert result.ok, result.output
    return result


@pytest.fixture(scope="session")
def small_site(tmp_path_factory) -> SiteBuild:
    """The site of tests/fixtures/site/small: tricky titles, a draft, links between tips."""
    result = build_site(SITE_FIXTURES / "small", tmp_path_factory.mktemp("small") / "site", AS_OF)
    assert result.ok, result.output
    return result


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass  # keep the test output for the tests


@pytest.fixture(scope="session")
def serve_site():
    """A function that serves a built site folder on 127.0.0.1 (random port) and returns its base URL."""
    servers = []

    def serve(site: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(site))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


SEARCH_FIELD = "[data-tips-search] input.md-search__input"


def search_for(page, word: str) -> None:
    """Type `word` into the site search and wait until the results answer the whole word.

    Results appear while the word is still being typed ("t", "th", ...): the
    list that answers the whole word is the one whose first link carries it
    in its ?highlight= parameter.
    """
    query = page.locator(SEARCH_FIELD)
    query.click()
    query.press_sequentially(word)
    page.wait_for_function(
        """word => {
            const first = document.querySelector('.md-search-result__list > li a');
            return first !== null && new URL(first.href).searchParams.get('highlight') === word;
        }""",
        arg=word, timeout=60_000)


def _require(path: Path, what: str) -> None:
    if path.exists():
        return
    message = f"{what} not found at {path}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}; CI must run the browser tests (install it: bash .ci/run)")
    pytest.skip(f"{message}; install it to run this test (CI=true makes this a failure)")


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through Playwright (never a downloaded browser)."""
    _require(CHROMIUM, "Chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser) -> Iterator[Any]:
    """A fresh browser page (desktop size) that records console errors and page errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.errors = []
    tab.on("console", lambda message: tab.errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    yield tab
    context.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """axe-core's script, installed by `make test` (npm ci); skips without it outside CI."""
    _require(AXE, "axe-core (node_modules/axe-core/axe.min.js)")
    return AXE


def copy_tips(source: Path, tmp_path: Path) -> Path:
    """A writable copy of a tips folder under tmp_path; returns the copy."""
    target = tmp_path / "tips"
    shutil.copytree(source, target)
    return target
