"""The public URL contract: every kind of output has the path design.md promises, and links between them resolve.

The contract is checked against a built site in test_site_build.py; here each
route is pinned to its literal path, so that a change to a public URL is a
change to this file too.
"""

from __future__ import annotations

import ast
import posixpath
import re
from pathlib import Path

from servicetips import routes
from servicetips.dates import IsoWeek
from servicetips.model import RESERVED_NAMES
from support import REPO

SRC = REPO / "src" / "servicetips"
HOOKS = Path(__file__).resolve().parent.parent / "hooks"
WEEK = IsoWeek(2026, 48)
SITE = "https://tips.example.org/sub/"


def test_every_output_has_its_public_path():
    assert routes.public_path(routes.tip_source("a-tip")) == "tips/a-tip/"
    assert routes.public_path(routes.tag_source("empathy")) == "tags/empathy/"
    assert routes.public_path(routes.TAGS_INDEX) == "tags/"
    assert routes.public_path(routes.WEEKLY_INDEX) == "weekly/"
    assert routes.public_path(routes.week_source(WEEK)) == "weekly/2026-W48/"
    assert routes.public_path(routes.TIPS_INDEX) == "tips/"
    assert routes.public_path(routes.SUBSCRIBE) == "subscribe/"
    assert routes.public_path(routes.HOME) == ""
    assert routes.week_email_html(WEEK) == "weekly/2026-W48/email.html"
    assert routes.week_email_text(WEEK) == "weekly/2026-W48/email.txt"
    assert routes.tip_card("a-tip") == "cards/tips/a-tip.png"
    assert routes.week_card(WEEK) == "cards/weekly/2026-W48.png"
    assert routes.tag_card("empathy") == "cards/tags/empathy.png"
    assert routes.HOME_CARD == "cards/home.png"
    assert (routes.FEED_RSS, routes.FEED_ATOM, routes.FEED_JSON) == ("feed.xml", "atom.xml", "feed.json")
    assert routes.tag_feed("empathy") == "tags/empathy/feed.xml"
    assert routes.API_TIP_OF_THE_WEEK == "api/tip-of-the-week.json"
    assert routes.API_WEEKS == "api/weeks.json"
    assert routes.API_WEEKS_SCHEMA == "api/v1/weeks.schema.json"
    assert routes.tip_asset("img/a.png") == "tips/img/a.png"
    assert routes.ROBOTS == "robots.txt"
    assert routes.public_path(routes.FEED_RSS) == "feed.xml"  # a file keeps its own path


def test_urls_are_absolute_with_a_site_url_and_site_relative_without():
    assert routes.tip_url("a-tip", SITE) == "https://tips.example.org/sub/tips/a-tip/"
    assert routes.tip_url("a-tip", None) == "/tips/a-tip/"
    assert routes.week_url(WEEK, SITE) == "https://tips.example.org/sub/weekly/2026-W48/"
    assert routes.url(routes.tag_feed("x"), "https://tips.example.org") == "https://tips.example.org/tags/x/feed.xml"
    assert routes.url(routes.HOME, None) == "/"


def test_links_between_pages_resolve_to_the_target():
    pages = [
        routes.HOME,
        routes.TAGS_INDEX,
        routes.WEEKLY_INDEX,
        routes.tip_source("a"),
        routes.tag_source("b"),
        routes.week_source(WEEK),
        routes.SUBSCRIBE,
        routes.TIPS_INDEX,
    ]
    for source in pages:
        for target in pages:
            # Markdown: relative to the source file, as MkDocs resolves it.
            md = routes.link(source, target)
            assert posixpath.normpath(posixpath.join(posixpath.dirname(source), md)) == target
            # HTML: relative to the page's folder URL.
            html = routes.href(source, target)
            base = "/" + routes.public_path(source)
            resolved = posixpath.normpath(posixpath.join(base, html))
            assert resolved.rstrip("/") + "/" == ("/" + routes.public_path(target)).rstrip("/") + "/"
        html = routes.file_href(source, routes.tip_asset("img/a.png"))
        base = "/" + routes.public_path(source)
        assert posixpath.normpath(posixpath.join(base, html)) == "/tips/img/a.png"


def test_tag_keys_cannot_take_a_top_level_name():
    assert routes.TOP_LEVEL_NAMES <= RESERVED_NAMES
    for name in ("tips", "tags", "weekly", "api", "cards", "feed", "atom", "robots", "subscribe", "favicon-48"):
        assert name in RESERVED_NAMES, name


def _string_literals(path: Path):
    """(line, text) of every string literal in a module but its docstrings; an f-string as its fixed start."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            head = node.values[0] if node.values else None
            text = head.value if isinstance(head, ast.Constant) else ""
            for part in node.values:
                docstrings.add(id(part))
            yield node.lineno, text
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


def test_no_other_module_spells_a_public_path():
    # A string that starts with a public folder ('tips/', '/tags/',
    # f"weekly/...") or is a feed's file name, anywhere outside routes.py, is
    # a second definition of the contract. Messages that name the
    # repository's tips folder mention it after other words, not at the start.
    spelled = re.compile(
        r"^(?:\.\./|/)?(?:tips|tags|weekly|api|cards)/"
        r"|^(?:feed\.xml|atom\.xml|feed\.json|robots\.txt)$"
    )
    offenders = []
    for path in [*SRC.glob("*.py"), *HOOKS.glob("*.py")]:
        if path.name == "routes.py":
            continue
        offenders += [f"{path.name}:{line}: {text!r}" for line, text in _string_literals(path) if spelled.search(text)]
    assert offenders == []
