"""Where things are: the repository, its mkdocs.yml and site URL, and the test fixtures."""

from __future__ import annotations

from pathlib import Path

import yaml

TESTS = Path(__file__).resolve().parent.parent
REPO = TESTS.parent
MKDOCS_YML = REPO / "mkdocs.yml"
SITE_URL = yaml.safe_load(MKDOCS_YML.read_text("utf-8"))["site_url"]
FIXTURES = TESTS / "fixtures"
# The small library most checker tests copy and break in one place.
LIBRARY = FIXTURES / "library"
# Libraries built into sites: tricky titles, a draft, links between tips (small), and so on.
SITE_FIXTURES = FIXTURES / "site"
# The complete library of harmless-but-tricky tips that must pass the check and build.
ACCEPTED = FIXTURES / "hostile" / "accepted"
