"""How the body check grows with adversarial bodies: time per shape at several sizes.

    .venv/bin/python bench/body_limits.py [--sizes 16000,64000,256000] [--timeout 60] [--only SHAPE,...]

Each shape of `tests/body_corpus.py`, at each size, is written as one tip
beside the fixture library and checked in a fresh subprocess the way
`tips check` does (`check_library`). The subprocess then times the parts
(the source rules of body.py, the Markdown rendering, the sanitizer, the
allow-list comparison and locating, the build's link rewriting) with cold
caches, so a slow shape says where it is slow (only for a body within the
limits of `servicetips.body_limits`: a body past one is read by nothing else). A part still running at
the timeout is shown as `>T`. The growth column is time(largest) /
time(smallest) of the whole check: about the size ratio for linear work,
its square for quadratic.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from body_corpus import SHAPES  # noqa: E402

PARTS = ("check", "body", "render", "sanitize", "allowlist", "build")

WORKER = r"""
import json, shutil, sys, time
from datetime import date
from pathlib import Path
sys.path.insert(0, {tests!r})
from body_corpus import tip_text
from servicetips.check import check_library
from servicetips import render
from servicetips.body import check_body
from servicetips.body_markup import check_body_html

root = Path({folder!r}) / "tips"
shutil.copytree(Path({tests!r}) / "fixtures" / "library", root)
text = tip_text({shape!r}, {size})
(root / "adversarial.md").write_text(text, "utf-8")

def lap(name, call):
    start = time.perf_counter()
    result = call()
    print(json.dumps({{name: time.perf_counter() - start}}), flush=True)
    return result

report = lap("check", lambda: check_library(root, date(2026, 11, 23)))
print(json.dumps({{"codes": sorted({{p.code for p in report.problems if "adversarial" in p.path}})}}), flush=True)
body = text.split("---\n", 2)[2]
from servicetips.body_limits import limit_issues
if limit_issues(body):
    sys.exit(0)  # refused by a limit: nothing else reads it, so there are no parts to time
render._rendered.cache_clear(); render._clean_html.cache_clear()
lap("body", lambda: check_body(body))
lap("render", lambda: render.rendered(body))
lap("sanitize", lambda: render.clean_html(body))
lap("allowlist", lambda: check_body_html(body))
lap("build", lambda: render.render_body(body, "adversarial", "https://example.org/", lambda slug: False))
"""


def measure(shape: str, size: int, timeout: float) -> dict:
    """Times of every part for one shape at one size (a part cut off by the timeout is `None`)."""
    with tempfile.TemporaryDirectory() as folder:
        code = WORKER.format(tests=str(REPO / "tests"), folder=folder, shape=shape, size=size)
        result: dict = {}
        try:
            done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
            out, failed = done.stdout, done.returncode != 0 and done.stderr[-500:]
        except subprocess.TimeoutExpired as exc:
            out, failed = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or ""), None
            result["timeout"] = True
        for line in out.splitlines():
            result.update(json.loads(line))
        if failed:
            result["error"] = failed
        return result


def _cell(result: dict, part: str, timeout: float) -> str:
    if part in result:
        return f"{result[part]:.2f}"
    return f">{timeout:.0f}" if result.get("timeout") else "-"


def main() -> None:
    """Measure every shape (or `--only` some) at every size and print one table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="16000,64000,256000")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--only", default="")
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    shapes = [s for s in args.only.split(",") if s] or list(SHAPES)
    results = {}
    print(
        f"{'shape':24} "
        + " ".join(f"{'check@' + str(s // 1000) + 'K':>11}" for s in sizes)
        + f" {'growth':>7}  slowest part at {sizes[-1] // 1000}K; codes",
        flush=True,
    )
    for shape in shapes:
        row = {size: measure(shape, size, args.timeout) for size in sizes}
        results[shape] = row
        first, last = row[sizes[0]], row[sizes[-1]]
        growth = f"{last['check'] / max(first['check'], 1e-3):.0f}x" if "check" in first and "check" in last else "-"
        parts = {p: last[p] for p in PARTS[1:] if p in last}
        slowest = max(parts, key=parts.get) if parts else "?"
        cut = next((p for p in PARTS if p not in last), None) if last.get("timeout") else None
        print(
            f"{shape:24} "
            + " ".join(f"{_cell(row[s], 'check', args.timeout):>11}" for s in sizes)
            + f" {growth:>7}  {slowest if not cut else 'cut in ' + cut}"
            + f" {parts.get(slowest, 0):.2f}; {','.join(last.get('codes', []))}"
            + (f" ERROR {last['error'][-200:]}" if "error" in last else ""),
            flush=True,
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), "utf-8")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"total {time.perf_counter() - start:.0f} s")
