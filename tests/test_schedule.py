"""The weekly schedule: its rules as properties over random libraries, and its checks on fixture files.

Random libraries are built as `Library` objects directly (small: up to 9 tips,
a few months of weeks). The properties are the promises the feeds rely on:
a week that has started never changes, each published week has one tip,
no repeat within a cycle, fresh tips first, no two weeks in a row with the
same first tag when another candidate exists, and the same result every time.
"""

from __future__ import annotations

import dataclasses
import random
from datetime import date, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from servicetips.dates import IsoWeek
from servicetips.model import AuthorInfo, Library, ScheduleSettings, TagInfo, Tip, TipFrontMatter
from servicetips.problems import Severity
from servicetips.schedule import Schedule, build_schedule
from servicetips.schedule_rules import check_schedule
from servicetips.validate import validate_library

FIXTURES = Path(__file__).parent / "fixtures" / "feeds"
TAGS = ("empathy", "recovery", "reputation")
FIRST = IsoWeek(2026, 36)  # Monday 2026-08-31


def make_tip(
    slug: str, published: date, tags: tuple[str, ...], week: IsoWeek | None = None, draft: bool = False
) -> Tip:
    meta = TipFrontMatter(
        title=f"Tip {slug}",
        summary="A summary.",
        tags=list(tags),
        author="editorial-team",
        published=published,
        week=None if week is None else str(week),
        draft=draft,
    )
    return Tip(slug=slug, path=f"tips/{slug}.md", meta=meta, body="A body.", body_line=8)


def make_library(tips: list[Tip]) -> Library:
    return Library(
        root=Path("tips"),
        tips=tuple(tips),
        tags={t: TagInfo(label=t.title(), description=f"Tips about {t}.") for t in TAGS},
        authors={"editorial-team": AuthorInfo(name="Editorial team")},
        settings=ScheduleSettings(first_week=str(FIRST)),
    )


def day(offset: int) -> date:
    return FIRST.monday + timedelta(days=offset)


def week_at(offset: int) -> IsoWeek:
    return IsoWeek.of(day(7 * offset))


@st.composite
def tip_specs(draw, slug: str, earliest: int = -60, latest: int = 150, pin_weeks: tuple[int, int] = (0, 25)) -> Tip:
    """A random tip published between day offsets `earliest` and `latest` (often exactly `earliest`)."""
    tags = draw(st.lists(st.sampled_from(TAGS), min_size=1, max_size=3, unique=True))
    pinned = draw(st.integers(*pin_weeks)) if draw(st.integers(0, 4)) == 0 else None
    published = draw(st.one_of(st.just(earliest), st.integers(earliest, latest)))
    return make_tip(
        slug,
        day(published),
        tuple(tags),
        week=None if pinned is None else week_at(pinned),
        draft=draw(st.integers(0, 6)) == 0,
    )


@st.composite
def libraries(draw, min_tips: int = 0, max_tips: int = 9) -> Library:
    count = draw(st.integers(min_tips, max_tips))
    return make_library([draw(tip_specs(f"tip-{i}")) for i in range(count)])


# Mondays are where the edge cases are (a week starts; a tip published that day), so draw them often.
as_of_dates = st.one_of(st.integers(0, 25).map(lambda n: day(7 * n)), st.integers(0, 180).map(day))


def assignments(schedule: Schedule) -> dict[IsoWeek, str | None]:
    return {slot.week: None if slot.tip is None else slot.tip.slug for slot in schedule.slots}


def pool_at(library: Library, week: IsoWeek) -> set[str]:
    """The tips eligible to fill `week`: not drafts, published before its Monday."""
    return {t.slug for t in library.tips if not t.meta.draft and t.published < week.monday}


# --- properties -----------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(data=st.data(), library=libraries(), as_of=as_of_dates, later=st.integers(0, 60))
def test_a_week_that_has_started_keeps_its_tip(data, library, as_of, later):
    before = build_schedule(library, as_of)
    current = before.current
    # New tips published today or later, some pinned to any week, even one that has started...
    added = [
        data.draw(
            tip_specs(
                f"new-{i}",
                earliest=(as_of - FIRST.monday).days,
                latest=(as_of - FIRST.monday).days + 90,
                pin_weeks=(0, 0),
            )
        )
        for i in range(data.draw(st.integers(0, 4)))
    ]
    any_week = st.integers(-10, 20).map(lambda n: IsoWeek.of(current.monday + timedelta(days=7 * n)))
    future = st.integers(1, 20).map(lambda n: IsoWeek.of(current.monday + timedelta(days=7 * n)))
    added = [
        dataclasses.replace(t, meta=t.meta.model_copy(update={"week": str(data.draw(any_week))})) if t.meta.week else t
        for t in added
    ]
    # ...and existing unpinned tips pinned to future weeks.
    changed = []
    for tip in library.tips:
        if not tip.meta.week and data.draw(st.integers(0, 3)) == 0:
            tip = dataclasses.replace(tip, meta=tip.meta.model_copy(update={"week": str(data.draw(future))}))
        changed.append(tip)
    after = build_schedule(make_library(changed + added), as_of + timedelta(days=later))
    started = {week: slug for week, slug in assignments(after).items() if week <= current}
    assert started == assignments(before)


@settings(max_examples=200, deadline=None)
@given(library=libraries(), as_of=as_of_dates)
def test_each_published_week_has_exactly_one_tip(library, as_of):
    schedule = build_schedule(library, as_of)
    weeks = [slot.week for slot in schedule.published]
    assert weeks == sorted(set(weeks), reverse=True)  # unique, newest first
    assert all(week <= schedule.current for week in weeks)
    assert all(slot.tip is not None and not slot.tip.meta.draft for slot in schedule.published)
    pinned = {
        IsoWeek.parse(t.meta.week)
        for t in library.tips
        if t.meta.week and not t.meta.draft and t.published < IsoWeek.parse(t.meta.week).monday
    }
    fillable = {w for w in FIRST.until(schedule.current) if w in pinned or pool_at(library, w)}
    assert set(weeks) == fillable  # a gap only when no tip could fill the week
    assert [s.week for s in schedule.slots] == FIRST.until(schedule.current)
    if schedule.this_week is not None:
        assert schedule.this_week.week == schedule.current == IsoWeek.of(as_of)


@settings(max_examples=300, deadline=None)
@given(library=libraries(min_tips=1), as_of=as_of_dates)
def test_cycles_fresh_tips_and_first_tags(library, as_of):
    schedule = build_schedule(library, as_of, upcoming=4)
    in_cycle: set[str] = set()  # tips shown since the current cycle began
    shown: set[str] = set()
    previous_tag: str | None = None
    for slot in schedule.slots:
        if slot.tip is None:
            previous_tag = None
            continue
        pool = pool_at(library, slot.week)
        tip = slot.tip
        assert slot.fresh == (tip.slug not in shown)
        if not slot.pinned:
            candidates = (pool - in_cycle) or pool
            # No repeat within a cycle: the tip is one that has not had a week in it.
            assert tip.slug in candidates
            # The same first tag as last week only when every candidate has it.
            if tip.tags[0] == previous_tag:
                assert {library.by_slug[s].tags[0] for s in candidates} == {previous_tag}
            # A repeat only when every never-shown tip would repeat last week's first tag.
            if tip.slug in shown:
                assert all(library.by_slug[s].tags[0] == previous_tag for s in pool - shown)
        in_cycle.add(tip.slug)
        if pool and pool <= in_cycle:
            in_cycle.clear()  # every eligible tip had a week: a new cycle begins
        shown.add(tip.slug)
        previous_tag = tip.tags[0]


@settings(max_examples=100, deadline=None)
@given(library=libraries(), as_of=as_of_dates, seed=st.integers(0, 2**16))
def test_the_schedule_is_deterministic(library, as_of, seed):
    def summary(schedule: Schedule) -> list[tuple]:
        return [(s.week, s.tip and s.tip.slug, s.pinned, s.fresh) for s in schedule.slots]

    first = build_schedule(library, as_of, upcoming=3)
    assert summary(build_schedule(library, as_of, upcoming=3)) == summary(first)
    shuffled = list(library.tips)
    random.Random(seed).shuffle(shuffled)
    assert summary(build_schedule(make_library(shuffled), as_of, upcoming=3)) == summary(first)


@settings(max_examples=100, deadline=None)
@given(library=libraries(), as_of=as_of_dates, upcoming=st.integers(0, 8))
def test_planning_ahead_never_publishes_the_future(library, as_of, upcoming):
    plain = build_schedule(library, as_of)
    planned = build_schedule(library, as_of, upcoming=upcoming)
    assert planned.published == plain.published
    assert len(planned.upcoming()) == upcoming
    assert all(s.week > planned.current for s in planned.upcoming())


# --- rules on small, hand-made libraries ------------------------------------------


def test_a_tip_published_on_a_monday_counts_from_the_next_week():
    library = make_library([make_tip("first", day(-10), ("empathy",)), make_tip("monday", day(7), ("recovery",))])
    schedule = build_schedule(library, day(20))
    assert assignments(schedule) == {week_at(0): "first", week_at(1): "first", week_at(2): "monday"}


def test_a_week_with_no_eligible_tip_is_a_gap():
    library = make_library([make_tip("later", day(10), ("empathy",))])
    schedule = build_schedule(library, day(15))
    assert assignments(schedule) == {week_at(0): None, week_at(1): None, week_at(2): "later"}
    assert [s.week for s in schedule.published] == [week_at(2)]


def test_a_pin_takes_its_week_and_the_rotation_goes_on():
    tips = [
        make_tip("a", day(-30), ("empathy",)),
        make_tip("b", day(-20), ("recovery",)),
        make_tip("c", day(-10), ("reputation",), week=week_at(1)),
    ]
    schedule = build_schedule(make_library(tips), day(21))
    assert assignments(schedule) == {week_at(0): "a", week_at(1): "c", week_at(2): "b", week_at(3): "a"}
    assert [s.pinned for s in schedule.slots] == [False, True, False, False]
    assert [s.fresh for s in schedule.slots] == [True, True, True, False]
    assert schedule.weeks_of("a") == (week_at(3), week_at(0))


def test_the_first_tag_does_not_repeat_when_another_tip_can_go():
    tips = [
        make_tip("a", day(-30), ("empathy",)),
        make_tip("b", day(-20), ("empathy", "recovery")),
        make_tip("c", day(-10), ("recovery",)),
    ]
    schedule = build_schedule(make_library(tips), day(14))
    # b is older than c, but it would repeat a's first tag.
    assert assignments(schedule) == {week_at(0): "a", week_at(1): "c", week_at(2): "b"}


def test_a_new_tip_pinned_to_the_current_week_does_not_replace_its_tip():
    base = [make_tip("a", day(-30), ("empathy",)), make_tip("b", day(-20), ("recovery",))]
    as_of = day(16)  # the Wednesday of the third week: that week started on Monday with tip "a"
    before = build_schedule(make_library(base), as_of)
    late = make_tip("late", as_of, ("reputation",), week=IsoWeek.of(as_of))
    after = build_schedule(make_library([*base, late]), as_of)
    assert assignments(after) == assignments(before)


def test_a_schedule_before_the_first_week_is_empty():
    library = make_library([make_tip("a", day(-30), ("empathy",))])
    schedule = build_schedule(library, day(-1))
    assert schedule.slots == () and schedule.published == () and schedule.this_week is None


# --- check_schedule on fixture files ------------------------------------------------


def line_of(path: Path, prefix: str) -> int:
    """The 1-based line (the opening `---` is line 1) of the first line starting with `prefix`."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, start=1) if line.startswith(prefix))


def problems_by_file(root: Path, as_of: date) -> dict[str, list]:
    validation = validate_library(root)
    assert not validation.problems, [p.as_text() for p in validation.problems]
    found: dict[str, list] = {}
    for problem in check_schedule(validation.library, as_of):
        found.setdefault(Path(problem.path).name, []).append(problem)
    return found


def test_check_schedule_reports_bad_pins_where_they_stand():
    root = FIXTURES / "pins"
    found = problems_by_file(root, date(2026, 11, 23))
    expected = {
        "pinned-too-early.md": "SCHED001",
        "pinned-draft.md": "SCHED002",
        "claims-week-second.md": "SCHED003",
        "pinned-before-published.md": "SCHED005",
    }
    for name, code in expected.items():
        codes = [(p.code, p.line, p.col, p.severity) for p in found[name]]
        assert (code, line_of(root / name, "week:"), len("week: ") + 1, Severity.ERROR) in codes, codes
    early = next(p for p in found["pinned-too-early.md"] if p.code == "SCHED001")
    assert "2026-W40" in early.message and "2026-W44" in early.message and early.hint
    taken = next(p for p in found["claims-week-second.md"] if p.code == "SCHED003")
    assert "claims-week-first.md" in taken.message
    # The first claim may be reported too, but a week is never reported as its own conflict.
    for problem in found.get("claims-week-first.md", []):
        assert problem.code == "SCHED003" and "claims-week-second.md" in problem.message


def test_check_schedule_warns_when_few_fresh_tips_are_left():
    root = FIXTURES / "pins"
    found = problems_by_file(root, date(2026, 11, 23))
    [warning] = found["schedule.yml"]
    assert (warning.code, warning.line, warning.col, warning.severity) == ("SCHED004", 1, 1, Severity.WARNING)


def test_check_schedule_is_quiet_for_a_healthy_library():
    # The feeds library as of its first week: the next four weeks all get a tip never shown before.
    assert problems_by_file(FIXTURES / "library", date(2026, 10, 26)) == {}
    later = problems_by_file(FIXTURES / "library", date(2026, 11, 23))
    assert [p.code for p in later["schedule.yml"]] == ["SCHED004"]
