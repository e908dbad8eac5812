"""Private files: written atomically with mode 0600, a damaged file read as empty, and the
lock that keeps parallel read-modify-write cycles from losing each other's records."""

from __future__ import annotations

import os
import stat
import threading

from nemo_widgets.client.renders import RenderBook, RenderRecord
from nemo_widgets.client.storage import locked, private_write, read_json_object


def test_private_atomic_writes_and_tolerant_reads(tmp_path):
    target = tmp_path / "deep" / "state.json"
    private_write(target, '{"a": 1}')
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(target.parent).st_mode) == 0o700
    assert read_json_object(target) == {"a": 1}
    assert [p.name for p in target.parent.iterdir()] == ["state.json"], "no temp file left"
    target.write_text("[1, 2]")
    assert read_json_object(target) == {}
    target.write_text("[" * 100000)
    assert read_json_object(target) == {}
    assert read_json_object(tmp_path / "missing.json") == {}


def test_parallel_writers_lose_no_render_record(tmp_path):
    book = RenderBook(tmp_path)

    def add(number: int) -> None:
        with locked(book.path):
            pass  # the lock can be taken and given back on its own too
        book.add(RenderRecord(f"render_{number}", "http://a", "s1"))

    threads = [threading.Thread(target=add, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.render_id for r in book.pending()) == sorted(f"render_{n}" for n in range(12))
