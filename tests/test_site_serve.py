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
from pathlib import Path

import pytest

from servicetips.check import check_library
from support import AS_OF, MKDOCS_YML, REPO, SITE_FIXTURES, copy_library, snapshot
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
def preview(tips, tmp_path, port: int | None = None, name: str = "serve"):
    """Run `mkdocs serve --strict` (what `make serve` runs) on a tips folder; yield its URL, process and log.

    The server's own temporary folder, the one it serves, is made in
    tmp_path/<name>-tmp (see `served_folder`).
    """
    port = port or free_port()
    temporary = tmp_path / f"{name}-tmp"
    temporary.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env.update({"TIPS_ROOT": str(tips), "TIPS_AS_OF": AS_OF, "NO_MKDOCS_2_WARNING": "1", "TMPDIR": str(temporary)})
    log = (tmp_path / f"{name}.log").open("w")
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
        yield f"http://127.0.0.1:{port}/", server, tmp_path / f"{name}.log"
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


# -- the fast path (hooks/preview.py): the saved tip at once, then the whole site as a fresh build --

TIP = "answer-in-under-two-hours"  # tip of the week 2026-W46 in the small library
QUICK = f"preview: tips/{TIP}.md"  # the line the fast path logs when it rendered the page


def served_folder(tmp_path, name: str = "serve") -> Path:
    """The folder a preview started by `preview(..., name=name)` serves (MkDocs makes it in TMPDIR)."""
    (folder,) = (tmp_path / f"{name}-tmp").glob("mkdocs_*")
    return folder


def builds(log: Path) -> int:
    return log.read_text("utf-8").count("Documentation built in")


def rebuilds(log: Path) -> int:
    """Full rebuilds finished (or stopped for a newer save) since the start: MkDocs logs each.

    Not "Documentation built in": MkDocs drops a message it logged before,
    so two rebuilds that took the same time show once.
    """
    return log.read_text("utf-8").count("Reloading browsers")


def wait_until(condition, server: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        assert server.poll() is None, "the preview server stopped"
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"never: {what}")


def edit(tips: Path, slug: str, old: str, new: str) -> None:
    path = tips / f"{slug}.md"
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


def fresh_preview_snapshot(tips: Path, tmp_path: Path, port: int) -> dict[str, str]:
    """Every file a newly started preview of `tips` serves (same port: the pages hold the server's URL)."""
    with preview(tips, tmp_path, port=port, name="fresh") as (base, server, log):
        wait_until(lambda: builds(log) >= 1, server, "the fresh preview built")
        wait_for(base, "Service Tips", server)
        return snapshot(served_folder(tmp_path, "fresh"))


def test_a_saved_tip_is_served_at_once_and_the_site_ends_as_a_fresh_build(tmp_path):
    tips = copy_library(tmp_path, source=SITE_FIXTURES / "small")
    port = free_port()
    with preview(tips, tmp_path, port=port) as (base, server, log):
        wait_for(base + f"tips/{TIP}/", "Related tips", server)
        edit(tips, TIP, "title: Answer in", "title: Reply in")
        edit(tips, TIP, "A customer who writes in", "A customer (marker-one) who writes in")
        page = wait_for(base + f"tips/{TIP}/", "marker-one", server)
        assert "Reply in &lt; 2 hours" in page
        wait_for(base + "weekly/2026-W46/", "marker-one", server)
        assert QUICK in log.read_text("utf-8")  # the fast path made it, not only the full rebuild
        # A second save at once, while the full rebuild of the first may be running, is not lost.
        edit(tips, TIP, "title: Reply in", "title: Respond in")
        edit(tips, TIP, "marker-one", "marker-two")
        wait_for(base + f"tips/{TIP}/", "marker-two", server)
        # Only the full rebuild rewrites the listings: once they show the last title, it is done.
        wait_for(base + "tips/", "Respond in &lt; 2 hours", server)
        wait_for(base + "weekly/", "Respond in &lt; 2 hours", server)
        # A save on a settled server (its last build was staged) is quick too.
        caught = False
        for attempt in range(8):
            marker, quick, built = f"marker-settled-{attempt}", log.read_text("utf-8").count(QUICK), rebuilds(log)
            edit(tips, TIP, "who writes in", f"who writes in ({marker})")
            wait_until(lambda quick=quick: log.read_text("utf-8").count(QUICK) > quick, server, "a quick page")
            page = (served_folder(tmp_path) / "tips" / TIP / "index.html").read_text("utf-8")
            if rebuilds(log) == built:  # the full rebuild has not finished: only the quick path wrote the page
                assert marker in page
                caught = True
            wait_until(lambda built=built: rebuilds(log) > built, server, "the full rebuild")
            if caught:
                break
        assert caught, "the full rebuild always finished first: the quick page was never seen alone"
        wait_for(base + f"tips/{TIP}/", marker, server)
        served = snapshot(served_folder(tmp_path))
        terminal = log.read_text("utf-8")
        assert "Traceback" not in terminal and "ERROR" not in terminal
    fresh = fresh_preview_snapshot(tips, tmp_path, port)
    assert served.keys() == fresh.keys()
    assert [path for path in served if served[path] != fresh[path]] == []


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ("A customer who writes in", "A customer (see [this](no-such-tip.md)) who writes in", "BODY006"),
        ('title: Answer in < 2 hours & say "thanks"', "title: Quote the customer's 'own' words back", "DUP001"),
    ],
)
def test_a_saved_error_shows_the_problems_everywhere_and_the_fix_restores(tmp_path, old, new, code):
    tips = copy_library(tmp_path, source=SITE_FIXTURES / "small")
    port = free_port()
    with preview(tips, tmp_path, port=port) as (base, server, log):
        wait_for(base + f"tips/{TIP}/", "Related tips", server)
        original = (tips / f"{TIP}.md").read_text("utf-8")
        edit(tips, TIP, old, new)
        for url in ("", f"tips/{TIP}/", "tips/", "weekly/", "tags/"):
            assert code in wait_for(base + url, "The tips have problems", server), url
        assert QUICK not in log.read_text("utf-8")  # never shown as if it were fine
        (tips / f"{TIP}.md").write_text(original, "utf-8")
        wait_for(base + f"tips/{TIP}/", "Related tips", server)
        wait_for(base, "Tip of the week", server)
        count = rebuilds(log)
        # The fix went through a full rebuild; the next save is quick again.
        edit(tips, TIP, "A customer who writes in", "A customer (marker-three) who writes in")
        wait_for(base + f"tips/{TIP}/", "marker-three", server)
        assert QUICK in log.read_text("utf-8")
        wait_until(lambda: rebuilds(log) > count, server, "the full rebuild after the quick page")
        served = snapshot(served_folder(tmp_path))
    assert served == fresh_preview_snapshot(tips, tmp_path, port)


@pytest.mark.browser
def test_the_browser_reloads_a_saved_tip_by_itself(page, tmp_path):
    tips = copy_library(tmp_path, source=SITE_FIXTURES / "small")
    with preview(tips, tmp_path) as (base, server, _log):
        wait_for(base + f"tips/{TIP}/", "Related tips", server)
        page.goto(base + f"tips/{TIP}/")
        page.wait_for_function("document.body.innerText.includes('Related tips')")
        page.evaluate("window.notReloaded = true")  # gone once the page reloads
        edit(tips, TIP, "A customer who writes in", "A customer (marker-live) who writes in")
        page.wait_for_function("document.body.innerText.includes('marker-live')", timeout=WAIT_SECONDS * 1000)
        assert page.evaluate("window.notReloaded === undefined")
        # The full rebuild that follows reloads it again only if a page changed; either way it ends right.
        edit(tips, TIP, "marker-live", "marker-again")
        page.wait_for_function("document.body.innerText.includes('marker-again')", timeout=WAIT_SECONDS * 1000)


def test_saves_during_the_full_rebuild_stop_it_quietly_and_the_last_save_wins(tmp_path):
    tips = copy_library(tmp_path, source=SITE_FIXTURES / "small")
    port = free_port()
    with preview(tips, tmp_path, port=port) as (base, server, log):
        wait_for(base + f"tips/{TIP}/", "Related tips", server)
        original = (tips / f"{TIP}.md").read_text("utf-8")
        # Saves a moment apart, as an editor saving often does, until one lands in a full rebuild.
        for number in range(40):
            saved = original.replace("who writes in", f"who writes in (save-{number})")
            (tips / f"{TIP}.md").write_text(saved, "utf-8")
            time.sleep(0.3)
            if "a newer save arrived" in log.read_text("utf-8"):
                break
        assert "a newer save arrived" in log.read_text("utf-8")
        wait_for(base + f"tips/{TIP}/", f"save-{number})", server)
        # Settled: the last quick page has a full rebuild after it.
        wait_until(lambda: "Reloading browsers" in log.read_text("utf-8").rsplit(QUICK, 1)[1], server, "settled")
        assert "a newer save arrived" not in log.read_text("utf-8").rsplit(QUICK, 1)[1]
        served = snapshot(served_folder(tmp_path))
        terminal = log.read_text("utf-8")
        assert "ERROR" not in terminal and "Traceback" not in terminal  # a stopped rebuild is no error
    assert served == fresh_preview_snapshot(tips, tmp_path, port)
