"""The weekly pages: /weekly/ (every published week, newest first) and /weekly/<week>/ (one week's permalink)."""

from __future__ import annotations

from ..dates import IsoWeek
from ..markup import md_text
from ..routes import WEEKLY_INDEX, href, link, tip_source, week_source
from ..schedule import WeekSlot
from .base import (
    BODY_PLACEHOLDER,
    WITHDRAWN_TITLE,
    VirtualPage,
    join,
    listing_meta,
    site_body_html,
    week_title,
    withdrawal_notice,
)
from .index import SiteIndex
from .pieces import byline, chips, nav_block, subscribe, summary, tip_link


def weekly_index_page(index: SiteIndex) -> VirtualPage:
    """Every published week, newest first, each with its tip: /weekly/."""
    here = WEEKLY_INDEX
    schedule = index.schedule
    weeks = []
    for slot in schedule.published:
        current = " · this week" if slot.week == schedule.current else ""
        if slot.withdrawn is not None:
            weeks.append(
                join(
                    [
                        f"[{index.week(slot.week)}]({link(here, week_source(slot.week))}){current}\n{{ .tip-eyebrow }}",
                        f"## [{WITHDRAWN_TITLE}]({link(here, week_source(slot.week))})",
                        md_text(withdrawal_notice(slot)),
                    ]
                )
            )
            continue
        weeks.append(
            join(
                [
                    f"[{index.week(slot.week)}]({link(here, week_source(slot.week))}){current}\n{{ .tip-eyebrow }}",
                    f"## [{md_text(slot.tip.title)}]({link(here, tip_source(slot.tip.slug))})",
                    md_text(slot.tip.summary),
                    chips(index, slot.tip, here),
                ]
            )
        )
    if not weeks:
        first = IsoWeek.parse(index.library.settings.first_week)
        weeks.append(f"No week has a tip yet. The first tip of the week is for {index.week(first)}.")
    markdown = join(
        [
            "# Tip of the week",
            "Every Monday one tip becomes the tip of the week. Here is every week so far, newest "
            "first; each week has a permanent page you can link to.",
            subscribe(index, here),
            *weeks,
        ]
    )
    meta = listing_meta("Tip of the week", "Every tip of the week so far, newest first.")
    return VirtualPage(here, markdown, meta, in_nav=True)


def week_page(
    index: SiteIndex, slot: WeekSlot, older: WeekSlot | None = None, newer: WeekSlot | None = None
) -> VirtualPage:
    """A week's permalink: the week's tip in full, linking to the tip's own page."""
    here = week_source(slot.week)
    tip = slot.tip
    if slot.withdrawn is not None:
        return withdrawn_week_page(index, slot, older, newer)
    markdown = join(
        [
            f"Tip of the week · {index.week(slot.week)}\n{{ .tip-eyebrow }}",
            f"# {md_text(tip.title)}",
            summary(tip),
            byline(index, tip, here),
            BODY_PLACEHOLDER,
            f"[Open this tip on its own page]({link(here, tip_source(tip.slug))}){{ .md-button }} "
            f"[All weeks]({link(here, WEEKLY_INDEX)}){{ .md-button }}",
            nav_block("tip-pager", "Other weeks", _pager(here, older, newer)),
        ]
    )
    meta = listing_meta(f"{slot.week}: {tip.title}", tip.summary)
    body = site_body_html(tip, here, lambda slug: tip_link(index, here, slug))
    return VirtualPage(here, markdown, meta, body_html=body)


def withdrawn_week_page(
    index: SiteIndex, slot: WeekSlot, older: WeekSlot | None, newer: WeekSlot | None
) -> VirtualPage:
    """A recorded week whose tip was withdrawn: same permalink, an honest notice instead of the tip."""
    here = week_source(slot.week)
    markdown = join(
        [
            f"Tip of the week · {index.week(slot.week)}\n{{ .tip-eyebrow }}",
            f"# {WITHDRAWN_TITLE}",
            f'!!! warning "Withdrawn"\n\n    {md_text(withdrawal_notice(slot))}',
            f"[All weeks]({link(here, WEEKLY_INDEX)}){{ .md-button }}",
            nav_block("tip-pager", "Other weeks", _pager(here, older, newer)),
        ]
    )
    meta = listing_meta(f"{slot.week}: {WITHDRAWN_TITLE}", withdrawal_notice(slot))
    return VirtualPage(here, markdown, meta)


def _pager(here: str, older: WeekSlot | None, newer: WeekSlot | None) -> list[tuple[str, str, str]]:
    links = []
    if older is not None:
        links.append((f"← {older.week}: {week_title(older)}", href(here, week_source(older.week)), "tip-pager__older"))
    if newer is not None:
        links.append((f"{newer.week}: {week_title(newer)} →", href(here, week_source(newer.week)), "tip-pager__newer"))
    return links
