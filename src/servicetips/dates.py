"""ISO weeks and the one `as_of` date everything time-dependent is computed from.

Weeks run Monday 00:00 UTC to Sunday 23:59:59 UTC. `as_of` comes from, in
order: an explicit value (`--as-of`), `TIPS_AS_OF=YYYY-MM-DD`,
`SOURCE_DATE_EPOCH` (seconds, for reproducible builds), else today in UTC.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date

_WEEK_TEXT = re.compile(r"^(\d{4})-W(\d{2})$")
_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")
_MAX_DATE_TEXT = 64  # longer than any date with spaces around it; checked before the pattern

# The dates the site can publish. Outside them a date is a typo (0206 for
# 2026, 9999 for "forever"), and the schedule, which walks week by week from
# the first week to as_of and to pinned weeks, would walk for millennia or
# step outside the calendar Python can represent.
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
DATE_RANGE = f"{EARLIEST.isoformat()} to {LATEST.isoformat()}"


@dataclass(frozen=True, order=True)
class IsoWeek:
    """An ISO 8601 week such as 2026-W48."""

    year: int
    week: int

    JSON_PATTERN = r"^\d{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$"

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """Parse `YYYY-Www`; raise ValueError with an editor-friendly message otherwise."""
        if not isinstance(text, str):
            raise ValueError(f"{text!r} is not an ISO week; write it as YYYY-Www, e.g. 2026-W48")
        match = _WEEK_TEXT.match(text.strip())
        if not match:
            raise ValueError(f"{text!r} is not an ISO week; write it as YYYY-Www, e.g. 2026-W48")
        year, week = int(match.group(1)), int(match.group(2))
        last = weeks_in_year(year) if 1 <= year <= 9998 else 0
        if not 1 <= week <= last:
            raise ValueError(f"{text!r} does not exist: {year} has ISO weeks W01 to W{last:02d}")
        return cls(year, week)

    def in_range(self) -> bool:
        """True when the whole week lies within EARLIEST..LATEST."""
        return self.monday >= EARLIEST and self.sunday <= LATEST

    @classmethod
    def of(cls, day: date) -> IsoWeek:
        """The week that contains `day`."""
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def start(self) -> datetime:
        """Monday 00:00 UTC: the moment the week starts, and its feed item's date."""
        return datetime.combine(self.monday, time(0, 0), tzinfo=UTC)

    def next(self) -> IsoWeek:
        return IsoWeek.of(self.monday + timedelta(days=7))

    def previous(self) -> IsoWeek:
        return IsoWeek.of(self.monday - timedelta(days=7))

    def until(self, last: IsoWeek) -> list[IsoWeek]:
        """Every week from this one to `last`, both included."""
        weeks, current = [], self
        while current <= last:
            weeks.append(current)
            current = current.next()
        return weeks

    def date_range_label(self, language: str = "en") -> str:
        """Human dates of the week in `language`, e.g. '23-29 Nov 2026' or '28 Dec 2026 - 3 Jan 2027'."""
        mon, sun = self.monday, self.sunday
        if mon.year != sun.year:
            return f"{day_label(mon, language)} - {day_label(sun, language)}"
        if mon.month != sun.month:
            return f"{mon.day} {_month(mon, language)} - {day_label(sun, language)}"
        return f"{mon.day}-{day_label(sun, language)}"

    def __str__(self) -> str:
        return f"{self.year}-W{self.week:02d}"


def weeks_in_year(year: int) -> int:
    """52 or 53: the ISO week number of 28 December is the year's last week."""
    return date(year, 12, 28).isocalendar().week


def week_range() -> str:
    """The weeks the site can publish, e.g. '2000-W01 to 2100-W52', for hints."""
    return f"{IsoWeek.of(EARLIEST + timedelta(days=6))} to {IsoWeek.of(LATEST - timedelta(days=6))}"


def parse_as_of(text: str) -> date:
    """Parse a YYYY-MM-DD `as_of` within EARLIEST..LATEST; raise ValueError naming the form and range."""
    shown = text if len(text) <= _MAX_DATE_TEXT else text[:_MAX_DATE_TEXT] + "..."
    try:
        if len(text) > _MAX_DATE_TEXT or not _DATE_TEXT.fullmatch(text.strip()):
            raise ValueError
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{shown!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-11-23") from None
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"{shown!r} is outside the dates the site publishes, {DATE_RANGE}")
    return day


def resolve_as_of(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> date:
    """The build date: explicit value, else TIPS_AS_OF, else SOURCE_DATE_EPOCH, else today (UTC)."""
    env = os.environ if environ is None else environ
    if explicit:
        return parse_as_of(explicit)
    if env.get("TIPS_AS_OF"):
        return parse_as_of(env["TIPS_AS_OF"])
    if env.get("SOURCE_DATE_EPOCH"):
        raw = env["SOURCE_DATE_EPOCH"]
        shown = raw if len(raw) <= _MAX_DATE_TEXT else raw[:_MAX_DATE_TEXT] + "..."
        # The length is checked first: int() of a very long string is slow, and refused past 4,300 digits.
        if len(raw) > _MAX_DATE_TEXT or not raw.strip().lstrip("-").isdigit() or not raw.strip().isascii():
            raise ValueError(f"SOURCE_DATE_EPOCH={shown!r} is not a number of seconds")
        seconds = int(raw)
        low = datetime.combine(EARLIEST, time(0), tzinfo=UTC).timestamp()
        high = datetime.combine(LATEST, time(23, 59, 59), tzinfo=UTC).timestamp()
        if not low <= seconds <= high:
            raise ValueError(f"SOURCE_DATE_EPOCH={shown!r} is outside the dates the site publishes, {DATE_RANGE}")
        return datetime.fromtimestamp(seconds, tz=UTC).date()
    return datetime.now(tz=UTC).date()


def midnight_epoch(day: date) -> str:
    """Seconds since the epoch at 00:00 UTC of `day`, as SOURCE_DATE_EPOCH is written."""
    return str(int(datetime.combine(day, time(0), tzinfo=UTC).timestamp()))


def pin_source_date_epoch(day: date) -> bool:
    """Set SOURCE_DATE_EPOCH to 00:00 UTC of `day` unless it is set; True when this call set it.

    Tools that date their output (MkDocs' sitemap) read SOURCE_DATE_EPOCH, else
    the clock: pinned to `as_of`, the same inputs give the same bytes.
    """
    if "SOURCE_DATE_EPOCH" in os.environ:
        return False
    os.environ["SOURCE_DATE_EPOCH"] = midnight_epoch(day)
    return True


def unpin_source_date_epoch() -> bool:
    """Remove the SOURCE_DATE_EPOCH that `pin_source_date_epoch` set; returns False (no longer pinned)."""
    os.environ.pop("SOURCE_DATE_EPOCH", None)
    return False


@lru_cache(maxsize=64)
def _locale(language: str) -> Locale:
    # mkdocs.yml's theme.language is a BCP 47 tag ("en", "pt-BR"); Babel
    # spells it with "_". A tag Babel does not know falls back to English
    # rather than stopping the build over a month name.
    try:
        return Locale.parse(language.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return Locale.parse("en")


@lru_cache(maxsize=4096)  # a tag page labels every tip's date; the same days recur across pages
def day_label(day: date, language: str = "en") -> str:
    """A date as readers see it, month named in the site's language with Babel: '2 Jun 2026'."""
    return format_date(day, "d MMM y", locale=_locale(language))


def _month(day: date, language: str) -> str:
    return format_date(day, "MMM", locale=_locale(language))
