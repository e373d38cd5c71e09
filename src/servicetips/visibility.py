"""The one visibility rule: a tip is published on its `published` date, not before.

Every tip gets one status, computed once from the checked library and the
build's `as_of` date:

* **draft**: `draft: true`; checked, never shown anywhere;
* **scheduled**: not a draft, `published` after `as_of`; shown nowhere yet,
  neither on its page nor in a listing, the search index, the sitemap, a
  feed or the API (only the preview, `mkdocs serve`, shows its page, marked
  as scheduled);
* **published**: not a draft, `published` on or before `as_of`.

The library is partitioned by status once (`partition`, called by
`check_library`) and the later stages (pages, feeds, the API, the hooks) read
the partition; none of them compares dates again. The weekly schedule needs
no partition: a tip joins the rotation only for weeks that start after its
`published` date, and a week is published only once it has started, so a
week's tip is always a published tip.

A link from a shown tip's body to a tip that has no page (scheduled) is shown
as its plain text until that tip is published: refusing it in `tips check`
would make a library that was clean on the day it was checked break the build
on a later day (when the linking tip's own date arrives first), so the
rule is kept by the output, not by the check. A recorded week's tip shows
the links it was recorded with (`links_shown`), whatever has a page now.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from .model import Library, Tip


class Status(str, enum.Enum):
    """Where a tip stands on one date."""

    PUBLISHED = "published"
    SCHEDULED = "scheduled"
    DRAFT = "draft"


def status_of(tip: Tip, as_of: date) -> Status:
    """The status of one tip on `as_of`: the rule itself, used only by `partition`."""
    if tip.meta.draft:
        return Status.DRAFT
    return Status.PUBLISHED if tip.published <= as_of else Status.SCHEDULED


def _newest_first(tip: Tip) -> tuple[int, str]:
    return (-tip.published.toordinal(), tip.slug)


def _soonest_first(tip: Tip) -> tuple[int, str]:
    return (tip.published.toordinal(), tip.slug)


@dataclass(frozen=True)
class Visibility:
    """The library partitioned by status on `as_of`.

    `published` is newest first, then by slug; `scheduled` is soonest first.
    `preview` is set only for `mkdocs serve`: scheduled tips then have a page
    too (marked as scheduled), and nothing else changes.
    """

    as_of: date
    published: tuple[Tip, ...]
    scheduled: tuple[Tip, ...]
    drafts: tuple[Tip, ...]
    preview: bool = False
    _status: dict[str, Status] = field(default_factory=dict, repr=False, compare=False)
    _by_tag: dict[str, tuple[Tip, ...]] = field(default_factory=dict, repr=False, compare=False)

    def status(self, slug: str) -> Status | None:
        """The status of the tip `slug`; None when the library has no such (valid) tip."""
        return self._status.get(slug)

    def is_published(self, slug: str) -> bool:
        """True when readers may see the tip `slug`."""
        return self._status.get(slug) is Status.PUBLISHED

    def has_page(self, slug: str) -> bool:
        """True when this output has a page for tip `slug`: published, or scheduled in the preview."""
        status = self._status.get(slug)
        return status is Status.PUBLISHED or (self.preview and status is Status.SCHEDULED)

    @property
    def with_pages(self) -> tuple[Tip, ...]:
        """Tips that get a page in this output: the published ones, then (preview only) the scheduled ones."""
        return self.published + self.scheduled if self.preview else self.published

    def tips_with_tag(self, tag: str) -> tuple[Tip, ...]:
        """Published tips carrying `tag`, newest first."""
        return self._by_tag.get(tag, ())

    def for_preview(self) -> Visibility:
        """The same partition for `mkdocs serve`: scheduled tips get a page, marked as scheduled."""
        return replace(self, preview=True)


def links_shown(tip: Tip, has_page: Callable[[str], bool] | None) -> Callable[[str], bool] | None:
    """Which tips `tip`'s body shows as links (a link to any other tip is its text).

    A recorded week's snapshot (`tip.shown_as` set): the tips it showed as
    links when it was recorded, so the week stays as it was sent. Any other
    tip: `has_page` (`Visibility.has_page` of this output; None: every link).
    """
    if tip.shown_as is not None:
        return tip.shown_as.linked_tips.__contains__
    return has_page


def partition(library: Library, as_of: date) -> Visibility:
    """Give every tip of `library` its status on `as_of`, once."""
    groups: dict[Status, list[Tip]] = {status: [] for status in Status}
    statuses: dict[str, Status] = {}
    for tip in library.tips:
        status = status_of(tip, as_of)
        statuses[tip.slug] = status
        groups[status].append(tip)
    published = tuple(sorted(groups[Status.PUBLISHED], key=_newest_first))
    by_tag: dict[str, list[Tip]] = {}
    for tip in published:
        for tag in dict.fromkeys(tip.tags):
            by_tag.setdefault(tag, []).append(tip)
    return Visibility(
        as_of=as_of,
        published=published,
        scheduled=tuple(sorted(groups[Status.SCHEDULED], key=_soonest_first)),
        drafts=tuple(sorted(groups[Status.DRAFT], key=lambda t: t.slug)),
        _status=statuses,
        _by_tag={tag: tuple(tips) for tag, tips in by_tag.items()},
    )
