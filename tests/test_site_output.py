"""servicetips.site_output: the staging folder takes the site's place only as a whole."""

from __future__ import annotations

import os
import stat

import pytest

from servicetips import site_output
from servicetips.site_output import discard, make_staging_dir, swap_into_place


def test_staging_is_a_fresh_readable_sibling(tmp_path):
    target = tmp_path / "public" / "site"
    staging = make_staging_dir(target)
    assert staging.parent == target.parent and staging.name.startswith(".site-staging-")
    assert list(staging.iterdir()) == []
    assert make_staging_dir(target) != staging
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(staging.stat().st_mode) == 0o777 & ~umask  # not mkdtemp's private 0700


def test_swap_replaces_the_old_site_entirely(tmp_path):
    target = tmp_path / "site"
    (target / "old").mkdir(parents=True)
    (target / "old" / "page.html").write_text("old")
    staging = make_staging_dir(target)
    (staging / "index.html").write_text("new")
    swap_into_place(staging, target)
    assert sorted(p.name for p in target.iterdir()) == ["index.html"]
    assert [p.name for p in tmp_path.iterdir()] == ["site"]


def test_swap_into_an_empty_place(tmp_path):
    target = tmp_path / "site"
    staging = make_staging_dir(target)
    (staging / "index.html").write_text("new")
    swap_into_place(staging, target)
    assert (target / "index.html").read_text() == "new"


def test_a_failed_swap_puts_the_previous_site_back(tmp_path, monkeypatch):
    target = tmp_path / "site"
    target.mkdir()
    (target / "index.html").write_text("old")
    staging = make_staging_dir(target)
    real_rename = os.rename

    def failing_rename(source, destination):
        if str(source) == str(staging):
            raise OSError("disk full")
        return real_rename(source, destination)

    monkeypatch.setattr(site_output.os, "rename", failing_rename)
    with pytest.raises(OSError):
        swap_into_place(staging, target)
    assert (target / "index.html").read_text() == "old"


def test_discard_removes_a_folder_and_accepts_a_missing_one(tmp_path):
    folder = tmp_path / ".site-staging-x"
    (folder / "a").mkdir(parents=True)
    discard(folder)
    assert not folder.exists()
    discard(folder)
