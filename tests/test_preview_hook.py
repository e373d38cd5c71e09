"""hooks/preview.py: the MkDocs internals the quick preview relies on are checked before it takes over the server."""

from __future__ import annotations

import importlib.util
import sys

import pytest
from mkdocs.livereload import LiveReloadServer

from support import REPO


@pytest.fixture
def preview_hook(monkeypatch):
    """The preview hooks module, loaded as MkDocs loads it, with the tips_site hooks beside it."""
    modules = {}
    monkeypatch.syspath_prepend(str(REPO / "hooks"))  # as MkDocs does while it loads a hook
    for name in ("tips_site", "preview"):
        spec = importlib.util.spec_from_file_location(f"hooks/{name}.py", REPO / "hooks" / f"{name}.py")
        modules[name] = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, spec.name, modules[name])  # as MkDocs does: dataclasses look it up
        spec.loader.exec_module(modules[name])
    monkeypatch.setattr(modules["preview"]._state, "tips_site", modules["tips_site"])
    return modules["preview"]


def real_server(tmp_path) -> LiveReloadServer:
    # Made, never bound: MkDocs binds the port only in serve().
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))
    server.server_close()
    return server


def test_the_installed_mkdocs_has_everything_the_quick_preview_uses(preview_hook, tmp_path):
    assert preview_hook._incompatible(real_server(tmp_path)) is None


def test_a_server_without_the_fields_it_sets_is_refused_with_a_reason(preview_hook, tmp_path):
    server = real_server(tmp_path)
    del server._visible_epoch  # as if a later MkDocs renamed it
    assert "_visible_epoch" in preview_hook._incompatible(server)


def test_a_server_of_another_kind_or_changed_page_steps_are_refused(preview_hook, tmp_path, monkeypatch):
    class OtherServer:  # a server that is not MkDocs' LiveReloadServer, with the same field names
        def __init__(self, real):
            self.__dict__.update(vars(real))

    assert "not MkDocs' own" in preview_hook._incompatible(OtherServer(real_server(tmp_path)))
    monkeypatch.setattr(preview_hook.mkdocs_build, "_build_page", lambda page, config: None)
    assert "_build_page" in preview_hook._incompatible(real_server(tmp_path))
    monkeypatch.undo()
    monkeypatch.setattr(preview_hook.mkdocs, "__version__", "2.0.0")
    assert "2.0.0" in preview_hook._incompatible(real_server(tmp_path))


def test_editor_swap_lock_and_backup_files_do_not_stop_the_quick_page(preview_hook):
    for name in (".answer.md.swp", ".answer.md.swx", ".#answer.md", "#answer.md#", "answer.md~", "images/.a.png.swp"):
        assert preview_hook.is_editor_file(name), name
    for name in ("answer.md", "tags.yml", ".hidden.md", "images/a.png", "schedule.yml"):
        assert not preview_hook.is_editor_file(name), name
