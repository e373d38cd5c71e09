"""The core (src/servicetips) never imports MkDocs: the hooks adapt it, not the other way round."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import importlib, pkgutil, sys
import servicetips
names = [m.name for m in pkgutil.walk_packages(servicetips.__path__, "servicetips.")]
for name in names:
    importlib.import_module(name)
engines = sorted(n for n in sys.modules if n.split(".")[0] in ("mkdocs", "properdocs", "material"))
print(len(names), *engines)
"""


def test_no_module_of_the_core_loads_mkdocs():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True).stdout.split()
    assert int(out[0]) > 30  # every module was imported
    assert out[1:] == [], f"the core loaded {out[1:]}"
