"""Page shells: render a Jinja template once with watched markers in a page's own text, then fill it per page.

A site renders many pages that differ only in their own text (title,
content, metadata, headings) through one large template. Rendering it
once with every such string replaced by a marker pair around a probe
(`<>&"'`, letters, digits, spaces, non-ASCII, URL characters) shows where
each string lands and how it is printed there: as it is, or HTML-escaped.
The output split at the markers is the shell: literal text and slots, and
a page of the same shape is the shell with its own strings filled in.

That holds only if the template does nothing with those strings but print
them. Each marker is a watched string (`Watched`): comparing, measuring,
slicing, hashing, calling a method on it or converting it to a string
anywhere but in a compiled template's output stops the render
(`TrippedError`), and the caller renders such pages as always. A filter,
test or global function from outside the trusted packages could print
something else on each call, so an environment with one gets no shell
(`foreign_callable`). Whatever passes these checks is still checked
against a stock render by the caller before its shell is used.

No library does this: Jinja has no partial evaluation, and caching whole
blocks needs to know what each block reads, which is what the watched
strings find out. The hooks (hooks/page_shell.py) say what a page is
(MkDocs' Page, its headings) and when the shell is trusted; this module
knows Jinja and nothing of MkDocs.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
import sys
from collections.abc import Callable
from types import SimpleNamespace

from jinja2 import Environment
from markupsafe import Markup, escape

PROBE = "<>&\"' Aa9\u00e9\u2014 \t%/#?=."
_ESCAPED_PROBE = str(escape(PROBE))

# Where the filters, tests and globals of a stock MkDocs + Material environment come from: pure functions.
TRUSTED_MODULES = (
    "jinja2",
    "markupsafe",
    "builtins",
    "_operator",
    "gettext",
    "babel",
    "mkdocs",
    "properdocs",
    "material",
)
# (module, function) pairs that may turn an anchor (`#...`) of a page's text into a string and
# hand it back as it is; the hooks name the engine's `url` filter here.
ANCHOR_PASS_THROUGH: set[tuple[str, str]] = set()

# A shell: literal text and (slot index, escaped) pairs, in order.
Shell = tuple


class UnshapableError(Exception):
    """The page's context holds something the shell cannot stand in for: the page renders stock."""


class TrippedError(Exception):
    """The template did something with a page's text other than print it."""


_trip = SimpleNamespace(reason=None)


def _tripped(what: str):
    if _trip.reason is None:  # kept even if some code swallows the exception
        _trip.reason = what
    raise TrippedError(what)


def _printing_frame(frame) -> bool:
    """True when str() is called by a compiled template's output or by MarkupSafe's escape, i.e. to print.

    Jinja's compiled code calls `str(` only to output a value (`_output_child_pre`); its module
    namespace holds the environment and the template's file name (`Template.from_code`).
    """
    globals_ = frame.f_globals
    if globals_.get("__name__") == "markupsafe":
        return True
    return isinstance(globals_.get("environment"), Environment) and globals_.get("__file__") == frame.f_code.co_filename


def _anchor_passed_through(text: str, frame) -> bool:
    """True for an anchor (`#...`) given to a function of ANCHOR_PASS_THROUGH, which returns it as it is."""
    return str.startswith(text, "#") and (frame.f_globals.get("__name__"), frame.f_code.co_name) in ANCHOR_PASS_THROUGH


def _watch(cls: type) -> type:
    """Make every operation of `cls` but printing stop the render (see TrippedError)."""
    allowed = {"__class__", "__html__"}

    def getattribute(self, name):
        if name in allowed:
            return str.__getattribute__(self, name)
        _tripped(f"the template reads {name!r} of a page's text")

    def to_str(self):
        if not _printing_frame(sys._getframe(1)) and not _anchor_passed_through(self, sys._getframe(1)):
            caller = sys._getframe(1).f_code
            _tripped(f"a page's text made a string outside printing (by {caller.co_name}, {caller.co_filename})")
        return str.__str__(self)

    def guard(name):
        def method(self, *args, **kwargs):
            _tripped(f"the template uses {name} on a page's text")

        return method

    cls.__getattribute__ = getattribute
    cls.__str__ = to_str
    cls.__bool__ = lambda self: str.__len__(self) > 0  # truthiness is part of the class (empty or not)
    for name in (
        "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__hash__", "__len__", "__contains__",
        "__getitem__", "__iter__", "__reversed__", "__add__", "__radd__", "__mul__", "__rmul__", "__mod__",
        "__rmod__", "__format__", "__reduce__", "__reduce_ex__", "__getnewargs__", "__copy__", "__deepcopy__",
    ):  # fmt: skip
        setattr(cls, name, guard(name))
    return cls


@_watch
class Watched(str):
    """A page's string in the probe render: it may be printed, nothing else."""

    __slots__ = ()


@_watch
class WatchedMarkup(Markup):
    """A page's markup in the probe render: it may be printed, nothing else."""

    __slots__ = ()


class WatchedContent(Watched):
    """A page's content: a template may ask whether it holds an `<h1` (its own title heading).

    The answer is the page's own, part of its class.
    """

    def __contains__(self, text):
        if type(text) is str and text == "<h1":
            return str.__getattribute__(self, "has_h1")
        _tripped("the template searches a page's content")


class Record:
    """A stand-in for an object of the page (a dataclass, a page, a heading): its walked fields, a trip for the rest."""

    def __init__(self, source, fields: dict) -> None:
        object.__setattr__(self, "_shell_source", source)
        self.__dict__.update(fields)

    def __str__(self):
        _tripped("the template prints a page object itself")

    def __eq__(self, other):
        _tripped("the template compares a page object")

    def __hash__(self):
        _tripped("the template uses a page object as a key")

    def __getattr__(self, name: str):
        if hasattr(object.__getattribute__(self, "_shell_source"), name):
            _tripped(f"the template reads {name!r}, which the shell does not stand in for")
        raise AttributeError(name)


def new_nonce() -> str:
    """A fresh marker nonce: no page's text can hold it by chance."""
    return secrets.token_hex(6)


def marker(nonce: str, index: int, inner: str) -> str:
    """The marker pair of slot `index` around `inner`."""
    return f"zq{nonce}s{index}b{inner}zq{nonce}s{index}e"


def watched(value: str, nonce: str, index: int) -> str:
    """The stand-in of slot `index`, a string or Markup `value`, in the probe render."""
    kind = WatchedMarkup if type(value) is Markup else Watched
    return kind(marker(nonce, index, PROBE))


# (value, values, nonce) -> (shape, stand-in), for a type `walk` does not know; raises UnshapableError.
Other = Callable[[object, list, "str | None"], tuple]


def walk(value, values: list, nonce: str | None, other: Other | None = None):
    """(shape, stand-in) of a piece of a page's data; its strings are appended to `values` as slots.

    The shape is what the template may branch on (types, emptiness, lengths, numbers, flags);
    with `nonce` None only the shape is made (the stand-in is None for objects).
    """
    kind = type(value)
    if value is None or kind in (bool, int, float):
        return (kind.__name__, value), value
    if kind in (str, Markup):
        if not value:
            return (kind.__name__, ""), value
        index = len(values)
        values.append(value)
        return kind.__name__, None if nonce is None else watched(value, nonce, index)
    if kind in (list, tuple):
        walked = [walk(item, values, nonce, other) for item in value]
        return (kind.__name__, tuple(shape for shape, _ in walked)), kind(stand for _, stand in walked)
    if kind is dict:
        if not all(type(name) is str for name in value):
            raise UnshapableError("a mapping with keys that are not strings")
        walked = {name: walk(item, values, nonce, other) for name, item in value.items()}
        shape = tuple((name, shape) for name, (shape, _) in walked.items())
        return ("dict", shape), {name: stand for name, (_, stand) in walked.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        walked = {f.name: walk(getattr(value, f.name), values, nonce, other) for f in dataclasses.fields(value)}
        shape = (kind.__module__, kind.__qualname__, tuple((name, shape) for name, (shape, _) in walked.items()))
        return shape, Record(value, {name: stand for name, (_, stand) in walked.items()}) if nonce else None
    if other is not None:
        return other(value, values, nonce)
    raise UnshapableError(f"a value of type {kind.__qualname__}")


def learn(render: Callable[[], str], nonce: str, bare: frozenset[int] = frozenset()) -> tuple[Shell | None, str]:
    """(shell, "") from `render()`, a render with this nonce's stand-ins; or (None, why not).

    Slots in `bare` stand in with an empty marker pair, not the probe (a string the
    template computes with, such as a URL's last part that escaping leaves alone).
    """
    _trip.reason = None
    try:
        probe = render()
    except TrippedError:
        pass
    except Exception as exc:  # noqa: BLE001 (whatever a stand-in made the template raise, the class renders stock)
        return None, f"the template failed on the stand-ins ({type(exc).__name__}: {exc})"
    if _trip.reason is not None:
        return None, _trip.reason
    pattern = re.compile(rf"zq{nonce}s(\d+)b(.*?)zq{nonce}s\1e", re.S)
    parts: list = []
    last = 0
    for match in pattern.finditer(probe):
        index, inner = int(match.group(1)), match.group(2)
        if inner == PROBE or (inner == "" and index in bare):
            escaped = False  # a bare slot is left alone by escaping: printed as is either way
        elif inner == _ESCAPED_PROBE:
            escaped = True
        else:
            return None, f"slot {index} is printed through a transform the shell does not know"
        parts.append(probe[last : match.start()])
        parts.append((index, escaped))
        last = match.end()
    parts.append(probe[last:])
    if any(nonce in part.lower() for part in parts if type(part) is str):
        return None, "a marker was cut apart, nested or changed by the template"
    return tuple(part for part in parts if part != ""), ""


def foreign_callable(env: Environment) -> str | None:
    """The name of a filter, test or global function from outside TRUSTED_MODULES (it may print something
    else each call); None when there is none."""
    for kind, table in (("filter", env.filters), ("test", env.tests), ("global", env.globals)):
        for name, value in table.items():
            if not callable(value) or isinstance(value, type):
                continue
            module = getattr(value, "__module__", None) or getattr(type(value), "__module__", "") or ""
            if module.split(".")[0] not in TRUSTED_MODULES:
                return f"the {kind} {name!r} ({module})"
    return None


def fill(shell: Shell, values: list) -> str:
    """The page: the shell's text with the page's own values in its slots."""
    return "".join(
        part if type(part) is str else (str(escape(values[part[0]])) if part[1] else str(values[part[0]]))
        for part in shell
    )
