"""Timing primitives for the benchmark: subprocess runs with their own peak memory, medians, a preview probe.

Every measured command runs as a child process of the benchmark and is
reaped with `os.wait4`, which returns that child's own resource usage: its
wall time is taken around the run and its peak resident memory comes from
`ru_maxrss` (KiB on Linux), so one process's figure never mixes with
another's (as RUSAGE_CHILDREN's high-water mark would). Its CPU time
(`ru_utime + ru_stime`) counts the processes it waited for too (the card
worker, Pagefind's indexer): divided by the cores the build may use, it is
the least wall time that build's work can take (`cpu_floor`).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class BenchError(RuntimeError):
    """A measured command failed: the benchmark stops rather than report a figure for a broken run."""


@dataclass(frozen=True)
class Run:
    """One finished child process: wall seconds, peak resident KiB, exit code, output, CPU seconds."""

    seconds: float
    max_rss_kib: int
    returncode: int
    output: str
    cpu_seconds: float = 0.0


def run_child(
    command: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None, timeout: float = 3600
) -> Run:
    """Run `command` to completion; time it and read its own peak memory."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        process = subprocess.Popen(
            list(command), cwd=cwd, env=dict(env) if env is not None else None, stdout=out, stderr=subprocess.STDOUT
        )
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                os.wait4(process.pid, 0)
                raise BenchError(f"{' '.join(command)} did not finish in {timeout:.0f} s")
            time.sleep(0.002)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        output = out.read().decode("utf-8", "replace")
    return Run(seconds, usage.ru_maxrss, process.returncode, output, usage.ru_utime + usage.ru_stime)


@dataclass
class Series:
    """Repeated runs of one command: the samples and their median."""

    name: str
    runs: list[Run] = field(default_factory=list)

    @property
    def seconds(self) -> list[float]:
        return [run.seconds for run in self.runs]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def max_rss_kib(self) -> int:
        return max(run.max_rss_kib for run in self.runs)

    @property
    def cpu_median(self) -> float:
        return statistics.median(run.cpu_seconds for run in self.runs)

    def as_dict(self) -> dict:
        return {
            "median_s": round(self.median, 4),
            "samples_s": [round(s, 4) for s in self.seconds],
            "max_rss_mib": round(self.max_rss_kib / 1024, 1),
            "cpu_median_s": round(self.cpu_median, 4),
            "cpu_samples_s": [round(run.cpu_seconds, 4) for run in self.runs],
        }


def usable_cores() -> int:
    """The cores this process (and so a build it starts) may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def cpu_floor(series: Series, bare: Series, cores: int) -> float:
    """The least ratio to bare Material that `series`' work allows on `cores` cores: its median CPU
    seconds spread perfectly over the cores, over bare's median wall time. Below this only less work helps."""
    return round(series.cpu_median / cores / bare.median, 3)


def measure_alternating(
    commands: dict[str, Callable[[], Run]],
    runs: int,
    warmup: int = 1,
    check: Callable[[str, Run], None] = lambda name, run: None,
) -> dict[str, Series]:
    """Run each command `runs` times, alternating between them, after `warmup` untimed rounds.

    Alternating spreads any slowdown of a shared machine (other jobs, CPU
    frequency) over all commands alike, so their ratio stays fair.
    """
    series = {name: Series(name) for name in commands}
    for round_number in range(warmup + runs):
        for name, start in commands.items():
            run = start()
            check(name, run)
            if round_number >= warmup:
                series[name].runs.append(run)
    return series


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, timeout: float = 5) -> str | None:
    """The body of `url`, or None while the server does not answer it with 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read().decode("utf-8", "replace") if response.status == 200 else None
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return None


def wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.02) -> float | None:
    """Poll `predicate` until it holds; seconds it took, or None after `timeout`."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if predicate():
            return time.perf_counter() - start
        time.sleep(interval)
    return None
