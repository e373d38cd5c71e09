"""The `<!-- tips:NAME -->` markers of hand-written pages: the one registry of names and what each becomes.

Only what depends on the build's date is a marker (this week's tip, the
latest tips, the tag chips with their counts); the field table and the tag
list are kept in the guide itself (see docblocks.py). The hook fills the
markers with `replace_markers` and warns with `unknown_marker`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..allowlist import heading_id
from ..dates import IsoWeek
from ..markup import md_text
from ..routes import WEEKLY_INDEX, link, tag_source, tip_source
from .base import withdrawal_notice
from .index import SiteIndex
from .pieces import tip_cards

LATEST_ON_HOME = 6
MARKER = re.compile(r"<!--\s*tips:([a-z-]+)\s*-->")


def this_week(index: SiteIndex, here: str) -> str:
    """This week's tip as a box, or why there is none."""
    schedule = index.schedule
    slot = schedule.this_week
    if slot is None:
        first = IsoWeek.parse(index.library.settings.first_week)
        if schedule.current < first:
            text = f"The first tip of the week arrives in {index.week(first)}."
        elif not schedule.published:
            text = "There is no tip of the week yet: it starts with the first published tip."
        else:
            text = (
                f"There is no tip of the week for {index.week(schedule.current)}. "
                f"[Browse past weeks]({link(here, WEEKLY_INDEX)})"
            )
        return f'!!! note "Tip of the week"\n\n    {text}\n'
    if slot.withdrawn is not None:
        return (
            f'!!! note "Tip of the week · {index.week(slot.week)}"\n\n'
            f"    {md_text(withdrawal_notice(slot))} [Past weeks]({link(here, WEEKLY_INDEX)})\n"
        )
    tip = slot.tip
    target = link(here, tip_source(tip.slug))
    # The heading's id is set here rather than left to toc, whose slug of a
    # title can be an id of the theme's (see allowlist.heading_id).
    ident = heading_id(tip.title, set())
    return (
        f'!!! tip tip-of-the-week "Tip of the week · {index.week(slot.week)}"\n\n'
        f"    ## [{md_text(tip.title)}]({target}) {{ .tip-week-title #{ident} }}\n\n"
        f"    {md_text(tip.summary)}\n\n"
        f"    [Read this week's tip]({target}){{ .md-button .md-button--primary }} "
        f"[Past weeks]({link(here, WEEKLY_INDEX)}){{ .md-button }}\n"
    )


def latest(index: SiteIndex, here: str) -> str:
    """The newest published tips as cards."""
    if not index.tips:
        return "No tip is published yet."
    return tip_cards(index, index.tips[:LATEST_ON_HOME], here)


def tag_chips(index: SiteIndex, here: str) -> str:
    """Every tag with its number of tips, as chips."""
    chips = [
        f"[{md_text(info.label)} ({len(index.by_tag[tag])})]({link(here, tag_source(tag))}){{ .tip-chip }}"
        for tag, info in index.library.tags.items()
    ]
    return '<div class="tip-chips" markdown>\n\n' + " ".join(chips) + "\n\n</div>\n"


# The one registry of markers: each name and the function that writes its Markdown.
MARKERS: dict[str, Callable[[SiteIndex, str], str]] = {
    "this-week": this_week,
    "latest": latest,
    "tag-chips": tag_chips,
}


def marker_markdown(index: SiteIndex, name: str, here: str) -> str | None:
    """The Markdown for `<!-- tips:NAME -->` in the page at `here`; None for an unknown name."""
    maker = MARKERS.get(name)
    return None if maker is None else maker(index, here)


def replace_markers(index: SiteIndex, markdown: str, here: str) -> tuple[str, list[str]]:
    """Replace every known marker; return the new Markdown and the unknown marker names."""
    unknown: list[str] = []

    def replace(match: re.Match) -> str:
        content = marker_markdown(index, match.group(1), here)
        if content is None:
            unknown.append(match.group(1))
            return match.group(0)
        return content

    return MARKER.sub(replace, markdown), unknown


def unknown_marker(src: str, name: str) -> str:
    """The warning for a marker that `MARKERS` does not hold, in page `src`."""
    known = ", ".join(f"tips:{marker}" for marker in MARKERS)
    return f"{src}: unknown marker <!-- tips:{name} -->; known markers are {known}"
