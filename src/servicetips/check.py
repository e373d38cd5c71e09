"""One entry point for "is the library right?", shared by `tips check` and the site build.

Runs validation and the schedule checks in order and returns everything the
later stages need, so the CLI and the build can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .ledger import (
    Ledger,
    check_against_library,
    check_ledger_changes,
    check_new_entries,
    check_started_pins,
    load_ledger,
    unrecorded_warning,
)
from .model import Library
from .problems import Problem, is_failure
from .schedule import Schedule, build_schedule
from .schedule_rules import UPCOMING_WARNING_WEEKS, check_backdating, check_feed_window, check_schedule
from .validate import SCHEDULE_FILE, tip_display_path, validate_library
from .visibility import Visibility, partition


@dataclass(frozen=True)
class CheckReport:
    """The library, its schedule as of a date, which tips readers see on that date, and every problem found."""

    library: Library
    schedule: Schedule
    problems: list[Problem]
    files_checked: int
    visible: Visibility
    ledger: Ledger | None = None
    assets: tuple[tuple[str, Path], ...] = ()  # the images beside the tips the site publishes (`tip_assets`)

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not is_failure(self.problems)


def check_library(
    root: Path,
    as_of: date,
    only: Iterable[Path] | None = None,
    published_at_base: dict[str, date | None] | None = None,
    ledger_at_base: dict[str, str | None] | None = None,
    today: date | None = None,
    pinned_at_base: dict[str, str | None] | None = None,
    cache_dir: Path | None = None,
    require_recorded: bool = False,
    feed_weeks_at_base: int | None = None,
) -> CheckReport:
    """Validate the library at `root` and its ledger, and compute the schedule as of `as_of`.

    `published_at_base` (from `tips check --changed`) maps changed tips to
    their published date before the change, to refuse backdating;
    `ledger_at_base` maps ledger file names to their text there, to refuse
    a recorded week changed or deleted; `pinned_at_base` maps changed tips
    to their `week:` pin there, to refuse a pin moved onto or off a week
    that has started but is not recorded yet. `today` is for tests that let
    weeks pass (see `load_ledger`). `cache_dir`: the build's cache folder,
    where each body's check result and HTML are kept between runs
    (`body_cache`); None (as `tips check` runs) checks every body anew.
    `feed_weeks_at_base` (`--changed`, when tips/schedule.yml changed) is
    its feed window at the base, to refuse one that would drop weeks the
    feeds carry. `require_recorded` makes a started week the ledger lacks an error
    (LEDGER014), for the publish build: it runs after recording, on the same
    date, so readers never see a week that a later edit could still change.
    """
    validation = validate_library(root, only=only, cache_dir=cache_dir)
    problems = list(validation.problems)
    published_assets = dict(validation.assets)
    selected = None if only is None else {tip_display_path(Path(root), Path(p)) for p in only}
    # The ledger is read once, here, and reported whatever `only` selects:
    # it is the record of what subscribers were sent.
    # An invalid tips/schedule.yml is reported alone: its stand-in first week
    # is no week of this library, and the ledger is not measured against it.
    # Likewise a broken vocabulary leaves tips out of the library, which is
    # not what the ledger and the schedule should be checked against.
    broken = validation.invalid_vocabularies
    first_week = None if SCHEDULE_FILE in broken else validation.library.settings.first_week
    ledger, ledger_problems = load_ledger(Path(root), as_of, first_week, today)
    problems += ledger_problems
    # Which tips have a page is decided once, here, for the check and for every output.
    visible = partition(validation.library, as_of)
    if not broken:
        problems += check_against_library(validation.library, ledger, Path(root), visible.has_page, published_assets)
    if ledger_at_base is not None:
        problems += check_ledger_changes(ledger_at_base, ledger, Path(root))
        if not broken:
            problems += check_new_entries(ledger_at_base, ledger, validation.library, as_of, published_assets)
    # Built once with the planned weeks: the check needs them, and the
    # published weeks are the same either way.
    schedule = build_schedule(validation.library, as_of, upcoming=UPCOMING_WARNING_WEEKS, ledger=ledger)
    if schedule.unrecorded and not broken:
        problems.append(unrecorded_warning(ledger, schedule.unrecorded, error=require_recorded))
        if pinned_at_base:
            problems += check_started_pins(validation.library, schedule.unrecorded, pinned_at_base)
    schedule_problems = check_schedule(validation.library, as_of, schedule) if not broken else []
    # A backdated tip cannot change a recorded week (those come from the
    # ledger); it can only join started weeks the ledger does not hold yet.
    if published_at_base and not broken and (schedule.unrecorded or not ledger.folder.is_dir()):
        schedule_problems += check_backdating(validation.library, as_of, published_at_base)
    if feed_weeks_at_base is not None and not broken:
        schedule_problems += check_feed_window(validation.library, schedule, visible, feed_weeks_at_base)
    for problem in schedule_problems:
        if selected is None or problem.path in selected:
            problems.append(problem)
    # Later stages get only the weeks that have started: no planned week can
    # leak into the site, the feeds or the API.
    started = Schedule(
        schedule.as_of,
        schedule.current,
        tuple(s for s in schedule.slots if s.week <= schedule.current),
        schedule.unrecorded,
    )
    # Every tip gets its status (published, scheduled, draft) here, once:
    # the pages, feeds and API read this partition and never compare dates.
    return CheckReport(
        validation.library, started, sorted(problems), validation.files_checked, visible, ledger, validation.assets
    )
