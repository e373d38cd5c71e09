"""The site search at scale: Pagefind's bundle size, its indexing time, and what a first search downloads.

    .venv/bin/python bench/search.py [--sizes 1000 5000] [--runs 5] [--keep DIR]

For each size: a generated library (bench/generate.py) is built once with
`mkdocs build --strict`; then

* the bundle: files and bytes of `site/pagefind/`, and of its index and
  fragment folders (what searches fetch from);
* indexing time in series: `servicetips.search.index_site` on the built
  site, the median of --runs runs (all of Pagefind's work, as a build paid
  it when Pagefind ran after the last page), wall clock and the CPU time of
  the Pagefind process (user + system; on a shared machine the wall clock
  also counts waiting for a core);
* what the build waits for: --runs builds in turn with the search cache
  emptied (Pagefind fed during rendering, as after any change to a searched
  page) and kept (nothing searched changed: the bundle is copied), each the
  seconds from the last page to the bundle written, from the build's log;
  "hidden" is the share of the series time the build no longer waits for;
* first search: headless Chromium (Debian's /usr/bin/chromium, never a
  downloaded one) opens a tip page, checks that nothing of the search was
  fetched before the reader opens it, then types a word into the search;
  the sizes of the files it fetched (pagefind.js, its worker, WebAssembly,
  metadata, index chunks and the ten fragments shown) are added up. Two
  words: a common one (many results) and a rarer one.

Prints a table and writes bench/results/search.json. Never asserted in tests.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import AS_OF, REPO, write_library
from servicetips.build import cache_dir_for
from servicetips.search import BUNDLE_DIR, CACHE_FOLDER, index_site

CHROMIUM = Path("/usr/bin/chromium")
WORDS = ("customer", "apologize")
BUDGET = 250 * 1024


#: The hook's log line: how long the build waited for the bundle after its last page.
WAITED = re.compile(r"search: \d+ pages (indexed by Pagefind|copied from the cache), ([\d.]+) s after the last page")


def build(tips: Path, out: Path) -> tuple[float, str]:
    """Build the site; return the seconds the whole build took and its log."""
    env = {"TIPS_ROOT": str(tips), "TIPS_AS_OF": AS_OF.isoformat(), "NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin"}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(REPO / "mkdocs.yml"), "-d", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"build failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - started, done.stderr


def waited(tips: Path, out: Path, cached: bool) -> tuple[float, float]:
    """One build with the search cache kept or emptied: (build seconds, seconds waited for the bundle)."""
    if not cached:
        shutil.rmtree(cache_dir_for(REPO) / CACHE_FOLDER, ignore_errors=True)
    seconds, log = build(tips, out)
    found = WAITED.search(log)
    if found is None or (found.group(1) == "copied from the cache") != cached:
        raise SystemExit(f"the build did not say how it wrote the bundle, or not as expected:\n{log[-2000:]}")
    return seconds, float(found.group(2))


def folder_bytes(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def first_search(site: Path, word: str) -> dict:
    """Bytes fetched for search by a fresh browser: before opening it, and for a first query of `word`."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only where Chromium is there

    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    tip = sorted((site / "tips").glob("*/index.html"))[0].parent.name
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--headless=new", "--no-sandbox"])
            page = browser.new_page()
            fetched: list[str] = []
            page.on("requestfinished", lambda request: fetched.append(request.url))
            page.goto(f"{base}tips/{tip}/")
            page.wait_for_load_state("networkidle")
            before = [url for url in fetched if f"/{BUNDLE_DIR}/" in url]
            started = time.perf_counter()
            page.locator("[data-tips-search] input.md-search__input").click()
            page.keyboard.type(word)
            page.wait_for_function(
                """word => { const a = document.querySelector('.md-search-result__list > li a');
                             return a !== null && new URL(a.href).searchParams.get('highlight') === word; }""",
                arg=word,
                timeout=120_000,
            )
            answered = time.perf_counter() - started
            page.wait_for_load_state("networkidle")
            shown = page.locator(".md-search-result__link").count()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    paths = sorted({url.split("?")[0].removeprefix(base) for url in fetched if f"/{BUNDLE_DIR}/" in url})
    sizes = {path: (site / path).stat().st_size for path in paths}
    return {
        "word": word,
        "fetched_before_opening": before,
        "files": sizes,
        "bytes": sum(sizes.values()),
        "results_shown": shown,
        "answered_s": round(answered, 2),
    }


def measure(work: Path, count: int, runs: int) -> dict:
    print(f"search: {count:,} tips: generating and building", file=sys.stderr, flush=True)
    tips, site = work / f"tips-{count}", work / f"site-{count}"
    write_library(tips, count)
    build_s, _ = build(tips, site)
    builds = {"emptied": [], "kept": []}
    for _ in range(runs):  # in turn, so both see the same load
        builds["emptied"].append(waited(tips, work / f"site-{count}-emptied", cached=False))
        builds["kept"].append(waited(tips, work / f"site-{count}-kept", cached=True))
    times, cpu = [], []
    for _ in range(runs):
        started, children = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        written = index_site(site)
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime)
    files, total = folder_bytes(site / BUNDLE_DIR)
    _, index_bytes = folder_bytes(site / BUNDLE_DIR / "index")
    _, fragment_bytes = folder_bytes(site / BUNDLE_DIR / "fragment")
    result = {
        "tips": count,
        "pages_indexed": written.pages,
        "build_s": round(build_s, 2),
        "index_s_median": round(statistics.median(times), 2),
        "index_s": [round(t, 2) for t in times],
        "index_cpu_s_median": round(statistics.median(cpu), 2),
        **{f"build_{name}_s_median": round(statistics.median(b for b, _ in rows), 2) for name, rows in builds.items()},
        **{f"waited_{name}_s_median": round(statistics.median(w for _, w in rows), 2) for name, rows in builds.items()},
        "bundle_files": files,
        "bundle_bytes": total,
        "index_bytes": index_bytes,
        "fragment_bytes": fragment_bytes,
    }
    if CHROMIUM.exists():
        result["first_search"] = [first_search(site, word) for word in WORDS]
    return result


def table(results: list[dict]) -> str:
    lines = []
    for r in results:
        lines.append(
            f"{r['tips']:>6,} tips: {r['pages_indexed']:,} pages indexed in {r['index_s_median']:.2f} s "
            f"(median of {len(r['index_s'])}; CPU {r['index_cpu_s_median']:.2f} s); "
            f"bundle {r['bundle_bytes'] / 1e6:.1f} MB in {r['bundle_files']:,} files "
            f"(index {r['index_bytes'] / 1e6:.2f} MB, fragments {r['fragment_bytes'] / 1e6:.1f} MB)"
        )
        hidden = 1 - r["waited_emptied_s_median"] / r["index_s_median"]
        lines.append(
            f"        the build waits {r['waited_emptied_s_median']:.2f} s after its last page when a searched page "
            f"changed ({hidden:.0%} of the series time hidden; build {r['build_emptied_s_median']:.2f} s), "
            f"{r['waited_kept_s_median']:.2f} s when none did (bundle copied; build {r['build_kept_s_median']:.2f} s)"
        )
        for s in r.get("first_search", []):
            verdict = "within" if s["bytes"] <= BUDGET else "OVER"
            lines.append(
                f"        first search for {s['word']!r}: {s['bytes'] / 1024:.0f} KiB in {len(s['files'])} files "
                f"({verdict} 250 KB), {s['results_shown']} results shown, answered in {s['answered_s']:.2f} s; "
                f"fetched before opening: {len(s['fetched_before_opening'])} files"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="search-bench-") as temp:
        work = args.keep or Path(temp)
        work.mkdir(parents=True, exist_ok=True)
        results = [measure(work, count, args.runs) for count in args.sizes]
    print(table(results))
    out = Path(__file__).parent / "results" / "search.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
