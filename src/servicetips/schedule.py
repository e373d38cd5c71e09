"""The weekly schedule: which tip is tip of the week, for every ISO week (computed, never checked here).

A pure function of the library and one `as_of` date. Rules:

* Weeks start at `first_week` (tips/schedule.yml); each week gets one tip.
* A tip pinned with `week:` takes that week, if the week starts after the
  tip's `published` date (else `tips check` reports SCHED005).
* Every other week is filled from the non-draft tips published *before* that
  week's Monday. (A tip published on a Monday first counts for the next week:
  the week had already started when it was published, and a week that has
  started never changes.)
* The fill goes in cycles: a tip does not come back until every eligible tip
  has had a week in the current cycle. Within a cycle the tip shown longest
  ago (never shown first, then oldest published, then slug) goes first,
  skipping to the next one when it would repeat last week's first tag.

Stability: a week's tip depends only on the tips published before it started
and on the weeks before it, never on later weeks or later tips. So adding a
tip (published today or later) or pinning a tip to a future week never changes
a week that has already started. Backdating `published` to before a started
week is the one edit that can rewrite history, and reviewers should refuse it.

The problems `tips check` reports about the schedule (SCHED001-006) are
cross-file rules and live in `servicetips.schedule_rules`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from .dates import IsoWeek
from .model import Library, Tip


@dataclass(frozen=True)
class WeekSlot:
    """One week of the schedule and its tip (None for a gap: no tip was eligible)."""

    week: IsoWeek
    tip: Tip | None
    pinned: bool = False
    fresh: bool = False  # the tip had never been tip of the week before
    # The ledger entry of a recorded week (servicetips.ledger.LedgerEntry):
    # then `tip` is the snapshot it holds, not the tip file as it is today.
    record: Any | None = field(default=None, compare=False)

    @property
    def withdrawn(self) -> Any | None:
        """The withdrawal (date and reason) of a recorded week whose tip was withdrawn, else None."""
        return None if self.record is None else self.record.withdrawn


@dataclass(frozen=True)
class Schedule:
    """Every week from the first week to `last_week`, and which of them have started."""

    as_of: date
    current: IsoWeek
    slots: tuple[WeekSlot, ...]
    # Started weeks the ledger does not hold yet (the publish workflow has not
    # recorded them): computed, and reported so, until they are recorded.
    unrecorded: tuple[IsoWeek, ...] = ()

    @property
    def published(self) -> tuple[WeekSlot, ...]:
        """Weeks that have started and have a tip, newest first. Nothing later is ever published."""
        return tuple(s for s in reversed(self.slots) if s.week <= self.current and s.tip is not None)

    @property
    def this_week(self) -> WeekSlot | None:
        """The current week's slot, when it has a tip."""
        for slot in self.slots:
            if slot.week == self.current and slot.tip is not None:
                return slot
        return None

    def upcoming(self) -> tuple[WeekSlot, ...]:
        """Weeks after the current one that were planned (see `build_schedule(upcoming=...)`)."""
        return tuple(s for s in self.slots if s.week > self.current)

    def weeks_of(self, slug: str) -> tuple[IsoWeek, ...]:
        """Published weeks in which the tip `slug` was tip of the week, newest first."""
        return self._weeks_by_slug.get(slug, ())

    @cached_property
    def _weeks_by_slug(self) -> dict[str, tuple[IsoWeek, ...]]:
        # Every tip page asks for its weeks: one pass over the weeks, not one per tip.
        weeks: dict[str, list[IsoWeek]] = {}
        for slot in self.published:
            weeks.setdefault(slot.tip.slug, []).append(slot.week)
        return {slug: tuple(found) for slug, found in weeks.items()}


def _pins(library: Library) -> dict[IsoWeek, Tip]:
    # Valid pins only: drafts and duplicates are reported by check_schedule and
    # a library with errors never publishes, but the CLI still shows a schedule.
    pins: dict[IsoWeek, Tip] = {}
    for tip in sorted(library.tips, key=lambda t: t.slug):
        if tip.meta.week and not tip.meta.draft:
            week = IsoWeek.parse(tip.meta.week)
            # Like the fill, a pin only counts for a week that starts after the
            # tip was published: a week that had started cannot be taken over.
            if tip.published < week.monday:
                pins.setdefault(week, tip)
    return pins


class _Rotation:
    """The eligible tips in the order they are due, and the current cycle.

    Due order is: never shown (oldest published first), then shown longest
    ago. Showing a tip moves it to the back, so the order is kept as a queue
    instead of being re-sorted every week (this runs for every check and
    every build, over up to 10,000 tips).
    """

    def __init__(self) -> None:
        self.queue: list[Tip] = []
        self.unseen = 0  # queue[:unseen] have never been shown
        self.last_shown: dict[str, int] = {}
        self.in_cycle: set[str] = set()
        self.pool: set[str] = set()

    def join(self, tip: Tip) -> None:
        """A tip becomes eligible (it was published before this week)."""
        self.pool.add(tip.slug)
        if tip.slug in self.last_shown:  # shown before through a pin
            shown = [self.last_shown[t.slug] for t in self.queue[self.unseen :]]
            self.queue.insert(self.unseen + bisect.bisect(shown, self.last_shown[tip.slug]), tip)
        else:
            self.queue.insert(self.unseen, tip)
            self.unseen += 1

    def pick(self, avoid_first_tag: str | None) -> Tip | None:
        """The next due tip not yet shown this cycle, preferring one whose first tag differs."""
        fallback = None
        for tip in self.queue:
            if tip.slug in self.in_cycle:
                continue
            if tip.tags[0] != avoid_first_tag:
                return tip
            fallback = fallback or tip
        return fallback or (self.queue[0] if self.queue else None)

    def show_recorded(self, slug: str, week_index: int) -> None:
        """Continue the rotation with a recorded week's tip, found by slug (it may be gone since)."""
        for tip in self.queue:
            if tip.slug == slug:
                self.show(tip, week_index)
                return
        self.last_shown[slug] = week_index
        self.in_cycle.add(slug)
        if self.pool and self.pool <= self.in_cycle:
            self.in_cycle.clear()

    def show(self, tip: Tip, week_index: int) -> bool:
        """Record that `tip` is tip of the week; returns True when it had never been shown."""
        fresh = tip.slug not in self.last_shown
        if tip.slug in self.pool:
            position = self.queue.index(tip)
            if position < self.unseen:
                self.unseen -= 1
            self.queue.append(self.queue.pop(position))
        self.last_shown[tip.slug] = week_index
        self.in_cycle.add(tip.slug)
        if self.pool and self.pool <= self.in_cycle:
            self.in_cycle.clear()  # everyone eligible has had a week: the next cycle starts
        return fresh


def build_schedule(library: Library, as_of: date, upcoming: int = 0, ledger: Any | None = None) -> Schedule:
    """Compute the schedule up to the week of `as_of`, plus `upcoming` planned weeks.

    With a `ledger` (servicetips.ledger.Ledger), recorded weeks are taken
    from it as they were sent, and the rotation continues from them: only
    weeks the ledger does not hold are computed.
    """
    from .ledger import snapshot_tip  # noqa: PLC0415 - the ledger module imports this one's neighbours

    recorded = ledger.entries if ledger is not None else {}
    current = IsoWeek.of(as_of)
    first = IsoWeek.parse(library.settings.first_week)
    last = current
    for _ in range(upcoming):
        last = last.next()
    pins = _pins(library)
    by_age = sorted((t for t in library.tips if not t.meta.draft), key=lambda t: (t.published, t.slug))
    rotation = _Rotation()
    next_to_join = 0
    slots: list[WeekSlot] = []
    previous_first_tag: str | None = None

    for index, week in enumerate(first.until(last) if first <= last else []):
        while next_to_join < len(by_age) and by_age[next_to_join].published < week.monday:
            rotation.join(by_age[next_to_join])
            next_to_join += 1
        entry = recorded.get(week)
        if entry is not None:
            if entry.tip is None:
                slots.append(WeekSlot(week, None, record=entry))
                previous_first_tag = None
                continue
            fresh = entry.tip.slug not in rotation.last_shown
            rotation.show_recorded(entry.tip.slug, index)
            previous_first_tag = entry.tip.tags[0].key
            slots.append(WeekSlot(week, snapshot_tip(entry, ledger.paths[week]), fresh=fresh, record=entry))
            continue
        pinned = pins.get(week)
        tip = pinned if pinned is not None else rotation.pick(previous_first_tag)
        if tip is None:
            slots.append(WeekSlot(week, None))
            previous_first_tag = None
            continue
        fresh = rotation.show(tip, index)
        previous_first_tag = tip.tags[0]
        slots.append(WeekSlot(week, tip, pinned=pinned is not None, fresh=fresh))
    unrecorded: tuple[IsoWeek, ...] = ()
    if ledger is not None and ledger.folder.is_dir():
        unrecorded = tuple(s.week for s in slots if s.week <= current and s.record is None)
    return Schedule(as_of=as_of, current=current, slots=tuple(slots), unrecorded=unrecorded)
