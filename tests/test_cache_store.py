"""The build cache folder's store (servicetips.cache_store): entries come back only when they are exactly what was put.

Cards and pages share this store; their own tests build with it. These
tests try to get a wrong payload past `get`: another kind's entry, another
key's, a file that is not an entry, a key that could leave the folder.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest

from servicetips import cache_store
from servicetips.cache_store import MAGIC, Store

KEY, OTHER = "ab" * 32, "cd" * 32


def test_an_entry_comes_back_as_it_was_put(tmp_path):
    Store(tmp_path, "pages").put(KEY, b"<p>one</p>")
    assert Store(tmp_path, "pages").get(KEY) == b"<p>one</p>"
    entry = tmp_path / "pages" / KEY[:2] / KEY
    assert entry.read_bytes().startswith(MAGIC + b"pages " + KEY.encode())


def test_another_kind_s_entry_is_not_taken_even_at_the_same_path(tmp_path):
    Store(tmp_path, "cards").put(KEY, b"png bytes")
    (tmp_path / "pages" / KEY[:2]).mkdir(parents=True)
    (tmp_path / "pages" / KEY[:2] / KEY).write_bytes((tmp_path / "cards" / KEY[:2] / KEY).read_bytes())
    assert Store(tmp_path, "pages").get(KEY) is None


def test_an_entry_moved_to_another_key_is_not_taken(tmp_path):
    store = Store(tmp_path, "pages")
    store.put(KEY, b"<p>one</p>")
    store.path(OTHER).parent.mkdir(parents=True)
    store.path(OTHER).write_bytes(store.path(KEY).read_bytes())
    assert store.get(OTHER) is None


@pytest.mark.parametrize("key", ["../../etc/passwd", "AB" * 32, "ab" * 31, "ab" * 32 + "\n", ""])
def test_a_key_that_is_not_a_sha256_is_never_read_or_written(tmp_path, key):
    store = Store(tmp_path, "pages")
    store.put(key, b"x")
    assert store.get(key) is None
    assert not any(path.is_file() for path in tmp_path.rglob("*"))


@pytest.mark.parametrize("kind", ["", "Pages", "../cards", "pages/x", "1pages"])
def test_a_kind_must_be_a_plain_name(tmp_path, kind):
    with pytest.raises(ValueError, match="cache kind"):
        Store(tmp_path, kind)


def test_prune_keeps_what_was_asked_for_and_writes_under_way(tmp_path):
    store = Store(tmp_path, "pages", suffix=".html")
    store.put(KEY, b"kept")
    store.put(OTHER, b"dropped")
    under_way = store.path(KEY).parent / ".tmp-abc.html"
    under_way.write_bytes(b"another build is writing this")
    assert store.prune({KEY}) == 1
    assert store.get(KEY) == b"kept" and store.get(OTHER) is None
    assert under_way.exists()


def test_prune_of_a_folder_that_does_not_exist_removes_nothing(tmp_path):
    assert Store(tmp_path / "missing", "pages").prune(set()) == 0


def _keys(count):
    return [f"{index:064x}" for index in range(count)]


def test_puts_leave_only_entries_no_temporary_file(tmp_path):
    store = Store(tmp_path, "cards", suffix=".png")
    for key in _keys(40):
        store.put(key, key.encode())
    files = [path for path in tmp_path.rglob("*") if path.is_file()]
    assert sorted(path.name for path in files) == sorted(f"{key}.png" for key in _keys(40))
    assert all(store.get(key) == key.encode() for key in _keys(40))


def test_a_temporary_name_left_by_another_process_is_never_written_over(tmp_path, monkeypatch):
    # A build that died with the pid this one has now left its temporary
    # files: the exclusive create refuses those names and takes the next.
    store = Store(tmp_path, "pages")
    store.put(KEY, b"first")
    upcoming = next(cache_store._counter) + 1
    left = [store.path(OTHER).parent / f".tmp-{os.getpid()}-{upcoming + n}" for n in range(3)]
    left[0].parent.mkdir(parents=True, exist_ok=True)
    for path in left:
        path.write_bytes(b"another build's write")
    store.put(OTHER, b"second")
    assert store.get(OTHER) == b"second" and store.get(KEY) == b"first"
    assert all(path.read_bytes() == b"another build's write" for path in left)


def test_a_cache_folder_deleted_during_the_build_is_made_again(tmp_path):
    store = Store(tmp_path / "cache", "pages")
    store.put(KEY, b"one")
    shutil.rmtree(tmp_path / "cache")  # `rm -rf .cache` while a build runs: safe to delete
    store.put(KEY, b"two")
    assert store.writable and store.get(KEY) == b"two"


def test_a_file_in_the_way_of_a_shard_is_said_once_and_writing_stops(tmp_path, caplog):
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / KEY[:2]).write_bytes(b"not a folder")
    store = Store(tmp_path, "pages")
    with caplog.at_level("INFO", logger="servicetips.cache_store"):
        store.put(KEY, b"one")
        store.put(OTHER, b"two")
    assert not store.writable
    assert [record.getMessage() for record in caplog.records] == [
        f"page cache {tmp_path / 'pages'} not used: [Errno 17] File exists: "
        f"'{tmp_path / 'pages' / KEY[:2]}' (made, not cached)"
    ]
    assert store.get(KEY) is None
    assert [path.name for path in (tmp_path / "pages").iterdir()] == [KEY[:2]]


def test_puts_from_several_threads_each_land_whole(tmp_path):
    store = Store(tmp_path, "pages")
    payloads = {key: key.encode() * 500 for key in _keys(64)}
    with ThreadPoolExecutor(max_workers=8) as pool:
        # Every key twice, from different threads: the last rename wins, and both are whole entries.
        list(pool.map(lambda item: store.put(*item), list(payloads.items()) * 2))
    assert all(store.get(key) == payload for key, payload in payloads.items())
    assert not list(tmp_path.rglob(".tmp-*"))
