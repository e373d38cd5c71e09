"""Profile `tips check` or the site build in this process and name the hot spots in our code.

    python bench/hotspots.py check TIPS_DIR    # check_library, as `tips check` runs it
    python bench/hotspots.py build TIPS_DIR    # a full `mkdocs build --strict` with the hooks

Prints JSON: the profiled wall time, the self time spent in src/servicetips
and hooks/ together, and the functions of those folders with the largest
cumulative time, each with its share of the total. cProfile slows Python
code down unevenly (several-fold for call-heavy code), so shares are
indicative; `bench/run.py` measures the real times without it.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OURS = (str(REPO / "src" / "servicetips") + os.sep, str(REPO / "hooks") + os.sep)
AS_OF = "2026-11-23"


def _run_check(tips: Path) -> None:
    from servicetips.check import check_library  # noqa: PLC0415 - profiled: the import is part of the work

    report = check_library(tips, date.fromisoformat(AS_OF))
    if not report.ok:
        raise SystemExit("hotspots: the library has errors")


def _run_build(tips: Path) -> None:
    os.environ.update({"TIPS_ROOT": str(tips), "TIPS_AS_OF": AS_OF, "NO_MKDOCS_2_WARNING": "1"})
    os.chdir(REPO)
    # Imported after TIPS_ROOT and the folder are set, as `mkdocs build` would be started.
    from mkdocs.commands.build import build  # noqa: PLC0415
    from mkdocs.config import load_config  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as out:
        config = load_config(str(REPO / "mkdocs.yml"), site_dir=str(Path(out) / "site"), strict=True)
        config.plugins.on_startup(command="build", dirty=False)
        try:
            build(config)
        finally:
            config.plugins.on_shutdown()


def hotspots(what: str, tips: Path, top: int = 15) -> dict:
    """Profile one run of `what` ('check' or 'build') and summarise the time spent in our code."""
    runner = {"check": _run_check, "build": _run_build}[what]
    profile = cProfile.Profile()
    start = time.perf_counter()
    profile.runcall(runner, tips)
    wall = time.perf_counter() - start
    stats = pstats.Stats(profile).stats  # (file, line, name) -> (calls, primitive, self, cumulative, callers)
    ours = {key: value for key, value in stats.items() if key[0].startswith(OURS)}
    self_time = sum(value[2] for value in ours.values())
    by_file: dict[str, float] = {}
    for (filename, _line, _name), value in ours.items():
        by_file[filename] = by_file.get(filename, 0.0) + value[2]
    functions = sorted(ours.items(), key=lambda item: item[1][3], reverse=True)[:top]
    return {
        "what": what,
        "profiled_wall_s": round(wall, 3),
        "our_self_time_s": round(self_time, 3),
        "our_self_share": round(self_time / wall, 3),
        "self_time_by_file": {
            Path(f).relative_to(REPO).as_posix(): round(t, 3) for f, t in sorted(by_file.items(), key=lambda kv: -kv[1])
        },
        "top_cumulative": [
            {
                "function": f"{Path(f).relative_to(REPO).as_posix()}:{line} {name}",
                "calls": value[1],
                "cumulative_s": round(value[3], 3),
                "share": round(value[3] / wall, 3),
            }
            for (f, line, name), value in functions
        ],
    }


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("check", "build"):
        raise SystemExit(__doc__)
    print(json.dumps(hotspots(sys.argv[1], Path(sys.argv[2]).resolve()), indent=2))
