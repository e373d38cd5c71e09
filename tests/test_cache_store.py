"""The build cache folder's store (servicetips.cache_store): entries come back only when they are exactly what was put.

Cards and pages share this store; their own tests build with it. These
tests try to get a wrong payload past `get`: another kind's entry, another
key's, a file that is not an entry, a key that could leave the folder.
"""

from __future__ import annotations

import pytest

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
