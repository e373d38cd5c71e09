"""The body cache (servicetips.body_cache): the same problems and the same site with or without it, never trusted.

Each body's check result and allow-listed HTML are kept by the sha256 of the
body in a file named after the code's fingerprint. A warm cache renders
nothing; a damaged, cut, foreign or malformed file or entry is ignored
and rewritten; a folder that cannot be written only means bodies are
rendered; a body refused by a limit is never rendered, cached or not.
"""

from __future__ import annotations

import json
import logging
import shutil
from datetime import date
from pathlib import Path

import pytest

from servicetips import body_cache, body_limits, render
from servicetips.body_cache import BodyCache, body_key, fingerprint
from servicetips.body_limits import MAX_BODY_CHARS, check_tip_body
from servicetips.build import build_site
from servicetips.cache_store import Store
from servicetips.check import check_library
from servicetips.feeds import SiteInfo
from servicetips.load import read_tip
from servicetips.validate import tip_paths
from support import AS_OF, AS_OF_DATE, FIXTURES, REPO, copy_library, snapshot
from support import build_site as build_mkdocs_site

HOSTILE = FIXTURES / "hostile"
SITE = SiteInfo(url="https://servicetips.example.org/", title="Service Tips", description="Tips.")


def forget() -> None:
    """Empty this process's caches of rendered bodies, as a new process starts."""
    render._rendered.cache_clear()
    render._clean_html.cache_clear()
    render._remembered.clear()
    body_limits.limit_issues.cache_clear()


def bodies() -> list[str]:
    """The bodies of the real tips and of every hostile fixture that has one."""
    found = []
    for folder in (REPO / "tips", HOSTILE / "rejected", HOSTILE / "accepted"):
        for path in tip_paths(folder):
            source = read_tip(path, folder)
            if source.data is not None:
                found.append(source.body)
    found += ["[" * 5000 + "x", "x " * (MAX_BODY_CHARS // 2 + 10), "> " * 40 + "deep"]
    return list(dict.fromkeys(found))


def store(folder: Path) -> Store:
    return Store(folder, body_cache.FOLDER, suffix=".json")


def cache_file(folder: Path) -> Path:
    return store(folder).path(fingerprint())


def rewrite(folder: Path, entries: dict, key: str = "") -> None:
    """Write `entries` as a sound entry (of this version, or of `key`), as only one who can write the folder could."""
    store(folder).put(key or fingerprint(), json.dumps(entries).encode("utf-8"))


def test_cold_and_warm_cache_give_every_body_the_result_of_the_check(tmp_path):
    everything = bodies()
    assert len(everything) > 100
    forget()
    expected = [check_tip_body(body) for body in everything]
    forget()
    cold = BodyCache(tmp_path)
    assert [cold.check(body) for body in everything] == expected
    cold.save()
    assert cold.misses == len(everything)
    html = {
        body: render.clean_html(body) for body, result in zip(everything, expected, strict=True) if not _refused(result)
    }
    forget()
    warm = BodyCache(tmp_path)
    assert [warm.check(body) for body in everything] == expected
    assert (warm.hits, warm.misses) == (len(everything), 0)
    assert render._rendered.cache_info().currsize == 0  # nothing rendered, the pages get the kept HTML
    assert {body: render.clean_html(body) for body in html} == html
    assert render._rendered.cache_info().currsize == 0


def _refused(result) -> bool:
    return any(issue.code in body_cache.LIMIT_CODES for issue in result[0])


def test_a_body_refused_by_a_limit_is_kept_without_html_and_never_rendered(tmp_path):
    body = "[" * 5000 + "x"
    forget()
    cache = BodyCache(tmp_path)
    issues, _ = cache.check(body)
    assert "BODY023" in {issue.code for issue in issues}
    cache.save()
    assert render._rendered.cache_info().currsize == 0
    assert json.loads(store(tmp_path).get(fingerprint()))[body_key(body)][2] is None


def test_the_library_check_and_build_are_the_same_with_no_cold_or_warm_cache(tmp_path):
    def run(cache_dir):
        forget()
        output = build_site(REPO / "tips", date.fromisoformat(AS_OF), SITE, cache_dir=cache_dir)
        assert output.ok
        return (
            output.report.problems,
            [(p.src_uri, p.source) for p in output.pages],
            {f.path: f.content for f in output.all_files()},
        )

    none = run(None)
    cold = run(tmp_path)
    assert cache_file(tmp_path).is_file()
    warm = run(tmp_path)
    assert none == cold == warm
    # And the hostile library is refused with the same problems, from the cache too.
    hostile = copy_library(tmp_path / "hostile")
    for path in tip_paths(HOSTILE / "rejected"):
        shutil.copy(path, hostile / path.name)
    reports = []
    for cache_dir in (None, tmp_path / "h", tmp_path / "h"):
        forget()
        reports.append(check_library(hostile, AS_OF_DATE, cache_dir=cache_dir).problems)
    assert reports[0] and reports[0] == reports[1] == reports[2]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:-40],  # cut short
        lambda data: data.replace(b"<p>", b"<P>", 1),  # a changed byte
        lambda data: b"not a cache file",
        lambda data: data.replace(fingerprint().encode(), b"0" * 64, 1),  # another version's header
    ],
    ids=["cut", "changed-byte", "garbage", "foreign-header"],
)
def test_a_damaged_or_foreign_file_is_ignored_and_rewritten(tmp_path, damage):
    body = "A tip with a [link](https://example.org/) and **bold** words. " * 12
    forget()
    expected = check_tip_body(body), render.clean_html(body)
    first = BodyCache(tmp_path)
    first.check(body)
    first.save()
    path = cache_file(tmp_path)
    path.write_bytes(damage(path.read_bytes()))
    forget()
    again = BodyCache(tmp_path)
    assert again.entries == {}
    assert (again.check(body), render.clean_html(body)) == expected
    assert again.misses == 1
    again.save()
    assert BodyCache(tmp_path).entries.keys() == {body_key(body)}


def test_a_file_of_another_version_moved_into_place_is_not_trusted(tmp_path):
    body = "Say what you will do next, then do it. " * 12
    rewrite(tmp_path, {body_key(body): [[], [], "<p>planted</p>"]}, key="f" * 64)
    other = store(tmp_path).path("f" * 64)
    cache_file(tmp_path).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(other, cache_file(tmp_path))
    forget()
    cache = BodyCache(tmp_path)
    cache.check(body)
    assert cache.misses == 1 and "planted" not in render.clean_html(body)
    cache.save()
    assert not other.exists()  # the files of other versions are removed when the current one is written


@pytest.mark.parametrize(
    "entry",
    [
        [[], []],  # too short
        [[[1, 1, "BODY001"]], [], None],  # an issue missing fields
        [[["1", 1, "BODY001", "m", "h"]], [], None],  # a line that is not a number
        [[], [["slug", "target", 1]], None],  # a link missing its column
        [[], [], 42],  # HTML that is not text
        "not a list",
    ],
)
def test_a_malformed_entry_is_ignored_and_the_body_checked_again(tmp_path, entry):
    body = "Name the next step and the day it happens. " * 12
    rewrite(tmp_path, {body_key(body): entry})
    forget()
    cache = BodyCache(tmp_path)
    assert cache.check(body) == check_tip_body(body)
    assert cache.misses == 1


def test_a_rebuild_in_the_same_process_parses_the_file_again_only_when_its_bytes_changed(tmp_path):
    body = "Say when you will write again, and write then. " * 12
    first = BodyCache(tmp_path)
    first.check(body)
    first.save()
    second = BodyCache(tmp_path)
    assert second.entries is body_cache._parsed[cache_file(tmp_path)][1]  # the same bytes: the entries kept
    changed = {body_key(body): [[], [], "<p>Say when.</p>"]}
    rewrite(tmp_path, changed)  # other bytes, whatever the file's size and time
    assert BodyCache(tmp_path).entries == changed


def test_a_folder_that_cannot_be_written_only_costs_speed(tmp_path, caplog):
    blocker = tmp_path / "blocked"
    blocker.write_text("a file where the cache folder should be")
    body = "Thank the customer for waiting before you answer. " * 12
    forget()
    cache = BodyCache(blocker)
    with caplog.at_level(logging.INFO, logger="servicetips.body_cache"):
        assert cache.check(body) == check_tip_body(body)
        cache.save()
    assert "not written" in caplog.text


@pytest.mark.slow
def test_the_site_is_byte_identical_with_no_cold_or_warm_body_cache(tmp_path):
    tips = copy_library(tmp_path / "lib")
    sites = {}
    for name, cache in (("off", "off"), ("cold", str(tmp_path / "cache")), ("warm", str(tmp_path / "cache"))):
        result = build_mkdocs_site(tips, tmp_path / name / "site", extra_env={"TIPS_CACHE_DIR": cache})
        assert result.ok, result.output
        sites[name] = snapshot(result.site)
    assert len(list((tmp_path / "cache" / body_cache.FOLDER).rglob("*.json"))) == 1  # the warm build used it
    assert sites["off"] == sites["cold"] == sites["warm"]
