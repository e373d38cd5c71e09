"""Pages rendered through a learned shell (hooks/page_shell.py) are the stock render, byte for byte.

Whole sites are built with the shell on and with `TIPS_PAGE_SHELL=off`,
with and without the page cache, under MkDocs and ProperDocs, and every
file is compared; one library has titles with `<>&"'`, non-ASCII text, a
long title and a title that looks like the shell's own markers. In process,
a template whose output the shell cannot map (a global counting its calls)
fails the self-check: the class renders stock with one info line.
"""

from __future__ import annotations

import itertools
import logging
import re
import shutil
from pathlib import Path

import pytest
from jinja2 import DictLoader, Environment
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc
from mkdocs.utils.templates import url_filter

from support import AS_OF, REPO, SITE_FIXTURES, build_site
from support.builds import assert_same_sites, load_hook

OFF = {"TIPS_PAGE_SHELL": "off"}
LOOKS_LIKE_A_MARKER = "zq0123456789abs3b<>&\"'zq0123456789abs3e"


def filled_pages(output: str) -> int:
    """How many pages the build says it filled from shells (0 when it says nothing)."""
    found = re.search(r"page shell: (\d+) of \d+ pages filled", output)
    return int(found.group(1)) if found else 0


def tricky_library(tmp_path: Path) -> Path:
    """The small site's tips with a title like the shell's markers and a long, non-ASCII, escaped one."""
    tips = tmp_path / "tips"
    shutil.copytree(SITE_FIXTURES / "small", tips)
    quote = tips / "quote-the-customers-words.md"
    text = quote.read_text("utf-8")
    marker_like = LOOKS_LIKE_A_MARKER.replace('"', '\\"')
    quote.write_text(text.replace("title: Quote the customer's 'own' words back", f'title: "{marker_like}"'), "utf-8")
    cafe = tips / "cafe-creme-etiquette.md"
    lines = cafe.read_text("utf-8").splitlines(keepends=True)
    long_title = ("Crème & brûlée 'quotes' a < b > c — " + "très long titre " * 5)[:80]  # the longest title allowed
    lines = [f'title: "{long_title}"\n' if line.startswith("title:") else line for line in lines]
    cafe.write_text("".join(lines), "utf-8")
    return tips


@pytest.mark.slow
def test_the_real_site_is_the_same_with_and_without_the_shell(tmp_path: Path) -> None:
    env = {"TIPS_CACHE_DIR": "off"}
    shell = build_site(REPO / "tips", tmp_path / "shell", AS_OF, env)
    stock = build_site(REPO / "tips", tmp_path / "stock", AS_OF, {**env, **OFF})
    assert shell.ok and stock.ok, shell.output + stock.output
    assert_same_sites(shell.site, stock.site, tip_pages=3)
    assert "differs from its stock render" not in shell.output
    assert filled_pages(shell.output) >= 20 and "page shell:" not in stock.output


@pytest.mark.slow
def test_tricky_titles_are_the_same_with_and_without_the_shell_and_the_page_cache(tmp_path: Path) -> None:
    tips = tricky_library(tmp_path)
    cache = {"TIPS_CACHE_DIR": str(tmp_path / "cache")}
    stock = build_site(tips, tmp_path / "stock", AS_OF, {"TIPS_CACHE_DIR": "off", **OFF})
    cold = build_site(tips, tmp_path / "cold", AS_OF, cache)  # page cache misses render through the shell
    warm = build_site(tips, tmp_path / "warm", AS_OF, cache)  # hits: nothing rendered
    assert stock.ok and cold.ok and warm.ok, stock.output + cold.output + warm.output
    assert "pages reused" in warm.output
    assert filled_pages(cold.output) >= 1 and "page shell:" not in warm.output  # a page-cache hit renders nothing
    for built in (cold, warm):
        assert_same_sites(built.site, stock.site, tip_pages=3)
    page = stock.page("tips/quote-the-customers-words/")
    assert LOOKS_LIKE_A_MARKER.replace("<", "&lt;")[:20] in page or LOOKS_LIKE_A_MARKER[:17] in page
    assert "très long titre" in stock.page("tips/cafe-creme-etiquette/")


@pytest.mark.slow
def test_properdocs_gives_the_same_files_with_and_without_the_shell(tmp_path: Path) -> None:
    env = {"TIPS_CACHE_DIR": "off"}
    shell = build_site(REPO / "tips", tmp_path / "shell", AS_OF, env, engine="properdocs")
    stock = build_site(REPO / "tips", tmp_path / "stock", AS_OF, {**env, **OFF}, engine="properdocs")
    assert shell.ok and stock.ok, shell.output + stock.output
    assert "pages take the stock render" not in shell.output and filled_pages(shell.output) >= 20
    assert_same_sites(shell.site, stock.site, tip_pages=3)


def _tip_page(config: MkDocsConfig, slug: str, title: str) -> Page:
    file = File(f"tips/{slug}.md", "/docs", "/site", use_directory_urls=True)
    page = Page(None, file, config)
    page.meta = {"title": title, "tags": ["tone", "<b>"]}
    page.content = f"<p>{title}</p>"
    page.toc = get_toc([])
    return page


def _render_pages(shell, env: Environment, config: MkDocsConfig, titles: list[str]) -> list[str]:
    out = []
    for index, title in enumerate(titles):
        page = _tip_page(config, f"tip-{index}", title)
        context = {"nav": None, "config": config, "base_url": "../..", "page": page, "tip_footer": ""}
        out.append(env.get_template("main.html").render(context))
    return out


TEMPLATE = (
    "<title>{{ page.meta.title }} - {{ config.site_name | e }}</title>"
    '<a href="{{ page.url | url }}" title="{{ page.meta.title | e }}">{{ page.content }}</a>'
    "{% for tag in page.meta.tags %}<i>{{ tag | e }}</i>{% endfor %}{{ extra() }}"
)


def _env(extra) -> tuple[Environment, MkDocsConfig]:
    env = Environment(loader=DictLoader({"main.html": TEMPLATE}))
    env.filters["url"] = url_filter
    env.globals["extra"] = extra or str
    config = MkDocsConfig()
    config.load_dict({"site_name": "Tips & <more>", "site_url": "https://example.org/"})
    config.validate()
    return env, config


def test_pages_are_filled_from_the_shell_exactly(caplog) -> None:
    shell = load_hook("page_shell")
    env, config = _env(None)
    titles = ["One", "A <b>&\"'", "Café — ünïcode", "x" * 5000, LOOKS_LIKE_A_MARKER]
    stock = _render_pages(shell, env, config, titles)
    shell.on_env(env, config, None)
    with caplog.at_level(logging.DEBUG, logger="mkdocs.hooks.page_shell"):
        filled = _render_pages(shell, env, config, titles)
    assert filled == stock
    assert shell._state.learned == 1 and shell._state.filled == 3  # the first renders stock, the second teaches
    assert LOOKS_LIKE_A_MARKER in filled[4] and "x" * 5000 in filled[3]


def test_a_difference_the_markers_cannot_see_fails_the_self_check_with_one_info_line(caplog) -> None:
    shell = load_hook("page_shell")
    env, config = _env(None)
    # A captured block is plain text: comparing it is invisible to the watched strings, so the shell
    # learned on "Two" lacks the "!" its stock render has; the self-check sees it and the class goes stock.
    env.loader = DictLoader(
        {"main.html": "{% set t %}{{ page.meta.title }}{% endset %}{{ t }}{% if t == 'Two' %}!{% endif %}"}
    )
    stock = _render_pages(shell, env, config, ["One", "Two", "Two", "Three"])
    shell.on_env(env, config, None)
    with caplog.at_level(logging.INFO, logger="mkdocs.hooks.page_shell"):
        pages = _render_pages(shell, env, config, ["One", "Two", "Two", "Three"])
    assert pages == stock == ["One", "Two!", "Two!", "Three"]
    notes = [r.getMessage() for r in caplog.records if "differs from its stock render" in r.getMessage()]
    assert len(notes) == 1 and "tips/tip-1.md" in notes[0]
    assert shell._state.filled == 0


def test_a_function_from_outside_the_engines_keeps_the_stock_render(caplog) -> None:
    shell = load_hook("page_shell")
    counter = itertools.count()
    env, config = _env(lambda: str(next(counter)))  # prints something else each call: no shell can hold it
    shell.on_env(env, config, None)
    with caplog.at_level(logging.DEBUG, logger="mkdocs.hooks.page_shell"):
        pages = _render_pages(shell, env, config, ["One", "Two", "Three", "Four"])
    assert [page.rsplit("</i>", 1)[1] for page in pages] == ["0", "1", "2", "3"]
    assert shell._state.filled == 0
    assert any("the global 'extra'" in r.getMessage() for r in caplog.records)


def test_the_page_url_printed_as_it_is_is_filled_per_page() -> None:
    shell = load_hook("page_shell")
    env, config = _env(None)
    env.loader = DictLoader(
        {"main.html": "{{ page.url }}|{{ page.url | url }}|{{ base_url }}|{{ page.canonical_url }}"}
    )
    stock = _render_pages(shell, env, config, ["One", "Two", "Three"])
    shell.on_env(env, config, None)
    assert _render_pages(shell, env, config, ["One", "Two", "Three"]) == stock
    assert stock[2] == "tips/tip-2/|./|../..|https://example.org/tips/tip-2/" and shell._state.filled == 1


def test_a_template_that_inspects_a_title_goes_stock(caplog) -> None:
    shell = load_hook("page_shell")
    env, config = _env(None)
    env.loader = DictLoader({"main.html": "{% if page.meta.title == 'One' %}first{% endif %}{{ page.meta.title }}"})
    shell.on_env(env, config, None)
    with caplog.at_level(logging.DEBUG, logger="mkdocs.hooks.page_shell"):
        pages = _render_pages(shell, env, config, ["One", "Two", "One"])
    assert pages == ["firstOne", "Two", "firstOne"]
    assert shell._state.filled == 0
    assert any("__eq__" in r.getMessage() for r in caplog.records)


def test_the_switch_and_an_unchecked_engine_leave_the_templates_alone(monkeypatch, caplog) -> None:
    shell = load_hook("page_shell")
    env, config = _env(None)
    monkeypatch.setenv("TIPS_PAGE_SHELL", "off")
    shell.on_env(env, config, None)
    assert "get_template" not in vars(env)
    monkeypatch.delenv("TIPS_PAGE_SHELL")
    monkeypatch.setattr(shell, "VERIFIED", {("mkdocs", "0.0")})
    shell.engine_mismatch.cache_clear()
    with caplog.at_level(logging.INFO, logger="mkdocs.hooks.page_shell"):
        shell.on_env(env, config, None)
    assert "get_template" not in vars(env)
    assert any("pages take the stock render" in r.getMessage() for r in caplog.records)
