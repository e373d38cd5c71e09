"""A build's process spares the interpreter's garbage collections as it exits (hooks/tips_site.py, on_startup).

At exit Python collects garbage over every object the build still holds,
for memory the system takes back anyway; the hook freezes the objects then,
and only then: a process that goes on after a build (a test run, the
preview server) collects as before.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from support import REPO

SCRIPT = textwrap.dedent(
    """
    import atexit, gc, importlib.util, sys
    # Registered first, so it runs last: after the hook's handler.
    atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count() > 0))
    sys.path.insert(0, {hooks!r})  # as MkDocs loads a hook: by path, as a module of its own
    spec = importlib.util.spec_from_file_location("tips_site", {hooks!r} + "/tips_site.py")
    hooks = sys.modules["tips_site"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    before = atexit._ncallbacks()
    hooks.on_startup("build", False)
    hooks.on_startup("serve", False)  # a second start in one process registers nothing more
    print("handlers added:", atexit._ncallbacks() - before)
    print("frozen while running:", gc.get_freeze_count() > 0)
    """
)


def test_the_objects_are_frozen_at_exit_and_not_before():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(hooks=str(REPO / "hooks"))],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines() == ["handlers added: 1", "frozen while running: False", "frozen at exit: True"]
