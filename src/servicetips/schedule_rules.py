"""The schedule's cross-file rules: located problems about pins, upcoming weeks and backdating (SCHED001-006).

The schedule itself is computed by `servicetips.schedule`, which knows
nothing of files or positions; these rules read the tips' front matter to
say where a problem stands.
"""

from __future__ import annotations

from datetime import date

from .dates import IsoWeek
from .locate import FrontMatterLocator
from .model import Library, Tip
from .problems import Problem, Severity, display_path
from .schedule import Schedule, build_schedule
from .validate import SCHEDULE_FILE
from .visibility import Visibility

# How many weeks ahead `tips check` looks for tips that have not been tip of the week yet.
UPCOMING_WARNING_WEEKS = 4


def check_schedule(library: Library, as_of: date, schedule: Schedule | None = None) -> list[Problem]:
    """Schedule problems for `tips check`: bad pins (errors) and too few upcoming tips (warning).

    `schedule` may be passed when already built with `upcoming=UPCOMING_WARNING_WEEKS`.
    """
    problems: list[Problem] = []
    first = IsoWeek.parse(library.settings.first_week)
    pinned: dict[IsoWeek, list[Tip]] = {}
    for tip in sorted(library.tips, key=lambda t: t.slug):
        if not tip.meta.week:
            continue
        week = IsoWeek.parse(tip.meta.week)
        line, col = FrontMatterLocator(tip.front_matter).locate(("week",))
        if tip.meta.draft:
            problems.append(
                Problem(
                    tip.path,
                    line,
                    col,
                    "SCHED002",
                    f"the tip is a draft but pinned to {week}",
                    "remove `draft: true` to publish it that week, or remove the `week:` line",
                )
            )
            continue
        if week < first:
            problems.append(
                Problem(
                    tip.path,
                    line,
                    col,
                    "SCHED001",
                    f"{week} is before the schedule's first week, {first}",
                    f"pin it to {first} or later, or remove the `week:` line",
                )
            )
        if week.monday <= tip.published:
            problems.append(
                Problem(
                    tip.path,
                    line,
                    col,
                    "SCHED005",
                    f"{week} starts {week.monday}, before the tip's published date {tip.published}",
                    f"pin it to {IsoWeek.of(tip.published).next()} or later: a week that had "
                    "started when the tip was published cannot be given to it",
                )
            )
            continue
        pinned.setdefault(week, []).append(tip)
    # Every tip of a clash is told, so checking one file alone still reports it.
    for week, tips in pinned.items():
        for tip in tips if len(tips) > 1 else ():
            line, col = FrontMatterLocator(tip.front_matter).locate(("week",))
            others = ", ".join(t.path for t in tips if t is not tip)
            problems.append(
                Problem(
                    tip.path,
                    line,
                    col,
                    "SCHED003",
                    f"{week} is also pinned by {others}",
                    "pin one tip per week: `tips schedule` shows the free weeks",
                )
            )
    schedule = schedule or build_schedule(library, as_of, upcoming=UPCOMING_WARNING_WEEKS)
    upcoming = schedule.upcoming()[:UPCOMING_WARNING_WEEKS]
    filled = sum(1 for s in upcoming if s.tip is not None and (s.pinned or s.fresh))
    if upcoming and filled < UPCOMING_WARNING_WEEKS:
        problems.append(
            Problem(
                display_path(library.root / SCHEDULE_FILE, library.root.parent),
                1,
                1,
                "SCHED004",
                f"only {filled} of the next {UPCOMING_WARNING_WEEKS} weeks get a tip that has not been "
                "tip of the week before",
                "add new tips (or pin some) so readers do not see repeats; `tips schedule` shows the plan",
                severity=Severity.WARNING,
            )
        )
    return problems


def check_backdating(library: Library, as_of: date, published_at_base: dict[str, date | None]) -> list[Problem]:
    """SCHED006 for changed tips whose `published` date puts them into weeks that have started.

    A new tip dated before the current week's Monday would join the rotation
    of weeks newsletter tools already pulled, and change them. The same goes
    for an existing tip whose date moves earlier. `published_at_base` maps
    the slugs of changed tips to their date before the change (None: new).
    """
    started = IsoWeek.of(as_of).monday
    problems: list[Problem] = []
    for slug, before in sorted(published_at_base.items()):
        tip = library.by_slug.get(slug)
        if tip is None or tip.meta.draft or tip.published >= started:
            continue
        if before is not None and tip.published >= before:
            continue
        line, col = FrontMatterLocator(tip.front_matter).locate(("published",))
        what = "a new tip" if before is None else f"moved earlier from {before}"
        problems.append(
            Problem(
                tip.path,
                line,
                col,
                "SCHED006",
                f"published {tip.published} ({what}) is before this week started ({started}): the tip would "
                "join weeks that newsletter tools already pulled",
                f"set `published: {max(as_of, started)}` (today) or later",
            )
        )
    return problems


def check_feed_window(
    library: Library, schedule: Schedule, visible: Visibility, feed_weeks_at_base: int
) -> list[Problem]:
    """SCHED007 (--changed only): `feed_weeks` lowered so that a feed would drop items it carries now: the
    weekly feeds their started weeks, a tag's feed its newest tips (`feed_weeks` caps both). Newsletter
    tools keep what they pulled, and an item that vanishes from a feed looks like one taken back; the
    window may grow, and the oldest items still leave it as new ones come."""
    now = library.settings.feed_weeks
    weekly = min(feed_weeks_at_base, len(schedule.published))
    tagged = max((min(feed_weeks_at_base, len(visible.tips_with_tag(tag))) for tag in library.tags), default=0)
    carried = max(weekly, tagged)
    if now >= carried:
        return []
    path = library.root / SCHEDULE_FILE
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    line, col = FrontMatterLocator(text, first_line=1).locate(("feed_weeks",))
    dropped = (
        f"the weekly feeds would drop {weekly - now} started weeks they carry"
        if weekly > now
        else f"a tag's feed would drop {tagged - now} tips it carries"
    )
    return [
        Problem(
            display_path(path, library.root.absolute().parent),
            line,
            col,
            "SCHED007",
            f"feed_weeks went from {feed_weeks_at_base} to {now}: {dropped}",
            f"set feed_weeks back to {feed_weeks_at_base} (or to at least {carried}); the feeds keep the items "
            "they carried, and older ones leave the window as new ones come",
        )
    ]
