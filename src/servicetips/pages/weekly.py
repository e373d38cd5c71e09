"""The weekly pages: /weekly/ (every published week, newest first) and /weekly/<week>/ (one week's permalink)."""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

from ..dates import IsoWeek
from ..model import Tip
from ..routes import WEEKLY_INDEX, href, tip_source, week_source
from ..schedule import WeekSlot
from .base import (
    WITHDRAWN_TITLE,
    Content,
    VirtualPage,
    listing_meta,
    site_body_html,
    week_title,
    withdrawal_notice,
)
from .html import blocks
from .index import SiteIndex
from .pieces import body_tip_link, byline, chips, nav_block, subscribe, summary


def weekly_index_page(index: SiteIndex) -> VirtualPage:
    """Every published week, newest first, each with its tip: /weekly/."""
    here = WEEKLY_INDEX
    schedule = index.schedule
    content = Content()
    content.heading(1, "Tip of the week")
    content.add(
        blocks().paragraph(
            "Every Monday one tip becomes the tip of the week. Here is every week so far, newest "
            "first; each week has a permanent page you can link to."
        )
    )
    content.add(subscribe(index, here))
    for slot in schedule.published:
        current = " · this week" if slot.week == schedule.current else ""
        content.add(blocks().eyebrow(index.week(slot.week), href(here, week_source(slot.week)), current))
        if slot.withdrawn is not None:
            content.heading(2, WITHDRAWN_TITLE, href(here, week_source(slot.week)))
            content.add(blocks().paragraph(withdrawal_notice(slot)))
            continue
        content.heading(2, slot.tip.title, href(here, tip_source(slot.tip.slug)))
        content.add(blocks().paragraph(slot.tip.summary))
        content.add(blocks().paragraph(Markup(chips(index, slot.tip, here))))
    if not schedule.published:
        first = IsoWeek.parse(index.library.settings.first_week)
        content.add(blocks().paragraph(f"No week has a tip yet. The first tip of the week is for {index.week(first)}."))
    meta = listing_meta("Tip of the week", "Every tip of the week so far, newest first.")
    return content.page(here, meta, in_nav=True)


def weekly_index_page_inputs(index: SiteIndex, key: Callable[[Tip | None], str | None]) -> list:
    """What `weekly_index_page` reads besides `kept.shared_inputs`: the current week, each week and its tip."""
    schedule = index.schedule
    weeks = [
        [str(slot.week), key(slot.tip), None if slot.withdrawn is None else withdrawal_notice(slot)]
        for slot in schedule.published
    ]
    return ["weekly", str(schedule.current), weeks]


def week_page(
    index: SiteIndex, slot: WeekSlot, older: WeekSlot | None = None, newer: WeekSlot | None = None
) -> VirtualPage:
    """A week's permalink: the week's tip in full, linking to the tip's own page."""
    here = week_source(slot.week)
    tip = slot.tip
    if slot.withdrawn is not None:
        return withdrawn_week_page(index, slot, older, newer)
    content = Content()
    content.add(blocks().eyebrow(f"Tip of the week · {index.week(slot.week)}", None, ""))
    content.heading(1, tip.title)
    content.add(summary(tip), raw=True)
    content.add(byline(index, tip, here), raw=True)
    content.add(site_body_html(tip, here, body_tip_link(index, here, tip)), raw=True)
    links = [
        ("Open this tip on its own page", href(here, tip_source(tip.slug)), "md-button"),
        ("All weeks", href(here, WEEKLY_INDEX), "md-button"),
    ]
    content.add(blocks().buttons(links))
    content.add(nav_block("tip-pager", "Other weeks", _pager(here, older, newer)), raw=True)
    return content.page(here, listing_meta(f"{slot.week}: {tip.title}", tip.summary))


def week_page_inputs(
    slot: WeekSlot, older: WeekSlot | None, newer: WeekSlot | None, key: Callable[[Tip | None], str | None]
) -> list:
    """What `week_page` reads besides `kept.shared_inputs` and `has_page` (any change here changes the page's key)."""

    def other(near: WeekSlot | None) -> list | None:
        return None if near is None else [str(near.week), week_title(near)]

    withdrawn = slot.withdrawn
    return [
        "week",
        str(slot.week),
        key(slot.tip),
        None if withdrawn is None else withdrawal_notice(slot),
        other(older),
        other(newer),
    ]


def withdrawn_week_page(
    index: SiteIndex, slot: WeekSlot, older: WeekSlot | None, newer: WeekSlot | None
) -> VirtualPage:
    """A recorded week whose tip was withdrawn: same permalink, an honest notice instead of the tip."""
    here = week_source(slot.week)
    content = Content()
    content.add(blocks().eyebrow(f"Tip of the week · {index.week(slot.week)}", None, ""))
    content.heading(1, WITHDRAWN_TITLE)
    content.add(blocks().admonition("warning", "Withdrawn", withdrawal_notice(slot)))
    content.add(blocks().buttons([("All weeks", href(here, WEEKLY_INDEX), "md-button")]))
    content.add(nav_block("tip-pager", "Other weeks", _pager(here, older, newer)), raw=True)
    return content.page(here, listing_meta(f"{slot.week}: {WITHDRAWN_TITLE}", withdrawal_notice(slot)))


def _pager(here: str, older: WeekSlot | None, newer: WeekSlot | None) -> list[tuple[str, str, str]]:
    links = []
    if older is not None:
        links.append((f"← {older.week}: {week_title(older)}", href(here, week_source(older.week)), "tip-pager__older"))
    if newer is not None:
        links.append((f"{newer.week}: {week_title(newer)} →", href(here, week_source(newer.week)), "tip-pager__newer"))
    return links
