"""Running `tips`: in this process with click's CliRunner, or in a guarded subprocess for input bombs.

In-process is the default: starting Python and importing the checker for
each case cost about half a second of CPU, over a hundred times a run.
`run_tips_isolated` is for inputs that could take the whole process down
(a stack overflow in libyaml's C code, unbounded allocation): there a crash
must be observed as a signal or an exit code, and a memory limit must
apply to the checker alone, not to the test run.
"""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from servicetips.cli import main

MEMORY_LIMIT = 1024**3  # 1 GiB of address space: a tip check needs about a tenth of it
HANG_TIMEOUT = 60  # seconds; a case takes well under one, so only a hang gets near this


@dataclass(frozen=True)
class TipsRun:
    """What one `tips` command did: exit code, stdout and stderr apart."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_tips(*args: str, cwd: Path | None = None, env: Mapping[str, str | None] | None = None) -> TipsRun:
    """`tips ARGS` in this process, in `cwd`; `env` sets variables for the run (None unsets one).

    An exception escaping the command fails the test with its traceback, as
    a traceback in a subprocess's output would.
    """
    runner = CliRunner()
    with contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext():
        result = runner.invoke(main, list(args), env=dict(env or {}), catch_exceptions=False)
    return TipsRun(tuple(args), result.exit_code, result.stdout, result.stderr)


def _limit_memory() -> None:
    # Runs in the child before exec: an input that makes the checker allocate
    # without bound ends in MemoryError there instead of swapping the machine.
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run_tips_isolated(*args: str, cwd: Path | None = None, env: Mapping[str, str | None] | None = None) -> TipsRun:
    """`tips ARGS` in a subprocess with 1 GiB of address space and a timeout only a hang reaches."""
    environment = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    done = subprocess.run(
        [sys.executable, "-m", "servicetips.cli", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=HANG_TIMEOUT,
        preexec_fn=_limit_memory,
        errors="replace",
    )
    return TipsRun(tuple(args), done.returncode, done.stdout, done.stderr)
