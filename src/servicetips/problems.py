"""Problems found in the library: one record per problem, and its output formats.

Every check in the core reports `Problem` objects instead of raising, so an
editor sees every problem of a run at once. The same list is printed by
`tips check` (text, GitHub annotations or JSON) and by the site build.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path


class Severity(str, Enum):
    """How bad a problem is: errors fail the check and the build, warnings do not."""

    ERROR = "error"
    WARNING = "warning"


# Every problem code with a one-line description. The docs list is generated
# from this table, so a new rule is documented by adding it here.
CODES: dict[str, str] = {
    "ENC001": "the file is not valid UTF-8 (or is saved as UTF-16 or UTF-32)",
    "ENC002": "the file is empty",
    "ENC003": "the file contains a NUL byte",
    "ENC004": "the file is too large for a tip",
    "ENC005": "the file cannot be read (a link outside the library, a folder, or no permission)",
    "ENC006": "the file contains a character pages and feeds cannot carry (a control character, a noncharacter)",
    "ENC007": "front matter or a vocabulary file contains U+2028 or U+2029 (invisible; YAML reads them as line breaks)",
    "FM001": "the file does not start with front matter (`---`)",
    "FM002": "the front matter is not closed by a `---` line",
    "FM003": "the front matter is not valid YAML",
    "FM004": "the front matter is not a mapping of keys to values",
    "FM005": "the front matter is too long or too deeply nested",
    "FM006": "the front matter uses a YAML tag the schema does not know (`!!python/...`, `!!binary`, `!foo`)",
    "FM007": "a front-matter key is written twice",
    "FM008": "the front matter uses an alias (`*name`) or a merge key (`<<:`)",
    "FM009": "a number in the front matter is too large, or a tagged value is not what its tag says",
    "KEY001": "a required key is missing",
    "KEY002": "an unknown key (typos are the commonest mistake)",
    "KEY003": "a key is not a name: YAML reads `~`, `null`, `true`, `false` and numbers as values",
    "TYPE001": "a value has the wrong type",
    "TEXT001": "a text value is empty",
    "TEXT002": "a text value is too short or too long",
    "TEXT003": "a text value contains HTML or Markdown markup",
    "TEXT004": "a text value contains a control character, a line break or a bidirectional override or isolate",
    "TAG001": "a tag is not in the vocabulary (tips/tags.yml)",
    "TAG002": "a tag is listed twice",
    "TAG003": "a tip needs 1 to 3 tags",
    "TAG004": "a key of tips/tags.yml is not a lowercase kebab-case slug",
    "TAG005": "a key of tips/tags.yml is too long",
    "TAG006": "a key of tips/tags.yml is a name the site uses for its own pages",
    "AUTH001": "the author is not in tips/authors.yml",
    "DATE001": "a date is not a valid ISO date (YYYY-MM-DD)",
    "DATE002": "a date is outside the range the site publishes (2000-01-01 to 2100-12-31)",
    "DATE003": "a week is outside the range the site publishes (2000-W01 to 2100-W51)",
    "WEEK001": "a week is not a valid ISO week (YYYY-Www)",
    "URL001": "a URL is not an absolute http(s) URL",
    "SRC001": "a source credit needs its title, or the opening words of an untitled work (not both)",
    "SLUG001": "the file name is not a lowercase kebab-case slug",
    "SLUG002": "the slug is reserved for a page of the site (tips/index.md is the list of every tip)",
    "SEC002": "an image beside the tips is not the format its suffix names",
    "SEC003": "a pin is added, moved or removed on a week that has started but is not recorded (--changed only)",
    "DUP001": "two tips have the same title",
    "BODY001": "the body is empty",
    "BODY002": "the body is too short or too long",
    "BODY003": "the body has a level-1 heading (the title is the page's only H1)",
    "BODY004": "the body renders to an element, attribute or markup outside the allow-list (raw HTML)",
    "BODY005": "a link or image uses a URL scheme other than http, https or mailto",
    "BODY006": "a link points to a tip that does not exist",
    "BODY007": "an image has no alt text",
    "BODY008": "an attribute list sets a class outside the allow-list",
    "BODY009": "the body sets an id outside the allow-list (ids come from headings and footnotes)",
    "BODY010": "a link or image points to a file beside the tips that the site does not publish (missing, or no image)",
    "BODY011": "the body renders to a character pages and feeds cannot carry (a quote in a link's URL, `&#2;`)",
    "BODY020": "the body has more characters than a tip body may have",
    "BODY021": "the body has more lines than a tip body may have",
    "BODY022": "lists, quotes, definitions or notes are nested too deeply",
    "BODY023": "brackets `[` or link parentheses `](` are nested too deeply, or too many are never closed",
    "BODY025": "the body defines too many abbreviations",
    "BODY024": "the body has too many HTML tags, or `<!` / `<?`, outside fenced code",
    "PLACE001": "placeholder text from `tips new` is still in the tip",
    "VOC001": "a vocabulary file (tags.yml, authors.yml, schedule.yml) is invalid",
    "VOC002": "a vocabulary file uses a YAML tag the schema does not know",
    "VOC003": "a key is written twice in a vocabulary file",
    "VOC004": "a vocabulary file uses an alias (`*name`) or a merge key (`<<:`)",
    "VOC005": "a number in a vocabulary file is too large, or a tagged value is not what its tag says",
    "VOC006": "a key of tips/authors.yml is not a lowercase kebab-case key",
    "VOC007": "a vocabulary file is too large",
    "SCHED001": "a pinned week is before the schedule's first week",
    "SCHED002": "a draft is pinned to a week",
    "SCHED003": "two tips are pinned to the same week",
    "SCHED004": "fewer than 4 upcoming weeks can be filled",
    "SCHED005": "a tip is pinned to a week that starts before its published date",
    "SCHED006": "a new or re-dated tip is published before the current week started (--changed only)",
    "SCHED007": "feed_weeks was lowered so that a feed would drop items it carries (--changed only)",
    "LEDGER001": "a ledger file cannot be read, is too large, or is not valid JSON",
    "LEDGER002": "a ledger entry does not match the ledger's schema",
    "LEDGER003": "a ledger file is not named after the week it records (ledger/YYYY-Www.json)",
    "LEDGER004": "a ledger file records a week that has not started",
    "LEDGER005": "a ledger file records a week before the schedule's first week",
    "LEDGER006": "the ledger misses a week between the first week and its newest week",
    "LEDGER007": "a recorded body breaks the body rules (raw HTML, script URLs, ...)",
    "LEDGER008": "a tip a recorded week used was deleted without being withdrawn",
    "LEDGER009": "a tip a recorded week used became a draft without being withdrawn",
    "LEDGER010": "a tip is pinned to a recorded week it was not tip of",
    "LEDGER011": "a tip's published date moved after a recorded week it was tip of",
    "LEDGER012": "a recorded week's ledger file was changed other than by a withdrawal (--changed only)",
    "LEDGER013": "a recorded week's ledger file was deleted (--changed only)",
    "LEDGER014": "started weeks are not recorded in the ledger yet (computed until recorded)",
    "LEDGER015": "a recorded week links to a tip that was deleted or made a draft",
    "LEDGER016": "a tag that a recorded week shows was removed from tips/tags.yml",
    "LEDGER017": "a new ledger file does not record what the schedule gives that week (--changed only)",
    "LEDGER018": "an image a recorded week showed was deleted, or replaced by other bytes, beside the tips",
    "LEDGER019": "a ledger file's dates cannot be true (a tip dated after its week started, a withdrawal to come)",
}


@dataclass(frozen=True, order=True)
class Problem:
    """One problem at a place in a file: `path:line:col: CODE message`, plus a fix hint."""

    path: str
    line: int
    col: int
    code: str
    message: str
    hint: str = field(default="", compare=False)
    severity: Severity = field(default=Severity.ERROR, compare=False)

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unregistered problem code {self.code!r}")

    def as_text(self) -> str:
        """The compiler-style line editors and CI logs read, with the hint indented below."""
        level = "" if self.severity is Severity.ERROR else "warning: "
        text = f"{_shown(self.path)}:{self.line}:{self.col}: {self.code} {level}{_shown(self.message)}"
        if self.hint:
            text += f"\n    hint: {_shown(self.hint)}"
        return text

    def as_github(self) -> str:
        """A GitHub Actions workflow command, shown as an annotation on the changed line."""
        message = self.message + (f" (hint: {self.hint})" if self.hint else "")
        return (
            f"::{self.severity.value} file={_gh_property(self.path)},line={self.line},"
            f"col={self.col},title={_gh_property(self.code)}::{_gh_data(message)}"
        )

    def as_dict(self) -> dict:
        """A JSON-ready dict for tools."""
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


# Control characters (C0, DEL, C1) and the Unicode line and paragraph
# separators: a file name holding one would start a new line of the output
# (and could forge a `::warning` command in a CI log) or hide text.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _shown(value: str) -> str:
    """`value` with each control character written as an escape (`\\n`, `\\x1b`), so one problem is one line."""
    if not _CONTROLS.search(value):
        return value
    return _CONTROLS.sub(lambda m: repr(m.group())[1:-1], value)


def _gh_data(value: str) -> str:
    # Escaping rules of GitHub workflow commands: data escapes %, CR and LF.
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(value: str) -> str:
    # Properties additionally escape the separators ':' and ','.
    return _gh_data(value).replace(":", "%3A").replace(",", "%2C")


def display_path(path: Path | str, root: Path | None = None) -> str:
    """The path as editors type it: relative to the working folder when possible, with `/`."""
    path = Path(path)
    for base in (Path.cwd(), root):
        if base is None:
            continue
        try:
            return path.absolute().relative_to(base.absolute()).as_posix()
        except ValueError:
            continue
    return path.as_posix()


def is_failure(problems: list[Problem]) -> bool:
    """True when any problem is an error (warnings alone never fail a check)."""
    return any(p.severity is Severity.ERROR for p in problems)


def summary_line(problems: list[Problem], files: int) -> str:
    """The one-line summary printed after the problems."""
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = len(problems) - errors
    noun = "file" if files == 1 else "files"
    if not problems:
        return f"{files} {noun} checked: no problems"
    parts = [f"{errors} error{'s' * (errors != 1)}"]
    if warnings:
        parts.append(f"{warnings} warning{'s' * (warnings != 1)}")
    return f"{files} {noun} checked: " + ", ".join(parts)


def format_problems(problems: list[Problem], fmt: str, files: int) -> str:
    """Render problems as `text` (with a summary line), `github` annotations, or `json`."""
    ordered = sorted(problems)
    if fmt == "json":
        return json.dumps([p.as_dict() for p in ordered], indent=2, ensure_ascii=False)
    if fmt == "github":
        lines = [p.as_github() for p in ordered]
        lines.append(summary_line(ordered, files))
        return "\n".join(lines)
    lines = [p.as_text() for p in ordered]
    lines.append(summary_line(ordered, files))
    return "\n".join(lines)
