"""WebSub: which hub to tell, and which feeds, once a new site is deployed.

The publish workflow's build job runs `python -m servicetips.websub
mkdocs.yml site` after the build and keeps its two lines (`hub=...`,
`topics=...`) as job outputs; a job after the deploy then posts
`hub.mode=publish` for each topic to the hub (https://www.w3.org/TR/websub/).
With no `extra: websub_hub:` in mkdocs.yml both are empty and nothing is sent.
Topics are the feeds the site really holds: the weekly feeds and each tag's.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import routes
from .build import site_settings
from .feeds import normalize_site_url, validate_hub


def topics(site: Path, site_url: str) -> list[str]:
    """The absolute URLs of the feeds in the built site `site`, weekly feeds first, then tags' by path."""
    weekly = [routes.FEED_RSS, routes.FEED_ATOM, routes.FEED_JSON]
    tags = sorted(path.relative_to(site).as_posix() for path in (site / routes.TAGS).glob(f"*/{routes.TAG_FEED_NAME}"))
    return [routes.url(path, site_url) for path in [*weekly, *tags] if (site / path).is_file()]


def outputs(config: Path, site: Path) -> str:
    """The job outputs: `hub=<url>` and `topics=<url> <url> ...`, both empty without a hub."""
    settings = site_settings(config)
    extra = settings.get("extra") if isinstance(settings.get("extra"), dict) else {}
    hub = validate_hub(extra.get("websub_hub"))
    if hub is None:
        return "hub=\ntopics=\n"
    return f"hub={hub}\ntopics={' '.join(topics(site, normalize_site_url(settings.get('site_url'))))}\n"


if __name__ == "__main__":  # python -m servicetips.websub mkdocs.yml site
    try:
        sys.stdout.write(outputs(Path(sys.argv[1]), Path(sys.argv[2])))
    except (OSError, ValueError, IndexError) as exc:
        sys.exit(f"websub: {exc}")
