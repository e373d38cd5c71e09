"""MkDocs hooks: publish the tip library as pages, feeds and the home page's content.

An adapter only. The core checks the library (`check_library`, the same
entry point as `tips check`), builds the pages (`servicetips.pages`) and the
feeds (`servicetips.feeds`); these hooks hand the results to MkDocs as
generated files and fill the `<!-- tips:... -->` markers of hand-written pages.

* The tips folder is `TIPS_ROOT` (default `tips`, relative to mkdocs.yml).
* The date is `servicetips.dates.resolve_as_of()` (TIPS_AS_OF, SOURCE_DATE_EPOCH, today).
* Tip bodies never go through MkDocs' Markdown: a generated tip or week page
  holds a placeholder, and `on_page_content` puts the core's allow-listed
  body HTML there (`pages.insert_body`). The one place a body reaches the
  site is that HTML, which `servicetips.render.body_html` has sanitized;
  markers are expanded in hand-written pages only.
* `mkdocs build`: any error in the library aborts the build with the lines
  `tips check` prints. Warnings are logged and do not stop it.
* `mkdocs serve`: errors are printed in the terminal and every page of the
  preview shows them until they are fixed; the server keeps running and
  watches the tips folder. The preview also shows the pages of scheduled
  tips (dated after as_of), marked as scheduled; a build never does.
* What the site gives to the outside (`servicetips.share`: share cards,
  icons, robots.txt, the weeks' email files) is added as generated files;
  each page's head gets its Open Graph tags, canonical URL and sitemap date
  from the same place. The sitemap's `lastmod` is MkDocs' `page.update_date`,
  set per page here from the core's date (a tip's published date), so MkDocs
  stays the one writer of sitemap.xml.
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import datetime, time, timezone
from pathlib import Path
from types import SimpleNamespace

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from servicetips.check import check_library
from servicetips.dates import resolve_as_of
from servicetips.feeds import SiteInfo, build_feeds, validate_hub
from servicetips.markup import html_page_meta
from servicetips.pages import (HOME, TAGS_INDEX, TIP_ASSET_SUFFIXES, WEEKLY_INDEX, SitePages, insert_body,
                               problems_markdown, tip_uri)
from servicetips.problems import format_problems
from servicetips.share import build_reach
from servicetips.validate import tip_paths

log = logging.getLogger("mkdocs.hooks.tips_site")

# State of the current build. Hook modules live as long as the process, so
# under `mkdocs serve` each rebuild resets what it sets.
_state = SimpleNamespace(command="build", root=None, as_of=None, site=None, problems=None, epoch_set=False,
                         footers={}, bodies={}, generated=frozenset(), reach=None, raw_meta={})


def on_startup(command: str, dirty: bool) -> None:
    """Remember whether this is a build or a preview server."""
    _state.command = command


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Check what the build needs before anything is written: site_url and the tips folder."""
    if not config.site_url:
        raise Abort("site_url is not set in mkdocs.yml: the feeds and the sitemap need the site's "
                    "absolute address. Add a line such as `site_url: https://tips.example.org/`.")
    root = Path(os.environ.get("TIPS_ROOT") or "tips")
    if not root.is_absolute():
        root = Path(config.config_file_path or ".").absolute().parent / root
    if not root.is_dir():
        raise Abort(f"the tips folder {root} does not exist; set TIPS_ROOT to the folder with the tips")
    try:
        as_of = resolve_as_of()
    except ValueError as exc:
        raise Abort(f"cannot tell which week it is: {exc}") from None
    _state.root, _state.as_of, _state.site, _state.problems = root, as_of, None, None
    _state.reach, _state.raw_meta = None, {}
    # A preview rebuild that finds problems shows only them: no footer (credits,
    # related tips, pager) of the last good build may remain.
    _state.footers = {}
    if "SOURCE_DATE_EPOCH" not in os.environ:
        # MkDocs dates the sitemap from SOURCE_DATE_EPOCH, else the clock:
        # date it from as_of, so the same tips and as_of give the same bytes.
        # Only for this build: a preview server started yesterday must see today.
        midnight = datetime.combine(as_of, time(0), tzinfo=timezone.utc)
        os.environ["SOURCE_DATE_EPOCH"] = str(int(midnight.timestamp()))
        _state.epoch_set = True
    return config


@event_priority(50)  # before other plugins' on_files, so they see the generated pages
def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Check the library, then add its pages and feeds as generated files."""
    as_of = _state.as_of
    report = check_library(_state.root, as_of)
    if not report.ok:
        text = format_problems(report.problems, "text", report.files_checked)
        if _state.command == "serve":
            return _show_problems(files, config, text)
        raise Abort(f"The tips have problems; the site was not built.\n{text}")
    for problem in report.problems:
        # Logged as info: a warning (too few new tips ahead) never stops a
        # build, and a logged warning would under --strict.
        log.info(problem.as_text())

    # Which tips have a page was decided once by the check (report.visible);
    # only the preview adds the pages of scheduled tips, marked as such.
    visible = report.visible.for_preview() if _state.command == "serve" else report.visible
    site = _site_info(config)
    _state.reach = build_reach(report.library, report.schedule, site, visible, visible.with_pages)
    feeds = build_feeds(report.library, report.schedule, site, visible, _state.reach.images,
                        [f.path for f in _state.reach.files], _hub(config))
    _state.site = SitePages(report.library, report.schedule, [feed.path for feed in feeds], visible)
    for output in [*feeds, *_state.reach.files]:
        _add(files, File.generated(config, output.path, content=output.content))
    _state.footers, _state.bodies = {}, {}
    pages = _state.site.pages()
    _state.generated = frozenset(page.src_uri for page in pages)
    for page in pages:
        if page.footer_html:
            _state.footers[page.src_uri] = page.footer_html
        if page.body_html:
            _state.bodies[page.src_uri] = page.body_html
        inclusion = InclusionLevel.UNDEFINED if page.in_nav else InclusionLevel.NOT_IN_NAV
        _add(files, File.generated(config, page.src_uri, content=page.source, inclusion=inclusion))
    for uri, path in _tip_assets(_state.root):
        _add(files, File.generated(config, uri, abs_src_path=str(path)))
    log.info(f"tips: {len(visible.published)} tips, {len(report.schedule.published)} weeks "
             f"published as of {as_of} (week {report.schedule.current}); {len(visible.scheduled)} scheduled")
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Escape the page's metadata for HTML and fill the `<!-- tips:... -->` markers."""
    if _state.problems is not None:
        page.meta = {"title": "The tips have problems", "search": {"exclude": True}}
        return problems_markdown(_state.problems)
    # Every title and description is plain text, generated or hand-written;
    # Material prints them into HTML as they are, so they are escaped here
    # (the share tags keep the plain text: their template escapes it).
    _state.raw_meta[page.file.src_uri] = (page.meta.get("title"), page.meta.get("description"))
    page.meta = html_page_meta(page.meta)
    head = _head(page)
    if head is not None and head.lastmod:
        page.update_date = head.lastmod  # the sitemap's lastmod (MkDocs writes the sitemap from it)
    if page.file.src_uri in _state.generated:
        return markdown  # markers are for hand-written pages; a generated page never holds one
    markdown, unknown = _state.site.replace_markers(markdown, page.file.src_uri)
    for name in unknown:
        log.warning(f"{page.file.src_uri}: unknown marker <!-- tips:{name} -->; known markers are "
                    "tips:this-week, tips:latest and tips:tag-chips")
    return markdown


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Put the tip's allow-listed body HTML into a generated tip or week page."""
    body = _state.bodies.get(page.file.src_uri)
    if body is None or _state.problems is not None:
        return html
    try:
        return insert_body(html, body)
    except ValueError as exc:
        raise Abort(f"{page.file.src_uri}: {exc}") from None


def on_page_context(context: dict, page: Page, config: MkDocsConfig, nav) -> dict:
    """Give the template the page's footer HTML and head additions from the core."""
    context["tip_footer"] = _state.footers.get(page.file.src_uri, "")
    head = _head(page)
    context["tips_head"] = head
    if head is not None and head.canonical:
        # Set here, after MkDocs wrote the sitemap from the pages' own addresses.
        page.canonical_url = head.canonical
    return context


def on_env(env, config: MkDocsConfig, files: Files):
    """Give the templates the weekly feeds of this build (page head links and the header button)
    and this week's tip (the 404 page)."""
    env.globals["tips_feeds"] = _state.site.weekly_feeds() if _state.site is not None else []
    env.globals["tips_this_week"] = _state.reach.this_week if _state.reach is not None else None
    return env


def _head(page: Page):
    if _state.reach is None or _state.problems is not None:
        return None
    title, description = _state.raw_meta.get(page.file.src_uri, (None, None))
    return _state.reach.head(page.file.src_uri, title or page.title or "", description or "")


def on_post_build(config: MkDocsConfig) -> None:
    """Give the process its own clock back (see on_config)."""
    _restore_clock()


def on_build_error(error: Exception) -> None:
    """Give the process its own clock back, whatever stopped the build."""
    _restore_clock()


def on_serve(server, config: MkDocsConfig, builder):
    """Rebuild the preview when a tip or a vocabulary (tags.yml, authors.yml, schedule.yml) changes."""
    server.watch(str(_state.root))
    return server


def _restore_clock() -> None:
    if _state.epoch_set:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
        _state.epoch_set = False


def _site_info(config: MkDocsConfig) -> SiteInfo:
    try:
        return SiteInfo(url=config.site_url, title=config.site_name,
                        description=config.site_description or "", language=config.theme.get("language", "en"))
    except ValueError as exc:  # e.g. a site_url that is not http(s)
        raise Abort(f"mkdocs.yml: {exc}") from None


def _hub(config: MkDocsConfig):
    try:
        return validate_hub((config.extra or {}).get("websub_hub"))
    except ValueError as exc:
        raise Abort(f"mkdocs.yml: {exc}") from None


def _tip_assets(root: Path) -> list[tuple[str, Path]]:
    """Images kept beside the tips, as (tips/<path>, file): a body links them relative to itself."""
    inside = root.resolve()
    assets = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if (path.suffix.lower() in TIP_ASSET_SUFFIXES and path.is_file()
                and not any(part.startswith(".") for part in relative.parts)
                and path.resolve().is_relative_to(inside)):  # no link to a file outside the library
            assets.append((f"tips/{relative.as_posix()}", path))
    return assets


def _add(files: Files, file: File) -> None:
    # A hand-written page at a generated path would silently replace one of
    # the public URLs: refuse it.
    if files.get_file_from_path(file.src_uri) is not None:
        raise Abort(f"docs/{file.src_uri} has the same path as a generated page or feed; rename or remove it")
    files.append(file)


def _show_problems(files: Files, config: MkDocsConfig, text: str) -> Files:
    # The preview keeps serving: every page that exists (hand-written pages,
    # the listing pages in the nav, and a page per tip file so the one being
    # edited reloads in place) shows the problems instead of its content.
    # Printed, not logged: under `serve --strict` a logged error counts as a
    # warning, and --strict would then refuse the build (ending the server
    # at start-up) instead of showing the problems.
    print(f"\nThe tips have problems; the preview shows them until they are fixed:\n{text}\n",
          file=sys.stderr, flush=True)
    _state.problems = text
    wanted = [HOME, TAGS_INDEX, WEEKLY_INDEX] + [tip_uri(path.stem) for path in tip_paths(_state.root)]
    for uri in wanted:
        if files.get_file_from_path(uri) is None:
            files.append(File.generated(config, uri, content="", inclusion=InclusionLevel.NOT_IN_NAV
                                        if uri.startswith("tips/") else InclusionLevel.UNDEFINED))
    return files
