"""Linkable cache entries (servicetips.cache_store, `linkable=True`): bare bytes under a sealed name, never trusted.

The share cards and the rendered pages are kept as their bare bytes, so the
site can link an entry instead of writing the same bytes again. The name
carries a seal (the sha256 of the kind, the key and the payload) in place
of the header the other stores keep. These tests try to get a wrong
payload past `entry` and `get`: a flipped or cut file, another key's or
kind's entry copied into place, a symbolic link, a FIFO, an old-format
entry, and check that `put` and `prune` leave one sound file per key.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from servicetips import cache_store
from servicetips.cache_store import Store, _seal

KEY, OTHER = "ab" * 32, "ab" + "cd" * 31  # one shard: a lookup of one must not find the other


def store(folder: Path, kind: str = "pages") -> Store:
    return Store(folder, kind, suffix=".html", linkable=True)


def test_an_entry_is_the_bare_payload_under_a_sealed_name(tmp_path):
    entry = store(tmp_path).put(KEY, b"<p>one</p>")
    path = Path(entry.path)
    assert path.read_bytes() == b"<p>one</p>"  # no header: the very bytes a site publishes
    assert path.name == f"{KEY}.{_seal('pages', KEY, b'<p>one</p>')}.html"
    assert path.parent == tmp_path / "pages" / KEY[:2]
    found = os.lstat(path)
    assert (entry.device, entry.inode) == (found.st_dev, found.st_ino)
    assert stat.S_IMODE(found.st_mode) == 0o666 & ~_umask()  # the mode a file written into the site gets
    again = store(tmp_path).entry(KEY)
    assert again.payload == b"<p>one</p>" and again.path == entry.path and again.inode == entry.inode
    assert store(tmp_path).get(OTHER) is None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[:-1],  # cut short
        lambda data: bytes([data[0] ^ 1]) + data[1:],  # a flipped bit
        lambda data: data + b"<script>alert(1)</script>",  # something added
        lambda data: b"",
    ],
    ids=["cut", "flipped", "appended", "emptied"],
)
def test_a_damaged_entry_is_absent_and_put_replaces_it(tmp_path, damage):
    path = Path(store(tmp_path).put(KEY, b"<p>one</p>").path)
    path.write_bytes(damage(b"<p>one</p>"))
    assert store(tmp_path).entry(KEY) is None and store(tmp_path).get(KEY) is None
    assert store(tmp_path).put(KEY, b"<p>one</p>").path == str(path)
    assert store(tmp_path).get(KEY) == b"<p>one</p>"


def test_another_key_s_entry_copied_into_place_is_not_taken(tmp_path):
    other = Path(store(tmp_path).put(OTHER, b"<p>other</p>").path)
    # The other entry's bytes under this key's name with the other entry's seal: the seal names the key.
    forged = other.parent / other.name.replace(OTHER, KEY)
    forged.write_bytes(other.read_bytes())
    assert store(tmp_path).entry(KEY) is None


def test_another_kind_s_entry_is_not_taken(tmp_path):
    card = Path(store(tmp_path, "cards").put(KEY, b"png bytes").path)
    (tmp_path / "pages" / KEY[:2]).mkdir(parents=True)
    (tmp_path / "pages" / KEY[:2] / card.name).write_bytes(card.read_bytes())
    assert store(tmp_path, "pages").entry(KEY) is None


def test_an_entry_that_is_a_symbolic_link_is_never_followed(tmp_path):
    outside = tmp_path / "outside.html"
    outside.write_bytes(b"<p>one</p>")
    name = f"{KEY}.{_seal('pages', KEY, b'<p>one</p>')}.html"
    (tmp_path / "pages" / KEY[:2]).mkdir(parents=True)
    (tmp_path / "pages" / KEY[:2] / name).symlink_to(outside)
    assert store(tmp_path).entry(KEY) is None


def test_a_fifo_in_an_entry_s_place_is_refused_without_waiting(tmp_path):
    name = f"{KEY}.{_seal('pages', KEY, b'<p>one</p>')}.html"
    (tmp_path / "pages" / KEY[:2]).mkdir(parents=True)
    os.mkfifo(tmp_path / "pages" / KEY[:2] / name)
    result = []
    reader = threading.Thread(target=lambda: result.append(store(tmp_path).entry(KEY)), daemon=True)
    reader.start()
    reader.join(10)
    assert not reader.is_alive(), "opening the FIFO blocked"
    assert result == [None]


def test_an_entry_of_the_older_format_is_ignored_and_pruned(tmp_path):
    Store(tmp_path, "pages", suffix=".html").put(KEY, b"<p>one</p>")  # header format, `<key>.html`
    linkable = store(tmp_path)
    assert linkable.entry(KEY) is None
    linkable.put(KEY, b"<p>one</p>")
    assert linkable.prune({KEY}) == 1
    assert [path.name for path in (tmp_path / "pages" / KEY[:2]).iterdir()] == [Path(linkable.entry(KEY).path).name]


def test_put_leaves_one_file_per_key(tmp_path):
    store(tmp_path).put(KEY, b"<p>one</p>")
    # Another build kept other bytes under the key (another renderer; or a damaged file's own seal).
    store(tmp_path).put(KEY, b"<p>two</p>")
    later = store(tmp_path)
    later.put(KEY, b"<p>one</p>")
    assert len(list((tmp_path / "pages" / KEY[:2]).iterdir())) == 1
    assert store(tmp_path).get(KEY) == b"<p>one</p>"
    assert later.get(KEY) == b"<p>one</p>"


def test_an_entry_another_process_left_after_the_shard_was_read_is_found_on_recheck(tmp_path):
    reader = store(tmp_path)
    assert reader.entry(KEY) is None  # the shard is read (empty) and remembered
    store(tmp_path).put(OTHER, b"<p>other</p>")  # the card worker, say, leaves one in the same shard
    assert reader.entry(OTHER) is None  # what was read is trusted: no scandir for every lookup
    assert reader.entry(OTHER, recheck=True).payload == b"<p>other</p>"
    assert reader.get(OTHER) == b"<p>other</p>"  # and now remembered


def test_prune_keeps_the_entries_asked_for_and_writes_under_way(tmp_path):
    kept = store(tmp_path)
    kept.put(KEY, b"kept")
    kept.put(OTHER, b"dropped")
    under_way = tmp_path / "pages" / KEY[:2] / ".tmp-123-4.html"
    under_way.write_bytes(b"another build is writing this")
    stray = tmp_path / "pages" / KEY[:2] / "notes.txt"
    stray.write_bytes(b"not an entry")
    assert kept.prune({KEY}) == 2
    assert store(tmp_path).get(KEY) == b"kept" and store(tmp_path).get(OTHER) is None
    assert under_way.exists() and not stray.exists()


def test_path_names_the_kept_file_or_none(tmp_path):
    assert store(tmp_path).path(KEY) is None
    entry = store(tmp_path).put(KEY, b"<p>one</p>")
    assert store(tmp_path).path(KEY) == Path(entry.path)


def test_a_sound_entry_another_process_left_is_kept_not_replaced(tmp_path):
    # The card worker and the build may draw the same card at the meeting point: the second
    # write keeps the first file, which a site may have linked already.
    first = store(tmp_path).put(KEY, b"<p>one</p>")
    second = store(tmp_path).put(KEY, b"<p>one</p>")
    assert (second.device, second.inode) == (first.device, first.inode)
    assert not list((tmp_path / "pages").rglob(".tmp-*"))


def test_a_damaged_entry_under_the_sealed_name_is_replaced(tmp_path):
    first = store(tmp_path).put(KEY, b"<p>one</p>")
    Path(first.path).write_bytes(b"<p>two</p>")  # same name, other bytes: the seal refuses it
    again = store(tmp_path).put(KEY, b"<p>one</p>")
    assert again.path == first.path and again.inode != first.inode
    assert store(tmp_path).get(KEY) == b"<p>one</p>"


def test_a_file_system_without_hard_links_still_keeps_entries(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(cache_store.os, "link", refuse)
    first = store(tmp_path).put(KEY, b"<p>one</p>")  # renamed into place, as the other stores do
    assert first is not None and store(tmp_path).get(KEY) == b"<p>one</p>"
    assert store(tmp_path).put(KEY, b"<p>one</p>").payload == b"<p>one</p>"
    assert len(list((tmp_path / "pages" / KEY[:2]).iterdir())) == 1
