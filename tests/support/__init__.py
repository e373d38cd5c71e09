"""What the tests share: paths, the date, copies of libraries, git, site builds, HTML parsing, the CLI.

Test modules import from here (`from support import AS_OF, build_site`);
tests/conftest.py only turns these into pytest fixtures.
"""

from support.builds import SiteBuild, build_site, check_links, derived_config, snapshot
from support.cli import TipsRun, run_tips, run_tips_isolated
from support.copying import copy_library
from support.dates import AS_OF, AS_OF_DATE
from support.git import Git
from support.parsing import has_class, parse_html, text_of
from support.paths import ACCEPTED, FIXTURES, LIBRARY, MKDOCS_YML, REPO, SITE_FIXTURES, SITE_URL, TESTS

__all__ = [
    "ACCEPTED",
    "AS_OF",
    "AS_OF_DATE",
    "FIXTURES",
    "LIBRARY",
    "MKDOCS_YML",
    "REPO",
    "SITE_FIXTURES",
    "SITE_URL",
    "TESTS",
    "Git",
    "SiteBuild",
    "TipsRun",
    "build_site",
    "check_links",
    "copy_library",
    "derived_config",
    "has_class",
    "parse_html",
    "run_tips",
    "run_tips_isolated",
    "snapshot",
    "text_of",
]
