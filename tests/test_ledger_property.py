"""Property: whatever editors do, a recorded week stays byte for byte as it was sent, or the edit is refused.

Hypothesis interleaves random edits (add, delete, draft, retag, pin,
backdate, relabel a tag or rename an author) with weeks passing, recording
every started week the way the Monday publish does. After each edit,
`check_library` either refuses it (and the edit is undone, as a refused pull
request is never merged) or accepts it, and then every recorded week's page
content, RSS, Atom and JSON Feed items and API entry must equal what they
were when the week was recorded. The core functions are used directly (no
MkDocs build), so the test stays fast; test_ledger.py builds the real site.
"""

from __future__ import annotations

import re
import shutil
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from servicetips.check import check_library
from servicetips.dates import IsoWeek
from servicetips.ledger import record_weeks
from test_ledger import BASE, week_outputs

START = date(2026, 11, 23)
TAGS = ["reputation", "freedoms", "recovery", "empathy"]
BASE_TIPS = ["open-with-what-they-need", "own-the-miss"]

edits = st.one_of(
    st.tuples(st.just("add"), st.integers(-120, 14), st.sampled_from(TAGS)),
    st.tuples(st.just("delete"), st.integers(0, 5)),
    st.tuples(st.just("draft"), st.integers(0, 5)),
    st.tuples(st.just("retag"), st.integers(0, 5), st.sampled_from(TAGS)),
    st.tuples(st.just("pin"), st.integers(0, 5), st.integers(-8, 6)),
    st.tuples(st.just("backdate"), st.integers(0, 5), st.integers(1, 200)),
    st.tuples(st.just("relabel"), st.sampled_from(TAGS), st.text("ABCDEFGH xyz", min_size=1, max_size=12)),
    st.tuples(st.just("rename-author"), st.text("ABCDEFGH xyz", min_size=1, max_size=12)),
    st.tuples(st.just("pass"), st.integers(1, 2)),
)


def _snapshot(root: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in root.iterdir()}


def _restore(root: Path, files: dict[str, str]) -> None:
    for path in root.iterdir():
        if path.name not in files:
            path.unlink()
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")


def _set(text: str, key: str, value: str) -> str:
    pattern = re.compile(rf"^{key}: .*$", re.M)
    if pattern.search(text):
        return pattern.sub(f"{key}: {value}", text, count=1)
    return text.replace("\n---\n", f"\n{key}: {value}\n---\n", 1)


def _apply(root: Path, edit: tuple, as_of: date, counter: list[int]) -> None:
    tips = sorted(p for p in root.glob("*.md"))
    kind = edit[0]
    if kind == "add":
        counter[0] += 1
        text = (BASE / "tips" / "open-with-what-they-need.md").read_text(encoding="utf-8")
        text = _set(text, "title", f"Added tip number {counter[0]}")
        text = _set(text, "published", str(as_of + timedelta(days=edit[1])))
        text = _set(text, "tags", f"[{edit[2]}]")
        (root / f"added-tip-{counter[0]}.md").write_text(text, encoding="utf-8")
        return
    if kind == "relabel":
        text = (root / "tags.yml").read_text(encoding="utf-8")
        text = re.sub(rf"^({edit[1]}:\n  label: ).*$", lambda m: m.group(1) + edit[2].strip() or "X", text, flags=re.M)
        (root / "tags.yml").write_text(text, encoding="utf-8")
        return
    if kind == "rename-author":
        text = (root / "authors.yml").read_text(encoding="utf-8")
        (root / "authors.yml").write_text(
            text.replace("name: Maria Lopez", f"name: {edit[1].strip() or 'X'}"), encoding="utf-8"
        )
        return
    if not tips:
        return
    path = tips[edit[1] % len(tips)]
    if kind == "delete":
        path.unlink()
        return
    text = path.read_text(encoding="utf-8")
    if kind == "draft":
        text = _set(text, "draft", "true")
    elif kind == "retag":
        text = _set(text, "tags", f"[{edit[2]}]")
    elif kind == "pin":
        week = IsoWeek.of(as_of + timedelta(weeks=edit[2]))
        text = _set(text, "week", str(week))
    elif kind == "backdate":
        published = date.fromisoformat(re.search(r"^published: (\S+)$", text, re.M).group(1))
        text = _set(text, "published", str(published - timedelta(days=edit[2])))
    path.write_text(text, encoding="utf-8")


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(edits, min_size=1, max_size=12))
def test_recorded_weeks_never_change(tmp_path_factory, steps):
    repo = tmp_path_factory.mktemp("ledger-property")
    shutil.copytree(BASE / "tips", repo / "tips")
    shutil.copytree(BASE / "ledger", repo / "ledger")
    root = repo / "tips"
    as_of = START
    report = check_library(root, as_of, today=as_of)
    assert report.ok
    sent = week_outputs(report)
    counter = [0]
    for edit in steps:
        if edit[0] == "pass":
            as_of += timedelta(weeks=edit[1])
            report = check_library(root, as_of, today=as_of)
            assert report.ok, [p.as_text() for p in report.problems]
            # The Monday publish: record the started weeks, then build.
            record_weeks(
                root,
                report.schedule.slots,
                report.library,
                report.ledger,
                as_of,
                report.visible.has_page,
                dict(report.assets),
            )
            report = check_library(root, as_of, today=as_of)
            assert report.schedule.unrecorded == ()
        else:
            before = _snapshot(root)
            _apply(root, edit, as_of, counter)
            report = check_library(root, as_of, today=as_of)
            if not report.ok:
                _restore(root, before)  # refused: the pull request is not merged
                continue
        now = week_outputs(report)
        for week, shown in sent.items():
            assert now[week] == shown, (week, edit)
        sent.update({w: o for w, o in now.items() if w not in sent})
