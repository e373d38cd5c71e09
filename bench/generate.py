"""Synthetic tip libraries for the benchmark, built from the real tips in tips/.

`write_library(folder, n)` writes n valid tips plus the vocabularies: tip i
is real tip `i % 28` (bodies, tags, authors and sources as editors wrote
them) with a unique slug and title, a published date spread over the two
years before the benchmark's date, and its links to other tips pointed at
generated copies that exist. `write_bare_docs(folder, library)` writes the
same tips as plain MkDocs pages for the bare Material baseline.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

from servicetips.load import read_tip
from servicetips.validate import VOCABULARY_FILES, tip_paths

REPO = Path(__file__).resolve().parent.parent
AS_OF = date(2026, 11, 23)  # every measurement uses this date (TIPS_AS_OF), so runs compare
TITLE_MAX = 80
# A link to another tip as the real tips write it: [text](other-tip.md) or (other-tip.md#part).
TIP_LINK = re.compile(r"\]\(([a-z0-9]+(?:-[a-z0-9]+)*)\.md(#[^)\s]*)?\)")
SPREAD_DAYS = 730


@dataclass(frozen=True)
class SeedTip:
    """A real tip as the generator reuses it."""

    slug: str
    meta: dict
    body: str


@dataclass(frozen=True)
class GeneratedTip:
    """One generated tip: where it is and what the bare baseline needs from it."""

    slug: str
    title: str
    summary: str
    tags: tuple[str, ...]
    body: str


def seed_tips(root: Path = REPO / "tips") -> list[SeedTip]:
    """The real tips (front matter as parsed, body as written), sorted by slug."""
    seeds = []
    for path in tip_paths(root):
        source = read_tip(path, root)
        if source.problems or source.data is None or source.data.get("draft"):
            raise SystemExit(f"bench: {path} is not a valid published tip; run `tips check` first")
        seeds.append(SeedTip(source.slug, source.data, source.body))
    if not seeds:
        raise SystemExit(f"bench: no tips in {root}")
    return seeds


def generated_slug(seed_slug: str, index: int) -> str:
    """The slug of copy `index` of a seed tip: unique, lowercase kebab-case."""
    return f"{seed_slug}-{index:05d}"


def _front_matter(meta: dict) -> str:
    # Keys in the order editors write them, tags as a flow list as in tips/;
    # safe_dump quotes the values that need it.
    lines = []
    for key in ("title", "summary", "tags", "author", "published", "source"):
        if key not in meta:
            continue
        if key == "tags":
            lines.append("tags: [" + ", ".join(meta["tags"]) + "]")
            continue
        lines.append(
            yaml.safe_dump(
                {key: meta[key]}, allow_unicode=True, width=10_000, default_flow_style=False, sort_keys=False
            ).rstrip("\n")
        )
    return "---\n" + "\n".join(lines) + "\n---\n"


def write_library(folder: Path, count: int, seeds: list[SeedTip] | None = None) -> list[GeneratedTip]:
    """Write `count` valid tips and the vocabularies into `folder` (created); return the tips written."""
    seeds = seeds or seed_tips()
    folder.mkdir(parents=True, exist_ok=True)
    for name in VOCABULARY_FILES:
        shutil.copyfile(REPO / "tips" / name, folder / name)
    position = {seed.slug: i for i, seed in enumerate(seeds)}
    written = []
    for index in range(count):
        seed = seeds[index % len(seeds)]
        cycle_start = index - index % len(seeds)

        def relink(match: re.Match, cycle_start: int = cycle_start) -> str:
            # Link to the copy of the target in the same cycle, or in the
            # first cycle when this cycle stops before it: it always exists.
            target = match.group(1)
            if target not in position:
                return match.group(0)
            linked = cycle_start + position[target]
            slug = generated_slug(target, linked if linked < count else position[target])
            return f"]({slug}.md{match.group(2) or ''})"

        slug = generated_slug(seed.slug, index)
        suffix = f" ({index + 1})"
        title = seed.meta["title"][: TITLE_MAX - len(suffix)].rstrip() + suffix
        published = AS_OF - timedelta(days=7 + (index * 7919) % SPREAD_DAYS)
        meta = dict(seed.meta, title=title, published=published)
        body = TIP_LINK.sub(relink, seed.body)
        (folder / f"{slug}.md").write_text(_front_matter(meta) + body, encoding="utf-8")
        written.append(GeneratedTip(slug, title, meta["summary"], tuple(meta["tags"]), body))
    return written


def write_bare_docs(folder: Path, tips: list[GeneratedTip]) -> tuple[Path, Path]:
    """The same tips as plain Material pages (search + tags plugins, not in the nav); returns two configs.

    Each page has what a tip page shows from the tip itself: the title as
    H1, the summary and the body, with the tags in front matter for the
    tags plugin. No hooks, no template overrides, no generated pages.

    The first config is the bare baseline: Material's defaults. The second
    uses the site's own `theme:` settings (without its template overrides)
    and `markdown_extensions:`, to tell the cost of those choices apart
    from the cost of our hooks and pages.
    """
    docs = folder / "docs"
    (docs / "tips").mkdir(parents=True, exist_ok=True)
    (docs / "index.md").write_text("# Service Tips\n\nA bare Material site with the same tips.\n", encoding="utf-8")
    for tip in tips:
        front = yaml.safe_dump(
            {"title": tip.title, "tags": list(tip.tags)}, allow_unicode=True, width=10_000, sort_keys=False
        )
        page = f"---\n{front}---\n# {tip.title}\n\n{tip.summary}\n\n{tip.body}"
        (docs / "tips" / f"{tip.slug}.md").write_text(page, encoding="utf-8")
    config = {
        "site_name": "Service Tips (bare)",
        "site_url": "https://bare.example.org/",
        "theme": {"name": "material"},
        "plugins": ["search", "tags"],
        "nav": ["index.md"],
    }
    path = folder / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    site = yaml.safe_load((REPO / "mkdocs.yml").read_text("utf-8"))
    theme = {key: value for key, value in site["theme"].items() if key != "custom_dir"}
    like_site = dict(config, theme=theme, markdown_extensions=site.get("markdown_extensions", []))
    like_site_path = folder / "mkdocs-like-site.yml"
    like_site_path.write_text(yaml.safe_dump(like_site, sort_keys=False), encoding="utf-8")
    return path, like_site_path
