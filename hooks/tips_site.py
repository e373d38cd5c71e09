"""MkDocs hooks: hand the core build (`servicetips.build.build_site`) to MkDocs, nothing more.

Each build makes one `_Build` holding all later events need, so no rebuild
of `mkdocs serve` sees a value of the last one. Tip bodies never go through
MkDocs' Markdown: `on_page_content` puts the core's allow-listed body HTML in
a generated page's placeholder. With errors, `mkdocs build` stops with the
lines `tips check` prints; `mkdocs serve` shows them on every page.

Each page's head additions come from the core too (`SiteOutput.head`: share
tags, canonical URL, sitemap date). The sitemap's `lastmod` is MkDocs'
`page.update_date`, set per page in `on_page_markdown` (MkDocs writes the
sitemap after reading every page and before rendering any), so MkDocs stays
the one writer of sitemap.xml. A page whose canonical URL is another's (a
week page: its tip's page) is marked `tips_sitemap: false` there, and the
theme's `overrides/sitemap.xml` leaves it out; its canonical URL is set in
`on_page_context`, after the sitemap is written.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page

from servicetips.build import BuildInputs, SiteOutput, build_inputs, build_site
from servicetips.dates import midnight_epoch
from servicetips.markup import html_page_meta
from servicetips.pages import insert_body, problems_markdown, unknown_marker
from servicetips.routes import is_tip_page

log = logging.getLogger("mkdocs.hooks.tips_site")


@dataclass
class _Build:  # one build: its inputs, then the core's output
    command: str
    inputs: BuildInputs
    epoch_set: bool
    output: SiteOutput | None = None
    raw_meta: dict = field(default_factory=dict)  # each page's plain-text title and description


_process = {"command": "build", "build": None}  # the command outlives builds; on_config replaces "build"


def on_startup(command: str, dirty: bool) -> None:
    """Remember whether this is a build or a preview server."""
    _process["command"] = command


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Start a new build: the tips folder, the date and the site's settings, checked before anything is written."""
    try:
        inputs = build_inputs(Path(config.config_file_path or ".").absolute().parent, config.site_url,
                              config.site_name, config.site_description, config.theme.get("language", "en"),
                              (config.extra or {}).get("websub_hub"))
    except ValueError as exc:
        raise Abort(str(exc)) from None
    # MkDocs dates the sitemap from SOURCE_DATE_EPOCH, else the clock: date it
    # from as_of (for this build only: a server started yesterday must see today).
    epoch_set = "SOURCE_DATE_EPOCH" not in os.environ
    if epoch_set:
        os.environ["SOURCE_DATE_EPOCH"] = midnight_epoch(inputs.as_of)
    _process["build"] = _Build(_process["command"], inputs, epoch_set)
    return config


@event_priority(50)  # before other plugins' on_files, so they see the generated pages
def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Run the core build and add its feeds, API, pages and assets as generated files."""
    build, inputs = _process["build"], _process["build"].inputs
    build.output = output = build_site(inputs.root, inputs.as_of, inputs.settings, preview=build.command == "serve",
                                       hub=inputs.hub, cache_dir=inputs.cache_dir)
    if not output.ok and build.command != "serve":
        raise Abort(f"The tips have problems; the site was not built.\n{output.problems_text}")
    if not output.ok:
        # Printed, not logged: under `serve --strict` a logged error would end the server.
        print(f"\nThe tips have problems; the preview shows them until they are fixed:\n{output.problems_text}\n",
              file=sys.stderr, flush=True)
        for uri in output.problem_pages:
            if files.get_file_from_path(uri) is None:
                inclusion = InclusionLevel.NOT_IN_NAV if is_tip_page(uri) else InclusionLevel.UNDEFINED
                files.append(File.generated(config, uri, content="", inclusion=inclusion))
        return files
    for line in (*(problem.as_text() for problem in output.report.problems), output.summary):
        log.info(line)  # info: a warning never stops a build, and a logged one would under --strict
    for item in output.generated():
        if files.get_file_from_path(item.path) is not None:  # it would silently replace a public URL
            raise Abort(f"docs/{item.path} has the same path as a generated page or feed; rename or remove it")
        inclusion = InclusionLevel.UNDEFINED if item.in_nav else InclusionLevel.NOT_IN_NAV
        files.append(File.generated(config, item.path, content=item.content, inclusion=inclusion,
                                    abs_src_path=None if item.source is None else str(item.source)))
    return files


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Escape the page's metadata for HTML and fill the `<!-- tips:... -->` markers of hand-written pages."""
    output = _process["build"].output
    if not output.ok:
        page.meta = {"title": "The tips have problems", "search": {"exclude": True}}
        return problems_markdown(output.problems_text)
    _process["build"].raw_meta[page.file.src_uri] = (page.meta.get("title"), page.meta.get("description"))
    page.meta = html_page_meta(page.meta)  # titles and descriptions are plain text; Material prints them raw
    head = _head(page)
    if head is not None and head.lastmod:
        page.update_date = head.lastmod  # the sitemap's <lastmod>
    if head is not None and not head.in_sitemap:
        page.meta["tips_sitemap"] = False  # overrides/sitemap.xml leaves the page out
    if _page(page) is not None:
        return markdown  # a generated page never holds a marker
    markdown, unknown = output.replace_markers(markdown, page.file.src_uri)
    for name in unknown:
        log.warning(unknown_marker(page.file.src_uri, name))
    return markdown


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Put the tip's allow-listed body HTML into a generated tip or week page."""
    generated = _page(page)
    if generated is None or not generated.body_html:
        return html
    try:
        return insert_body(html, generated.body_html)
    except ValueError as exc:
        raise Abort(f"{page.file.src_uri}: {exc}") from None


def on_page_context(context: dict, page: Page, config: MkDocsConfig, nav) -> dict:
    """Give the template the page's footer HTML and head additions from the core."""
    generated = _page(page)
    context["tip_footer"] = generated.footer_html if generated is not None else ""
    context["tips_head"] = head = _head(page)
    if head is not None and head.canonical:
        page.canonical_url = head.canonical
    return context


def on_env(env, config: MkDocsConfig, files: Files):
    """Give the templates the weekly feeds of this build (page head links) and this week's tip (404 page)."""
    env.globals["tips_feeds"] = _process["build"].output.weekly_feeds()
    env.globals["tips_this_week"] = _process["build"].output.this_week
    return env


def on_post_build(config: MkDocsConfig | None = None, error: Exception | None = None) -> None:
    """Give the process its own clock back (see on_config), after a build or whatever stopped it."""
    build = _process["build"]
    if build is not None and build.epoch_set:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
        build.epoch_set = False


on_build_error = on_post_build  # MkDocs passes `error=` here


def on_serve(server, config: MkDocsConfig, builder):
    """Rebuild the preview when a tip or a vocabulary (tags.yml, authors.yml, schedule.yml) changes."""
    server.watch(str(_process["build"].inputs.root))
    return server


def _page(page: Page):
    return _process["build"].output.page(page.file.src_uri)


def _head(page: Page):
    build = _process["build"]
    title, description = build.raw_meta.get(page.file.src_uri, (None, None))
    return build.output.head(page.file.src_uri, title or page.title or "", description or "")
