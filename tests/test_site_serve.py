"""`mkdocs serve` (what `make serve` runs): problems are shown, the server keeps running, edits are picked up."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date

import pytest

from servicetips.check import check_library
from support import AS_OF, MKDOCS_YML, REPO, SITE_FIXTURES, copy_library
from support.pagefind import searched_hand_written_pages

WAIT_SECONDS = 180  # generous: a slow machine only makes the test slower, never fail


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode("utf-8")
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return ""


def wait_for(url: str, text: str, server: subprocess.Popen) -> str:
    """Poll `url` until its HTML contains `text`; fail if the server dies or time runs out."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, "the preview server stopped"
        page = fetch(url)
        if text in page:
            return page
        time.sleep(0.5)
    pytest.fail(f"{url} never showed {text!r}")


@contextlib.contextmanager
def preview(tips, tmp_path):
    """Run `mkdocs serve --strict` (what `make serve` runs) on a tips folder; yield its URL, process and log."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env.update({"TIPS_ROOT": str(tips), "TIPS_AS_OF": AS_OF, "NO_MKDOCS_2_WARNING": "1"})
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "serve",
            "--strict",
            "--config-file",
            str(MKDOCS_YML),
            "--dev-addr",
            f"127.0.0.1:{port}",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield f"http://127.0.0.1:{port}/", server, tmp_path / "serve.log"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture
def serve(tmp_path):
    """Start the preview on a copy of the small library with one invalid tip."""
    tips = copy_library(tmp_path, source=SITE_FIXTURES / "small")
    shutil.copy(SITE_FIXTURES / "broken" / "unknown-tag.md", tips)
    with preview(tips, tmp_path) as (base, server, log):
        yield tips, base, server, log


def test_the_preview_shows_problems_keeps_serving_and_picks_up_fixes(serve):
    tips, base, server, log = serve
    page = wait_for(base, "The tips have problems", server)
    assert (
        "unknown-tag.md:4:7: TAG001 tag &#39;kindness&#39; is not in the vocabulary" in page
        or "unknown-tag.md:4:7: TAG001 tag 'kindness' is not in the vocabulary" in page
    )
    # The page of the tip being edited shows the problems too, instead of a 404.
    wait_for(base + "tips/unknown-tag/", "The tips have problems", server)
    terminal = log.read_text("utf-8")
    assert "unknown-tag.md:4:7: TAG001 tag 'kindness' is not in the vocabulary" in terminal
    assert "Traceback" not in terminal

    bad = tips / "unknown-tag.md"
    bad.write_text(bad.read_text("utf-8").replace("[tone, kindness]", "[tone]"), "utf-8")
    wait_for(base + "tips/unknown-tag/", "A tip with a tag nobody defined", server)
    wait_for(base, "Tip of the week", server)

    # A vocabulary edit is picked up as well: a new label shows on the tag page.
    tags = tips / "tags.yml"
    tags.write_text(tags.read_text("utf-8").replace("label: Care", "label: Care and kindness"), "utf-8")
    wait_for(base + "tags/empathy/", "Care and kindness", server)
    assert server.poll() is None


def test_search_works_in_the_preview_and_follows_edits(serve):
    tips, base, server, log = serve
    wait_for(base, "The tips have problems", server)
    bad = tips / "unknown-tag.md"
    bad.write_text(bad.read_text("utf-8").replace("[tone, kindness]", "[tone]"), "utf-8")
    wait_for(base + "tips/unknown-tag/", "A tip with a tag nobody defined", server)
    # Pagefind indexed the preview's own build folder: every tip (the fixed
    # one too) and the hand-written pages.
    published = check_library(tips, date.fromisoformat(AS_OF)).visible.published
    expected = len(published) + len(searched_hand_written_pages())
    entry = json.loads(wait_for(base + "pagefind/pagefind-entry.json", f'"page_count":{expected}', server))
    assert "unknown-tag" in {tip.slug for tip in published}
    script = wait_for(base + "pagefind/pagefind.js", "export", server)
    assert script and entry["languages"]["en"]["page_count"] == expected
    assert "Traceback" not in log.read_text("utf-8")


def test_a_tip_page_shows_only_the_problems_not_its_last_good_footer(tmp_path):
    tips = copy_library(tmp_path, source=SITE_FIXTURES / "small")
    with preview(tips, tmp_path) as (base, server, _log):
        url = base + "tips/answer-in-under-two-hours/"
        good = wait_for(url, "Related tips", server)
        assert 'class="tip-related"' in good and 'class="tip-credits"' in good
        tip = tips / "answer-in-under-two-hours.md"
        tip.write_text(tip.read_text("utf-8").replace("tags: [", "tags: [kindness, ", 1), "utf-8")
        broken = wait_for(url, "The tips have problems", server)
        assert "TAG001" in broken
        for leftover in ("tip-related", "tip-credits", "tip-pager", "tip-meta", "Related tips"):
            assert leftover not in broken, leftover
