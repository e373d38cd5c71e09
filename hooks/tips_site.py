"""MkDocs hooks: hand the core build (`servicetips.build.build_site`) to MkDocs, nothing more.

Each build makes one `_Build`, so no rebuild of `mkdocs serve` sees a value of the last one.
MkDocs never renders a generated page: its Markdown is a placeholder, which `on_page_content`
replaces with the core's finished HTML (the tip body in it is the allow-listed body HTML);
`on_pre_page` lets such a page skip MkDocs' reading and Markdown altogether (hooks/fast_pages.py).
Head additions come from `SiteOutput.head`: the sitemap date is set before MkDocs writes
sitemap.xml, the canonical URL after it; `overrides/sitemap.xml` leaves out non-canonical pages.
The share cards are drawn by a second process while MkDocs builds the pages
(`servicetips.card_drawing`), so they are not MkDocs files: `on_post_build` writes them,
before the search index and the swap of the staging folder (`atomic_output`).
"""

from __future__ import annotations

import atexit
import gc
import importlib
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import Abort
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

import engine_check  # hooks/engine_check.py: MkDocs adds this folder to sys.path while it loads a hook
import fast_pages  # hooks/fast_pages.py
from servicetips.allowlist import page_findings
from servicetips.build import BuildInputs, SiteOutput, build_inputs
from servicetips.dates import pin_source_date_epoch, unpin_source_date_epoch
from servicetips.linked_output import in_use
from servicetips.markup import html_page_meta
from servicetips.pages import insert_content, problems_markdown, unknown_marker
from servicetips.routes import is_tip_page
from servicetips.site_output import replaced_site

log = logging.getLogger("mkdocs.hooks.tips_site")


@dataclass
class _Build:  # one build: its inputs, then the core's output and each page's head additions
    inputs: BuildInputs
    epoch_set: bool
    output: SiteOutput | None = None
    heads: dict = field(default_factory=dict)


# The command outlives builds; on_config replaces "build".
_process = {"command": "build", "full_build": True, "build": None}


def on_startup(command: str, dirty: bool) -> None:
    """Remember whether this is a build or a preview server, and whether it builds every page."""
    _process["command"] = command
    _process["full_build"] = command == "build" and not dirty
    if not _process.get("exit_spared"):
        _process["exit_spared"] = True
        # As the process exits, Python collects garbage over every object the build still holds
        # (0.1 to 0.3 s of a 1,000-tip build, measured) to free memory the system takes back anyway.
        # Frozen objects are left out of those collections; only at exit, so a process that goes on
        # (a test run, a server) collects as before. What this asks of the code: a file is closed where
        # it is written (`with`), never left for the collector to flush and close at exit.
        atexit.register(gc.freeze)


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    """Start a new build: the tips folder, the date and the site's settings, checked before anything is written."""
    project = Path(config.config_file_path or ".").absolute().parent
    language, hub = config.theme.get("language", "en"), (config.extra or {}).get("websub_hub")
    try:
        inputs = build_inputs(project, config.site_url, config.site_name, config.site_description, language, hub)
    except ValueError as exc:
        raise Abort(str(exc)) from None
    # The sitemap is dated from as_of, for this build only: a server started yesterday must see today.
    _process["build"] = _Build(inputs, pin_source_date_epoch(inputs.as_of))
    return config


@event_priority(50)  # before other plugins' on_files, so they see the generated pages
def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Run the core build and add its feeds, API, pages and assets as generated files."""
    build, preview = _process["build"], _process["command"] == "serve"
    build.output = output = build.inputs.build(preview=preview)
    if not output.ok and not preview:
        raise Abort(f"The tips have problems; the site was not built.\n{output.problems_text}")
    if not output.ok:
        note = f"\nThe tips have problems; the preview shows them until they are fixed:\n{output.problems_text}\n"
        print(note, file=sys.stderr, flush=True)  # not logged: under `serve --strict` that would end the server
        for uri in output.problem_pages:
            if files.get_file_from_path(uri) is None:
                inclusion = InclusionLevel.NOT_IN_NAV if is_tip_page(uri) else InclusionLevel.UNDEFINED
                files.append(File.generated(config, uri, content="", inclusion=inclusion))
        return files
    for line in (*(problem.as_text() for problem in output.report.problems), output.summary):
        log.info(line)  # info: a warning never stops a build, and a logged one would under --strict
    for path in output.card_paths():
        if files.get_file_from_path(path) is not None:
            raise Abort(f"docs/{path} has the same path as a share card; rename or remove it")
    for item in output.generated(with_cards=False):  # the cards are written at on_post_build
        if files.get_file_from_path(item.path) is not None:  # it would silently replace a public URL
            raise Abort(f"docs/{item.path} has the same path as a generated page or feed; rename or remove it")
        inclusion = InclusionLevel.UNDEFINED if item.in_nav else InclusionLevel.NOT_IN_NAV
        source = None if item.source is None else str(item.source)
        files.append(File.generated(config, item.path, content=item.content, inclusion=inclusion, abs_src_path=source))
    return files


def on_pre_page(page: Page, config: MkDocsConfig, files: Files) -> Page:
    """Let a generated page skip MkDocs' reading and Markdown, where the engine is one the fast path knows."""
    output = _process["build"].output
    generated = output.page(page.file.src_uri) if output.ok else None
    if generated is not None and fast_pages.enabled(config):
        fast_pages.install(page, generated)
    return page


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Escape the page's metadata for HTML and fill the `<!-- tips:... -->` markers of hand-written pages."""
    build, uri = _process["build"], page.file.src_uri
    if not build.output.ok:
        page.meta = {"title": "The tips have problems", "search": {"exclude": True}}
        return problems_markdown(build.output.problems_text)
    # The head is made from the plain-text title and description, before they are escaped for Material.
    title, description = page.meta.get("title") or page.title or "", page.meta.get("description") or ""
    build.heads[uri] = head = build.output.head(uri, title, description)
    page.meta = html_page_meta(page.meta)  # titles and descriptions are plain text; Material prints them raw
    if head is not None:
        page.update_date = head.lastmod or page.update_date  # the sitemap's <lastmod>
        page.meta["tips_sitemap"] = head.in_sitemap  # overrides/sitemap.xml leaves out a page marked false
    if build.output.page(uri) is not None:
        return markdown  # a generated page never holds a marker
    markdown, unknown = build.output.replace_markers(markdown, uri)
    for name in unknown:
        log.warning(unknown_marker(uri, name))
    return markdown


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Hold a hand-written page's HTML to the allow-list; put a generated page's HTML in place of its placeholder."""
    generated = _process["build"].output.page(page.file.src_uri)
    if generated is None:
        # Hand-written pages carry vocabulary text (the guide's tag table, the home page's markers),
        # escaped where it is written; a gap there must stop the build, not reach a reader.
        found = page_findings(html)
        if found:
            raise Abort(
                f"docs/{page.file.src_uri}: the page's HTML holds {found[0].describe()}, which no page may carry; "
                "if it comes from a generated block or a marker, its text was not escaped"
            )
        return html
    try:
        html = insert_content(html, generated.html)
    except ValueError as exc:
        raise Abort(f"{page.file.src_uri}: {exc}") from None
    page.toc = get_toc(generated.toc_tokens())
    page.present_anchor_ids = {heading.id for heading in generated.headings}
    return html


def on_page_context(context: dict, page: Page, config: MkDocsConfig, nav) -> dict:
    """Give the template the page's footer HTML and head additions from the core."""
    build = _process["build"]
    generated, head = build.output.page(page.file.src_uri), build.heads.get(page.file.src_uri)
    context["tip_footer"] = generated.footer_html if generated is not None else ""
    context["tips_head"] = head
    if head is not None and head.canonical:
        page.canonical_url = head.canonical
    return context


def on_env(env, config: MkDocsConfig, files: Files):
    """Give the templates the weekly feeds of this build (page head links) and this week's tip (404 page)."""
    env.globals["tips_feeds"] = _process["build"].output.weekly_feeds()
    env.globals["tips_this_week"] = _process["build"].output.this_week
    return env


def on_post_build(config: MkDocsConfig) -> None:
    """Write the share cards into the site, then give the process its own clock back (see on_config)."""
    build = _process["build"]
    try:
        if build is not None and build.output is not None and build.output.ok:
            site = Path(config.site_dir)
            # The engine's own write_file, looked up now: hooks/atomic_output.py may have it link a card
            # whose bytes the replaced site already holds.
            write_file = importlib.import_module(f"{engine_check.ENGINE}.utils").write_file
            site_writer = in_use(site)  # it links a card from the card cache rather than write it again
            try:
                for card in build.output.card_files():
                    if site_writer is not None and card.source is not None:
                        site_writer.offer(card.path, card.source)
                    write_file(card.content, str(site / card.path))
            except OSError as exc:
                shown = replaced_site(site) or site  # the site's own folder, not the staging one beside it
                raise Abort(f"The share cards could not be written into {shown}: {exc}") from None
            log.info(build.output.cards.summary())
            # Only a full build names every card; old ones (a changed title, another layout) go.
            removed = build.output.cards.prune_cache() if _process.get("full_build") else 0
            if removed:
                log.info(f"share cards: {removed} old entries removed from the cache")
    finally:
        _end(build)


def on_build_error(error: Exception) -> None:
    """Stop drawing cards and give the process its own clock back: the build stopped."""
    _end(_process["build"])


def _end(build: _Build | None) -> None:
    if build is None:
        return
    if build.output is not None:
        build.output.close()
    if build.epoch_set:
        build.epoch_set = unpin_source_date_epoch()


# The preview's watching and rebuilding (on_serve) are hooks/preview.py's.
