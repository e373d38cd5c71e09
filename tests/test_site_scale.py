"""A thousand tips: the site still builds, and a tip page is no bigger than with thirty.

Marked slow: it generates a 1,000-tip library and builds it for real. Run it
with `pytest -m slow tests/test_site_scale.py`; the build time is printed.
"""

from __future__ import annotations

import shutil
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from support import AS_OF, REPO, build_site

pytestmark = pytest.mark.slow

TAGS = ["reputation", "freedoms", "recovery", "empathy"]
AUTHORS = ["editorial-team", "maria-lopez", "sam-okafor"]
BODY = """When a customer brings you a problem, the first minute decides how the rest
of the conversation feels. Tip {n} is about that minute: listen to the whole
story, say back what you heard in one sentence, and name the next step before
you start working on it. The customer then knows three things at once: that
you understood, what happens now, and when they will hear from you again.

## Try this today

Pick one conversation this morning and use the three steps on purpose. Write
down what the customer said after you named the next step, and compare it with
a conversation where you went straight to the fix. Most people notice the
difference in tone within a day, and the habit sticks after a week.
"""


def generate_library(root: Path, count: int) -> Path:
    """Write `count` valid tips plus the real vocabularies into `root`; the first N tips never change."""
    root.mkdir(parents=True)
    for name in ("tags.yml", "authors.yml", "schedule.yml"):
        shutil.copy(REPO / "tips" / name, root / name)
    for n in range(count):
        published = date(2024, 1, 1) + timedelta(days=n % 960)
        tags = ", ".join(dict.fromkeys([TAGS[n % 4], TAGS[(n // 4 + 1) % 4]]))
        (root / f"generated-tip-{n:04d}.md").write_text(
            "---\n"
            f"title: Generated tip {n:04d} on the first minute\n"
            f"summary: Tip {n:04d}, listen, say back what you heard and name the next step before you fix anything.\n"
            f"tags: [{tags}]\n"
            f"author: {AUTHORS[n % 3]}\n"
            f"published: {published.isoformat()}\n"
            "---\n" + BODY.format(n=n),
            "utf-8",
        )
    return root


def timed_build(tips: Path, out: Path):
    start = time.monotonic()
    result = build_site(tips, out, AS_OF)
    return result, time.monotonic() - start


def test_a_thousand_tips_build_and_tip_pages_stay_the_same_size(tmp_path, capsys):
    small, small_seconds = timed_build(generate_library(tmp_path / "30" / "tips", 30), tmp_path / "30" / "site")
    assert small.ok, small.output
    large, large_seconds = timed_build(generate_library(tmp_path / "1000" / "tips", 1000), tmp_path / "1000" / "site")
    assert large.ok, large.output
    with capsys.disabled():
        print(f"\nsite build: 30 tips {small_seconds:.1f} s, 1,000 tips {large_seconds:.1f} s")

    built = [p for p in (large.site / "tips").iterdir() if (p / "index.html").is_file()]
    assert len(built) == 1000
    for slug in ("generated-tip-0000", "generated-tip-0015", "generated-tip-0029"):
        at_30 = len(small.page(f"tips/{slug}/").encode("utf-8"))
        at_1000 = len(large.page(f"tips/{slug}/").encode("utf-8"))
        assert abs(at_1000 - at_30) <= 0.10 * at_30, (slug, at_30, at_1000)
    # The pages every reader starts from stay flat too.
    for url in ("", "about/"):
        at_30, at_1000 = len(small.page(url)), len(large.page(url))
        assert abs(at_1000 - at_30) <= 0.10 * at_30, (url, at_30, at_1000)
