"""The YAML loader of tips and vocabularies: only the types the schema uses, every refusal located.

Front matter and the vocabularies need strings, whole numbers (`feed_weeks`),
`true`/`false` (`draft`), lists, mappings and null; nothing else. PyYAML's
safe loader knows more (floats, timestamps, `!!binary`, `!!set`, `!!omap`,
merge keys, YAML 1.1's `yes`/`no`/`on`/`off` booleans, base-60 numbers),
and some of those raise plain exceptions that no caller expects: `1e999`
becomes an infinite float, a 5,000-digit number exceeds Python's int
conversion limit, a `!!timestamp` can be an impossible date. So the loader
here registers only the schema's types, like YAML 1.2's core schema but
without floats (a float-looking value is text, which the schema then
accepts or refuses with a located type error).

Parsing stays in libyaml (the C parser and composer); only resolving and
constructing run in Python, as they do in PyYAML's CSafeLoader, so the speed
is the same. Refusals are `SchemaRefusalError` errors with a `kind`, which the
reader turns into the file's problem code. Aliases are refused outright (no
tip or vocabulary needs one, and an alias is how a "billion laughs" document
grows); the alias's own position is found lazily, by walking the parser's
events, only for a file that has one.

`describe_syntax_error` turns libyaml's messages ("found character that
cannot start any token") into plain English with the fix, from one table.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import BaseConstructor, ConstructorError
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

try:  # libyaml ships in PyYAML's wheels; the pure-Python parser is the fallback.
    from yaml.cyaml import CParser as _Parser
except ImportError:  # pragma: no cover - only without libyaml
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        def __init__(self, stream):
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)


STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
SEQ = "tag:yaml.org,2002:seq"
MAP = "tag:yaml.org,2002:map"
MERGE = "tag:yaml.org,2002:merge"

# The longest whole number accepted: the schema's numbers are small
# (feed_weeks <= 520); 15 digits still convert exactly everywhere, and
# Python refuses to convert strings of more than 4,300 digits at all.
MAX_INT_DIGITS = 15

# Refusal kinds; the reader maps each to a problem code (FM006-FM009 and
# KEY003 in a tip, VOC002-VOC005 and VOC001 in a vocabulary, ENC007 in both).
TAG = "tag"
DUPLICATE = "duplicate"
ALIAS = "alias"
NUMBER = "number"
KEY = "key"
SEPARATOR = "separator"

# U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR: libyaml counts each as
# a line break, where editors (and every line number this project prints)
# do not, so one of them would shift every later line number of the file and
# can turn a value's rest into a key. They are invisible in most editors.
_LINE_SEPARATORS = re.compile("[\u2028\u2029]")


class SchemaRefusalError(ConstructorError):
    """Valid YAML the schema does not use: `kind` says what, `problem_mark` where, `hint` how to fix it."""

    def __init__(self, kind: str, message: str, mark: yaml.Mark | None, hint: str):
        super().__init__(None, None, message, mark)
        self.kind = kind
        self.hint = hint


class SchemaResolver(BaseResolver):
    """Plain scalars resolve to null, true/false and decimal whole numbers; everything else is text."""


# Class attributes are copied, not shared with BaseResolver, so PyYAML's own
# loaders keep their resolvers.
SchemaResolver.yaml_implicit_resolvers = {}
SchemaResolver.add_implicit_resolver(NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
SchemaResolver.add_implicit_resolver(BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
SchemaResolver.add_implicit_resolver(INT, re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))


class SchemaConstructor(BaseConstructor):
    """Builds str, int, bool, None, list and dict; refuses every other tag, duplicates, merges and aliases."""

    def construct_object(self, node, deep=False):
        # A node met a second time is an alias (the composer shares the
        # anchored node): refused here, before any value is built twice.
        if node in self.constructed_objects or node in self.recursive_objects:
            raise SchemaRefusalError(
                ALIAS,
                "an alias (`*name`) repeats another value",
                node.start_mark,
                "write the value out; tips and vocabularies do not use anchors and aliases",
            )
        return super().construct_object(node, deep=deep)

    def construct_int(self, node: ScalarNode) -> int:
        text = node.value.strip()
        digits = text.lstrip("+-")
        if not digits.isascii() or not digits.isdigit():  # an explicit `!!int` on something else
            raise SchemaRefusalError(
                NUMBER,
                f"{_short(text)!r} is not a whole number",
                node.start_mark,
                "write a whole number such as 52, or quote the value to make it text",
            )
        if len(digits) > MAX_INT_DIGITS:
            raise SchemaRefusalError(
                NUMBER,
                f"the number has {len(digits):,} digits; at most {MAX_INT_DIGITS} are read",
                node.start_mark,
                "write a small whole number such as 52, or quote the value",
            )
        return int(text)

    def construct_bool(self, node: ScalarNode) -> bool:
        text = node.value.strip().lower()
        if text not in ("true", "false"):
            raise SchemaRefusalError(
                NUMBER, f"{_short(node.value)!r} is not true or false", node.start_mark, "write true or false"
            )
        return text == "true"

    def construct_null(self, node: ScalarNode) -> None:
        return None

    def construct_str(self, node: ScalarNode) -> str:
        return self.construct_scalar(node)

    def construct_list(self, node: SequenceNode):
        items: list = []
        yield items
        items.extend(self.construct_sequence(node))

    def construct_dict(self, node: MappingNode):
        data: dict = {}
        yield data
        for key_node, value_node in node.value:
            if key_node.tag == MERGE or (
                isinstance(key_node, ScalarNode) and key_node.value == "<<" and key_node.style in (None, "")
            ):
                raise SchemaRefusalError(
                    ALIAS,
                    "a merge key (`<<:`) copies another mapping",
                    key_node.start_mark,
                    "write the keys out; tips and vocabularies do not use merge keys",
                )
            if not isinstance(key_node, ScalarNode):
                raise SchemaRefusalError(
                    TAG, "a key is a list or a mapping", key_node.start_mark, "keys are plain words such as `title:`"
                )
            key = self.construct_object(key_node)
            if not isinstance(key, str):
                # `~:`, `true:`, `1:` are read as null, true/false or a number:
                # a key is always a name (`title`, an author's or a tag's key).
                read_as = "empty (null)" if key is None else "true/false" if isinstance(key, bool) else "a number"
                raise SchemaRefusalError(
                    KEY,
                    f"the key {_short(key_node.value)!r} is read by YAML as {read_as}, not as a name",
                    key_node.start_mark,
                    "keys are names such as `title` or `summary`: correct the key, or put it in double quotes",
                )
            if key in data:
                raise SchemaRefusalError(
                    DUPLICATE,
                    f"key {_short(str(key))!r} is written twice in the same mapping",
                    key_node.start_mark,
                    "keep one of the two lines (YAML would silently use the last)",
                )
            data[key] = self.construct_object(value_node, deep=True)

    def construct_undefined(self, node):
        tag = "!!" + node.tag[len("tag:yaml.org,2002:") :] if node.tag.startswith("tag:yaml.org,2002:") else node.tag
        raise SchemaRefusalError(
            TAG,
            f"the YAML tag {_short(tag)!r} is not used here",
            node.start_mark,
            "remove the tag (the `!...` before the value); values are plain text, "
            "numbers, true/false, lists and mappings",
        )


SchemaConstructor.yaml_constructors = {}
SchemaConstructor.add_constructor(STR, SchemaConstructor.construct_str)
SchemaConstructor.add_constructor(INT, SchemaConstructor.construct_int)
SchemaConstructor.add_constructor(BOOL, SchemaConstructor.construct_bool)
SchemaConstructor.add_constructor(NULL, SchemaConstructor.construct_null)
SchemaConstructor.add_constructor(SEQ, SchemaConstructor.construct_list)
SchemaConstructor.add_constructor(MAP, SchemaConstructor.construct_dict)
SchemaConstructor.add_constructor(None, SchemaConstructor.construct_undefined)


class SchemaLoader(_Parser, SchemaConstructor, SchemaResolver):  # type: ignore[misc,valid-type]
    """libyaml's parser with the schema's resolver and constructor."""

    def __init__(self, stream):
        _Parser.__init__(self, stream)
        SchemaConstructor.__init__(self)
        SchemaResolver.__init__(self)


def refuse_line_separators(text: str) -> None:
    """Raise SchemaRefusalError (SEPARATOR) at the first U+2028 or U+2029 of `text`, which YAML reads as a line break.

    Checked before libyaml sees the text, so the position is counted in the
    file's own lines (`\\n` only), as every other position is.
    """
    match = _LINE_SEPARATORS.search(text)
    if match is None:
        return
    index = match.start()
    line = text.count("\n", 0, index)
    column = index - (text.rfind("\n", 0, index) + 1)
    name = "LINE SEPARATOR" if match.group() == "\u2028" else "PARAGRAPH SEPARATOR"
    raise SchemaRefusalError(
        SEPARATOR,
        f"the character U+{ord(match.group()):04X} ({name}) is an invisible line break in YAML",
        yaml.Mark("<text>", index, line, column, None, None),
        "delete it, or replace it with a space (it is often left by a copy and paste)",
    )


def load(text: str) -> Any:
    """Parse one YAML document with the schema's types; raises yaml.YAMLError (SchemaRefusalError: a refusal)."""
    refuse_line_separators(text)
    loader = SchemaLoader(text)
    try:
        return loader.get_single_data()
    except SchemaRefusalError as exc:
        if exc.kind == ALIAS and exc.problem.startswith("an alias"):
            exc.problem_mark = first_alias_mark(text) or exc.problem_mark
        raise
    finally:
        loader.dispose()


def first_alias_mark(text: str) -> yaml.Mark | None:
    """Where the first alias (`*name`) of the text is; walked lazily, only for a document that has one."""
    try:
        for event in yaml.parse(text, Loader=SchemaLoader):
            if isinstance(event, yaml.AliasEvent):
                return event.start_mark
    except yaml.YAMLError:
        return None
    return None


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


# -- Syntax errors in plain English ------------------------------------------

# The hint of a syntax error the table does not know (the message is then libyaml's own).
FALLBACK_HINT = "check the YAML syntax of this line"
QUOTE_HINT = 'put the whole value in double quotes, e.g. title: "Why: a story"'

# (words in libyaml's problem, words in its context or "", character at the
# problem's position or "", plain message, hint). The first matching row wins.
SYNTAX_ERRORS: list[tuple[str, str, str, str, str]] = [
    (
        "cannot start any token",
        "",
        "\t",
        "a tab is used for indentation; YAML needs spaces",
        "replace the tab at the start of the line with spaces (two per level)",
    ),
    (
        "tab character that violates indentation",
        "",
        "",
        "a tab is used for indentation; YAML needs spaces",
        "replace the tab at the start of the line with spaces (two per level)",
    ),
    (
        "cannot start any token",
        "",
        "@",
        "a value cannot start with `@` in YAML",
        QUOTE_HINT.replace("Why: a story", "@handle on social media"),
    ),
    (
        "cannot start any token",
        "",
        "`",
        "a value cannot start with a backtick in YAML",
        QUOTE_HINT.replace("Why: a story", "`code` in a title"),
    ),
    (
        "cannot start any token",
        "",
        "%",
        "a value cannot start with `%` in YAML",
        QUOTE_HINT.replace("Why: a story", "%20 off"),
    ),
    ("cannot start any token", "", "", "a value starts with a character YAML reserves", QUOTE_HINT),
    (
        "",
        "scanning a quoted scalar",
        "",
        "a quote is opened and never closed",
        "close the quote at the end of the value, on the same line",
    ),
    (
        "",
        "parsing a quoted scalar",
        "",
        "a backslash in double quotes starts an unknown escape",
        "use single quotes around a value with a backslash, or write the backslash twice",
    ),
    (
        "expected ',' or ']'",
        "",
        "",
        "a list's `[` is never closed by `]`",
        "close the list on the same line, e.g. tags: [empathy, recovery]",
    ),
    (
        "expected ',' or '}'",
        "",
        "",
        "a mapping's `{` is never closed by `}`",
        "close the `{` on the same line, or quote the value",
    ),
    (
        "mapping values are not allowed",
        "",
        "@second-colon",
        "a value contains `: `, which YAML reads as the start of another key",
        QUOTE_HINT,
    ),
    (
        "mapping values are not allowed",
        "",
        "",
        "a line is indented under a key that already has a value",
        "start the line at the same indentation as the keys above it, or put its text in the value above",
    ),
    (
        "found unexpected ':'",
        "",
        "",
        "a value inside brackets contains `:`",
        QUOTE_HINT.replace("title: ", "tags: [").replace('"Why: a story"', '"a: b"]'),
    ),
    (
        "block sequence entries are not allowed",
        "",
        "",
        "a list item `- ` is on the same line as its key",
        "write the list in brackets, tags: [empathy, recovery], or put each `- item` on its own indented line",
    ),
    (
        "expected '-' indicator",
        "",
        "",
        "a line does not continue the list above it",
        "indent every `- item` of a list the same, and start keys at the left edge",
    ),
    (
        "did not find expected key",
        "",
        "-",
        "a list item `- ` stands where a key was expected",
        "put each `- item` on its own line under its key, every item indented the same",
    ),
    (
        "did not find expected key",
        "",
        "@mid",
        "text follows a closing quote or bracket",
        "put the whole value inside the quotes (or the brackets)",
    ),
    (
        "did not find expected key",
        "",
        "",
        "a line is not indented like the keys around it",
        "start each key at the same indentation as the others",
    ),
    (
        "could not find expected ':'",
        "",
        "",
        "a line has no `key: ` (a value may have run on to a new line)",
        "write one `key: value` per line; a value that goes on must be indented under its key",
    ),
    (
        "expected node content",
        "",
        "",
        "a value starts with a character YAML reserves (`,` `[` `]` `{` `}` `|` `>`)",
        QUOTE_HINT,
    ),
    ("", "block scalar", "", "a value starts with `|` or `>`, which YAML reads as a block of text", QUOTE_HINT),
    (
        "alphabetic or numeric character",
        "anchor",
        "",
        "a value starts with `&`, which YAML reads as an anchor",
        QUOTE_HINT.replace("Why: a story", "& more"),
    ),
    (
        "alphabetic or numeric character",
        "alias",
        "",
        "a value starts with `*`, which YAML reads as an alias",
        QUOTE_HINT.replace("Why: a story", "*new* tips"),
    ),
    (
        "",
        "a tag",
        "",
        "a value starts with `!`, which YAML reads as a tag",
        QUOTE_HINT.replace("Why: a story", "!important"),
    ),
    (
        "undefined tag handle",
        "",
        "",
        "a value starts with `!`, which YAML reads as a tag",
        QUOTE_HINT.replace("Why: a story", "!important"),
    ),
    (
        "undefined alias",
        "",
        "",
        "a value starts with `*`, which YAML reads as an alias",
        QUOTE_HINT.replace("Why: a story", "*new* tips"),
    ),
    (
        "",
        "directive",
        "",
        "a line starts with `%`, which YAML reads as a directive",
        "remove the `%` at the start of the line; a value starting with `%` goes in double quotes",
    ),
    (
        "mapping keys are not allowed",
        "",
        "",
        "a value starts with `? `, which YAML reads as a key",
        QUOTE_HINT.replace("Why: a story", "? and then"),
    ),
    (
        "another document",
        "",
        "",
        "a second `---` line (or `--- text`) starts another YAML document",
        "keep only the opening and closing `---` lines; quote a value that starts with `---`",
    ),
    (
        "expected <document start>",
        "",
        "",
        "a `...` or `%` line ends the YAML early",
        "remove the `...` or `%` line; quote a value that starts with one",
    ),
]


# Problems shown where libyaml noticed them rather than where the construct began.
_AT_PROBLEM = ("another document", "document start", "did not find expected key", "expected '-' indicator")


def describe_syntax_error(exc: yaml.YAMLError, text: str) -> tuple[int, int, str, str]:
    """(0-based line, 0-based col, plain message, hint) for a YAML syntax error in `text`.

    The position is where an editor should look: the start of the broken
    construct (libyaml's context mark) when there is one, since that is where
    the fix goes, except for a tab, which is shown where it is.
    """
    if isinstance(exc, yaml.reader.ReaderError):
        line, col = _offset_position(text, exc.position)
        return (
            line,
            col,
            f"the character U+{exc.character:04X} is not allowed in YAML",
            "delete it (it is often left invisible by a copy and paste)",
        )
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None) or ""
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    at, before = _char_at(text, problem_mark)
    where = {at, "@mid" if before.strip() else "@start"}
    if ": " in before or before.rstrip().endswith(":"):
        where.add("@second-colon")
    for words, context_words, char, message, hint in SYNTAX_ERRORS:  # noqa: B007 - used after the break
        if words in problem and context_words in context and (not char or char in where):
            # The context (the start of the broken construct) is where the fix
            # goes, except where the problem itself is the line to change.
            mark = context_mark or problem_mark
            if any(words in problem for words in _AT_PROBLEM) or "tab" in message:
                mark = problem_mark or context_mark
            break
    else:
        message, hint, mark = (
            f"{context + ', ' if context else ''}{problem}",
            FALLBACK_HINT,
            context_mark or problem_mark,
        )
    if mark is None:
        return 0, 0, message, hint
    return mark.line, mark.column, message, hint


def _char_at(text: str, mark: yaml.Mark | None) -> tuple[str, str]:
    """The character at `mark` and the text before it on its line."""
    # From line and column: libyaml's `index` counts bytes, not characters.
    if mark is None:
        return "", ""
    start = 0
    for _ in range(mark.line):
        start = text.find("\n", start) + 1
        if start == 0:
            return "", ""
    index = start + mark.column
    at = text[index] if index < len(text) and text[index] != "\n" else ""
    return at, text[start:index]


def _offset_position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset)
    return line, offset - (text.rfind("\n", 0, offset) + 1)
