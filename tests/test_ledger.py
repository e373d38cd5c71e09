"""The ledger: a week that has started never changes, whatever is edited.

The cases live in tests/fixtures/hostile/recorded-weeks/: `base/` is a small
repository (tips/ and ledger/, recorded up to 2026-W48), and every other
folder is one attack on the past, laid over it: its files replace or add
files of the base, and its `DELETE` file (if any) lists paths to remove.
Each case is committed base-then-change in a fresh git repository and
checked with `tips check --changed HEAD`, as a pull request is. A case is
refused with file:line:col, or (ACCEPTED) passes and leaves every recorded
week's page, feed items and API entry byte for byte as they were.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from servicetips import files
from servicetips import ledger as ledger_module
from servicetips.changes import ledger_at
from servicetips.check import check_library
from servicetips.cli import main
from servicetips.dates import IsoWeek
from servicetips.feeds import SiteInfo, build_feeds
from servicetips.ledger import LedgerEntry, entry_text, ledger_folder, record_weeks, snapshot
from servicetips.pages import SitePages
from servicetips.problems import CODES
from servicetips.schedule_rules import check_feed_window
from servicetips.share import week_email
from support import AS_OF, FIXTURES, REPO, Git, TipsRun, build_site, run_tips
from support.readonly import refusing_writes
from test_output_scan import allowed, site_findings  # noqa: F401 - `allowed` is a fixture (the theme's own scripts)

LEDGER_CASES = FIXTURES / "hostile" / "recorded-weeks"
BASE = LEDGER_CASES / "base"
SITE = SiteInfo(url="https://tips.example.org/", title="Service Tips", description="Tips")

# (case, code, path, line, col, text the message must contain)
REJECTED = [
    (
        "delete-recorded-tip",
        "LEDGER008",
        "ledger/2026-W36.json",
        1,
        1,
        "tips/open-with-what-they-need.md was tip of the week 2026-W36, 2026-W38",
    ),
    ("rename-recorded-tip", "LEDGER008", "ledger/2026-W37.json", 1, 1, "tips/own-the-miss.md was tip of the week"),
    ("draft-recorded-tip", "LEDGER009", "tips/own-the-miss.md", 8, 8, "cannot become a draft"),
    (
        "pin-recorded-week",
        "LEDGER010",
        "tips/open-with-what-they-need.md",
        7,
        7,
        "2026-W46 has started and was recorded with tips/own-the-miss.md",
    ),
    (
        "published-after-recorded-week",
        "LEDGER011",
        "tips/open-with-what-they-need.md",
        6,
        12,
        "published 2026-11-20 is after 2026-W36 started",
    ),
    ("edit-ledger-file", "LEDGER012", "ledger/2026-W44.json", 1, 1, "the recorded week 2026-W44 was changed"),
    ("withdrawal-that-rewrites", "LEDGER012", "ledger/2026-W46.json", 1, 1, "2026-W46 was changed"),
    ("delete-ledger-file", "LEDGER013", "ledger/2026-W48.json", 1, 1, "the recorded week 2026-W48 was deleted"),
    ("delete-middle-ledger-file", "LEDGER006", "ledger/2026-W42.json", 1, 1, "the ledger has no file for 2026-W41"),
    (
        "future-ledger-file",
        "LEDGER004",
        "ledger/2026-W50.json",
        3,
        3,
        "2026-W50 cannot have been recorded: it says it was recorded on 2026-12-07, after today",
    ),
    (
        "recorded-body-links-to-missing-tip",
        "LEDGER015",
        "ledger/2026-W45.json",
        9,
        5,
        "2026-W45 links to tips/no-such-tip.md, which is missing",
    ),
    (
        "remove-recorded-tag",
        "LEDGER016",
        "tips/tags.yml",
        1,
        1,
        "the tag 'reputation' was removed, but 2026-W37 (ledger/2026-W37.json) shows it",
    ),
    ("markup-in-recorded-body", "LEDGER007", "ledger/2026-W45.json", 9, 5, "the recorded body breaks BODY004"),
    ("markup-in-recorded-title", "LEDGER002", "ledger/2026-W45.json", 19, 5, "tip.title: title contains an HTML tag"),
    ("script-url-in-recorded-author", "LEDGER002", "ledger/2026-W45.json", 8, 7, "tip.author.url"),
    ("ledger-unknown-key", "LEDGER002", "ledger/2026-W43.json", 10, 5, "tip.html: Extra inputs are not permitted"),
    (
        "ledger-version-true",
        "LEDGER002",
        "ledger/2026-W41.json",
        2,
        3,
        "ledger_version: Input should be a valid integer",
    ),
    (
        "withdrawal-dated-to-come",
        "LEDGER019",
        "ledger/2026-W40.json",
        28,
        5,
        "2026-W40 cannot be as recorded: it says it was withdrawn on 2099-12-31, after today",
    ),
    (
        "recorded-tip-dated-in-its-week",
        "LEDGER019",
        "ledger/2026-W44.json",
        11,
        5,
        "2026-W44 cannot be as recorded: its tip is dated 2026-10-27, once the week had started",
    ),
    ("malformed-ledger-file", "LEDGER001", "ledger/2026-W42.json", 10, 13, "not valid JSON"),
    ("ledger-file-wrong-name", "LEDGER003", "ledger/latest.json", 1, 1, "'latest.json' is not a ledger file name"),
    ("ledger-week-mismatch", "LEDGER003", "ledger/2026-W47.json", 21, 3, "the file records 2026-W46, not 2026-W47"),
    (
        "first-week-after-recorded",
        "LEDGER005",
        "ledger/2026-W36.json",
        21,
        3,
        "2026-W36 is before the schedule's first week, 2026-W40",
    ),
    # first_week moved earlier: the weeks before the ledger's first would be computed now, as if sent.
    (
        "first-week-before-recorded",
        "LEDGER006",
        "tips/schedule.yml",
        1,
        13,
        "first_week 2026-W30 is before the first recorded week, 2026-W36",
    ),
    # A file for next week, dated today: it would fix next week's tip before it starts.
    (
        "next-week-recorded-early",
        "LEDGER004",
        "ledger/2026-W49.json",
        3,
        3,
        "2026-W49 cannot have been recorded: it says it was recorded on 2026-11-23, before the week started",
    ),
    # The whole ledger deleted in one pull request: every week is named.
    ("delete-whole-ledger", "LEDGER013", "ledger/2026-W36.json", 1, 1, "the recorded week 2026-W36 was deleted"),
]
# Renamed authors (even to a stranger with another link) and a retitled recorded tip change
# the tip's own page, never a recorded week, which shows them as they were sent.
ACCEPTED = [
    "backdated-new-tip",
    "retag-and-relabel",
    "withdrawn-then-deleted",
    "relabel-recorded-authors",
    "retitle-recorded-tip",
]


def make_case(tmp_path: Path, case: str) -> Path:
    """The base repository committed, with the case's change on top (not committed, as in a PR check)."""
    repo = tmp_path / "repo"
    shutil.copytree(BASE, repo)
    Git.committed(repo, "base")
    source = LEDGER_CASES / case
    for path in sorted(source.rglob("*")):
        if path.is_file() and path.name != "DELETE":
            target = repo / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
    if (source / "DELETE").exists():
        for line in (source / "DELETE").read_text().split():
            (repo / line).unlink()
    return repo


def run_check(repo: Path, *extra: str) -> TipsRun:
    return run_tips("check", "--root", "tips", "--as-of", AS_OF, "--format", "json", *extra, cwd=repo)


def record(root: Path, report, as_of: date) -> list[Path]:
    """What `tips schedule --record` does with a checked library: the ledger files written."""
    return record_weeks(
        root, report.schedule.slots, report.library, report.ledger, as_of, report.visible.has_page, dict(report.assets)
    )


def recorded_outputs(root: Path, as_of: date, today: date | None = None) -> dict[str, dict]:
    """Everything a recorded week shows, by week: page (without the pager), feed items, API entry.

    The pager of a week page links to the neighbouring weeks, so it gains a
    link when the next week starts; everything else must never change.
    """
    report = check_library(root, as_of, today=today)
    assert report.ok, [p.as_text() for p in report.problems]
    return week_outputs(report)


def week_outputs(report) -> dict[str, dict]:
    """The recorded weeks' outputs of a checked library (see `recorded_outputs`)."""
    ledger = report.ledger
    pages = SitePages(report.library, report.schedule)
    feeds = {f.path: f.content for f in build_feeds(report.library, report.schedule, SITE)}
    rss = {i.findtext("guid"): ET.tostring(i) for i in ET.fromstring(feeds["feed.xml"]).iter("item")}
    atom_ns = "{http://www.w3.org/2005/Atom}"
    atom = {
        e.findtext(f"{atom_ns}id"): ET.tostring(e) for e in ET.fromstring(feeds["atom.xml"]).iter(f"{atom_ns}entry")
    }
    jsonfeed = {i["id"]: i for i in json.loads(feeds["feed.json"])["items"]}
    api = {w["week"]: w for w in json.loads(feeds["api/weeks.json"])["weeks"]}
    outputs = {}
    for slot in report.schedule.published:
        if slot.week not in ledger.entries:
            continue
        page = pages.week_page(slot)
        url = f"{SITE.url}weekly/{slot.week}/"
        outputs[str(slot.week)] = {
            # The page's whole content, body included, is HTML from the core.
            "page": page.html,
            "meta": page.meta,
            "rss": rss.get(url),
            "atom": atom.get(url),
            "json": jsonfeed.get(url),
            "api": api[str(slot.week)],
        }
    return outputs


def test_every_ledger_code_has_a_case():
    covered = {row[1] for row in REJECTED}
    # LEDGER014 is a warning (a lagging ledger): test_a_lagging_ledger_is_filled_and_reported.
    # LEDGER017 needs a week that started after the base was recorded:
    # test_a_hand_made_file_for_a_lagging_week_is_refused.
    # LEDGER018 needs a week recorded with an image: test_a_recorded_week_keeps_the_bytes_of_the_images_it_showed.
    assert {c for c in CODES if c.startswith("LEDGER")} - covered == {"LEDGER014", "LEDGER017", "LEDGER018"}


def test_every_case_folder_is_in_a_table():
    on_disk = {p.name for p in LEDGER_CASES.iterdir() if p.is_dir()} - {"base"}
    assert on_disk == {row[0] for row in REJECTED} | set(ACCEPTED)


def test_the_base_is_clean_and_fully_recorded():
    report = check_library(BASE / "tips", date.fromisoformat(AS_OF))
    assert report.ok
    assert sorted(str(w) for w in report.ledger.entries) == [f"2026-W{n}" for n in range(36, 49)]
    assert report.schedule.unrecorded == ()


@pytest.mark.parametrize("case, code, path, line, col, text", REJECTED, ids=[r[0] for r in REJECTED])
def test_an_edit_against_the_ledger_is_refused_at_its_place(tmp_path, case, code, path, line, col, text):
    done = run_check(make_case(tmp_path, case), "--changed", "HEAD")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    problems = [p for p in json.loads(done.stdout) if p["code"] == code]
    assert problems, done.stdout
    problem = problems[0]
    assert (problem["path"], problem["line"], problem["col"]) == (path, line, col), problem
    assert text in problem["message"]
    assert problem["hint"]


@pytest.mark.parametrize("case", ACCEPTED)
def test_an_accepted_edit_leaves_every_recorded_week_as_sent(tmp_path, case):
    repo = make_case(tmp_path, case)
    done = run_check(repo, "--changed", "HEAD")
    assert done.returncode == 0, done.stdout + done.stderr
    before = recorded_outputs(BASE / "tips", date.fromisoformat(AS_OF))
    after = recorded_outputs(repo / "tips", date.fromisoformat(AS_OF))
    assert before.keys() == after.keys()
    withdrawn = {
        w: e
        for w, e in check_library(repo / "tips", date.fromisoformat(AS_OF)).ledger.entries.items()
        if e.withdrawn is not None
    }
    for week in before:
        if IsoWeek.parse(week) in withdrawn:
            continue
        assert after[week] == before[week], week
    for week in withdrawn:
        shown = after[str(week)]
        # Same permalink and item id; the notice instead of the tip; updated on the withdrawal date.
        page = shown["page"].replace("\\", "")  # Markdown escapes in the notice
        assert "was withdrawn on 2026-11-23" in page and "Own the miss" not in page
        assert shown["json"]["id"] == before[str(week)]["json"]["id"]
        assert shown["json"]["date_modified"] == "2026-11-23T00:00:00Z"
        assert "not ours to share" in shown["json"]["content_html"]
        assert shown["api"]["withdrawn"] == {
            "on": "2026-11-23",
            "reason": "The customer story it tells was not ours to share.",
        }


def test_the_whole_ledger_deleted_names_every_week(tmp_path):
    done = run_check(make_case(tmp_path, "delete-whole-ledger"), "--changed", "HEAD")
    deleted = [p["path"] for p in json.loads(done.stdout) if p["code"] == "LEDGER013"]
    assert deleted == [f"ledger/2026-W{n}.json" for n in range(36, 49)]


def test_a_retag_changes_the_tip_page_but_not_the_recorded_week(tmp_path):
    repo = make_case(tmp_path, "retag-and-relabel")
    report = check_library(repo / "tips", date.fromisoformat(AS_OF))
    pages = SitePages(report.library, report.schedule)
    tip_page = pages.tip_page(report.library.by_slug["open-with-what-they-need"]).html
    assert "Making it right" in tip_page and "Empathy" not in tip_page
    week = week_outputs(report)["2026-W47"]
    assert "Empathy" in week["page"] and "Making it right" not in week["page"]
    assert "Maria Lopez" in week_outputs(report)["2026-W48"]["page"]


def test_a_lagging_ledger_is_filled_and_reported(tmp_path):
    repo = make_case(tmp_path, "backdated-new-tip")
    later = date(2026, 12, 9)
    report = check_library(repo / "tips", later, today=later)
    assert report.ok
    assert [str(w) for w in report.schedule.unrecorded] == ["2026-W49", "2026-W50"]
    lag = [p for p in report.problems if p.code == "LEDGER014"]
    assert [(p.path.endswith("ledger"), p.line, p.col, p.severity.value) for p in lag] == [(True, 1, 1, "warning")]
    assert "2026-W49 to 2026-W50 started but are not recorded" in lag[0].message
    # Recording writes exactly the missing weeks, with what the build showed, and never rewrites one.
    before = week_outputs(report)
    written = record(repo / "tips", report, later)
    assert [p.name for p in written] == ["2026-W49.json", "2026-W50.json"]
    recorded = check_library(repo / "tips", later, today=later)
    assert recorded.schedule.unrecorded == ()
    assert {w: o for w, o in week_outputs(recorded).items() if w in before} == before
    assert record(repo / "tips", recorded, later) == []


def test_record_and_withdraw_from_the_command_line(tmp_path):
    repo = make_case(tmp_path, "backdated-new-tip")
    done = run_tips("schedule", "--record", "--root", "tips", "--as-of", "2026-11-24", cwd=repo)
    assert done.returncode == 0 and "the ledger is up to date (week 2026-W48)" in done.stdout
    withdrawn = run_tips(
        "withdraw",
        "open-with-what-they-need",
        "--root",
        "tips",
        "--reason",
        "A factual error in the second step.",
        "--as-of",
        "2026-11-24",
        cwd=repo,
    )
    assert withdrawn.returncode == 0, withdrawn.stderr
    assert "withdrew open-with-what-they-need from ledger/2026-W36.json" in withdrawn.stdout
    (repo / "tips" / "open-with-what-they-need.md").unlink()
    assert run_check(repo, "--changed", "HEAD").returncode == 0
    entry = LedgerEntry.model_validate_json((ledger_folder(repo / "tips") / "2026-W36.json").read_text())
    assert entry.withdrawn.reason == "A factual error in the second step."
    again = run_tips(
        "withdraw",
        "open-with-what-they-need",
        "--root",
        "tips",
        "--reason",
        "Twice.",
        "--as-of",
        "2026-11-24",
        cwd=repo,
    )
    assert again.returncode == 2 and "already withdrawn" in again.stderr
    markup = run_tips(
        "withdraw",
        "own-the-miss",
        "--root",
        "tips",
        "--reason",
        "<script>alert(1)</script>",
        "--as-of",
        "2026-11-24",
        cwd=repo,
    )
    assert markup.returncode == 2 and "HTML tag" in markup.stderr


def test_the_real_library_is_recorded_up_to_this_week():
    report = check_library(Path(__file__).parent.parent / "tips", date(2026, 11, 24))
    assert report.ok
    assert min(report.ledger.entries) == IsoWeek(2026, 36) and max(report.ledger.entries) == IsoWeek(2026, 48)
    assert report.schedule.unrecorded == ()


@pytest.mark.slow
def test_site_build_after_a_retag_keeps_the_week_and_changes_the_tip_page(tmp_path):
    repo = make_case(tmp_path, "retag-and-relabel")
    base = build_site(BASE / "tips", tmp_path / "base-site", AS_OF)
    assert base.ok, base.output
    edited = build_site(repo / "tips", tmp_path / "edited-site", AS_OF)
    assert edited.ok, edited.output

    def article(site: Path, path: str) -> str:
        html = (site / path / "index.html").read_text(encoding="utf-8")
        start = html.index("<article")
        return html[start : html.index("</article>", start)]

    assert article(base.site, "weekly/2026-W47") == article(edited.site, "weekly/2026-W47")
    assert "Empathy" in article(edited.site, "weekly/2026-W47")
    tip_before = article(base.site, "tips/open-with-what-they-need")
    tip_after = article(edited.site, "tips/open-with-what-they-need")
    assert "Empathy" in tip_before and "Making it right" in tip_after and "Empathy" not in tip_after


@pytest.mark.slow
def test_site_build_of_a_withdrawn_and_deleted_tip_keeps_its_weeks_honest(tmp_path):
    repo = make_case(tmp_path, "withdrawn-then-deleted")
    assert run_check(repo, "--changed", "HEAD").returncode == 0
    built = build_site(repo / "tips", tmp_path / "site", AS_OF)
    assert built.ok, built.output  # check clean, build clean
    site = built.site
    assert not (site / "tips" / "own-the-miss").exists()
    week = (site / "weekly" / "2026-W46" / "index.html").read_text(encoding="utf-8")
    assert "Tip withdrawn" in week and "not ours to share" in week and "Own the miss" not in week
    # The same item id and link, the notice as content, updated on the day of the withdrawal.
    atom = ET.fromstring((site / "atom.xml").read_bytes())
    ns = "{http://www.w3.org/2005/Atom}"
    entry = next(e for e in atom.iter(f"{ns}entry") if e.findtext(f"{ns}id").endswith("/weekly/2026-W46/"))
    assert entry.findtext(f"{ns}updated").startswith("2026-11-23")
    assert entry.findtext(f"{ns}published").startswith("2026-11-09")
    assert "not ours to share" in entry.findtext(f"{ns}content")
    weeks = json.loads((site / "api" / "weeks.json").read_text(encoding="utf-8"))["weeks"]
    withdrawn = next(w for w in weeks if w["week"] == "2026-W46")
    assert withdrawn["withdrawn"]["on"] == "2026-11-23" and withdrawn["title"] == "Tip withdrawn"
    # The other tip's weeks are untouched.
    assert "Open with what they need" in (site / "weekly" / "2026-W47" / "index.html").read_text(encoding="utf-8")


def test_week_and_schedule_say_when_a_week_was_withdrawn(tmp_path):
    repo = make_case(tmp_path, "withdrawn-then-deleted")
    week = run_tips("week", "--root", "tips", "--as-of", AS_OF, cwd=repo)
    assert week.returncode == 0, week.stderr
    assert week.stdout.splitlines()[0].endswith("(withdrawn)") and "not ours to share" in week.stdout
    plan = run_tips("schedule", "--root", "tips", "--as-of", AS_OF, "--past", "2", cwd=repo)
    assert "2026-W46" in plan.stdout and "own-the-miss [withdrawn 2026-11-23]" in plan.stdout


def test_a_hand_made_file_for_a_lagging_week_is_refused(tmp_path):
    repo = make_case(tmp_path, "backdated-new-tip")
    Git(repo)("add", "-A")
    Git(repo)("commit", "-q", "-m", "a new tip")
    monday = date(2026, 11, 30)  # 2026-W49 has started; the ledger holds up to 2026-W48
    root = repo / "tips"
    report = check_library(root, monday, today=monday)
    due = report.schedule.slots[-1]
    assert str(due.week) == "2026-W49" and due.record is None
    other = next(t for t in report.library.tips if t.slug != due.tip.slug)
    forged = LedgerEntry(
        ledger_version=1,
        week="2026-W49",
        recorded=monday,
        tip=snapshot(other, report.library, report.visible.has_page, dict(report.assets)),
    )
    path = ledger_folder(root) / "2026-W49.json"
    path.write_text(entry_text(forged), encoding="utf-8")
    base = ledger_at(ledger_folder(root), "HEAD")
    refused = check_library(root, monday, ledger_at_base=base, today=monday)
    problems = [p for p in refused.problems if p.code == "LEDGER017"]
    assert [(p.path.endswith("ledger/2026-W49.json"), p.line, p.col) for p in problems] == [(True, 4, 3)]
    assert f"(tips/{due.tip.slug}.md as it is now)" in problems[0].message
    # What `tips schedule --record` writes is accepted.
    path.unlink()
    assert [p.name for p in record(root, report, monday)] == ["2026-W49.json"]
    accepted = check_library(root, monday, ledger_at_base=base, today=monday)
    assert accepted.ok and not [p for p in accepted.problems if p.code.startswith("LEDGER")]


@pytest.mark.slow
@pytest.mark.parametrize("case", ACCEPTED)
def test_an_accepted_case_builds_with_no_markup_the_theme_did_not_put_there(tmp_path, case, allowed):  # noqa: F811
    repo = make_case(tmp_path, case)
    built = build_site(repo / "tips", tmp_path / "site", AS_OF)
    assert built.ok, built.output  # check clean, build clean
    assert site_findings(built.site, allowed) == {}


LINK_CASES = FIXTURES / "hostile" / "recorded-links"


def _overlay(source: Path, repo: Path) -> None:
    # Fresh modification times: a copied file of the same size and an older
    # time looks unchanged to git, and `--changed` would not see the edit.
    shutil.copytree(source, repo, dirs_exist_ok=True, copy_function=shutil.copyfile)


def _repo_with_link(tmp_path: Path, *base_overlays: str) -> Path:
    """The base repository plus recorded-links/base (2026-W48's body links to tips/linked-tip.md), committed."""
    repo = tmp_path / "repo"
    shutil.copytree(BASE, repo)
    for overlay in ("base", *base_overlays):
        _overlay(LINK_CASES / overlay, repo)
    Git.committed(repo, "base")
    return repo


def test_a_tip_linked_from_a_recorded_week_cannot_be_dated_away(tmp_path):
    # 2026-W48 was recorded with a link to linked-tip (its snapshot's `links`), and a recorded link stays a
    # link: dating the tip after as_of would take away the page the week links to, so every check refuses it.
    repo = _repo_with_link(tmp_path)
    before = recorded_outputs(repo / "tips", date.fromisoformat(AS_OF))
    assert 'href="https://tips.example.org/tips/linked-tip/"' in before["2026-W48"]["json"]["content_html"]
    _overlay(LINK_CASES / "scheduled-later", repo)
    for extra in ((), ("--changed", "HEAD")):
        done = run_check(repo, *extra)
        assert done.returncode == 1, done.stdout + done.stderr
        problems = [p for p in json.loads(done.stdout) if p["code"] == "LEDGER015"]
        assert [(p["path"], p["line"], p["col"]) for p in problems] == [("tips/linked-tip.md", 6, 12)]
        assert problems[0]["message"] == (
            "2026-W48 (ledger/2026-W48.json) links to this tip, and published 2027-01-04 takes its page away until then"
        )
        assert "set `published:` back to the date it had" in problems[0]["hint"]


def week_email_of(report, week: str) -> tuple[str, str]:
    """The email of `week` (HTML, plain text) as the site publishes it."""
    slot = next(s for s in report.schedule.published if str(s.week) == week)
    return week_email(slot, SITE, report.visible, f"{SITE.url}cards/x.png", "A card", slot.tip.summary)


def test_a_link_recorded_as_text_stays_text_when_the_tip_gets_its_page(tmp_path):
    # 2026-W48 was recorded while linked-tip had no page (dated 2027-01-04): its body's link was text when
    # newsletters pulled the week. Neither a pull request that dates the tip earlier nor the tip's own date
    # arriving may turn it into a link in the week's page, feed items, API entry or email.
    repo = _repo_with_link(tmp_path, "still-scheduled-base")
    as_of = date.fromisoformat(AS_OF)
    sent = recorded_outputs(repo / "tips", as_of)["2026-W48"]
    assert "linked-tip/" not in json.dumps(sent, default=str) and "the tip it builds on" in sent["json"]["content_html"]
    tip = repo / "tips" / "linked-tip.md"
    tip.write_text(tip.read_text(encoding="utf-8").replace("published: 2027-01-04", "published: 2026-08-01"))
    report = check_library(repo / "tips", as_of)
    assert report.ok and report.visible.has_page("linked-tip"), [p.as_text() for p in report.problems]
    assert week_outputs(report)["2026-W48"] == sent
    email_html, email_text = week_email_of(report, "2026-W48")
    assert "linked-tip" not in email_html + email_text and "the tip it builds on" in email_text
    # The tip's own date arrives (and the ledger lags: the later weeks are computed).
    later = date(2027, 1, 11)
    tip.write_text(tip.read_text(encoding="utf-8").replace("published: 2026-08-01", "published: 2027-01-04"))
    report = check_library(repo / "tips", later, today=later)
    assert report.ok and report.visible.has_page("linked-tip"), [p.as_text() for p in report.problems]
    week = {k: v for k, v in week_outputs(report)["2026-W48"].items() if k in ("api", "json", "rss", "atom")}
    assert "linked-tip/" not in json.dumps(week, default=str)


def test_a_recorded_link_to_a_tip_still_to_come_is_accepted(tmp_path):
    # Scheduled at the base and still scheduled: the link was text when the
    # week was recorded and still is, so nothing the week showed changes.
    repo = _repo_with_link(tmp_path, "still-scheduled-base")
    tip = repo / "tips" / "linked-tip.md"
    tip.write_text(tip.read_text(encoding="utf-8").replace("A tip that the", "A tip the"), encoding="utf-8")
    before = recorded_outputs(repo / "tips", date.fromisoformat(AS_OF))
    assert run_check(repo, "--changed", "HEAD").returncode == 0
    assert run_check(repo).returncode == 0
    assert recorded_outputs(repo / "tips", date.fromisoformat(AS_OF)) == before


def _repo_with_recorded_image(tmp_path: Path) -> Path:
    """The base repository with 2026-W48's tip showing tips/queue-chart.png, recorded by `record_weeks`, committed."""
    repo = tmp_path / "repo"
    shutil.copytree(BASE, repo)
    root = repo / "tips"
    Image.new("RGB", (8, 8), (200, 40, 40)).save(root / "queue-chart.png")
    tip = root / "own-the-miss.md"
    tip.write_text(tip.read_text(encoding="utf-8") + "\n![A chart of the queue](queue-chart.png)\n", encoding="utf-8")
    (ledger_folder(root) / "2026-W48.json").unlink()
    monday = date.fromisoformat(AS_OF)
    report = check_library(root, monday, today=monday)
    assert [p.name for p in record(root, report, monday)] == ["2026-W48.json"]
    Git.committed(repo, "base")
    return repo


def test_a_recorded_week_keeps_the_bytes_of_the_images_it_showed(tmp_path):
    # Readers of 2026-W48 saw tips/queue-chart.png as it was when the week was recorded: the ledger keeps
    # its sha256, and no check (nor the build, which runs the check) accepts it deleted or replaced.
    repo = _repo_with_recorded_image(tmp_path)
    recorded = json.loads((repo / "ledger" / "2026-W48.json").read_text(encoding="utf-8"))["tip"]["images"]
    chart = repo / "tips" / "queue-chart.png"
    assert recorded == {"queue-chart.png": hashlib.sha256(chart.read_bytes()).hexdigest()}
    assert run_check(repo).returncode == 0 and run_check(repo, "--changed", "HEAD").returncode == 0
    Image.new("RGB", (8, 8), (40, 200, 40)).save(chart)  # another picture under the same name
    for extra in ((), ("--changed", "HEAD")):
        done = run_check(repo, *extra)
        problems = [p for p in json.loads(done.stdout) if p["code"] == "LEDGER018"]
        assert done.returncode == 1 and [(p["path"], p["line"]) for p in problems] == [("tips/queue-chart.png", 1)]
        assert problems[0]["message"] == (
            "tips/queue-chart.png has other bytes than the image 2026-W48 showed (ledger/2026-W48.json)"
        )
    chart.unlink()
    done = run_check(repo)
    problems = [p for p in json.loads(done.stdout) if p["code"] == "LEDGER018"]
    assert [(p["path"], p["message"]) for p in problems] == [
        (
            "ledger/2026-W48.json",
            "tips/queue-chart.png was deleted since it was the image 2026-W48 showed (ledger/2026-W48.json)",
        )
    ]
    assert "restore tips/queue-chart.png as it was" in problems[0]["hint"]
    # The tip's own file is free to stop showing it: the week keeps its snapshot.
    Git(repo)("checkout", "-q", "--", "tips/queue-chart.png")
    tip = repo / "tips" / "own-the-miss.md"
    tip.write_text(tip.read_text(encoding="utf-8").replace("![A chart of the queue](queue-chart.png)", ""))
    assert run_check(repo, "--changed", "HEAD").returncode == 0


LAGGING = FIXTURES / "hostile" / "lagging-week"


def test_a_pin_on_a_started_week_the_ledger_lags_behind_is_refused(tmp_path):
    # 2026-W49 has started and the ledger holds up to 2026-W48 (the publish
    # workflow has not recorded it yet): the build computes W49, and that is
    # what readers have seen. Moving a pin onto it would swap its tip.
    repo = tmp_path / "repo"
    shutil.copytree(BASE, repo)
    Git.committed(repo, "base")
    monday = date(2026, 11, 30)
    shown = check_library(repo / "tips", monday, today=monday).schedule.slots[-1]
    assert str(shown.week) == "2026-W49" and shown.tip.slug == "open-with-what-they-need" and shown.record is None
    _overlay(LAGGING / "pin-started-week", repo)
    swapped = check_library(repo / "tips", monday, today=monday).schedule.slots[-1]
    assert swapped.tip.slug == "own-the-miss"  # what the refusal prevents
    done = run_tips(
        "check", "--root", "tips", "--as-of", "2026-11-30", "--format", "json", "--changed", "HEAD", cwd=repo
    )
    assert done.returncode == 1, done.stdout + done.stderr
    problems = [p for p in json.loads(done.stdout) if p["code"] == "SEC003"]
    assert [(p["path"], p["line"], p["col"]) for p in problems] == [("tips/own-the-miss.md", 7, 7)]
    assert problems[0]["message"] == (
        "2026-W49 has started and shows the tip the schedule gave it; pinning it now "
        "would change a week readers have seen"
    )
    assert "tips schedule --record" in problems[0]["hint"]
    # Recorded first, the week is the ledger's, and the pin is LEDGER010's business.
    Git(repo)("stash", "-q")
    assert run_tips("schedule", "--record", "--root", "tips", "--as-of", "2026-11-30", cwd=repo).returncode == 0
    Git(repo)("add", "-A")
    Git(repo)("commit", "-q", "-m", "record 2026-W49")
    _overlay(LAGGING / "pin-started-week", repo)
    again = run_tips(
        "check", "--root", "tips", "--as-of", "2026-11-30", "--format", "json", "--changed", "HEAD", cwd=repo
    )
    assert [p["code"] for p in json.loads(again.stdout) if p["severity"] == "error"] == ["LEDGER010"]


def test_a_pin_already_in_the_base_stays_when_its_week_starts(tmp_path):
    # Pinned before W49 started and never changed since: the computed week is the pinned tip, accepted.
    repo = tmp_path / "repo"
    shutil.copytree(BASE, repo)
    _overlay(LAGGING / "pin-started-week", repo)
    Git.committed(repo, "base with the pin")
    tip = repo / "tips" / "own-the-miss.md"
    tip.write_text(
        tip.read_text(encoding="utf-8").replace("Say what went wrong", "Say what went wrong first"), encoding="utf-8"
    )
    done = run_tips(
        "check", "--root", "tips", "--as-of", "2026-11-30", "--format", "json", "--changed", "HEAD", cwd=repo
    )
    assert done.returncode == 0, done.stdout


def test_a_ledger_that_is_not_a_folder_is_refused_and_never_written_over(tmp_path):
    repo = make_case(tmp_path, "backdated-new-tip")
    shutil.rmtree(repo / "ledger")
    (repo / "ledger").write_text("not the ledger\n", encoding="utf-8")
    done = run_check(repo)
    problems = [(p["path"], p["code"], p["message"]) for p in json.loads(done.stdout) if p["code"] == "LEDGER001"]
    assert done.returncode == 1 and problems == [("ledger", "LEDGER001", "ledger/ is not a folder")]
    record = run_tips("schedule", "--record", "--root", "tips", "--as-of", AS_OF, cwd=repo)
    assert record.returncode == 1 and "Traceback" not in record.stderr
    assert (repo / "ledger").read_text(encoding="utf-8") == "not the ledger\n"


def test_recording_into_a_folder_that_cannot_be_written_is_one_line(tmp_path, monkeypatch):
    repo = make_case(tmp_path, "backdated-new-tip")
    (repo / "ledger" / "2026-W48.json").unlink()

    monkeypatch.chdir(repo)
    with refusing_writes(repo / "ledger", monkeypatch, files, "write_exclusive"):
        done = CliRunner().invoke(main, ["schedule", "--record", "--root", "tips", "--as-of", AS_OF])
    assert done.exit_code == 1 and isinstance(done.exception, SystemExit), done.output  # no traceback
    assert "cannot write" in done.output and "2026-W48.json: Operation not permitted" in done.output
    assert not (repo / "ledger" / "2026-W48.json").exists()


def test_a_withdrawal_is_all_or_nothing_and_dated_the_day_it_is_made(tmp_path, monkeypatch):
    repo = make_case(tmp_path, "backdated-new-tip")
    root = repo / "tips"
    report = check_library(root, date.fromisoformat(AS_OF))
    weeks = sorted(w for w, e in report.ledger.entries.items() if e.tip is not None and e.tip.slug == "own-the-miss")
    assert len(weeks) > 1
    before = {w: (ledger_folder(root) / f"{w}.json").read_bytes() for w in weeks}
    real_mkstemp, made = ledger_module.tempfile.mkstemp, []

    def full_after_one(*args, **kwargs):
        if made:
            raise OSError(28, "No space left on device")
        made.append(1)
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(ledger_module.tempfile, "mkstemp", full_after_one)
    with pytest.raises(ledger_module.LedgerWriteError, match="No space left on device"):
        ledger_module.withdraw(root, report.ledger, "own-the-miss", "A factual error.", date.fromisoformat(AS_OF))
    assert {w: (ledger_folder(root) / f"{w}.json").read_bytes() for w in weeks} == before
    assert not [p for p in ledger_folder(root).iterdir() if p.name.startswith(".")]
    monkeypatch.undo()
    with pytest.raises(
        ledger_module.WithdrawError,
        match="cannot be withdrawn on 2027-06-01: its file would say it was withdrawn on 2027-06-01, after today",
    ):
        ledger_module.withdraw(
            root, report.ledger, "own-the-miss", "A factual error.", date(2027, 6, 1), today=date(2026, 11, 24)
        )


def test_the_feeds_keep_the_started_weeks_they_carry(tmp_path):
    # Lowering feed_weeks in a pull request would drop started weeks from the feeds newsletter tools read.
    repo = make_case(tmp_path, "backdated-new-tip")
    Git(repo)("add", "-A")
    Git(repo)("commit", "-q", "-m", "a new tip")
    settings = repo / "tips" / "schedule.yml"
    carried = len(check_library(repo / "tips", date.fromisoformat(AS_OF)).schedule.published)
    assert 1 < carried < 52
    settings.write_text(settings.read_text(encoding="utf-8").replace("feed_weeks: 52", "feed_weeks: 1"))
    done = run_check(repo, "--changed", "HEAD")
    problems = [p for p in json.loads(done.stdout) if p["code"] == "SCHED007"]
    assert done.returncode == 1 and [(p["path"], p["line"], p["col"]) for p in problems] == [
        ("tips/schedule.yml", 2, 13)
    ]
    assert problems[0]["message"] == (
        f"feed_weeks went from 52 to 1: the weekly feeds would drop {carried - 1} started weeks they carry"
    )
    assert run_check(repo).returncode == 0  # a setting of its own is valid: only the change is refused
    # Down to the weeks there are, or up: nothing the feeds carry is dropped.
    for value in (carried, 104):
        settings.write_text(f"first_week: 2026-W36\nfeed_weeks: {value}\n", encoding="utf-8")
        assert run_check(repo, "--changed", "HEAD").returncode == 0, value


def test_the_tag_feeds_keep_the_tips_they_carry_too():
    # feed_weeks caps each tag's feed as well: the real library's tags carry more tips than it has weeks.
    report = check_library(REPO / "tips", date.fromisoformat(AS_OF))
    weeks = len(report.schedule.published)
    largest = max(len(report.visible.tips_with_tag(tag)) for tag in report.library.tags)
    assert weeks < largest < 52
    lowered = dataclasses.replace(
        report.library, settings=report.library.settings.model_copy(update={"feed_weeks": weeks})
    )
    problems = check_feed_window(lowered, report.schedule, report.visible, 52)
    assert [p.message for p in problems] == [
        f"feed_weeks went from 52 to {weeks}: a tag's feed would drop {largest - weeks} tips it carries"
    ]
    kept = dataclasses.replace(lowered, settings=lowered.settings.model_copy(update={"feed_weeks": largest}))
    assert check_feed_window(kept, report.schedule, report.visible, 52) == []
