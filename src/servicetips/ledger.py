"""The ledger: a committed record of every week that has started, and its tip as it was sent.

The past is recorded, not recomputed. `ledger/` (next to `tips/`, owned by
the publish process, not by editors) holds one JSON file per started week,
`ledger/2026-W48.json`, with a snapshot of the week's tip: its text, its tags
and author with their labels, its dates and its Markdown body. Week pages,
feed items and API entries of recorded weeks are rendered from the snapshot,
so a later edit to the tip changes the tip's own page and never a week that
newsletter tools already pulled. The snapshot also keeps what the body's
Markdown alone does not say: which tips it showed as links (a link to a tip
with no page yet is text, and stays text) and the sha256 of each image
beside the tips it showed (a build refuses other bytes under that name).

One file per week: recording a week adds a file, so two pull requests never
conflict over the ledger and a diff shows exactly which week was recorded.
The only change a recorded entry may receive is a withdrawal (date and
reason, see `withdraw`), which `tips check --changed` recognises.

The ledger is untrusted input like the tips: it is validated with a pydantic
model, every problem is located (LEDGER001-LEDGER019), and a build refuses an
invalid ledger. A snapshot keeps Markdown, never HTML, so it goes through the
same body rules and the same rendering as any tip.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from .assets import file_sha256
from .body import check_body, file_links
from .body_limits import MAX_BODY_CHARS, check_tip_body
from .dates import IsoWeek
from .files import write_new
from .model import Library, ShownAs, Source, Tip, TipFrontMatter, check_plain_text
from .problems import Problem, Severity, display_path
from .routes import TIP_ASSET_SUFFIXES, tip_asset, tip_source
from .slugs import SLUG_PATTERN, is_slug
from .validate import SCHEDULE_FILE
from .visibility import partition

LEDGER_FOLDER = "ledger"
LEDGER_VERSION = 1
MAX_LEDGER_FILE = 256 * 1024  # a snapshot is one tip (at most ~400 words): far below this
# Issues of a recorded body that do not make it unsafe or wrong to show:
# its length is the tip's business, and links to since-deleted tips are the
# week's history (their pages are kept by the withdrawal rules).
_HARMLESS_BODY_CODES = {"BODY001", "BODY002", "BODY006"}


def _plain(what: str, min_len: int, max_len: int):
    # The ledger's text fields obey the same plain-text rule as a tip's front
    # matter: a ledger edited by hand cannot smuggle markup into a title.
    return AfterValidator(lambda v: check_plain_text(v, what=what, min_len=min_len, max_len=max_len))


def _slug(value: str) -> str:
    if not SLUG_PATTERN.match(value) or len(value) > 120:
        raise ValueError(f"{value!r} is not a tip slug (lowercase kebab-case)")
    return value


def _week(value: str) -> str:
    if str(IsoWeek.parse(value)) != value:
        raise ValueError(f"{value!r} is not written as an ISO week (YYYY-Www)")
    return value


def _version(value: int) -> int:
    if value != LEDGER_VERSION:
        raise ValueError(f"this ledger is version {LEDGER_VERSION}")
    return value


Slug = Annotated[str, AfterValidator(_slug)]


def _asset_path(value: str) -> str:
    # The names `servicetips.assets` publishes: kebab-case folders and name, an image suffix of the routes.
    *folders, name = value.split("/")
    stem, dot, suffix = name.rpartition(".")
    if not (dot and f".{suffix}" in TIP_ASSET_SUFFIXES and all(is_slug(part) for part in [*folders, stem])):
        raise ValueError(f"{value!r} is not the name of an image beside the tips")
    return value


class RecordedTag(BaseModel):
    """A tag of the recorded tip: its key (the tag page's address) and the label shown then."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: Slug
    label: Annotated[str, _plain("tag label", 1, 40)]


class RecordedAuthor(BaseModel):
    """The recorded tip's author: key, name and link as shown then."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: Slug
    name: Annotated[str, _plain("author name", 1, 80)]
    url: Annotated[str, Field(pattern=r"^https?://[^\s<>\"']+$", max_length=500)] | None = None


class RecordedTip(BaseModel):
    """A snapshot of a tip as it was sent: everything a week page, feed item and API entry show."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    slug: Slug
    title: Annotated[str, _plain("title", 3, 80)]
    summary: Annotated[str, _plain("summary", 1, 160)]
    tags: list[RecordedTag] = Field(min_length=1, max_length=3)
    author: RecordedAuthor
    published: date
    source: Source | None = None  # the tip's own credit model: the same rules, recorded
    body: Annotated[str, Field(max_length=MAX_BODY_CHARS)]  # the body limit of any tip
    # The tips the body showed as links when the week was recorded; a link to any other tip (one with no
    # page then) was its text, and stays text whatever that tip's date becomes.
    # (A file recorded before this field existed has none: no such file in ledger/ held a link to a tip.)
    # Unbounded here: the body's own limits and the file's size (MAX_LEDGER_FILE) bound it.
    links: list[Slug] = Field(default_factory=list)
    # The images beside the tips that the body showed, by path in the tips folder, with the sha256 of
    # their bytes then: the week's readers saw those bytes, so a build refuses other ones (LEDGER018).
    images: dict[Annotated[str, AfterValidator(_asset_path)], Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]] = Field(
        default_factory=dict
    )


class Withdrawal(BaseModel):
    """Why and when a recorded week's tip was withdrawn; its page and feed item then show a notice."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    on: date
    reason: Annotated[str, _plain("withdrawal reason", 3, 300)]


class LedgerEntry(BaseModel):
    """One file of the ledger: a started week, its tip as sent (None: no tip was eligible)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # An int, strictly (JSON's `true` and `1.0` are not the version), and the one this code reads.
    ledger_version: Annotated[int, Field(strict=True), AfterValidator(_version)]
    week: Annotated[str, AfterValidator(_week)]
    recorded: date
    tip: RecordedTip | None
    withdrawn: Withdrawal | None = None

    @property
    def iso_week(self) -> IsoWeek:
        return IsoWeek.parse(self.week)


@dataclass(frozen=True)
class Ledger:
    """The valid recorded weeks, by week, and where each is kept."""

    folder: Path
    entries: dict[IsoWeek, LedgerEntry] = field(default_factory=dict)
    paths: dict[IsoWeek, str] = field(default_factory=dict)  # display paths, for problems

    @property
    def last(self) -> IsoWeek | None:
        """The newest recorded week."""
        return max(self.entries, default=None)

    def slugs(self) -> dict[str, list[IsoWeek]]:
        """Recorded (not withdrawn) weeks of every tip, by slug."""
        used: dict[str, list[IsoWeek]] = {}
        for week, entry in sorted(self.entries.items()):
            if entry.tip is not None and entry.withdrawn is None:
                used.setdefault(entry.tip.slug, []).append(week)
        return used


def ledger_folder(tips_root: Path) -> Path:
    """The ledger of the library at `tips_root`: `ledger/` beside the tips folder."""
    return Path(tips_root).absolute().parent / LEDGER_FOLDER


def entry_text(entry: LedgerEntry) -> str:
    """The committed form of an entry: sorted keys, two-space indent, one trailing newline."""
    data = entry.model_dump(mode="json", exclude_none=True)
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


# --- reading and validating ------------------------------------------------


def _locate(text: str, loc: tuple) -> tuple[int, int]:
    """Line and column of the value at the pydantic location `loc` in JSON `text`.

    The JSON parser keeps no positions, and the files are small: walking the
    location's keys in order through the text finds the right line for the
    layout `entry_text` writes and for any reasonable hand edit.
    """
    offset = 0
    for key in loc:
        if isinstance(key, int):
            continue
        found = text.find(f'"{key}"', offset)
        if found < 0:
            break
        offset = found
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


class _DuplicateKeyError(ValueError):
    """A key written twice in one JSON object: JSON parsers keep either, so the file says two things."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the key {key!r} is written twice")
        self.key = key


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKeyError(key)
        found[key] = value
    return found


def read_entry(path: Path, display: str) -> tuple[LedgerEntry | None, list[Problem], str]:
    """Read and validate one ledger file; return the entry (None if invalid), its problems, its text."""
    problems: list[Problem] = []
    try:
        if path.is_symlink() or not path.is_file():
            raise OSError("not a regular file")
        raw = path.read_bytes()[: MAX_LEDGER_FILE + 1]
    except OSError as exc:
        return (
            None,
            [
                Problem(
                    display,
                    1,
                    1,
                    "LEDGER001",
                    f"the ledger file cannot be read ({exc})",
                    "ledger files are regular files written by `tips schedule --record`",
                )
            ],
            "",
        )
    if len(raw) > MAX_LEDGER_FILE:
        return (
            None,
            [
                Problem(
                    display,
                    1,
                    1,
                    "LEDGER001",
                    f"the ledger file is larger than {MAX_LEDGER_FILE} bytes",
                    "a ledger file holds one week; restore it from git",
                )
            ],
            "",
        )
    try:
        text = raw.decode("utf-8")
        json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
    except UnicodeDecodeError as exc:
        return (
            None,
            [
                Problem(
                    display,
                    1,
                    exc.start + 1,
                    "LEDGER001",
                    "the ledger file is not valid UTF-8",
                    "restore it from git: ledger files are written by `tips schedule --record`",
                )
            ],
            "",
        )
    except (ValueError, RecursionError) as exc:
        # JSONDecodeError (a ValueError) knows where; a duplicate key, a number of thousands of
        # digits (a ValueError of int()) or a nesting too deep do not.
        line, col = (exc.lineno, exc.colno) if isinstance(exc, json.JSONDecodeError) else (1, 1)
        if isinstance(exc, json.JSONDecodeError):
            message = exc.msg
        elif isinstance(exc, _DuplicateKeyError):
            message = str(exc)
            line, col = _locate(text, (exc.key,))
        elif isinstance(exc, RecursionError):
            message = "nested too deeply"
        else:
            message = "a number is too long"
        return (
            None,
            [
                Problem(
                    display,
                    line,
                    col,
                    "LEDGER001",
                    f"the ledger file is not valid JSON: {message}",
                    "restore it from git: ledger files are written by `tips schedule --record`",
                )
            ],
            text,
        )
    try:
        # Strictly, from the JSON text: a date is a "YYYY-MM-DD" string, not a date-time; a number is
        # not a boolean; nothing is converted into what the model wants.
        entry = LedgerEntry.model_validate_json(text, strict=True)
    except ValidationError as exc:
        for error in exc.errors():
            line, col = _locate(text, tuple(error["loc"]))
            where = ".".join(str(part) for part in error["loc"]) or "the file"
            problems.append(
                Problem(
                    display,
                    line,
                    col,
                    "LEDGER002",
                    f"{where}: {error['msg']}",
                    "restore the file from git; the only change a recorded week may receive "
                    "is a withdrawal, made with `tips withdraw`",
                )
            )
        return None, problems, text
    if entry.tip is not None:
        # The limits, the source rules and the allow-list, as for any tip's body.
        issues, _ = check_tip_body(entry.tip.body)
        line, col = _locate(text, ("tip", "body"))
        problems.extend(
            Problem(
                display,
                line,
                col,
                "LEDGER007",
                f"the recorded body breaks {issue.code}: {issue.message}",
                "a recorded body obeys the body rules of any tip; restore the file from git",
            )
            for issue in issues
            if issue.code not in _HARMLESS_BODY_CODES
        )
    return (None if problems else entry), problems, text


def load_ledger(
    tips_root: Path, as_of: date, first_week: str | None = None, today: date | None = None
) -> tuple[Ledger, list[Problem]]:
    """Read every file of the ledger beside `tips_root`; return the valid entries and every problem.

    Weeks after `as_of`'s week are left out (a build of an earlier date).
    A file that claims to be recorded before its week started, or after
    `today` (default: the UTC date of the clock, never earlier than
    `as_of`), is refused: nobody can record a week that has not started.
    A missing folder is an empty ledger (a new library, a test fixture).
    """
    today = max(today or datetime.now(UTC).date(), as_of)
    folder = ledger_folder(tips_root)
    ledger = Ledger(folder)
    problems: list[Problem] = []
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        problems.append(
            Problem(
                display_path(folder, folder.parent),
                1,
                1,
                "LEDGER001",
                "ledger/ is not a folder",
                "restore the ledger folder from git: it holds the weeks already sent",
            )
        )
        return ledger, problems
    if not folder.is_dir():
        return ledger, problems
    current = IsoWeek.of(as_of)
    first = IsoWeek.parse(first_week) if first_week else None
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.name == "README.md":
            continue
        display = display_path(path, folder.parent)
        try:
            named = IsoWeek.parse(path.name[:-5]) if path.name.endswith(".json") else None
        except ValueError:
            named = None
        if named is None or path.name != f"{named}.json":
            problems.append(
                Problem(
                    display,
                    1,
                    1,
                    "LEDGER003",
                    f"{path.name!r} is not a ledger file name",
                    "ledger files are named after their week, e.g. ledger/2026-W48.json; "
                    "move other files out of ledger/",
                )
            )
            continue
        entry, found, text = read_entry(path, display)
        problems.extend(found)
        if entry is None:
            continue
        line, col = _locate(text, ("week",))
        if entry.iso_week != named:
            problems.append(
                Problem(
                    display,
                    line,
                    col,
                    "LEDGER003",
                    f"the file records {entry.week}, not {named}",
                    "restore the file from git: a file is named after the week it records",
                )
            )
            continue
        recorded_line, recorded_col = _locate(text, ("recorded",))
        if entry.recorded < named.monday or entry.recorded > today:
            why = (
                f"it says it was recorded on {entry.recorded}, before the week started ({named.monday})"
                if entry.recorded < named.monday
                else f"it says it was recorded on {entry.recorded}, after today ({today})"
            )
            problems.append(
                Problem(
                    display,
                    recorded_line,
                    recorded_col,
                    "LEDGER004",
                    f"{named} cannot have been recorded: {why}",
                    "delete the file: only `tips schedule --record` records a week, once it starts",
                )
            )
            continue
        impossible = _impossible_dates(entry, named, today)
        if impossible is not None:
            keys, why = impossible
            line, col = _locate(text, keys)
            problems.append(
                Problem(
                    display,
                    line,
                    col,
                    "LEDGER019",
                    f"{named} cannot be as recorded: {why}",
                    "restore the file from git: `tips schedule --record` and `tips withdraw` write these dates",
                )
            )
            continue
        if named > current:
            # A build as of an earlier date (a preview of the past): the
            # weeks recorded since then do not exist yet for it.
            continue
        if first is not None and named < first:
            problems.append(
                Problem(
                    display,
                    line,
                    col,
                    "LEDGER005",
                    f"{named} is before the schedule's first week, {first}",
                    f"a recorded week stays: set first_week in tips/schedule.yml to {named} or earlier",
                )
            )
            continue
        ledger.entries[named] = entry
        ledger.paths[named] = display
    problems.extend(_gaps(ledger, first, Path(tips_root)))
    return ledger, problems


def _impossible_dates(entry: LedgerEntry, week: IsoWeek, today: date) -> tuple[tuple, str] | None:
    """Where and why the entry's dates cannot be true, or None: a tip joins the rotation only for weeks
    that start after its date, and a week is withdrawn after it was recorded, never after today."""
    if entry.tip is not None and entry.tip.published >= week.monday:
        return ("tip", "published"), f"its tip is dated {entry.tip.published}, once the week had started"
    withdrawn = entry.withdrawn
    if withdrawn is not None and withdrawn.on < entry.recorded:
        return ("withdrawn", "on"), f"it says it was withdrawn on {withdrawn.on}, before it was recorded"
    if withdrawn is not None and withdrawn.on > today:
        return ("withdrawn", "on"), f"it says it was withdrawn on {withdrawn.on}, after today ({today})"
    return None


def _gaps(ledger: Ledger, first: IsoWeek | None, tips_root: Path) -> list[Problem]:
    # The ledger is one run of weeks from the first week on: a hole would be
    # filled by recomputing, from a rotation that already saw later weeks.
    if not ledger.entries:
        return []
    earliest = min(ledger.entries)
    if first is not None and first < earliest:
        # No file was lost: first_week was moved before the weeks recorded (the edit is in schedule.yml).
        from .locate import FrontMatterLocator  # noqa: PLC0415 - only needed when there is a problem

        settings = Path(tips_root) / SCHEDULE_FILE
        try:
            text = settings.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = ""
        line, col = FrontMatterLocator(text, first_line=1).locate(("first_week",))
        return [
            Problem(
                display_path(settings, Path(tips_root).absolute().parent),
                line,
                col,
                "LEDGER006",
                f"first_week {first} is before the first recorded week, {earliest}: "
                "the ledger would have no file for the weeks between",
                f"set first_week back to {earliest}: weeks before the first recorded one were never sent",
            )
        ]
    start = first if first is not None else earliest
    missing = [w for w in start.until(ledger.last) if w not in ledger.entries]
    if not missing:
        return []
    after = min(w for w in ledger.entries if w > missing[0])
    return [
        Problem(
            ledger.paths[after],
            1,
            1,
            "LEDGER006",
            f"the ledger has no file for {missing[0]}"
            + (f" and {len(missing) - 1} more weeks" if len(missing) > 1 else ""),
            "restore the missing files from git; the ledger records every week from the first on",
        )
    ]


# --- the ledger against the library ----------------------------------------


def unrecorded_warning(ledger: Ledger, weeks: tuple[IsoWeek, ...], error: bool = False) -> Problem:
    """LEDGER014: started weeks the ledger lags behind, computed for now; a warning, or with `error` (the
    publish build, which records first) an error."""
    listed = f"{weeks[0]}" if len(weeks) == 1 else f"{weeks[0]} to {weeks[-1]}"
    return Problem(
        display_path(ledger.folder, ledger.folder.parent),
        1,
        1,
        "LEDGER014",
        f"{listed} started but {'is' if len(weeks) == 1 else 'are'} not recorded in the ledger: "
        "computed from the recorded weeks",
        "the Monday publish records them; locally run `tips schedule --record` and commit ledger/",
        severity=Severity.ERROR if error else Severity.WARNING,
    )


def check_against_library(
    library: Library,
    ledger: Ledger,
    tips_root: Path,
    has_page: Callable[[str], bool],
    assets: Mapping[str, Path],
) -> list[Problem]:
    """Every edit of the tips that contradicts a recorded week, located and with a hint.

    A recorded week shows as links the tips its snapshot lists (`links`), so
    those must keep their pages: `has_page(slug)` (`Visibility.has_page` on
    the build's date) says which have one. Its body's other tip links are
    text for good, so a recorded body may link to a tip to come. The images
    it showed (`images`) must be the published images beside the tips
    (`assets`, by path in the tips folder) with the same bytes.
    """
    from .locate import FrontMatterLocator  # noqa: PLC0415 - only needed when there is a problem

    problems: list[Problem] = []
    used = ledger.slugs()
    for slug, weeks in sorted(used.items()):
        weeks_text = ", ".join(str(w) for w in weeks)
        tip = library.by_slug.get(slug)
        withdraw = f'`tips withdraw {slug} --reason "..."`'
        if tip is None and (Path(tips_root) / f"{slug}.md").exists():
            continue  # the file is there but invalid: its own problems say why
        if tip is None:
            week = weeks[0]
            entry_line, entry_col = 1, 1
            problems.append(
                Problem(
                    ledger.paths[week],
                    entry_line,
                    entry_col,
                    "LEDGER008",
                    f"{tip_source(slug)} was tip of the week {weeks_text} and no longer exists",
                    f"restore tips/{slug}.md (newsletters sent it); to take it down for a real reason, run {withdraw}",
                )
            )
            continue
        if tip.meta.draft:
            line, col = FrontMatterLocator(tip.front_matter).locate(("draft",))
            problems.append(
                Problem(
                    tip.path,
                    line,
                    col,
                    "LEDGER009",
                    f"the tip was tip of the week {weeks_text} and cannot become a draft",
                    f"remove `draft: true`; to take it down for a real reason, run {withdraw}",
                )
            )
        if tip.published >= weeks[0].monday:
            line, col = FrontMatterLocator(tip.front_matter).locate(("published",))
            problems.append(
                Problem(
                    tip.path,
                    line,
                    col,
                    "LEDGER011",
                    f"published {tip.published} is after {weeks[0]} started ({weeks[0].monday}), "
                    "a week this tip was tip of",
                    f"set `published:` back to {_recorded_published(ledger, weeks[0])}",
                )
            )
    # A recorded body's links to other tips stay links on its week page, in
    # its feed items and its email: the tips they point to must keep their
    # pages (the site build refuses a link to a page that does not exist).
    # The body's other tip links had no page when the week was recorded:
    # they stay text, whatever those tips' dates become, and bind nothing.
    for week, entry in sorted(ledger.entries.items()):
        if entry.tip is None or entry.withdrawn is not None:
            continue
        for slug in entry.tip.links:
            linked = library.by_slug.get(slug)
            if linked is not None and not linked.meta.draft and has_page(slug):
                continue
            if linked is None and (Path(tips_root) / f"{slug}.md").exists():
                continue  # there but invalid: its own problems say why
            if linked is not None and not linked.meta.draft:
                # Dated after the build's date: the edit is the tip's date.
                line, col = FrontMatterLocator(linked.front_matter).locate(("published",))
                problems.append(
                    Problem(
                        linked.path,
                        line,
                        col,
                        "LEDGER015",
                        f"{week} ({ledger.paths[week]}) links to this tip, and published {linked.published} "
                        "takes its page away until then",
                        "set `published:` back to the date it had: the week's page links to this tip, "
                        "so it keeps its page",
                    )
                )
                continue
            line, col = _locate(_read_text(ledger, week), ("tip", "body"))
            state = "a draft" if linked is not None else "missing"
            problems.append(
                Problem(
                    ledger.paths[week],
                    line,
                    col,
                    "LEDGER015",
                    f"{week} links to tips/{slug}.md, which is {state}",
                    f"keep tips/{slug}.md published: the week's page links to it; or withdraw "
                    f"{tip_source(entry.tip.slug)} with `tips withdraw`",
                )
            )
        problems.extend(_changed_images(week, entry, ledger, tips_root, assets))
    # A recorded week's tag chips link to the tag pages: a tag it shows
    # keeps its page (its address is public), even if no tip uses it now.
    shown_tags: dict[str, IsoWeek] = {}
    for week, entry in sorted(ledger.entries.items()):
        if entry.tip is not None and entry.withdrawn is None:
            for tag in entry.tip.tags:
                shown_tags.setdefault(tag.key, week)
    if library.tags:  # an unreadable tags.yml is reported by its own check
        tags_path = display_path(Path(tips_root) / "tags.yml", Path(tips_root).absolute().parent)
        for tag, week in sorted(shown_tags.items()):
            if tag not in library.tags:
                problems.append(
                    Problem(
                        tags_path,
                        1,
                        1,
                        "LEDGER016",
                        f"the tag {tag!r} was removed, but {week} ({ledger.paths[week]}) shows it",
                        f"keep `{tag}` in tips/tags.yml (you may change its label and "
                        "description): its page is linked from weeks already sent",
                    )
                )
    for tip in sorted(library.tips, key=lambda t: t.slug):
        if not tip.meta.week:
            continue
        try:
            week = IsoWeek.parse(tip.meta.week)
        except ValueError:
            continue
        entry = ledger.entries.get(week)
        if entry is None or (entry.tip is not None and entry.tip.slug == tip.slug):
            continue
        line, col = FrontMatterLocator(tip.front_matter).locate(("week",))
        shown = tip_source(entry.tip.slug) if entry.tip is not None else "no tip"
        problems.append(
            Problem(
                tip.path,
                line,
                col,
                "LEDGER010",
                f"{week} has started and was recorded with {shown} ({ledger.paths[week]})",
                "pin a week that has not started: `tips schedule` shows the free weeks",
            )
        )
    return problems


def check_started_pins(
    library: Library, unrecorded: tuple[IsoWeek, ...], pinned_at_base: Mapping[str, str | None]
) -> list[Problem]:
    """SEC003: a pin added, moved or removed on a week that has started but is not recorded yet.

    Until the publish workflow records a started week, the build computes
    it, and that computed tip is what the site and the feeds already show:
    a pin changed since the base (`pinned_at_base`, slug -> pin there) would
    swap it. Pins already in the base stay as they are.
    """
    from .locate import FrontMatterLocator  # noqa: PLC0415 - only needed when there is a problem

    started = set(unrecorded)
    problems: list[Problem] = []
    for slug, before in sorted(pinned_at_base.items()):
        tip = library.by_slug.get(slug)
        now = tip.meta.week if tip is not None else None
        if tip is None or now == before:
            continue
        touched = []
        for value in (before, now):
            try:
                week = IsoWeek.parse(value) if value else None
            except ValueError:
                week = None
            if week in started:
                touched.append(week)
        if not touched:
            continue
        line, col = FrontMatterLocator(tip.front_matter).locate(("week",) if now else ("published",))
        shown = ", ".join(str(w) for w in touched)
        problems.append(
            Problem(
                tip.path,
                line,
                col,
                "SEC003",
                f"{shown} has started and shows the tip the schedule gave it; "
                f"{'pinning' if now else 'unpinning'} it now would change a week readers have seen",
                "pin a week that has not started (`tips schedule` shows the free weeks), or run "
                "`tips schedule --record` first",
            )
        )
    return problems


def _changed_images(
    week: IsoWeek, entry: LedgerEntry, ledger: Ledger, tips_root: Path, assets: Mapping[str, Path]
) -> list[Problem]:
    """LEDGER018: an image the recorded week showed that is gone, no longer published, or has other bytes."""
    problems = []
    for path, digest in sorted(entry.tip.images.items()):
        published = assets.get(path)
        if published is not None and file_sha256(published) == digest:
            continue
        shown = Path(tips_root) / path
        if published is not None:
            where, what = display_path(shown, Path(tips_root).absolute().parent), "has other bytes than"
        elif shown.exists():
            where, what = display_path(shown, Path(tips_root).absolute().parent), "is no longer published as"
        else:
            where, what = ledger.paths[week], "was deleted since it was"
        asset = tip_asset(path)
        problems.append(
            Problem(
                where,
                1,
                1,
                "LEDGER018",
                f"{asset} {what} the image {week} showed ({ledger.paths[week]})",
                f"restore {asset} as it was when the week was recorded (`git log -- {asset}` finds it): "
                f"newsletters sent the week with it; to take the week's tip down for a real reason, run "
                f'`tips withdraw {entry.tip.slug} --reason "..."`',
            )
        )
    return problems


def _read_text(ledger: Ledger, week: IsoWeek) -> str:
    try:
        return (ledger.folder / f"{week}.json").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _recorded_published(ledger: Ledger, week: IsoWeek) -> str:
    entry = ledger.entries[week]
    return str(entry.tip.published) if entry.tip is not None else "its recorded date"


def check_ledger_changes(old: Mapping[str, str | None], ledger: Ledger, tips_root: Path) -> list[Problem]:
    """LEDGER012/013: recorded files changed or deleted since the base revision.

    `old` maps a ledger file's name to its text at the base (from git). The
    one allowed change is a withdrawal added to an entry that had none.
    """
    folder = ledger_folder(tips_root)
    problems: list[Problem] = []
    for name, before in sorted(old.items()):
        path = folder / name
        display = display_path(path, folder.parent)
        if not path.exists():
            problems.append(
                Problem(
                    display,
                    1,
                    1,
                    "LEDGER013",
                    f"the recorded week {name[:-5]} was deleted",
                    f"restore it: `git checkout BASE -- {display}`; a started week never changes",
                )
            )
            continue
        now = path.read_text(encoding="utf-8", errors="replace")
        if now == before:
            continue
        try:
            was = LedgerEntry.model_validate_json(before or "")
        except ValidationError:
            continue  # the base itself was invalid: nothing recorded to protect
        entry = next((e for w, e in ledger.entries.items() if f"{w}.json" == name), None)
        if (
            entry is not None
            and was.withdrawn is None
            and entry.withdrawn is not None
            and entry.model_copy(update={"withdrawn": None}) == was
        ):
            continue
        problems.append(
            Problem(
                display,
                1,
                1,
                "LEDGER012",
                f"the recorded week {name[:-5]} was changed",
                f"restore it: `git checkout BASE -- {display}`; the only change a recorded week "
                "may receive is a withdrawal, made with `tips withdraw`",
            )
        )
    return problems


def withdrawal_notice(week: IsoWeek, withdrawal: Withdrawal) -> str:
    """The plain-text sentence a withdrawn week shows instead of its tip, on its page and in its feed items."""
    return f"The tip of the week for {week} was withdrawn on {withdrawal.on.isoformat()}. Reason: {withdrawal.reason}"


def check_new_entries(
    old: Mapping[str, str | None], ledger: Ledger, library: Library, as_of: date, assets: Mapping[str, Path]
) -> list[Problem]:
    """LEDGER017: a ledger file added since the base must record what the schedule gives that week.

    `tips schedule --record` writes exactly that; a hand-made file could
    otherwise choose the tip (or the text) of a started week the ledger did
    not hold yet.
    """
    from .schedule import build_schedule  # noqa: PLC0415 - the schedule imports this module lazily too

    added = {w for w in ledger.entries if f"{w}.json" not in old}
    if not added:
        return []
    before = Ledger(
        ledger.folder,
        {w: e for w, e in ledger.entries.items() if w not in added},
        {w: p for w, p in ledger.paths.items() if w not in added},
    )
    expected = {slot.week: slot for slot in build_schedule(library, as_of, ledger=before).slots}
    problems: list[Problem] = []
    for week in sorted(added):
        entry, slot = ledger.entries[week], expected.get(week)
        # Links as they stood on the day the file says it was recorded (checked to be in the week).
        has_page = partition(library, entry.recorded).has_page
        want = (
            None
            if slot is None or slot.tip is None
            else (slot.record.tip if slot.record is not None else snapshot(slot.tip, library, has_page, assets))
        )
        if entry.tip == want and entry.withdrawn is None:
            continue
        shown = f"{tip_source(want.slug)} as it is now" if want is not None else "no tip"
        line, col = _locate(_read_text(ledger, week), ("tip",))
        problems.append(
            Problem(
                ledger.paths[week],
                line,
                col,
                "LEDGER017",
                f"the new file for {week} does not record what the schedule gives that week ({shown})",
                "delete it and let `tips schedule --record` (or the Monday publish) write it",
            )
        )
    return problems


# --- recording -------------------------------------------------------------


def snapshot(tip: Tip, library: Library, has_page: Callable[[str], bool], assets: Mapping[str, Path]) -> RecordedTip:
    """The tip as it is now, with the labels its tags and author have now, the tips its body shows as links
    (`has_page`: `Visibility.has_page` on the recording date) and the images beside the tips it shows
    (`assets`: the published ones, by path in the tips folder), with their sha256."""
    author = library.authors[tip.meta.author]
    source = tip.meta.source
    _, tip_links = check_body(tip.body)
    shown = {link.path for link in file_links(tip.body) if link.path in assets}
    return RecordedTip(
        links=sorted({link.slug for link in tip_links if has_page(link.slug)}),
        images={path: file_sha256(assets[path]) for path in sorted(shown)},
        slug=tip.slug,
        title=tip.title,
        summary=tip.summary,
        tags=[RecordedTag(key=t, label=library.tags[t].label) for t in tip.tags],
        author=RecordedAuthor(key=tip.meta.author, name=author.name, url=author.url),
        published=tip.published,
        source=source,
        body=tip.body,
    )


def snapshot_tip(entry: LedgerEntry, path: str) -> Tip | None:
    """A `Tip` made from a recorded snapshot, for the week's page, feed item and API entry."""
    recorded = entry.tip
    if recorded is None:
        return None
    # model_construct: the snapshot was validated by the ledger's model; the
    # tip vocabulary of today must not be applied to a week of the past.
    meta = TipFrontMatter.model_construct(
        title=recorded.title,
        summary=recorded.summary,
        tags=[t.key for t in recorded.tags],
        author=recorded.author.key,
        published=recorded.published,
        week=None,
        draft=False,
        source=recorded.source,
    )
    shown_as = ShownAs(
        tags={t.key: t.label for t in recorded.tags},
        author_name=recorded.author.name,
        author_url=recorded.author.url,
        linked_tips=frozenset(recorded.links),
    )
    return Tip(slug=recorded.slug, path=path, meta=meta, body=recorded.body, body_line=1, shown_as=shown_as)


class LedgerWriteError(RuntimeError):
    """The ledger folder cannot be written; the message names the file and says what to do."""


def _unwritable(path: Path, exc: OSError) -> LedgerWriteError:
    reason = exc.strerror or str(exc)
    return LedgerWriteError(
        f"cannot write {path}: {reason}; make {path.parent} a folder you may write to, then run the command again"
    )


def record_weeks(
    tips_root: Path,
    slots: Any,
    library: Library,
    ledger: Ledger,
    as_of: date,
    has_page: Callable[[str], bool],
    assets: Mapping[str, Path],
) -> list[Path]:
    """Write a ledger file for every started week of `slots` not yet recorded; return the files written.

    `has_page` (`Visibility.has_page` on `as_of`) and `assets` (the published images by path in the tips
    folder) are the check's, as for `snapshot`.

    Raises LedgerWriteError when the ledger folder cannot be written; the weeks written before that stay
    written (each file is whole: written aside, then linked into place), and a second run writes the rest.
    """
    folder = ledger_folder(tips_root)
    written: list[Path] = []
    for slot in slots:
        if slot.week in ledger.entries or slot.week > IsoWeek.of(as_of):
            continue
        entry = LedgerEntry(
            ledger_version=LEDGER_VERSION,
            week=str(slot.week),
            recorded=as_of,
            tip=None if slot.tip is None else snapshot(slot.tip, library, has_page, assets),
        )
        path = folder / f"{slot.week}.json"
        try:
            folder.mkdir(exist_ok=True)
            # Never over a file: one recorded meanwhile by another run stays as it is.
            if write_new(path, entry_text(entry)):
                written.append(path)
        except OSError as exc:
            raise _unwritable(path, exc) from None
    return written


class WithdrawError(RuntimeError):
    """The withdrawal cannot be made; the message says why."""


def withdraw(
    tips_root: Path, ledger: Ledger, slug: str, reason: str, on: date, today: date | None = None
) -> list[Path]:
    """Mark every recorded week of `slug` as withdrawn on `on` for `reason`; return the files changed.

    `on` is the day the withdrawal is made: not after `today` (default: the UTC date of the clock), not
    before a week was recorded. Every file is written aside first and renamed into place only when all
    were written, so a folder that cannot be written leaves every week as it was (LedgerWriteError).
    """
    try:
        withdrawal = Withdrawal(on=on, reason=reason)
    except ValidationError as exc:
        raise WithdrawError(f"--reason: {exc.errors()[0]['msg']}") from None
    weeks = [
        w for w, e in sorted(ledger.entries.items()) if e.tip is not None and e.tip.slug == slug and e.withdrawn is None
    ]
    if not weeks:
        raise WithdrawError(
            f"no recorded week shows {slug!r} (or it is already withdrawn); "
            "a tip that was never tip of the week can simply be deleted"
        )
    today = today or datetime.now(UTC).date()
    for week in weeks:
        # The dates a check accepts in a ledger file (LEDGER019), so a withdrawal never writes one it refuses.
        impossible = _impossible_dates(ledger.entries[week].model_copy(update={"withdrawn": withdrawal}), week, today)
        if impossible is not None:
            said = impossible[1].removeprefix("it says ")
            raise WithdrawError(
                f"{week} cannot be withdrawn on {on}: its file would say {said}; a withdrawal is dated the day "
                "it is made (--as-of, TIPS_AS_OF)"
            )
    prepared: list[tuple[str, Path]] = []
    try:
        for week in weeks:
            entry = ledger.entries[week].model_copy(update={"withdrawn": withdrawal})
            path = ledger.folder / f"{week}.json"
            try:
                handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
                with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
                    prepared.append((temporary, path))
                    out.write(entry_text(entry))
            except OSError as exc:
                raise _unwritable(path, exc) from None
        changed = []
        for temporary, path in prepared:
            try:
                os.replace(temporary, path)  # the one rewrite of a recorded file: its withdrawal
            except OSError as exc:
                raise _unwritable(path, exc) from None
            changed.append(path)
        return changed
    finally:
        for temporary, _ in prepared:
            Path(temporary).unlink(missing_ok=True)
