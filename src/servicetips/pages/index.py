"""The site index: which tips are listed, in what order, by tag, related to each other and paged between.

Built once per build from the check's visibility partition and the
schedule, and read by every page builder. The weeks a tip was tip of the
week come from `Schedule.weeks_of`.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection
from datetime import date
from itertools import combinations

from ..dates import IsoWeek, day_label
from ..model import Library, Tip
from ..schedule import Schedule
from ..visibility import Visibility, partition
from .base import WEEKLY_FEEDS, FeedLink, week_label

RELATED_PER_TIP = 3


class SiteIndex:
    """The published tips of one build, indexed for listings, related tips and pagers."""

    def __init__(
        self,
        library: Library,
        schedule: Schedule,
        feeds: Collection[str] = (),
        visible: Visibility | None = None,
        language: str = "en",
    ):
        self.library = library
        self.schedule = schedule
        self.feeds = frozenset(feeds)
        self.language = language  # the site's (mkdocs.yml theme.language): dates are labelled in it
        # The check's partition (`CheckReport.visible`); without one, the
        # library is partitioned as of the schedule's date by the same rule.
        self.visible = visible if visible is not None else partition(library, schedule.as_of)
        self.tips = self.visible.published
        self._rank = {tip.slug: index for index, tip in enumerate(self.tips)}
        self.by_tag = {tag: self.visible.tips_with_tag(tag) for tag in library.tags}
        # While a page is built for `KeptPages`, every `has_page` answer it was given (slug, answer); else None.
        self.answers: list[tuple[str, bool]] | None = None
        self._by_tag_set: dict[frozenset, list[Tip]] = {}  # tips (newest first) having all tags of the set
        for tip in self.tips:
            unique = sorted(set(tip.tags))
            for size in range(1, len(unique) + 1):
                for group in combinations(unique, size):
                    self._by_tag_set.setdefault(frozenset(group), []).append(tip)

    def has_page(self, slug: str) -> bool:
        """Whether tip `slug` has a page in this build; the answer is noted for the page being built."""
        answer = self.visible.has_page(slug)
        if self.answers is not None:
            self.answers.append((slug, answer))
        return answer

    def day(self, day: date) -> str:
        """A date in the site's language: '2 Jun 2026'."""
        return day_label(day, self.language)

    def week(self, week: IsoWeek) -> str:
        """A week with its dates in the site's language."""
        return week_label(week, self.language)

    def weekly_feeds(self) -> list[FeedLink]:
        """The weekly feeds that exist in this build, for the page head and header."""
        return [feed for feed in WEEKLY_FEEDS if feed.path in self.feeds]

    def weeks_of(self, tip: Tip) -> tuple[IsoWeek, ...]:
        """The published weeks the tip was tip of the week, newest first."""
        return self.schedule.weeks_of(tip.slug)

    def related(self, tip: Tip) -> list[Tip]:
        """Up to three other tips: most tags in common first, then the newest."""
        # Walked from an index of tag sets instead of scoring every other tip:
        # with 1,000 tips, scoring all pairs was a tenth of the build.
        tags = sorted(set(tip.tags))
        chosen: list[Tip] = []
        seen = {tip.slug}
        for size in range(len(tags), 0, -1):
            # Tips that share exactly `size` tags sit in the list of that tag set;
            # merged newest first, the first ones found are the ones to show.
            streams = [self._by_tag_set.get(frozenset(group), ()) for group in combinations(tags, size)]
            for other in heapq.merge(*streams, key=lambda t: self._rank[t.slug]):
                if other.slug in seen or len(set(tags) & set(other.tags)) != size:
                    continue
                seen.add(other.slug)
                chosen.append(other)
                if len(chosen) == RELATED_PER_TIP:
                    return chosen
        for other in self.tips:  # too few tips share a tag: fill with the newest
            if len(chosen) >= RELATED_PER_TIP:
                break
            if other.slug not in seen:
                seen.add(other.slug)
                chosen.append(other)
        return chosen

    def neighbours(self, tip: Tip) -> tuple[Tip | None, Tip | None]:
        """The tip published just before this one, and the one just after (None at the ends)."""
        index = self._rank.get(tip.slug)
        if index is None:  # a scheduled tip in the preview is in no order yet
            return None, None
        older = self.tips[index + 1] if index + 1 < len(self.tips) else None
        newer = self.tips[index - 1] if index > 0 else None
        return older, newer
