"""Read tip files and the vocabularies: bytes -> text -> front matter + body.

Reading is the only place that touches the file system for tips. It never
raises for bad content: every problem becomes a located `Problem`, and a file
with problems simply yields no front matter to validate.

The front matter is split by hand rather than with python-frontmatter because
every error must name a line in the file, and python-frontmatter's split does
not keep positions. YAML is parsed with libyaml's safe C loader (no
`!!python/...` tags), without the implicit timestamp type, so dates reach the
schema as text and a bad date is reported as a field error instead of
aborting the whole parse.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .characters import first_forbidden_character, line_col
from .problems import Problem, display_path
from .yamlload import SchemaLoader, SchemaRefusalError, describe_syntax_error, load, refuse_line_separators

MAX_FILE_BYTES = 256 * 1024  # a 400-word tip is ~3 KB; this leaves a wide margin
MAX_FRONT_MATTER_LINES = 200  # a tip's front matter is ~10 lines
MAX_VOCABULARY_BYTES = 4 * 1024 * 1024  # tags.yml and authors.yml are a few KB; generous for a big team
MAX_NESTING = 64  # a tip's front matter nests 2 levels deep, the vocabularies 2
# Each nesting level takes at least one character, and libyaml handles a few
# thousand levels safely, so shorter texts need no depth check.
_DEPTH_CHECK_CHARS = 2048
_FENCE = re.compile(r"^---[ \t]*$")
_FENCE_LINE = re.compile(r"^---[ \t]*$", re.MULTILINE)

# The loader knows only the schema's types (see yamlload.py); the old name is
# kept for the modules that compose node trees to locate problems.
TipYamlLoader = SchemaLoader


@dataclass
class SourceFile:
    """One tip file as read: its text split into front matter and body, with positions."""

    path: Path
    display: str
    slug: str
    text: str = ""
    data: dict | None = None
    front_matter: str = ""
    body: str = ""
    body_line: int = 1
    problems: list[Problem] = field(default_factory=list)

    def problem(self, line: int, col: int, code: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.display, line, col, code, message, hint))


class YamlTooDeep(yaml.YAMLError):
    """The YAML nests collections deeper than `MAX_NESTING`; `mark` is where the limit is passed."""

    def __init__(self, mark: yaml.Mark):
        super().__init__(
            f"collections nested more than {MAX_NESTING} levels deep (line {mark.line + 1}, column {mark.column + 1})"
        )
        self.mark = mark


def parse_yaml(text: str) -> Any:
    """Parse YAML with the project's safe loader (raises yaml.YAMLError / RecursionError).

    libyaml's composer recurses in C once per nesting level, with no limit:
    some 30,000 nested `[` (or `- - - ...` on one line) overflow the stack and
    kill the process with a segmentation fault, which no `except` can catch.
    So a text long enough to nest that deep is first walked as a flat stream
    of parser events, and refused (YamlTooDeep) past `MAX_NESTING` levels.
    """
    refuse_line_separators(text)  # before any libyaml pass: they would shift its line numbers
    if len(text) > _DEPTH_CHECK_CHARS:
        _check_nesting(text)
    return load(text)


def _check_nesting(text: str) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=TipYamlLoader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_NESTING:
                raise YamlTooDeep(event.start_mark)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


def read_tip(path: Path, root: Path | None = None, display: str | None = None) -> SourceFile:
    """Read and split one tip file; content problems are recorded on the result, never raised.

    `display` is the path to print in problems (default: computed from `path`).
    """
    slug = path.name[: -len(".md")] if path.name.endswith(".md") else path.stem
    source = SourceFile(path=path, display=display or display_path(path, root), slug=slug)
    raw = _read_bytes(source, root)
    if raw is None:
        return source
    text = _decode(source, raw)
    if text is None:
        return source
    read_text(source, text)
    return source


def read_text(source: SourceFile, text: str) -> None:
    """Split a tip's decoded text into front matter and body and parse the front matter, as `read_tip` does."""
    source.text = text
    _split(source, text)
    if source.problems:
        return
    _parse_front_matter(source)


def _read_bytes(source: SourceFile, root: Path | None) -> bytes | None:
    path = source.path
    try:
        if root is not None and path.is_symlink():
            try:
                target = path.resolve()
            except RuntimeError:  # Python 3.11 reports a symlink loop as RuntimeError, not OSError
                source.problem(
                    1,
                    1,
                    "ENC005",
                    "the file is a link that leads back to itself",
                    "replace the link by the tip file itself",
                )
                return None
            if not inside_library(path, root):
                source.problem(
                    1,
                    1,
                    "ENC005",
                    f"the file is a link to {target}, outside the library",
                    "copy the tip into tips/ instead of linking to it",
                )
                return None
        # O_NONBLOCK: opening a named pipe returns at once instead of waiting
        # for a writer; fstat of the open file then tells what it is, without
        # a second lookup of the path (this runs for every tip on every check).
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            status = os.fstat(fd)
            if not stat.S_ISREG(status.st_mode):
                # A pipe or a device may never end: only regular files are read.
                source.problem(
                    1,
                    1,
                    "ENC005",
                    "the file is not a regular file (a folder, a pipe or a device)",
                    "a tip is a plain text file inside tips/",
                )
                return None
            size = status.st_size
            if size <= MAX_FILE_BYTES:
                # Sized by fstat: one read of exactly the file (a fixed 256 KiB
                # read would allocate that much for every 3 KB tip). Reading
                # goes on to the end of the file, never past the limit.
                raw = os.read(fd, size + 1)
                while len(raw) <= MAX_FILE_BYTES:
                    more = os.read(fd, MAX_FILE_BYTES + 1 - len(raw))
                    if not more:
                        break
                    raw += more
                size = len(raw)
        finally:
            os.close(fd)
        if size > MAX_FILE_BYTES:
            source.problem(
                1,
                1,
                "ENC004",
                f"the file is {size:,} bytes; a tip file is at most {MAX_FILE_BYTES:,}",
                "a tip is 150-400 words: shorten it or split it into several tips",
            )
            return None
    except OSError as exc:
        source.problem(
            1,
            1,
            "ENC005",
            f"the file cannot be read: {exc.strerror or exc}",
            "check that it is a regular, readable file inside tips/",
        )
        return None
    if not raw or raw.isspace():  # isspace stops at the first character; strip() would copy the file
        source.problem(
            1,
            1,
            "ENC002",
            "the file is empty",
            'start it with front matter, or create it with `tips new "Title" --tag TAG`',
        )
        return None
    return raw


# Byte order marks of the encodings an editor may save a file in instead of
# UTF-8 (UTF-32's first: its little-endian mark starts like UTF-16's).
_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32 (little-endian)"),
    (b"\x00\x00\xfe\xff", "UTF-32 (big-endian)"),
    (b"\xff\xfe", "UTF-16 (little-endian)"),
    (b"\xfe\xff", "UTF-16 (big-endian)"),
)


def foreign_encoding(raw: bytes) -> str | None:
    """The name of the encoding `raw` is saved in when that is plainly UTF-16 or UTF-32, not UTF-8; else None.

    Told by the byte order mark, or without one by the NUL bytes those
    encodings put beside every ASCII character (a tip's `---`, keys and
    most of its text are ASCII): a NUL byte in a UTF-8 text is a single
    stray, not every second or fourth byte.
    """
    for bom, name in _BOMS:
        if raw.startswith(bom):
            return name
    head = raw[:512]
    if len(head) < 4 or b"\x00" not in head:
        return None
    for offset, name in (
        (0, "UTF-32 (little-endian)"),
        (3, "UTF-32 (big-endian)"),
    ):
        if head[offset::4].count(0) < len(head[offset::4]) // 2 and all(
            head[i::4].count(0) >= len(head[i::4]) * 3 // 4 for i in range(4) if i != offset
        ):
            return name
    for offset, name in ((0, "UTF-16 (little-endian)"), (1, "UTF-16 (big-endian)")):
        nuls, other = head[1 - offset :: 2], head[offset::2]
        if nuls.count(0) >= len(nuls) * 3 // 4 and other.count(0) < len(other) // 4:
            return name
    return None


def _decode(source: SourceFile, raw: bytes) -> str | None:
    encoding = foreign_encoding(raw)
    if encoding is not None:
        source.problem(
            1,
            1,
            "ENC001",
            f"the file is saved as {encoding}, not as UTF-8",
            "save it as UTF-8 in your editor (its encoding is chosen when saving, often under Save As)",
        )
        return None
    nul = raw.find(b"\x00")
    if nul >= 0:
        line, col = line_col(raw, nul)
        source.problem(
            line,
            col,
            "ENC003",
            "the file contains a NUL byte",
            "a tip is plain UTF-8 text: remove the NUL byte (often left by a binary paste)",
        )
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = line_col(raw, exc.start)
        source.problem(
            line,
            col,
            "ENC001",
            f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
            "save the file as UTF-8 in your editor",
        )
        return None
    # A BOM and Windows line endings are accepted: editors add them silently.
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    found = first_forbidden_character(text)
    if found:
        line, col, what = found
        source.problem(
            line,
            col,
            "ENC006",
            f"the file contains {what}, which pages and feeds cannot carry",
            "delete it: it is invisible in most editors and often comes from a copy and paste",
        )
        return None
    return text


def _split(source: SourceFile, text: str) -> None:
    # The closing fence is found by one regex search instead of splitting the
    # whole file into lines: the body is only sliced, never rebuilt.
    first_end = text.find("\n")
    first_line = text if first_end < 0 else text[:first_end]
    if not _FENCE.match(first_line):
        hint = (
            "add a line `---` before the front matter"
            if ":" in first_line
            else ("start the file with front matter between `---` lines; `tips new` writes a valid one")
        )
        source.problem(1, 1, "FM001", "the file does not start with front matter (a `---` line)", hint)
        return
    closing = _FENCE_LINE.search(text, first_end + 1) if first_end >= 0 else None
    # 0-based index of the closing fence's line; the front matter is lines 1 to index - 1.
    index = text.count("\n", 0, closing.start()) if closing else None
    if index is None or index > MAX_FRONT_MATTER_LINES + 1:
        if index is not None or text.count("\n") > MAX_FRONT_MATTER_LINES:
            source.problem(
                1,
                1,
                "FM005",
                f"the front matter is longer than {MAX_FRONT_MATTER_LINES} lines",
                "a tip's front matter is about ten lines; check for a missing closing `---`",
            )
        else:
            source.problem(
                1,
                1,
                "FM002",
                "the front matter is not closed by a `---` line",
                "add a line `---` after the last front-matter key",
            )
        return
    source.front_matter = text[first_end + 1 : max(first_end + 1, closing.start() - 1)]
    source.body = text[closing.end() + 1 :]
    source.body_line = index + 2


# Problem codes of schema refusals (yamlload.SchemaRefusalError.kind), in a tip and in a vocabulary.
_TIP_REFUSAL_CODES = {
    "tag": "FM006",
    "duplicate": "FM007",
    "alias": "FM008",
    "number": "FM009",
    "key": "KEY003",
    "separator": "ENC007",
}
_VOCABULARY_REFUSAL_CODES = {
    "tag": "VOC002",
    "duplicate": "VOC003",
    "alias": "VOC004",
    "number": "VOC005",
    "key": "VOC001",
    "separator": "ENC007",
}


def _yaml_problem(exc: yaml.YAMLError, text: str, first_line: int) -> tuple[int, int, str | None, str, str]:
    """(line, col, refusal kind or None, message, hint) of a YAML error, in file lines."""
    if isinstance(exc, SchemaRefusalError):
        mark = exc.problem_mark
        line, col = (mark.line + first_line, mark.column + 1) if mark else (first_line, 1)
        return line, col, exc.kind, exc.problem, exc.hint
    line, col, message, hint = describe_syntax_error(exc, text)
    return line + first_line, col + 1, None, message, hint


def _parse_front_matter(source: SourceFile) -> None:
    try:
        data = parse_yaml(source.front_matter)
    except YamlTooDeep as exc:
        source.problem(
            exc.mark.line + 2,
            exc.mark.column + 1,
            "FM005",
            f"the front matter nests lists or mappings more than {MAX_NESTING} levels deep",
            "front-matter values are text, a list of tags, or a small `source:` mapping",
        )
        return
    except yaml.YAMLError as exc:
        line, col, kind, message, hint = _yaml_problem(exc, source.front_matter, first_line=2)
        if kind is None:
            source.problem(line, col, "FM003", f"the front matter is not valid YAML: {message}", hint)
        else:
            source.problem(line, col, _TIP_REFUSAL_CODES[kind], message, hint)
        return
    except RecursionError:
        source.problem(
            2,
            1,
            "FM005",
            "the front matter is nested too deeply",
            "front-matter values are text, a list of tags, or a small `source:` mapping",
        )
        return
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}, not a mapping of keys to values"
        source.problem(
            2 if source.front_matter else 1,
            1,
            "FM004",
            f"the front matter is {kind}",
            "write one `key: value` per line, e.g. `title: Pause before you answer`",
        )
        return
    source.data = data


def read_vocabulary(path: Path, root: Path, what: str) -> tuple[Any, list[Problem]]:
    """Read a YAML vocabulary file (tags.yml, authors.yml, schedule.yml); problems instead of exceptions."""
    display = display_path(path, root.parent)
    data, _text, problems = read_vocabulary_text(path, display, what)
    return data, problems


def read_vocabulary_text(path: Path, display: str, what: str) -> tuple[Any, str, list[Problem]]:
    """Like `read_vocabulary`, also returning the text (to locate problems in it later)."""

    def refused(line: int, col: int, code: str, message: str, hint: str) -> tuple[Any, str, list[Problem]]:
        return None, "", [Problem(display, line, col, code, message, hint)]

    if path.exists() and not path.is_file():  # a pipe would block the read, a folder cannot be read
        return refused(1, 1, "VOC001", f"{path.name} is not a regular file", f"make {display} a plain YAML file")
    try:
        size = path.stat().st_size
        if size > MAX_VOCABULARY_BYTES:
            return refused(
                1,
                1,
                "VOC007",
                f"{path.name} is {size:,} bytes; a vocabulary file is at most {MAX_VOCABULARY_BYTES:,}",
                "keep one short entry per key",
            )
        raw = path.read_bytes()
        encoding = foreign_encoding(raw)
        if encoding is not None:
            return refused(
                1,
                1,
                "VOC001",
                f"{path.name} is saved as {encoding}, not as UTF-8",
                "save it as UTF-8 in your editor (its encoding is chosen when saving, often under Save As)",
            )
        text = raw.decode("utf-8")
    except FileNotFoundError:
        return refused(1, 1, "VOC001", f"{path.name} is missing; it lists the {what}", f"create {display}")
    except UnicodeDecodeError as exc:
        line, col = line_col(raw, exc.start)
        return refused(
            line,
            col,
            "VOC001",
            f"{path.name} is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
            "save it as UTF-8 in your editor",
        )
    except OSError as exc:
        return refused(
            1,
            1,
            "VOC001",
            f"{path.name} cannot be read: {exc.strerror or exc}",
            f"check that {display} is a readable file",
        )
    text = text.lstrip("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    found = first_forbidden_character(text)
    if found:
        line, col, what_char = found
        return (
            None,
            text,
            [
                Problem(
                    display,
                    line,
                    col,
                    "ENC006",
                    f"{path.name} contains {what_char}, which pages and feeds cannot carry",
                    "delete it: it is invisible in most editors and often comes from a copy and paste",
                )
            ],
        )
    try:
        data = parse_yaml(text)
    except YamlTooDeep as exc:
        return (
            None,
            text,
            [
                Problem(
                    display,
                    exc.mark.line + 1,
                    exc.mark.column + 1,
                    "VOC001",
                    f"{path.name} is not valid YAML: {exc}",
                    "fix the YAML syntax",
                )
            ],
        )
    except yaml.YAMLError as exc:
        line, col, kind, message, hint = _yaml_problem(exc, text, first_line=1)
        if kind is None:
            return (
                None,
                text,
                [Problem(display, line, col, "VOC001", f"{path.name} is not valid YAML: {message}", hint)],
            )
        return None, text, [Problem(display, line, col, _VOCABULARY_REFUSAL_CODES[kind], message, hint)]
    except RecursionError as exc:
        return (
            None,
            text,
            [Problem(display, 1, 1, "VOC001", f"{path.name} is not valid YAML: {exc}", "fix the YAML syntax")],
        )
    if not isinstance(data, dict) or not data:
        return (
            None,
            text,
            [
                Problem(
                    display,
                    1,
                    1,
                    "VOC001",
                    f"{path.name} must be a mapping of {what}",
                    "see the contributing guide for its format",
                )
            ],
        )
    return data, text, []


def inside_library(path: Path, root: Path) -> bool:
    """Whether `path`, links followed, is inside the library at `root`: a link may not reach outside it."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop on Python 3.11
        return False


def library_files(root: Path, suffixes: tuple[str, ...]) -> list[tuple[str, Path]]:
    """Files of the library with one of `suffixes` (any depth, no hidden part), as (relative posix path, file).

    A link to a file outside the library is left out, by the same rule as a
    tip file (`inside_library`).
    """
    files = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if (
            path.suffix.lower() in suffixes
            and path.is_file()
            and not any(part.startswith(".") for part in relative.parts)
            and inside_library(path, root)
        ):
            files.append((relative.as_posix(), path))
    return files
