"""`make bench`: how fast `tips check`, the site build and the preview are, measured against floors.

    .venv/bin/python bench/run.py [--quick] [--only check|build|repeat|serve] [--runs N] [--profile] [--keep DIR]

What it measures, on synthetic libraries made from the real tips (bench/generate.py):

1. `tips check` on 10,000 tips against a floor script that only reads the
   files and parses their YAML with PyYAML's C loader (target: <= 2.5x).
2. The full site build (`mkdocs build --strict`, hooks and all) against a
   bare Material build of the same tips as plain pages (search and tags
   plugins, tips out of the nav, no hooks) at 100, 1,000 and 5,000 tips
   (target: cold <= 1.0x at 1,000). "Cold" starts every run with an empty
   build cache folder (TIPS_CACHE_DIR, a fresh temporary folder), so no
   share card and no page is reused; "warm cards" starts with the cards of
   an earlier build only, as a build after any change to the templates or
   the code does. A second bare build with the site's own theme settings and
   Markdown extensions separates the cost of those choices from the cost of
   our hooks and pages.
   Repeat builds at 1,000 tips, with the cache of the build before: nothing
   changed, and one tip's body changed before each run (target: <= 0.6x
   bare), alternating with the bare build; the ratio is the median of each
   round's ratio.
3. Scaling of the full build, time(5,000) / time(1,000) (target: <= 5.5).
4. Peak memory (resident) of the full build at 5,000 tips.
5. Page weight: a tip page's HTML bytes, search index bytes per tip (the
   site's search in detail: bench/search.py).
6. Preview: from saving a changed tip to the changed page being served by
   `mkdocs serve --strict` at 1,000 tips (target: < 0.2 s); each save is
   timed once the full rebuild that follows the last one has finished.

Every figure is the median of several runs of a subprocess with the same
interpreter; the commands being compared alternate, after an untimed warm-up
round. A table is printed and everything, samples included, is written to
bench/results/latest.json. `--quick` uses smaller libraries and fewer runs,
to try the benchmark out; its figures are not the ones to quote.
`--profile` adds cProfile hot spots in our code (bench/hotspots.py) for the
check and the build at 1,000 tips.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import AS_OF, REPO, seed_tips, write_bare_docs, write_library
from measure import (
    BenchError,
    Run,
    Series,
    cpu_floor,
    fetch,
    free_port,
    measure_alternating,
    run_child,
    usable_cores,
    wait_for,
)

RESULTS = REPO / "bench" / "results" / "latest.json"
TARGETS = {
    "check_ratio": 2.5,
    "build_ratio_1000": 1.0,  # cold: no card and no page reused
    "repeat_ratio_1000": 0.6,  # one tip changed, with the cache of the build before
    "build_scaling": 5.5,
    "preview_s": 0.2,
}
REPEAT_TIPS = 1_000
FULL = {
    "check_tips": 10_000,
    "check_runs": 5,
    "build_sizes": (100, 1_000, 5_000),
    "build_runs": 5,
    "build_runs_largest": 3,
    "repeat_runs": 7,
    "serve_tips": 1_000,
    "serve_runs": 3,
}
QUICK = {
    "check_tips": 2_000,
    "check_runs": 3,
    "build_sizes": (100, 1_000),
    "build_runs": 2,
    "build_runs_largest": 2,
    "repeat_runs": 2,
    "serve_tips": 200,
    "serve_runs": 2,
}
# The floor: what any checker must do at least, read every file and parse its YAML with libyaml.
FLOOR_SCRIPT = """
import sys
from pathlib import Path
import yaml
for path in sorted(Path(sys.argv[1]).glob("*.md")):
    text = path.read_bytes().decode("utf-8")
    _, front, _body = text.split("---\\n", 2)
    yaml.load(front, Loader=yaml.CSafeLoader)
"""


def child_env(**extra: str) -> dict[str, str]:
    """The environment of every measured command: no stray date or tips folder, the benchmark's date."""
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "TIPS_ROOT", "TIPS_AS_OF")}
    env.update({"TIPS_AS_OF": AS_OF.isoformat(), "NO_MKDOCS_2_WARNING": "1", "PYTHONDONTWRITEBYTECODE": "1"})
    env.update(extra)
    return env


def must_succeed(name: str, run: Run) -> None:
    if run.returncode != 0:
        raise BenchError(f"{name} exited {run.returncode}:\n{run.output[-3000:]}")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- 1. tips check -------------------------------------------------------------


def bench_check(work: Path, count: int, runs: int) -> dict:
    tips = work / f"check-{count}" / "tips"
    log(f"check: generating {count:,} tips")
    write_library(tips, count)
    env = child_env()
    commands = {
        "tips check": lambda: run_child(
            [sys.executable, "-m", "servicetips.cli", "check", "--root", str(tips), "--as-of", AS_OF.isoformat()],
            env=env,
        ),
        "floor (read + C YAML)": lambda: run_child([sys.executable, "-c", FLOOR_SCRIPT, str(tips)], env=env),
    }
    log(f"check: {runs} runs each, alternating")
    series = measure_alternating(commands, runs, check=must_succeed)
    check, floor = series["tips check"], series["floor (read + C YAML)"]
    return {
        "tips": count,
        "runs": runs,
        "tips_check": check.as_dict(),
        "floor": floor.as_dict(),
        "ratio": round(check.median / floor.median, 3),
        "target": TARGETS["check_ratio"],
    }


# -- 2-5. the site build -------------------------------------------------------


def _site_command(tips: Path, out: Path, cache: Path) -> tuple[list[str], dict[str, str]]:
    command = [
        sys.executable,
        "-m",
        "mkdocs",
        "build",
        "--strict",
        "-q",
        "-f",
        str(REPO / "mkdocs.yml"),
        "-d",
        str(out),
    ]
    return command, child_env(TIPS_ROOT=str(tips), TIPS_CACHE_DIR=str(cache))


def _fresh(out: Path, command: list[str], env: dict[str, str], cwd: Path, before=None):
    def start() -> Run:
        # Each build starts without an output folder, so neither pays for
        # removing the previous site: MkDocs cleans the bare one in place,
        # ours swaps a staged folder in and deletes the old one.
        shutil.rmtree(out, ignore_errors=True)
        if before is not None:
            before()  # untimed: the cache folder or the tips as this run must find them
        return run_child(command, cwd=cwd, env=env)

    return start


def _cache_from(cache: Path, seed: Path | None):
    """Before a run: `cache` emptied, then holding a copy of `seed`'s cards (None: nothing)."""

    def prepare() -> None:
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)
        if seed is not None:
            shutil.copytree(seed / "cards", cache / "cards")

    return prepare


def paired_ratio(series: Series, bare: Series) -> float:
    """The median of each round's ratio: both ran back to back, so a busy moment weighs on both."""
    return round(statistics.median(a / b for a, b in zip(series.seconds, bare.seconds, strict=True)), 3)


def _bare_command(config: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(config), "-d", str(out)]


def _weights(site: Path, count: int) -> dict:
    pages = [p.stat().st_size for p in (site / "tips").glob("*/index.html")]
    lunr = site / "search" / "search_index.json"
    # The bare build's lunr index is downloaded whole; the site's Pagefind
    # bundle only in part, on first search (bench/search.py measures that part).
    index = (
        lunr.stat().st_size
        if lunr.exists()
        else sum(p.stat().st_size for p in (site / "pagefind").rglob("*") if p.is_file())
    )
    return {
        "tip_pages": len(pages),
        "tip_page_bytes_median": int(statistics.median(pages)),
        "tip_page_bytes_max": max(pages),
        "search_index_bytes": index,
        "search_index_bytes_per_tip": round(index / count),
    }


def bench_build(work: Path, sizes: tuple[int, ...], runs: int, runs_largest: int) -> dict:
    results = {}
    for count in sizes:
        folder = work / f"build-{count}"
        log(f"build: generating {count:,} tips and the bare pages")
        tips = write_library(folder / "tips", count)
        bare_config, like_config = write_bare_docs(folder / "bare", tips)
        site_out, bare_out, like_out = folder / "site", folder / "bare-site", folder / "like-site"
        cold_cache, warm_cache, seed = folder / "cache-cold", folder / "cache-warm-cards", folder / "cache-seed"
        log(f"build: {count:,} tips, drawing the cards once for the warm-cards build")
        command, env = _site_command(folder / "tips", site_out, seed)
        must_succeed("seed build", _fresh(site_out, command, env, REPO)())
        cold_command, cold_env = _site_command(folder / "tips", site_out, cold_cache)
        warm_command, warm_env = _site_command(folder / "tips", site_out, warm_cache)
        commands = {
            "site": _fresh(site_out, cold_command, cold_env, REPO, _cache_from(cold_cache, None)),
            "site_warm_cards": _fresh(site_out, warm_command, warm_env, REPO, _cache_from(warm_cache, seed)),
            "bare": _fresh(bare_out, _bare_command(bare_config, bare_out), child_env(), bare_config.parent),
            "like": _fresh(like_out, _bare_command(like_config, like_out), child_env(), like_config.parent),
        }
        n = runs_largest if count == max(sizes) else runs
        log(f"build: {count:,} tips, {n} runs each, alternating")
        series = measure_alternating(commands, n, check=must_succeed)
        site, warm, bare, like = series["site"], series["site_warm_cards"], series["bare"], series["like"]
        results[str(count)] = {
            "runs": n,
            "site": site.as_dict(),
            "site_warm_cards": warm.as_dict(),
            "bare": bare.as_dict(),
            "bare_like_site": like.as_dict(),
            "ratio": round(site.median / bare.median, 3),
            "ratio_paired": paired_ratio(site, bare),
            "ratio_warm_cards": round(warm.median / bare.median, 3),
            "ratio_to_bare_like_site": round(site.median / like.median, 3),
            "cores": usable_cores(),
            "cpu_floor": cpu_floor(site, bare, usable_cores()),
            "cpu_floor_warm_cards": cpu_floor(warm, bare, usable_cores()),
            "site_weight": _weights(site_out, count),
            "bare_weight": _weights(bare_out, count),
        }
        shutil.rmtree(seed, ignore_errors=True)
    return results


def bench_repeat(work: Path, count: int, runs: int) -> dict:
    """Builds after a build, with its cache: nothing changed, and one tip's body changed; beside bare Material."""
    folder = work / f"repeat-{count}"
    log(f"repeat: generating {count:,} tips and the bare pages")
    written = write_library(folder / "tips", count)
    bare_config, _ = write_bare_docs(folder / "bare", written)
    site_out, bare_out, cache = folder / "site", folder / "bare-site", folder / "cache"
    command, env = _site_command(folder / "tips", site_out, cache)
    edited = folder / "tips" / f"{written[len(written) // 2].slug}.md"
    original = edited.read_text("utf-8")
    edits = iter(range(1, 1_000_000))

    def change_one_tip() -> None:
        # A new sentence each run: the build before kept the page of the text before.
        edited.write_text(original.rstrip("\n") + f"\n\nChanged for the benchmark, time {next(edits)}.\n", "utf-8")

    log(f"repeat: {count:,} tips, a first build to fill the cache")
    must_succeed("first build", _fresh(site_out, command, env, REPO)())
    commands = {
        "unchanged": _fresh(site_out, command, env, REPO),
        "one_tip_changed": _fresh(site_out, command, env, REPO, change_one_tip),
        "bare": _fresh(bare_out, _bare_command(bare_config, bare_out), child_env(), bare_config.parent),
    }
    log(f"repeat: {count:,} tips, {runs} runs each, alternating")
    try:
        series = measure_alternating(commands, runs, check=must_succeed)
    finally:
        edited.write_text(original, "utf-8")
    unchanged, changed, bare = series["unchanged"], series["one_tip_changed"], series["bare"]
    return {
        "tips": count,
        "runs": runs,
        "unchanged": unchanged.as_dict(),
        "one_tip_changed": changed.as_dict(),
        "bare": bare.as_dict(),
        "ratio_unchanged": paired_ratio(unchanged, bare),
        "ratio_one_tip_changed": paired_ratio(changed, bare),
        "cores": usable_cores(),
        "cpu_floor_unchanged": cpu_floor(unchanged, bare, usable_cores()),
        "cpu_floor_one_tip_changed": cpu_floor(changed, bare, usable_cores()),
        "target": TARGETS["repeat_ratio_1000"],
    }


# -- 6. preview ----------------------------------------------------------------


def bench_serve(work: Path, count: int, runs: int) -> dict:
    folder = work / f"serve-{count}"
    log(f"serve: generating {count:,} tips")
    tips_written = write_library(folder / "tips", count)
    edited = tips_written[len(tips_written) // 2]
    path = folder / "tips" / f"{edited.slug}.md"
    original = path.read_text("utf-8")
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    url = f"{base}tips/{edited.slug}/"
    command = [
        sys.executable,
        "-m",
        "mkdocs",
        "serve",
        "--strict",
        "-f",
        str(REPO / "mkdocs.yml"),
        "--dev-addr",
        f"127.0.0.1:{port}",
    ]
    log_path = folder / "serve.log"
    samples, startup = [], None
    with log_path.open("wb") as log_file:
        server = subprocess.Popen(
            command, cwd=REPO, env=child_env(TIPS_ROOT=str(folder / "tips")), stdout=log_file, stderr=subprocess.STDOUT
        )
        try:
            log(f"serve: waiting for the first build of {count:,} tips")
            startup = wait_for(lambda: fetch(url) is not None, timeout=900, interval=0.1)
            if startup is None:
                raise BenchError(f"mkdocs serve did not serve {url}:\n{log_path.read_text()[-3000:]}")
            time.sleep(2)  # let the watcher settle after the first build
            for number in range(runs):
                built = _build_count(log_path)
                marker = f"bench-marker-{uuid.uuid4().hex}"
                body = original.rstrip("\n") + f"\n\nChanged by the benchmark: {marker}.\n"
                path.write_text(body, encoding="utf-8")  # saved: the clock starts now
                start = time.perf_counter()
                found = wait_for(lambda marker=marker: marker in (fetch(url) or ""), timeout=300)
                if found is None:
                    raise BenchError(f"the change never reached {url}:\n{log_path.read_text()[-3000:]}")
                samples.append(time.perf_counter() - start)
                log(f"serve: run {number + 1}: {samples[-1]:.3f} s")
                # The full rebuild follows the changed page; the next save is timed on a settled server.
                if wait_for(lambda built=built: _build_count(log_path) > built, timeout=600, interval=0.2) is None:
                    raise BenchError(f"the rebuild after the save never finished:\n{log_path.read_text()[-3000:]}")
                time.sleep(1)
        finally:
            path.write_text(original, encoding="utf-8")
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    rebuilds = _build_times(log_path.read_text("utf-8", "replace"))
    return {
        "tips": count,
        "runs": runs,
        "median_s": round(statistics.median(samples), 3),
        "samples_s": [round(s, 3) for s in samples],
        "first_build_s": round(startup, 2),
        "rebuild_s_reported_by_mkdocs": rebuilds[1:],
        "target": TARGETS["preview_s"],
    }


def _build_count(log_path: Path) -> int:
    # Rebuilds the server finished: not "Documentation built in", which MkDocs
    # drops when it logged the same text (the same duration) before.
    return log_path.read_text("utf-8", "replace").count("Reloading browsers")


def _build_times(log_text: str) -> list[float]:
    # MkDocs logs "Documentation built in X seconds" after each (re)build.
    times = []
    for line in log_text.splitlines():
        if "Documentation built in" in line:
            try:
                times.append(float(line.split("built in")[1].split()[0]))
            except (IndexError, ValueError):
                continue
    return times


# -- profile -------------------------------------------------------------------


def profile(work: Path, count: int) -> dict:
    tips = work / f"profile-{count}" / "tips"
    write_library(tips, count)
    found = {}
    for what in ("check", "build"):
        log(f"profile: {what} at {count:,} tips under cProfile")
        run = run_child(
            [sys.executable, str(REPO / "bench" / "hotspots.py"), what, str(tips)], env=child_env(), cwd=REPO
        )
        must_succeed(f"hotspots {what}", run)
        found[what] = json.loads(run.output[run.output.index("{") :])
    return found


# -- report --------------------------------------------------------------------


def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "mkdocs": metadata.version("mkdocs"),
        "mkdocs_material": metadata.version("mkdocs-material"),
        "commit": commit,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def verdict(value: float | None, target: float) -> str:
    if value is None:
        return ""
    return "meets target" if value <= target else "MISSES target"


def table(results: dict) -> str:
    rows = [("measure", "value", "target", "")]
    check = results.get("check")
    if check:
        rows.append(
            (
                f"tips check, {check['tips']:,} tips (median of {check['runs']})",
                f"{check['tips_check']['median_s']:.2f} s",
                "",
                "",
            )
        )
        rows.append(("floor: read + parse YAML (C loader)", f"{check['floor']['median_s']:.2f} s", "", ""))
        rows.append(
            (
                "check / floor",
                f"{check['ratio']:.2f}x",
                f"<= {check['target']}x",
                verdict(check["ratio"], check["target"]),
            )
        )
    build = results.get("build")
    if build:
        for count, entry in build.items():
            rows.append(
                (
                    f"site build, cold, {int(count):,} tips (median of {entry['runs']})",
                    f"{entry['site']['median_s']:.2f} s",
                    "",
                    "",
                )
            )
            rows.append(
                (
                    "  same, with the cards of an earlier build",
                    f"{entry['site_warm_cards']['median_s']:.2f} s",
                    "",
                    f"({entry['ratio_warm_cards']:.2f}x bare)",
                )
            )
            rows.append((f"bare Material build, {int(count):,} pages", f"{entry['bare']['median_s']:.2f} s", "", ""))
            rows.append(
                (
                    "  same, with the site's theme + Markdown settings",
                    f"{entry['bare_like_site']['median_s']:.2f} s",
                    "",
                    "",
                )
            )
            target = TARGETS["build_ratio_1000"] if count == "1000" else None
            rows.append(
                (
                    f"site (cold) / bare at {int(count):,}",
                    f"{entry['ratio']:.2f}x",
                    f"<= {target}x" if target else "",
                    verdict(entry["ratio"], target) if target else "",
                )
            )
            if "cpu_floor" in entry:
                rows.append(
                    (
                        "  CPU time, every process of the build (median)",
                        f"{entry['site']['cpu_median_s']:.2f} s",
                        "",
                        f"(bare: {entry['bare']['cpu_median_s']:.2f} s)",
                    )
                )
                rows.append(
                    (
                        f"  least ratio that CPU time allows on {entry['cores']} cores",
                        f"{entry['cpu_floor']:.2f}x",
                        "",
                        f"(warm cards: {entry['cpu_floor_warm_cards']:.2f}x)",
                    )
                )
            rows.append(
                (
                    f"site / bare with the site's settings at {int(count):,}",
                    f"{entry['ratio_to_bare_like_site']:.2f}x",
                    "",
                    "",
                )
            )
        scaling = results.get("build_scaling")
        if scaling:
            target = TARGETS["build_scaling"] if scaling["sizes"] == [1000, 5000] else None
            rows.append(
                (
                    f"scaling {scaling['sizes'][1]:,} / {scaling['sizes'][0]:,}",
                    f"{scaling['value']:.2f}",
                    f"<= {target}" if target else "",
                    verdict(scaling["value"], target) if target else "",
                )
            )
        largest = max(build, key=int)
        entry = build[largest]
        rows.append(
            (
                f"peak memory, site build at {int(largest):,} tips",
                f"{entry['site']['max_rss_mib']:.0f} MiB",
                "",
                f"(bare: {entry['bare']['max_rss_mib']:.0f} MiB)",
            )
        )
        weight_at = "1000" if "1000" in build else largest
        site_w, bare_w = build[weight_at]["site_weight"], build[weight_at]["bare_weight"]
        rows.append(
            (
                f"tip page HTML at {int(weight_at):,} tips (median)",
                f"{site_w['tip_page_bytes_median']:,} B",
                "",
                f"(bare: {bare_w['tip_page_bytes_median']:,} B)",
            )
        )
        rows.append(
            (
                "search index per tip (site: whole Pagefind bundle)",
                f"{site_w['search_index_bytes_per_tip']:,} B",
                "",
                f"(bare: {bare_w['search_index_bytes_per_tip']:,} B)",
            )
        )
    repeat = results.get("repeat")
    if repeat:
        rows.append((f"bare Material build, {repeat['tips']:,} pages", f"{repeat['bare']['median_s']:.2f} s", "", ""))
        for name, label, target in (
            ("unchanged", "repeat build, nothing changed", None),
            ("one_tip_changed", "repeat build, one tip changed", repeat["target"]),
        ):
            ratio = repeat[f"ratio_{name}"]
            rows.append(
                (
                    f"{label}, {repeat['tips']:,} tips (median of {repeat['runs']})",
                    f"{repeat[name]['median_s']:.2f} s",
                    "",
                    "",
                )
            )
            rows.append(
                (
                    "  / bare (median of each round's ratio)",
                    f"{ratio:.2f}x",
                    f"<= {target}x" if target else "",
                    verdict(ratio, target) if target else "",
                )
            )
            if f"cpu_floor_{name}" in repeat:
                rows.append(
                    (
                        f"  CPU time (median); least ratio it allows on {repeat['cores']} cores",
                        f"{repeat[name]['cpu_median_s']:.2f} s; {repeat[f'cpu_floor_{name}']:.2f}x",
                        "",
                        f"(bare: {repeat['bare']['cpu_median_s']:.2f} s)",
                    )
                )
    serve = results.get("serve")
    if serve:
        rows.append(
            (
                f"preview: save -> page served, {serve['tips']:,} tips (median of {serve['runs']})",
                f"{serve['median_s']:.2f} s",
                f"< {serve['target']} s",
                "meets target" if serve["median_s"] < serve["target"] else "MISSES target",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller libraries and fewer runs (a try-out)")
    parser.add_argument("--only", choices=("check", "build", "repeat", "serve"), help="run one part only")
    parser.add_argument("--runs", type=int, help="runs per measurement (overrides the defaults)")
    parser.add_argument("--profile", action="store_true", help="also profile check and build (hot spots)")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it (default: a temp folder)")
    args = parser.parse_args(argv)
    plan = dict(QUICK if args.quick else FULL)
    if args.runs:
        plan.update(
            check_runs=args.runs,
            build_runs=args.runs,
            build_runs_largest=args.runs,
            repeat_runs=args.runs,
            serve_runs=args.runs,
        )

    seed_tips()  # fail early, before any measurement, if a real tip is not valid
    results: dict = {
        "machine": machine(),
        "mode": "quick" if args.quick else "full",
        "plan": plan,
        "as_of": AS_OF.isoformat(),
        "targets": TARGETS,
    }
    work_context = tempfile.TemporaryDirectory(prefix="tips-bench-") if args.keep is None else None
    work = Path(work_context.name) if work_context else args.keep.resolve()
    work.mkdir(parents=True, exist_ok=True)
    try:
        if args.only in (None, "check"):
            results["check"] = bench_check(work, plan["check_tips"], plan["check_runs"])
        if args.only in (None, "build"):
            results["build"] = build = bench_build(
                work, plan["build_sizes"], plan["build_runs"], plan["build_runs_largest"]
            )
            small, large = sorted(int(size) for size in build)[-2:] if len(build) > 1 else (None, None)
            if small:
                results["build_scaling"] = {
                    "sizes": [small, large],
                    "value": round(build[str(large)]["site"]["median_s"] / build[str(small)]["site"]["median_s"], 3),
                }
        if args.only in (None, "repeat"):
            results["repeat"] = bench_repeat(work, REPEAT_TIPS, plan["repeat_runs"])
        if args.only in (None, "serve"):
            results["serve"] = bench_serve(work, plan["serve_tips"], plan["serve_runs"])
        if args.profile:
            results["profile"] = profile(work, 1_000 if not args.quick else 500)
    except BenchError as exc:
        log(f"bench: {exc}")
        return 1
    finally:
        if work_context:
            work_context.cleanup()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    print(
        f"\n{results['machine']['cpu']}, {results['machine']['cores']} cores, Python {results['machine']['python']}; "
        f"medians of several runs; all samples in {RESULTS.relative_to(REPO)}"
    )
    if "profile" in results:
        for what, found in results["profile"].items():
            print(
                f"\nhot spots in our code, {what} (cProfile, {found['profiled_wall_s']:.1f} s profiled; "
                f"self time in src/servicetips + hooks: {found['our_self_share']:.0%}):"
            )
            for entry in found["top_cumulative"][:10]:
                print(f"  {entry['share']:6.1%}  {entry['cumulative_s']:7.3f} s  {entry['function']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
