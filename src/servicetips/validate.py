"""Validate the library: every rule, every file, all problems in one run.

Input: the tips folder. Output: a `Library` of the valid tips plus the list of
problems. Per-file rules come from the pydantic model (front matter) and
body.py (Markdown body); rules across files (unique titles, links between
tips) are checked here once all files are read. Nothing here raises for bad
content, and each file is read once.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from . import routes
from .assets import file_link_issues, tip_assets
from .body_cache import BodyCache
from .body_limits import LIMIT_CODES, check_tip_body
from .dates import DATE_RANGE, week_range
from .load import SourceFile, read_tip, read_vocabulary_text
from .locate import FrontMatterLocator
from .model import (
    AUTHOR_KEY_MAX,
    RESERVED_NAMES,
    TAG_KEY_MAX,
    AuthorInfo,
    Library,
    ScheduleSettings,
    TagInfo,
    Tip,
    TipFrontMatter,
)
from .outline import SUMMARY_PLACEHOLDER, find_placeholders, summary_placeholder_at
from .problems import CODES, Problem, display_path
from .slugs import SLUG_PATTERN, slugify, title_key

TAGS_FILE = "tags.yml"
AUTHORS_FILE = "authors.yml"
SCHEDULE_FILE = "schedule.yml"
VOCABULARY_FILES = (TAGS_FILE, AUTHORS_FILE, SCHEDULE_FILE)
FIELDS = tuple(TipFrontMatter.model_fields)


@dataclass(frozen=True)
class Validation:
    """The result of validating a library: the valid tips and every problem found."""

    library: Library
    problems: list[Problem]
    files_checked: int
    assets: tuple[tuple[str, Path], ...] = ()  # the images beside the tips the site publishes (`tip_assets`)
    # The vocabulary files (TAGS_FILE, AUTHORS_FILE, SCHEDULE_FILE) with problems of their own.
    # What depends on them (tips left out of the library, the schedule, the
    # ledger's first week) is then not reported as if the tips were wrong.
    invalid_vocabularies: frozenset[str] = frozenset()


def did_you_mean(value: Any, choices: Iterable[str]) -> str:
    """` (did you mean 'x'?)` for the closest choice, or '' when none is close."""
    value = str(value)
    choices = list(choices)
    if len(choices) > 500:
        # difflib compares against every choice; in a large library keep the
        # ones that start alike so a typo in a link stays cheap to report.
        choices = [c for c in choices if c[:2] == value[:2]]
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _example(field: str) -> str:
    examples = TipFrontMatter.model_fields[field].examples or ["..."]
    value = examples[0]
    if isinstance(value, list):
        value = "[" + ", ".join(value) + "]"
    return f"{field}: {value}"


def _describe_type_error(field: str, error: dict) -> tuple[str, str]:
    expected = {
        "string_type": "text",
        "list_type": "a list",
        "bool_type": "true or false",
        "model_type": "a mapping of keys to values",
        "dict_type": "a mapping of keys to values",
        "int_type": "a whole number",
    }.get(error["type"])
    got = type(error.get("input")).__name__ if "input" in error else "something else"
    got = {
        "NoneType": "empty",
        "str": "text",
        "int": "a number",
        "float": "a number",
        "list": "a list",
        "dict": "a mapping",
        "bool": "true/false",
    }.get(got, got)
    message = f"{field} must be {expected}, not {got}" if expected else f"{field}: {error['msg']}"
    hint = {
        "tags": "write the tags as a list: tags: [reputation, empathy]",
        "draft": "write draft: true or draft: false",
        "source": "give source as a mapping with title (or opening, for an untitled work), "
        "and optionally author and url, on indented lines",
    }.get(field.split(".")[0], f"for example: {_example(field)}" if field in FIELDS else "")
    return message, hint


class _ModelErrors:
    """Turns pydantic errors for one mapping into located problems."""

    def __init__(self, source: SourceFile, locator: FrontMatterLocator, context: dict):
        self.source = source
        self.locator = locator
        self.context = context

    def add(self, error: dict, model: type[BaseModel], prefix: tuple = ()) -> None:
        loc = prefix + tuple(error["loc"])
        field = ".".join(str(p) for p in loc)
        kind = error["type"]
        ctx = error.get("ctx") or {}
        if kind in CODES:
            index = ctx.get("index")
            at = (*loc, index) if index is not None else loc
            line, col = self.locator.locate(at)
            self.source.problem(line, col, kind, str(error["msg"]), self._hint(kind, loc, ctx))
        elif kind == "missing":
            line, col = 1, 1
            hint = f"add the line `{_example(loc[-1])}`" if loc[-1] in FIELDS else f"add `{loc[-1]}:` under `{loc[0]}:`"
            self.source.problem(line, col, "KEY001", f"required key {field!r} is missing", hint)
        elif kind == "extra_forbidden":
            line, col = self.locator.locate(loc, key=True)
            parent = model.model_fields
            if prefix or len(loc) > 1:
                parent = (
                    TipFrontMatter.model_fields["source"].annotation.__args__[0].model_fields
                    if loc[0] == "source"
                    else parent
                )
            allowed = list(parent)
            self.source.problem(
                line,
                col,
                "KEY002",
                f"unknown key {field!r}{did_you_mean(loc[-1], allowed)}",
                "allowed keys: " + ", ".join(allowed),
            )
        else:
            line, col = self.locator.locate(loc)
            message, hint = _describe_type_error(field, error)
            self.source.problem(line, col, "TYPE001", message, hint)

    def _hint(self, code: str, loc: tuple, ctx: dict) -> str:
        if code == "TAG001":
            tags = sorted(self.context.get("tags") or [])
            return (
                f"use one of: {', '.join(tags)}{did_you_mean(ctx.get('value', ''), tags)}; "
                "new tags are added to tips/tags.yml by a maintainer"
            )
        if code == "AUTH001":
            authors = sorted(self.context.get("authors") or [])
            return (
                f"use one of: {', '.join(authors)}{did_you_mean(ctx.get('value', ''), authors)}; "
                "or add yourself to tips/authors.yml"
            )
        return {
            "TEXT001": "write some text, or remove the key if it is optional",
            "TEXT002": "titles are 3-80 characters, summaries at most 160",
            "TEXT003": "write plain text: no HTML, no Markdown (* _ ` [ ]), no entities",
            "TEXT004": "keep the value on one line with no control characters or invisible direction overrides "
            "(delete the character; left-to-right and right-to-left marks are fine)",
            "TAG002": "list each tag once",
            "TAG003": "pick 1 to 3 tags from tips/tags.yml",
            "DATE001": "write the date as YYYY-MM-DD, e.g. published: 2026-11-02",
            "WEEK001": "write the week as YYYY-Www, e.g. week: 2026-W48",
            "URL001": "write the full address, e.g. https://example.org/article",
            "SRC001": "write `title:` as the work was published; only a work with no title gets "
            "`opening:`, its first words in quotes",
            "DATE002": f"published dates run from {DATE_RANGE}; check the year",
            "DATE003": f"weeks run from {week_range()}; check the year",
        }.get(code, "")


def _key_problem(key: Any, file: str) -> tuple[str, str, str] | None:
    """(code, message, hint) when a key of tags.yml or authors.yml breaks the key rule, else None.

    The length is checked before the pattern, so the pattern never runs on a long key.
    """
    tags = file == TAGS_FILE
    limit = TAG_KEY_MAX if tags else AUTHOR_KEY_MAX
    shown = str(key) if len(str(key)) <= 60 else str(key)[:60] + "..."
    if isinstance(key, str) and not 1 <= len(key) <= limit:
        return (
            "TAG005" if tags else "VOC006",
            f"key {shown!r} in {file} is {len(key):,} characters long; a key is 1-{limit}",
            "use a short key: lowercase words joined by hyphens, e.g. customer-recovery",
        )
    if not (isinstance(key, str) and SLUG_PATTERN.match(key)):
        return (
            "TAG004" if tags else "VOC006",
            f"key {shown!r} in {file} is not lowercase kebab-case",
            "use lowercase letters, digits and hyphens, e.g. customer-recovery",
        )
    if tags and key in RESERVED_NAMES:
        return (
            "TAG006",
            f"tag key {key!r} is a name the site uses for its own pages",
            "pick another key; taken: " + ", ".join(sorted(RESERVED_NAMES)),
        )
    return None


def _validate_vocabulary(
    path: Path, root: Path, model: type[BaseModel], what: str, problems: list[Problem]
) -> tuple[dict[str, Any], set[str] | None]:
    """The valid entries of a vocabulary file, and the keys it holds that are invalid (None: the file is unusable).

    Its problems are added to `problems`.
    """
    display = display_path(path, root.parent)
    data, text, found = read_vocabulary_text(path, display, what)
    problems.extend(found)
    if data is None:
        return {}, None
    entries: dict[str, Any] = {}
    broken: set[str] = set()
    locator = FrontMatterLocator(text, first_line=1) if data else None
    for key, value in (data or {}).items():
        bad_key = _key_problem(key, path.name)
        if bad_key:
            code, message, hint = bad_key
            line, col = locator.locate((key,), key=True)
            problems.append(Problem(display, line, col, code, message, hint))
            broken.add(str(key))
            continue
        try:
            entries[key] = model.model_validate(value)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            # A misspelt key (`nam:`) also leaves its field missing: the typo is the one to show.
            first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
            field = ".".join(map(str, first["loc"]))
            allowed = list(model.model_fields)
            if first["type"] == "extra_forbidden":
                line, col = locator.locate((key, *first["loc"]), key=True)
                message = f"unknown key {field!r}{did_you_mean(first['loc'][-1], allowed)}"
                hint = "allowed keys: " + ", ".join(allowed)
            elif first["type"] == "missing":
                line, col = locator.locate((key,), key=True)
                message = f"required key {field!r} is missing"
                hint = f"add `{field}:` on an indented line under `{key}:`"
            else:
                line, col = locator.locate((key, *first["loc"]))
                message = f"{field} {first['msg']}"
                hint = "see the contributing guide for the file's format"
            problems.append(Problem(display, line, col, "VOC001", f"{path.name}: entry {key!r}: {message}", hint))
            broken.add(key)
    return entries, broken


def read_tags(root: Path) -> tuple[dict[str, TagInfo], list[Problem]]:
    """The tag vocabulary of the tips folder `root`, checked as `tips check` checks it, and its problems."""
    problems: list[Problem] = []
    tags, _broken = _validate_vocabulary(root / TAGS_FILE, root, TagInfo, "tags", problems)
    return tags, problems


def _validate_settings(root: Path, problems: list[Problem]) -> ScheduleSettings:
    """The schedule settings; a stand-in when they are invalid (their problems are added to `problems`).

    Callers tell the stand-in by `Validation.invalid_vocabularies`: its
    first week is no week of this library, and nothing may be checked
    against it.
    """
    path = root / SCHEDULE_FILE
    display = display_path(path, root.parent)
    data, text, found = read_vocabulary_text(path, display, "schedule settings")
    problems.extend(found)
    try:
        return ScheduleSettings.model_validate(data or {})
    except ValidationError as exc:
        if data is not None:
            first = exc.errors()[0]
            line, col = FrontMatterLocator(text, first_line=1).locate(first["loc"])
            field = ".".join(map(str, first["loc"]))
            if first["type"] == "DATE003":
                problems.append(
                    Problem(
                        display,
                        line,
                        col,
                        "DATE003",
                        f"{SCHEDULE_FILE}: {field}: {first['msg']}",
                        f"weeks run from {week_range()}; check the year",
                    )
                )
            else:
                problems.append(
                    Problem(
                        display,
                        line,
                        col,
                        "VOC001",
                        f"{SCHEDULE_FILE}: "
                        + (
                            _describe_type_error(field, first)[0]
                            if first["type"].endswith("_type")  # `feed_weeks: true`: say what it must be
                            else f"{field}: {first['msg']}"
                        ),
                        "write e.g. first_week: 2026-W27 and feed_weeks: 52",
                    )
                )
        return ScheduleSettings.model_construct(first_week="2000-W01", feed_weeks=52)


def _display_prefix(root: Path) -> str:
    # Display paths are computed once for the folder: per-file path arithmetic
    # is a measurable share of a 10,000-tip check.
    prefix = display_path(root, root.parent)
    return "" if prefix == "." else prefix + "/"


def tip_display_path(root: Path, path: Path) -> str:
    """The path of a tip file as problems show it."""
    return _display_prefix(root) + path.name


def tip_paths(root: Path) -> list[Path]:
    """Every tip file of the library: the `*.md` files directly in the tips folder, sorted."""
    return sorted(root.glob("*.md"), key=lambda p: p.name)


def validate_library(root: Path, only: Iterable[Path] | None = None, cache_dir: Path | None = None) -> Validation:
    """Read and validate the whole library at `root`.

    With `only`, every file is still read (titles and links are checked across
    the library), but the slower body checks run, and problems are reported,
    for those files (and the vocabularies) alone. `cache_dir`: the build's
    cache folder, where each body's result is kept between runs
    (`body_cache`); None checks every body anew, with the same result.
    """
    root = Path(root)
    problems: list[Problem] = []
    invalid: set[str] = set()
    tags, broken_tags = _validate_vocabulary(root / TAGS_FILE, root, TagInfo, "tags", problems)
    if problems:
        invalid.add(TAGS_FILE)
    found = len(problems)
    authors, broken_authors = _validate_vocabulary(root / AUTHORS_FILE, root, AuthorInfo, "authors", problems)
    if len(problems) > found:
        invalid.add(AUTHORS_FILE)
    found = len(problems)
    settings = _validate_settings(root, problems)
    if len(problems) > found:
        invalid.add(SCHEDULE_FILE)
    context = {"tags": tags, "authors": authors}
    # A tag or author that the broken vocabulary may well hold is not the tip's mistake.
    vocabulary_broken = {"TAG001": broken_tags, "AUTH001": broken_authors}

    selected = None if only is None else {Path(p).name for p in only}  # the name in the folder: a link is not followed
    prefix = _display_prefix(root)
    sources = [read_tip(path, root, display=prefix + path.name) for path in tip_paths(root)]
    valid: list[tuple[SourceFile, TipFrontMatter]] = []
    for source in sources:
        meta = check_front_matter(source, context, vocabulary_broken)
        if meta is not None and not source.problems:
            valid.append((source, meta))

    # The images the site would publish beside the tips: the build publishes exactly those this accepts.
    assets, asset_problems = tip_assets(root)
    problems += asset_problems
    published_assets = {relative for relative, _ in assets}
    # A link to a tip that is there (valid or not: its own problems are
    # reported in its own file) is right; only drafts and missing tips are not.
    all_slugs = {s.slug for s in sources}
    drafts = {s.slug for s in sources if s.data is not None and s.data.get("draft") is True}
    live_slugs = all_slugs - drafts
    cache = BodyCache(cache_dir) if cache_dir is not None else None
    check_body = cache.check if cache is not None else check_tip_body
    for source in sources:
        if source.data is None or (selected is not None and source.path.name not in selected):
            continue
        check_placeholders(source)
        issues, links = check_body(source.body)
        for issue in issues:
            source.problem(source.body_line + issue.line - 1, issue.col, issue.code, issue.message, issue.hint)
        for link in links:
            if link.slug in live_slugs:
                continue
            if not SLUG_PATTERN.match(link.slug):
                # `../docs/about.md`, `../`: a path out of the tips folder, not a tip's file name.
                message = f"the link {link.target!r} points out of the tips folder, not to a tip"
                hint = (
                    "link to a tip by its file name, as [text](slug.md); "
                    "link to other pages of the site by their full address, https://..."
                )
            else:
                where = "is a draft" if link.slug in drafts else "does not exist"
                message = f"the link {link.target!r} points to tip {link.slug!r}, which {where}"
                hint = f"link to an existing tip as [text](slug.md){did_you_mean(link.slug, live_slugs)}"
            source.problem(source.body_line + link.line - 1, link.col, "BODY006", message, hint)
        # A body that breaks a limit gets only its limit problems (`check_tip_body`): it is not read further.
        limited = any(issue.code in LIMIT_CODES for issue in issues)
        for issue in [] if limited else file_link_issues(source.body, published_assets, root):
            source.problem(source.body_line + issue.line - 1, issue.col, issue.code, issue.message, issue.hint)
    if cache is not None:
        cache.save()
    _check_unique_titles(valid)

    tips = tuple(
        Tip(slug=s.slug, path=s.display, meta=m, body=s.body, body_line=s.body_line, front_matter=s.front_matter)
        for s, m in valid
        if not s.problems
    )
    for source in sources:
        if selected is None or source.path.name in selected:
            problems.extend(source.problems)
    library = Library(root=root, tips=tips, tags=tags, authors=authors, settings=settings)
    checked = len(sources) if selected is None else len([s for s in sources if s.path.name in selected])
    return Validation(
        library=library,
        problems=problems,
        files_checked=checked,
        invalid_vocabularies=frozenset(invalid),
        assets=tuple(assets),
    )


def check_slug(source: SourceFile) -> None:
    """SLUG001 and SLUG002: the file name is the tip's address, so it must be a slug of its own."""
    if not SLUG_PATTERN.match(source.slug):
        suggestion = slugify(source.slug) or "my-tip"
        source.problem(
            1,
            1,
            "SLUG001",
            f"file name {source.path.name!r} is not a lowercase kebab-case slug",
            f"rename it to {suggestion}.md (the slug becomes the page's address /tips/{suggestion}/)",
        )
    elif routes.tip_source(source.slug) == routes.TIPS_INDEX:
        source.problem(
            1,
            1,
            "SLUG002",
            f"the slug {source.slug!r} is reserved: its page would replace the list of every tip",
            "rename the file to a slug of its own, e.g. from its title",
        )


def check_front_matter(
    source: SourceFile, context: dict, vocabulary_broken: dict[str, set[str] | None] | None = None
) -> TipFrontMatter | None:
    """Check a read tip's slug and front matter against the schema; its problems are added to the source.

    Returns the front matter when the schema accepts it. `vocabulary_broken`
    maps TAG001 and AUTH001 to the keys their vocabulary file holds but
    could not accept (None: the whole file is unusable); such a tag or
    author is not reported on the tip, which is still left out.
    """
    check_slug(source)
    if source.data is None:
        return None
    try:
        return TipFrontMatter.model_validate(source.data, context=context)
    except ValidationError as exc:
        errors = _ModelErrors(source, FrontMatterLocator(source.front_matter), context)
        for error in exc.errors(include_url=False):
            broken = (vocabulary_broken or {}).get(error["type"], set())
            if broken is None or (error.get("ctx") or {}).get("value") in broken:
                continue
            errors.add(error, TipFrontMatter)
        return None


def check_placeholders(source: SourceFile) -> None:
    """PLACE001 for every placeholder of `tips new` still in the summary or the body."""
    offset = summary_placeholder_at(source.data.get("summary"))
    if offset is not None:
        line, col = FrontMatterLocator(source.front_matter).locate(("summary",))
        raw = source.front_matter.splitlines()[line - 2] if line >= 2 else ""
        quoted = raw[col - 1 : col] in ("'", '"')  # the value's text starts after the quote
        source.problem(
            line,
            col + int(quoted) + offset,
            "PLACE001",
            f"the summary is still the placeholder {SUMMARY_PLACEHOLDER!r}",
            "write one sentence that says what the reader gains from the tip",
        )
    for found in find_placeholders(source.body):
        source.problem(
            source.body_line + found.line - 1,
            found.col,
            "PLACE001",
            f"the outline's placeholder {found.text!r} is still in the body",
            "replace it with your own text (the outline's headings may stay)",
        )


def _check_unique_titles(valid: list[tuple[SourceFile, TipFrontMatter]]) -> None:
    # Every file of a clash is told about the others, so checking just one of
    # them (pre-commit, --changed) still reports the clash.
    by_title: dict[str, list[tuple[SourceFile, str]]] = {}
    for source, meta in valid:
        by_title.setdefault(title_key(meta.title), []).append((source, meta.title))
    for clash in by_title.values():
        if len(clash) < 2:
            continue
        for source, title in clash:
            others = ", ".join(o.display for o, _ in clash if o is not source)
            # Titles equal only as readers see them: say so, or the editor sees no clash.
            unlike = any(other != title.casefold() for other in (t.casefold() for o, t in clash if o is not source))
            note = " (the titles differ only in invisible characters, spacing or letter forms)" if unlike else ""
            line, col = FrontMatterLocator(source.front_matter).locate(("title",))
            source.problem(
                line, col, "DUP001", f"the title is also used by {others}{note}", "give each tip its own title"
            )
