"""The page shell's core (servicetips.template_shell), on plain Jinja templates: no MkDocs.

A shell is learned only from a template that prints a page's strings and
does nothing else with them; every other use (compare, measure, slice, a
filter that reads the text, a function from outside) leaves the page on
the stock render. A learned shell filled with a page's values is the
stock render of that page. The whole site built both ways is compared in
tests/test_page_shell.py.
"""

from __future__ import annotations

import pytest
from jinja2 import DictLoader, Environment
from markupsafe import Markup

from servicetips import template_shell as ts

PAGES = [
    {"title": "Say sorry & mean it", "summary": 'The "why" <first>', "tags": ["empathy", "recovery"]},
    {"title": "Les clients d'abord — toujours", "summary": "Ünïcode\tand tabs", "tags": ["a", "b"]},
    {"title": "zq0123456789abs0b", "summary": "a marker look-alike", "tags": ["x", "y"]},
]


def _env(source: str, autoescape: bool = True) -> Environment:
    return Environment(loader=DictLoader({"page.html": source}), autoescape=autoescape)


def _shell(env: Environment, page: dict):
    """(shell or None, reason) learned from `page`'s stand-ins, and the values a page fills in."""
    nonce = ts.new_nonce()
    values: list = []
    _, stand_in = ts.walk(page, values, nonce)
    template = env.get_template("page.html")
    return ts.learn(lambda: template.render(page=stand_in), nonce)


def _values(page: dict) -> list:
    values: list = []
    ts.walk(page, values, None)
    return values


@pytest.mark.parametrize("autoescape", [True, False])
def test_a_shell_filled_with_each_page_is_that_pages_stock_render(autoescape):
    env = _env(
        '<title>{{ page.title }}</title><meta content="{{ page.summary|e }}">'
        "{% for tag in page.tags %}<a>{{ tag }}</a>{% endfor %}<p>{{ page.summary }}</p>",
        autoescape,
    )
    shell, reason = _shell(env, PAGES[0])
    assert shell is not None, reason
    assert any(type(part) is tuple and part[1] for part in shell)  # an escaped slot was found
    for page in PAGES:
        assert ts.fill(shell, _values(page)) == env.get_template("page.html").render(page=page)


def test_joining_a_string_to_a_pages_text_keeps_the_slot_exact():
    env = _env("<h1>{{ page.title ~ '!' }}</h1>")
    shell, reason = _shell(env, PAGES[0])
    assert shell is not None, reason
    assert ts.fill(shell, _values(PAGES[1])) == env.get_template("page.html").render(page=PAGES[1])


def test_markup_is_printed_as_it_is():
    env = _env("<div>{{ page.body }}</div>")
    page = {"body": Markup("<p>kept</p>")}
    shell, reason = _shell(env, page)
    assert shell is not None, reason
    assert ts.fill(shell, _values(page)) == "<div><p>kept</p></div>"


@pytest.mark.parametrize(
    "source",
    [
        "{% if page.title == 'x' %}x{% endif %}",  # compares
        "{{ page.title|length }}",  # measures
        "{{ page.title[:5] }}",  # slices
        "{{ page.title|upper }}",  # a filter that reads the text
        "{{ page.title|truncate(10) }}",
        "{{ page.title.split(' ')[0] }}",  # a method
        "{{ {page.title: 1} }}",  # hashed
    ],
)
def test_any_use_but_printing_gives_no_shell(source):
    shell, reason = _shell(_env(source), PAGES[0])
    assert shell is None and reason


def test_a_function_from_outside_the_trusted_packages_gives_no_shell():
    env = _env("{{ shout(page.title) }}")
    env.globals["shout"] = lambda text: text
    assert "the global 'shout'" in ts.foreign_callable(env)
    assert ts.foreign_callable(_env("{{ page.title }}")) is None


def test_a_value_it_cannot_stand_in_for_is_unshapable():
    with pytest.raises(ts.UnshapableError):
        ts.walk({"when": object()}, [], ts.new_nonce())
    with pytest.raises(ts.UnshapableError):
        ts.walk({1: "a key that is not a string"}, [], ts.new_nonce())


def test_the_shape_holds_what_a_template_branches_on():
    def shape(page):
        return ts.walk(page, [], None)[0]

    assert shape(PAGES[0]) == shape({"title": "Other", "summary": "text", "tags": ["c", "d"]})
    assert shape(PAGES[0]) != shape({**PAGES[0], "tags": ["one"]})  # how many tags
    assert shape(PAGES[0]) != shape({**PAGES[0], "summary": ""})  # empty or not
    assert shape({"n": 1}) != shape({"n": 2})  # numbers as they are


def test_captured_text_is_beyond_the_watch_so_callers_check_the_first_page():
    # Printed into a {% set %} block, the text is plain before it is changed: no trip, and the
    # shell is wrong. hooks/page_shell.py compares each class's first filled page with its stock
    # render for this reason (tests/test_page_shell.py shows the fallback).
    env = _env("{% set t %}{{ page.title }}{% endset %}{{ t|replace('a', 'b') }}")
    shell, _ = _shell(env, PAGES[0])
    stock = env.get_template("page.html").render(page=PAGES[1])
    assert shell is None or ts.fill(shell, _values(PAGES[1])) != stock
