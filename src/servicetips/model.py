"""The tip schema, defined once.

`TipFrontMatter` is the single source of truth for what a tip's front matter
may contain: the validator, the JSON Schema for editors (`tips schema`) and the
fields table on the contributing page are all derived from it. Rules that need
the library's vocabularies (tags, authors) read them from the validation
context, so the model stays a pure description of one file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .dates import DATE_RANGE, EARLIEST, LATEST, IsoWeek, week_range
from .routes import TOP_LEVEL_NAMES

TITLE_LENGTH = (3, 80)
SUMMARY_MAX = 160
TAGS_PER_TIP = (1, 3)
TAG_KEY_MAX = 40  # a tag key is a URL segment and a chip on every tip card
AUTHOR_KEY_MAX = 60  # the longest `author:` value a tip may hold
# Names a tag key may not take, because the site uses them for its own pages
# and files: a tag's page is /tags/<key>/ and `tags/index.md` is the tag
# index, and a key is also shown beside the top-level sections. The list is
# the first segment of every public path the site generates
# (`routes.TOP_LEVEL_NAMES`), plus the hand-written pages in docs/, the
# theme's asset folders, MkDocs' own files and names kept for paths to come;
# tests/test_input_limits.py checks that every top-level name of a built
# site is in it.
RESERVED_NAMES = TOP_LEVEL_NAMES | frozenset(
    {
        "rss",
        "json",
        "search",
        "404",
        "about",
        "contributing",
        "integrators",
        "stylesheets",
        "javascripts",
        "images",
        "schema",
        "schemas",
        "static",
        "latest",
        "archive",
        "all",
        "new",
        "draft",
        "drafts",
        "schedule",
        "robots",
        "email",
        "favicon",
        "icons",
        "share",
        "social",
        "manifest",
        "ledger",
        "engines",
    }
)
URL_MAX = 2000  # the longest URL browsers and search engines reliably keep
_URL = re.compile(r"https?://[^\s/$.?#][^\s<>\"]*")
_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")

# What counts as markup in a plain-text field. `<` and `&` on their own are
# fine ("Reply in < 2 hours & say thanks"); a tag, an entity or Markdown
# syntax is not, because these fields are shown in places that render neither.
_MARKUP = [
    (re.compile(r"</?[A-Za-z!?][^>]*>?"), "an HTML tag"),
    (re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);"), "an HTML entity"),
    (re.compile(r"`"), "a backtick (Markdown code)"),
    (re.compile(r"\*"), "an asterisk (Markdown emphasis)"),
    # An underscore that starts or ends a word (`_x_`, `__x__`, `_ x`) can
    # open or close emphasis; one inside a word (snake_case) cannot. Two
    # one-character lookarounds instead of a lazy `\w.*?\w` between
    # underscores, which retried the rest of the text from every underscore.
    (re.compile(r"(?<!\w)_|_(?!\w)"), "an underscore (Markdown emphasis)"),
    (re.compile(r"\[|\]"), "a square bracket (Markdown link)"),
    (re.compile(r"^\s*(?:#|>|[-+] |\d+\. )"), "a leading Markdown block marker"),
    (re.compile(r"~~"), "a strikethrough marker"),
    (re.compile(r"(?i:\b(?:javascript|vbscript|data):)"), "a script URL"),
]
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
# Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069):
# invisible, they make a title or a name display in another order than it is
# written ("Refund in 24 hours" shown with its end reversed). The marks (LRM,
# RLM) and joiners (ZWJ) that right-to-left names and emoji need stay allowed.
_BIDI_CONTROL = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
# A cheap character test decides whether any markup rule can match at all
# (most titles contain none of these characters); only then are the rules
# tried one by one to name the offending markup.
_ANY_MARKUP = re.compile(r"[<&`*_\[\]~:]|^\s*(?:[#>+-]|\d+\.)")


def _fail(code: str, message: str, **context: Any) -> PydanticCustomError:
    # The error type is our problem code, so the validator can report it as is.
    return PydanticCustomError(code, message, context)


def check_plain_text(value: str, *, what: str, min_len: int = 1, max_len: int = 10_000) -> str:
    """Check that a front-matter string is non-empty plain text within its length limits."""
    # The length is checked first, so no pattern ever runs on more than
    # `max_len` characters, whatever a file holds.
    stripped = value.strip()
    if not stripped:
        raise _fail("TEXT001", f"{what} is empty")
    if not min_len <= len(stripped) <= max_len:
        raise _fail(
            "TEXT002",
            f"{what} is {len(stripped):,} characters long; it must be {min_len}-{max_len}",
        )
    if _CONTROL.search(value):
        raise _fail("TEXT004", f"{what} contains a line break or control character")
    bidi = _BIDI_CONTROL.search(value)
    if bidi:
        raise _fail(
            "TEXT004",
            f"{what} contains U+{ord(bidi.group()):04X}, a bidirectional control character that can show "
            "the text in another order than it is written",
        )
    for pattern, name in _MARKUP if _ANY_MARKUP.search(stripped) else ():
        match = pattern.search(stripped)
        if match:
            raise _fail("TEXT003", f"{what} contains {name}: {_shown(match.group(0).strip())!r}; it must be plain text")
    return stripped


def _shown(text: str, limit: int = 60) -> str:
    # A match of `</?[A-Za-z][^>]*` can run to the end of the field.
    return text if len(text) <= limit else text[:limit] + "..."


def _plain(what: str, min_len: int = 1, max_len: int = 10_000):
    return AfterValidator(lambda v: check_plain_text(v, what=what, min_len=min_len, max_len=max_len))


def _parse_iso_date(value: Any) -> Any:
    # YAML timestamps are loaded as strings (see load.py), so a date arrives
    # here as text; anything else (a number, a list) is a type error.
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise _fail("TYPE001", "published must be a date written as YYYY-MM-DD")
    if len(value) > 40 or not _DATE_TEXT.fullmatch(value.strip()):
        raise _fail("DATE001", f"{_shown(value)!r} is not a date in the form YYYY-MM-DD")
    try:
        day = date.fromisoformat(value.strip())
    except ValueError as exc:
        raise _fail("DATE001", f"{value!r} is not a real date ({exc})") from None
    if not EARLIEST <= day <= LATEST:
        raise _fail("DATE002", f"{value.strip()!r} is outside the dates the site publishes, {DATE_RANGE}")
    return day


def _check_week(value: str) -> str:
    if len(value) > 40:
        raise _fail("WEEK001", f"{_shown(value)!r} is not an ISO week; write it as YYYY-Www, e.g. 2026-W48")
    try:
        week = IsoWeek.parse(value)
    except ValueError as exc:
        raise _fail("WEEK001", str(exc)) from None
    if not week.in_range():
        raise _fail("DATE003", f"{value.strip()!r} is outside the weeks the site publishes, {week_range()}")
    return str(week)


def _check_url(value: str) -> str:
    value = value.strip()
    if len(value) > URL_MAX:
        raise _fail("URL001", f"the URL is {len(value):,} characters long; at most {URL_MAX} are accepted")
    if not _URL.fullmatch(value):
        raise _fail("URL001", f"{value!r} is not an absolute http:// or https:// URL")
    # The pattern says where the address starts; its parts must parse too,
    # the way browsers and feed readers will parse them.
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - reading it checks the port: a number from 0 to 65535
    except ValueError as exc:
        reason = (
            "its host in brackets `[...]` is not a valid IPv6 address, or the `]` is missing"
            if "IPv6" in str(exc)
            else "its port (after the host's `:`) is not a number from 0 to 65535"
            if "port" in str(exc).lower()
            else str(exc)
        )
        raise _fail("URL001", f"{_shown(value)!r} is not a valid URL: {reason}") from None
    if parts.username is not None or parts.password is not None:
        raise _fail("URL001", f"{_shown(value)!r} carries a user name or password (`user@`); a public link never does")
    if not parts.hostname:
        raise _fail("URL001", f"{_shown(value)!r} names no host after `//`")
    return value


PlainTitle = Annotated[str, _plain("title", *TITLE_LENGTH)]
PlainSummary = Annotated[str, _plain("summary", 1, SUMMARY_MAX)]
IsoDate = Annotated[date, BeforeValidator(_parse_iso_date)]
IsoWeekText = Annotated[
    str,
    AfterValidator(_check_week),
    WithJsonSchema({"type": "string", "pattern": IsoWeek.JSON_PATTERN, "examples": ["2026-W48"]}),
]
HttpUrlText = Annotated[
    str, AfterValidator(_check_url), WithJsonSchema({"type": "string", "format": "uri", "pattern": "^https?://"})
]


class Source(BaseModel):
    """Where the idea of a tip came from. Facts and ideas only: the tip is our own writing.

    A credit names the work as it was published: its title, or, for a work
    published without one, its opening words (never a title made up for it).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Annotated[str, _plain("source title", 1, 200)] | None = Field(
        default=None, description="Title of the article or book, as published."
    )
    opening: Annotated[str, _plain("source opening", 1, 200)] | None = Field(
        default=None,
        description="Only for a work published without a title: its first words, quoted as they stand.",
    )
    author: Annotated[str, _plain("source author", 1, 120)] | None = Field(
        default=None, description="Who wrote it, when the work names them."
    )
    url: HttpUrlText | None = Field(default=None, description="Where to read it (http or https), when known.")

    @model_validator(mode="after")
    def _named_once(self) -> Source:
        if (self.title is None) == (self.opening is None):
            raise _fail(
                "SRC001",
                "a source needs its title, or its opening words when it was published without one"
                if self.title is None
                else "a source has a title or opening words, not both",
            )
        return self


class TipFrontMatter(BaseModel):
    """The front matter of a tip, `tips/<slug>.md`."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        title="Service Tips: tip front matter",
        json_schema_extra={"$comment": "Generated by `tips schema` from servicetips.model; do not edit by hand."},
    )

    title: PlainTitle = Field(
        description=f"The tip's headline. Plain text, {TITLE_LENGTH[0]}-{TITLE_LENGTH[1]} characters, "
        "unique in the library.",
        examples=["Pause before you answer"],
    )
    summary: PlainSummary = Field(
        description=f"One sentence that says what the reader gains. Plain text, at most {SUMMARY_MAX} characters.",
        examples=["One breath before replying keeps a complaint from becoming two."],
    )
    tags: list[Annotated[str, _plain("tag", 1, 40)]] = Field(
        description=f"{TAGS_PER_TIP[0]}-{TAGS_PER_TIP[1]} tags from tips/tags.yml, no repeats.",
        examples=[["reputation", "empathy"]],
    )
    author: Annotated[str, _plain("author", 1, 60)] = Field(
        description="A key of tips/authors.yml.", examples=["editorial-team"]
    )
    published: IsoDate = Field(
        description="The date the tip was first published, YYYY-MM-DD. It is not scheduled before this date's week.",
        examples=["2026-11-02"],
    )
    week: IsoWeekText | None = Field(
        default=None,
        description="Optional: pin the tip as tip of this ISO week (YYYY-Www). One tip per week.",
    )
    source: Source | None = Field(
        default=None,
        description="Optional: credit for the work the idea came from: `title` as published (or `opening`, "
        "the first words of a work published without a title), `author` and `url` where the work gives them.",
    )
    draft: StrictBool = Field(
        default=False,
        description="Optional: true keeps the tip out of the site and the schedule; it is still checked.",
    )

    @field_validator("tags")
    @classmethod
    def _tags_in_vocabulary(cls, tags: list[str], info: ValidationInfo) -> list[str]:
        low, high = TAGS_PER_TIP
        if not low <= len(tags) <= high:
            raise _fail("TAG003", f"the tip has {len(tags)} tags; it needs {low} to {high}")
        seen: set[str] = set()
        for tag in tags:
            if tag in seen:
                raise _fail("TAG002", f"tag {tag!r} is listed twice")
            seen.add(tag)
        vocabulary = (info.context or {}).get("tags")
        if vocabulary is not None:
            for tag in tags:
                if tag not in vocabulary:
                    raise _fail("TAG001", f"tag {tag!r} is not in the vocabulary", value=tag)
        return tags

    @field_validator("author")
    @classmethod
    def _author_known(cls, author: str, info: ValidationInfo) -> str:
        authors = (info.context or {}).get("authors")
        if authors is not None and author not in authors:
            raise _fail("AUTH001", f"author {author!r} is not in tips/authors.yml", value=author)
        return author


class TagInfo(BaseModel):
    """One entry of the tag vocabulary, tips/tags.yml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: Annotated[str, _plain("tag label", 1, 40)]
    description: Annotated[str, _plain("tag description", 1, 600)]


class AuthorInfo(BaseModel):
    """One entry of tips/authors.yml."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, _plain("author name", 1, 80)]
    url: HttpUrlText | None = None


class ScheduleSettings(BaseModel):
    """tips/schedule.yml: where the weekly schedule starts and how much the feeds carry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first_week: IsoWeekText = Field(description="The first ISO week that has a tip of the week.")
    # Strict: `true` is not a number of weeks (lax validation reads it as 1).
    feed_weeks: Annotated[StrictInt, Field(ge=1, le=520)] = Field(
        default=52, description="How many of the newest weeks the feeds carry."
    )


def count_words(text: str) -> int:
    """Words in a Markdown body: its whitespace-separated tokens."""
    # str.split is ~10x faster than a word regex, and this runs on every tip
    # on every check; the few bare markup tokens (`-`, `##`) it also counts
    # do not matter for a 60-word minimum or a reading time.
    return len(text.split())


@dataclass(frozen=True)
class ShownAs:
    """What a recorded week showed with its tip: tag labels by key, the author's name and link, the tips linked.

    Recorded weeks keep them so that a later vocabulary change does not
    change a week that was already sent (see servicetips.ledger).
    """

    tags: dict[str, str]
    author_name: str
    author_url: str | None = None
    # The tips the body showed as links when the week was recorded: the body's other tip links are text.
    linked_tips: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Tip:
    """A tip that passed validation: its slug, front matter and Markdown body."""

    slug: str
    path: str
    meta: TipFrontMatter
    body: str
    body_line: int
    front_matter: str = field(default="", repr=False, compare=False)
    shown_as: ShownAs | None = field(default=None, repr=False, compare=False)  # set on recorded snapshots

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def summary(self) -> str:
        return self.meta.summary

    @property
    def tags(self) -> list[str]:
        return self.meta.tags

    @property
    def published(self) -> date:
        return self.meta.published

    @cached_property
    def words(self) -> int:
        return count_words(self.body)

    @property
    def reading_minutes(self) -> int:
        """Minutes to read at 200 words a minute, at least 1."""
        return max(1, round(self.words / 200))


@dataclass(frozen=True)
class Library:
    """The valid tips and the vocabularies they were checked against.

    Which of them readers see on a given date is decided in one place,
    `servicetips.visibility`, never here: a library has no date.
    """

    root: Path
    tips: tuple[Tip, ...]
    tags: dict[str, TagInfo]
    authors: dict[str, AuthorInfo]
    settings: ScheduleSettings
    by_slug: dict[str, Tip] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_slug", {t.slug: t for t in self.tips})
