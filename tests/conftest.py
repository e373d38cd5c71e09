"""Fixtures over tests/support: the real library's report, shared site builds, a static server, Chromium.

Helpers live in tests/support (paths, the date, copies, git, builds,
parsing, the CLI); test modules import them from there. Sites are built
once per test process (each of `make test`'s two workers has its own):
`real_site`, `small_site` and `accepted_site` for the common libraries,
`shared_site(tips, as_of, config_overrides)` for any other, and
`site_cache.copy(tips, tmp_path)` for a test that changes a site.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from servicetips.check import check_library
from support import ACCEPTED, AS_OF, AS_OF_DATE, REPO, SITE_FIXTURES, SiteBuild
from support.builds import SiteCache

CHROMIUM = Path("/usr/bin/chromium")
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def report():
    """The real library checked as of AS_OF, as the build sees it."""
    result = check_library(REPO / "tips", AS_OF_DATE)
    assert result.ok
    return result


@pytest.fixture(scope="session")
def site_cache(tmp_path_factory) -> SiteCache:
    """Every site built once per run, by (tips folder, date, config overrides)."""
    return SiteCache(tmp_path_factory.mktemp("shared-sites"))


@pytest.fixture(scope="session")
def shared_site(site_cache):
    """`shared_site(tips, as_of=AS_OF, config_overrides=None)`: a site built once per run, for reading only."""
    return site_cache.get


@pytest.fixture(scope="session")
def real_site(site_cache) -> SiteBuild:
    """The site built once from the real tips/ as of 2026-11-23, shared by the site tests."""
    return site_cache.get(REPO / "tips", AS_OF)


@pytest.fixture(scope="session")
def small_site(site_cache) -> SiteBuild:
    """The site of tests/fixtures/site/small: tricky titles, a draft, links between tips."""
    return site_cache.get(SITE_FIXTURES / "small", AS_OF)


@pytest.fixture(scope="session")
def accepted_site(site_cache) -> SiteBuild:
    """The site of the accepted hostile library (tests/fixtures/hostile/accepted) as of AS_OF."""
    result = site_cache.get(ACCEPTED, AS_OF)
    assert "Traceback" not in result.output
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
