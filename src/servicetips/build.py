"""The core build: everything a site needs from a tips folder, a date and the site's settings, as plain data.

One entry point, `build_site`, shared by the MkDocs hooks, the CLI and the
tests, so that no caller runs the pipeline in its own order:

    check (load, validate, ledger, schedule, visibility)
      -> share (cards, icons, robots.txt, week emails, page heads)
      -> feeds and API (with the cards) -> pages -> assets (files beside the tips)

The result, `SiteOutput`, holds the check's report, the generated pages
(`pages.VirtualPage`: source path, Markdown, metadata), the generated files
(feeds and API, icons, robots.txt and email files, as bytes), the share
cards (`card_drawing.CardDrawing`: drawn while the engine goes on, the bytes
asked for with `card_files()`), the assets (site path and file), the site
index that fills the `<!-- tips:... -->` markers of hand-written pages, and
each page's head additions (`share`: Open Graph tags, canonical URL, sitemap
date). An engine only has to write these: the MkDocs hooks hand them over as
generated files, and write the cards last. Nothing here imports MkDocs or
reads the clock.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import yaml

from . import routes
from .card_cache import CardCache
from .card_drawing import CardDrawing
from .check import CheckReport, check_library
from .dates import resolve_as_of
from .feeds import OutputFile, SiteInfo, build_feeds, validate_hub
from .pages import FeedLink, KeptPages, SitePages, VirtualPage
from .problems import format_problems
from .share import PageHead, Reach, build_reach
from .validate import tip_paths
from .visibility import Visibility

# The site's settings are what the feeds name it by: URL, title, description, language.
SiteSettings = SiteInfo


@dataclass(frozen=True)
class Asset:
    """A file kept beside the tips and published as it is: its path in the site and the file."""

    path: str
    source: Path


@dataclass(frozen=True)
class Generated:
    """One generated file as an engine writes it: its path, then its text or bytes, or the file to copy."""

    path: str
    content: str | bytes | None = None
    source: Path | None = None
    in_nav: bool = True  # False for a page that is reached from listings, not from the site's menu


@dataclass(frozen=True)
class SiteOutput:
    """Everything one build of the site holds; empty but for `report` when the library has errors."""

    report: CheckReport
    visible: Visibility | None = None
    pages: tuple[VirtualPage, ...] = ()
    files: tuple[OutputFile, ...] = ()  # every generated file but the cards
    cards: CardDrawing | None = field(default=None, repr=False)
    assets: tuple[Asset, ...] = ()
    index: SitePages | None = field(default=None, repr=False)
    share: Reach | None = field(default=None, repr=False)
    # Pages a preview shows the problems on while the library has errors:
    # the listings and a page per tip file, so the one being edited reloads.
    problem_pages: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_source", {page.src_uri: page for page in self.pages})

    def page(self, src: str) -> VirtualPage | None:
        """The generated page at source path `src`, or None (a hand-written page, or none)."""
        return self._by_source.get(src)

    @property
    def ok(self) -> bool:
        """True when the library has no error (warnings allowed)."""
        return self.report.ok

    @property
    def problems_text(self) -> str:
        """The problems as `tips check` prints them."""
        return format_problems(self.report.problems, "text", self.report.files_checked)

    @property
    def summary(self) -> str:
        """One line on what this build published."""
        schedule = self.report.schedule
        return (
            f"tips: {len(self.visible.published)} tips, {len(schedule.published)} weeks published as of "
            f"{schedule.as_of} (week {schedule.current}); {len(self.visible.scheduled)} scheduled"
        )

    def generated(self, with_cards: bool = True) -> list[Generated]:
        """Every file this build adds to the site: the feeds and API, the pages, the assets and
        (unless not `with_cards`, for an engine that writes them last) the cards."""
        return [
            *(Generated(file.path, file.content) for file in self.files),
            *(Generated(page.src_uri, page.source, in_nav=page.in_nav) for page in self.pages),
            *(Generated(asset.path, source=asset.source) for asset in self.assets),
            *(Generated(file.path, file.content) for file in (self.card_files() if with_cards else ())),
        ]

    def card_paths(self) -> list[str]:
        """The site paths of the share cards, known before they are drawn."""
        return self.cards.paths() if self.cards is not None else []

    def card_files(self) -> tuple[OutputFile, ...]:
        """The share cards as files, sorted by path; waits for those still being drawn."""
        if self.cards is None:
            return ()
        files = sorted(self.cards.files())
        return tuple(OutputFile(path, png, self.cards.entry(path)) for path, png in files)

    def all_files(self) -> tuple[OutputFile, ...]:
        """`files` and the cards, sorted by path."""
        return tuple(sorted((*self.files, *self.card_files()), key=lambda file: file.path))

    def close(self) -> None:
        """Stop drawing cards (a build that stopped before writing them); safe to call twice."""
        if self.cards is not None:
            self.cards.close()

    def weekly_feeds(self) -> list[FeedLink]:
        """The weekly feeds of this build, for the page head and the header button."""
        return self.index.weekly_feeds() if self.index is not None else []

    def head(self, src: str, title: str = "", description: str = "") -> PageHead | None:
        """What page `src` adds to its head (share tags, canonical URL, sitemap date); `title` and
        `description` (plain text) describe a hand-written page. None while the library has errors."""
        return self.share.head(src, title, description) if self.share is not None else None

    @property
    def this_week(self) -> dict | None:
        """{"path", "title"} of this week's tip (or withdrawn week), for the 404 page; None without one."""
        return self.share.this_week if self.share is not None else None

    def replace_markers(self, markdown: str, src: str) -> tuple[str, list[str]]:
        """A hand-written page's Markdown with its `<!-- tips:... -->` markers filled; also the unknown names."""
        if self.index is None:
            return markdown, []
        return self.index.replace_markers(markdown, src)


def build_site(
    root: Path,
    as_of: date,
    settings: SiteSettings,
    preview: bool = False,
    hub: str | None = None,
    cache_dir: Path | None = None,
    card_process: bool = False,
) -> SiteOutput:
    """Check the library at `root` as of `as_of` and build its pages, feeds, API and assets.

    `preview` (the live preview server) also gives scheduled tips a page,
    marked as such; the feeds and the API never carry them. `hub`: a WebSub
    hub the feeds advertise. `cache_dir`: a folder outside the site where
    drawn share cards (`card_cache`), each body's check result and HTML
    (`body_cache`) and the generated pages (`pages.kept`) are kept between
    builds; None draws every card, renders every body and builds every
    page, with the same bytes. `card_process`: the cards no cache holds
    are drawn by a second process while the caller goes on
    (`card_drawing`); same bytes. With errors in the library, only the
    report (and the pages a preview shows them on).
    """
    root = Path(root)
    report = check_library(root, as_of, cache_dir=cache_dir)
    if not report.ok:
        wanted = [routes.HOME, routes.TIPS_INDEX, routes.TAGS_INDEX, routes.WEEKLY_INDEX]  # the nav's pages
        wanted += [routes.tip_source(path.stem) for path in tip_paths(root)]
        return SiteOutput(report, problem_pages=tuple(wanted))
    # Which tips have a page was decided once by the check (report.visible);
    # only the preview adds the pages of scheduled tips.
    visible = report.visible.for_preview() if preview else report.visible
    # The share files first: the feeds attach the cards, by path and size (those few are drawn
    # at once; the others while the pages are made and written).
    card_cache = CardCache(cache_dir) if cache_dir is not None else None
    cards = CardDrawing(card_cache, background=card_process)
    try:  # until the output holds the cards, a failure here must stop their worker
        share = build_reach(report.library, report.schedule, settings, visible, visible.with_pages, cards)
        others = [file.path for file in share.files] + cards.paths()
        feeds = build_feeds(report.library, report.schedule, settings, visible, share.images, others, hub)
        files = tuple(sorted([*feeds, *share.files], key=lambda file: file.path))
        feed_paths = [file.path for file in feeds]
        index = SitePages(report.library, report.schedule, feed_paths, visible, settings.language)
        # Pages whose inputs are unchanged since the last build come from the cache folder as they were.
        kept = KeptPages(cache_dir, index.index) if cache_dir is not None else None
        pages = tuple(index.pages(kept))
        # Only the images `tips check` accepted (servicetips.assets): real images with slug names.
        assets = tuple(Asset(routes.tip_asset(relative), path) for relative, path in report.assets)
    except BaseException:
        cards.close()
        raise
    return SiteOutput(report, visible, pages, files, cards, assets, index, share)


@dataclass(frozen=True)
class BuildInputs:
    """What a build is made from: the tips folder, the date and the site's settings."""

    root: Path
    as_of: date
    settings: SiteSettings
    hub: str | None = None  # a WebSub hub (mkdocs.yml `extra: websub_hub:`)
    cache_dir: Path | None = None  # kept share cards (TIPS_CACHE_DIR); None: none kept
    card_process: bool = False  # draw the cards in a second process (TIPS_CARD_PROCESS, on unless `off`)

    def build(self, preview: bool = False) -> SiteOutput:
        """Run `build_site` on these inputs (`preview`: the `mkdocs serve` variant)."""
        return build_site(
            self.root,
            self.as_of,
            self.settings,
            preview=preview,
            hub=self.hub,
            cache_dir=self.cache_dir,
            card_process=self.card_process,
        )


CACHE_DIR = ".cache/servicetips"  # beside mkdocs.yml; never under docs/, tips/ or the site


def cache_dir_for(project: Path) -> Path | None:
    """The build cache folder: `TIPS_CACHE_DIR` (relative to `project`; `off`: no cache), else `.cache/servicetips`."""
    value = os.environ.get("TIPS_CACHE_DIR", "").strip()
    if value.lower() == "off":
        return None
    folder = Path(value or CACHE_DIR)
    return folder if folder.is_absolute() else Path(project) / folder


def build_inputs(
    project: Path, site_url: str | None, name: str, description: str | None, language: str, hub: str | None = None
) -> BuildInputs:
    """The inputs of a build of the site configured in folder `project` (where mkdocs.yml is).

    The tips folder is `TIPS_ROOT` (default `tips`, relative to `project`);
    the date is `dates.resolve_as_of()` (TIPS_AS_OF, SOURCE_DATE_EPOCH,
    today); the cache folder is `cache_dir_for(project)`; the cards are drawn
    by a second process unless `TIPS_CARD_PROCESS=off`. Raises
    ValueError with a sentence for the site's maintainer when one is missing
    or wrong, before anything is built.
    """
    if not site_url:
        raise ValueError(
            "site_url is not set in mkdocs.yml: the feeds and the sitemap need the site's "
            "absolute address. Add a line such as `site_url: https://tips.example.org/`."
        )
    root = Path(os.environ.get("TIPS_ROOT") or "tips")
    if not root.is_absolute():
        root = Path(project) / root
    if not root.is_dir():
        raise ValueError(f"the tips folder {root} does not exist; set TIPS_ROOT to the folder with the tips")
    try:
        as_of = resolve_as_of()
    except ValueError as exc:
        raise ValueError(f"cannot tell which week it is: {exc}") from None
    try:
        settings = SiteSettings(url=site_url, title=name, description=description or "", language=language)
        hub = validate_hub(hub)
    except ValueError as exc:  # e.g. a site_url that is not http(s)
        raise ValueError(f"mkdocs.yml: {exc}") from None
    card_process = os.environ.get("TIPS_CARD_PROCESS", "").strip().lower() != "off"
    return BuildInputs(root, as_of, settings, hub, cache_dir_for(project), card_process)


class _Loader(yaml.SafeLoader):
    """Reads mkdocs.yml as plain data: the Python tags MkDocs allows (`!!python/name:...`) become None."""


_Loader.add_multi_constructor("", lambda loader, suffix, node: None)


def site_settings(config: Path) -> dict:
    """mkdocs.yml as plain data (the core never imports MkDocs); ValueError when it is not YAML or not a mapping."""
    try:
        data = yaml.load(Path(config).read_text("utf-8"), Loader=_Loader)
    except yaml.YAMLError as exc:
        raise ValueError(f"{config}: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{config}: not a mapping of settings")
    return data
