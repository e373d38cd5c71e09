"""The preview's fast path: the new pages of tips whose text changed, from the last build's output.

`mkdocs serve` rebuilds the whole site on every save. When only tip files
changed, and only in what a tip's own pages show (title, summary, body),
`changed_tips` gives those pages at once: each changed file is read and
held to the per-file rules of the check (front matter, body, links to other
tips, a title of its own), and its page and its week pages are made by the
same page builders as a full build, over the last build's site index. The
full rebuild that follows brings everything else into line (listings,
feeds, search, cards, checks across files); the fast pages only have to be
right for what they show, and they are the same as the full build's.

Anything this cannot vouch for gives None: a new, removed or renamed tip, a
problem in the file, a change to its date, tags, author, status or any other
field that moves it between pages or changes other pages' parts of it. The
caller then rebuilds everything, as before. Nothing here imports MkDocs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from . import routes
from .assets import file_link_issues
from .body_limits import check_tip_body
from .build import SiteOutput
from .load import read_tip
from .model import Tip, TipFrontMatter
from .pages import VirtualPage
from .share import HeadsBuilder, Reach
from .slugs import SLUG_PATTERN, title_key
from .validate import check_placeholders

# The only fields a fast page may see changed: each shows on the tip's own
# page and its week pages only, never moves the tip between pages.
FREE_FIELDS = frozenset({"title", "summary"})


@dataclass(frozen=True)
class TipUpdate:
    """The last build's output with the changed tips' pages replaced, and which pages changed."""

    output: SiteOutput
    pages: tuple[str, ...]  # source paths (tips/<slug>.md, weekly/<week>.md) to render again


def changed_tips(output: SiteOutput, root: Path, paths: Iterable[Path]) -> TipUpdate | None:
    """The new pages of the tip files `paths` (changed since `output` was built), or None for a full rebuild."""
    if not output.ok or output.index is None or output.share is None or output.visible is None:
        return None
    library = output.report.library
    tips: dict[str, Tip] = {}
    for path in paths:
        tip = _reread(output, Path(root), Path(path))
        if tip is None:
            return None
        tips[tip.slug] = tip
    if not tips:
        return None
    # Titles must stay unique across the library (DUP001), with every change applied.
    titles = {title_key(t.title): t.slug for t in library.tips if t.slug not in tips}
    for tip in tips.values():
        if titles.setdefault(title_key(tip.title), tip.slug) != tip.slug:
            return None
    # A tip page shows other tips' titles (related tips, pager): built over
    # the last build's index, it must not show another tip changed with it.
    for tip in tips.values():
        shown = {other.slug for other in (*output.index.related(tip), *output.index.neighbours(tip)) if other}
        if shown & (tips.keys() - {tip.slug}):
            return None
    pages = {page.src_uri: page for page in output.pages}
    heads = _Heads(output, tips)
    changed: list[str] = []
    for tip in tips.values():
        src = routes.tip_source(tip.slug)
        pages[src] = output.index.tip_page(tip)
        heads.tip(tip)
        changed.append(src)
    changed += _week_pages(output, tips, pages, heads)
    share = dataclasses.replace(output.share, heads=heads.reach.heads)
    new = dataclasses.replace(output, pages=tuple(pages.values()), share=share)
    return TipUpdate(new, tuple(changed))


def _reread(output: SiteOutput, root: Path, path: Path) -> Tip | None:
    """The tip in file `path` as the check would accept it, if only its free fields and body changed."""
    library = output.report.library
    if path.parent != root or path.suffix != ".md" or not path.is_file() or not SLUG_PATTERN.match(path.stem):
        return None
    old = library.by_slug.get(path.stem)
    if old is None or not output.visible.has_page(old.slug):
        return None  # a new tip, or one without a page: it changes listings or has no page to show
    source = read_tip(path, root, display=old.path)
    if source.data is None or source.problems:
        return None
    try:
        meta = TipFrontMatter.model_validate(source.data, context={"tags": library.tags, "authors": library.authors})
    except ValidationError:
        return None
    before, after = old.meta.model_dump(), meta.model_dump()
    if {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)} - FREE_FIELDS:
        return None
    check_placeholders(source)
    issues, links = check_tip_body(source.body)
    live = {tip.slug for tip in library.tips if not tip.meta.draft}
    published = {relative for relative, _ in output.report.assets}
    if source.problems or issues or any(link.slug not in live for link in links):
        return None
    if file_link_issues(source.body, published, root):
        return None  # a link to a file the site does not publish: the full rebuild reports it
    return Tip(
        slug=old.slug,
        path=old.path,
        meta=meta,
        body=source.body,
        body_line=source.body_line,
        front_matter=source.front_matter,
    )


def _week_pages(output: SiteOutput, tips: dict[str, Tip], pages: dict[str, VirtualPage], heads: _Heads) -> list[str]:
    """The weeks whose tip is one of `tips` as its file is today (not a recorded snapshot): their new pages."""
    library = output.report.library
    published = [
        dataclasses.replace(slot, tip=tips[slot.tip.slug])
        if slot.tip is not None and slot.tip.slug in tips and slot.tip is library.by_slug.get(slot.tip.slug)
        else slot
        for slot in output.report.schedule.published
    ]
    changed = []
    for number, slot in enumerate(published):
        if slot.withdrawn is not None or slot.tip is None or slot.tip is not tips.get(slot.tip.slug):
            continue
        newer = published[number - 1] if number > 0 else None
        older = published[number + 1] if number + 1 < len(published) else None
        src = routes.week_source(slot.week)
        pages[src] = output.index.week_page(slot, older, newer)
        heads.week(slot)
        changed.append(src)
    return changed


class _Heads(HeadsBuilder):
    """The share module's page heads for the changed pages only, without drawing cards or emails.

    A card's address does not depend on its picture, so the heads are the
    full build's; the cards themselves are drawn by the full rebuild.
    """

    def __init__(self, output: SiteOutput, tips: dict[str, Tip]) -> None:
        library = output.report.library
        library = dataclasses.replace(library, tips=tuple(tips.get(t.slug, t) for t in library.tips))
        super().__init__(library, output.report.schedule, output.share.site, output.visible)
        self.reach = Reach(heads=dict(output.share.heads), site=output.share.site)

    def card(self, path, card, alt) -> str:
        return routes.url(path, self.site.url)

    def email(self, *args, **kwargs) -> None:
        return None
