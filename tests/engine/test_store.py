"""The store on its own: credit holds, tokens and renewals, draft history, media ownership,
render ids scoped per user, and the migration of an older database."""

from __future__ import annotations

import sqlite3

import pytest

from nemo_widgets.engine.errors import Duplicate, NoCredits, NotFound, RateLimited
from nemo_widgets.engine.store import Store
from nemo_widgets.timeline import Timeline


@pytest.fixture
def store(tmp_path):
    opened = Store(tmp_path / "engine.sqlite3")
    yield opened
    opened.close()


def new_user(store: Store, credits: int = 100, client: str = "client") -> str:
    return store.issue_token(client, ttl_s=3600, credits=credits, per_client=None,
                             window_s=3600).record.user_id


def test_hold_charges_after_the_work_and_refunds_a_failure(store):
    user = new_user(store)
    with store.hold(user, 20, "turn:1", action="music"):
        assert store.balance(user) == (80, 20), "frozen while the work runs"
    assert store.balance(user) == (80, 0)
    with pytest.raises(RuntimeError), store.hold(user, 5, "turn:2", action="edit"):
        raise RuntimeError("the tool failed")
    assert store.balance(user) == (80, 0)
    assert [e.action for e in store.ledger(user)] == [
        "grant", "reserve:music", "charge:music", "reserve:edit", "refund:edit"]


def test_a_blocking_hold_refuses_with_2001_and_records_nothing(store):
    user = new_user(store, credits=3)
    with pytest.raises(NoCredits, match="edit costs 5, 3 available"), store.hold(
            user, 5, "turn:1", action="edit"):
        pytest.fail("the work must not run")
    assert store.balance(user) == (3, 0) and len(store.ledger(user)) == 1


def test_a_non_blocking_hold_tops_up_and_keeps_the_history(store):
    user = new_user(store, credits=3)
    for turn in range(3):
        with store.hold(user, 5, f"turn:{turn}", action="edit", blocking=False):
            pass
    assert store.balance(user) == (0, 0)
    actions = [(e.action, e.ref) for e in store.ledger(user)]
    assert actions.count(("grant", "local-top-up")) == 3
    assert [a for a, _ in actions].count("charge:edit") == 3


def test_renewals_keep_the_user_and_never_grant_twice(store):
    first = store.issue_token("c1", ttl_s=100, credits=100, per_client=1, window_s=1000,
                              now=1000.0)
    with pytest.raises(RateLimited):
        store.issue_token("c1", ttl_s=100, credits=100, per_client=1, window_s=1000,
                          now=1050.0)
    near_expiry = store.issue_token("c1", ttl_s=100, credits=100, per_client=1,
                                    window_s=1000, now=1085.0)  # 15 s left of 100
    assert near_expiry.record.user_id == first.record.user_id
    assert near_expiry.credits == 100 and store.balance(first.record.user_id) == (100, 0)
    after_expiry = store.issue_token("c1", ttl_s=100, credits=100, per_client=1,
                                     window_s=1000, now=1200.0)
    assert after_expiry.record.user_id == first.record.user_id


def test_undo_redo_walk_the_draft_history(store):
    user = new_user(store)
    session = store.create_session(user, "p", "en", {"t": [], "d": 0, "m": {}})
    drafts = [{"t": [], "d": n * 1000, "m": {}} for n in (1, 2, 3)]
    for draft in drafts:
        store.save_draft(session.session_id, Timeline.from_draft(draft))
    assert store.history_depth(session.session_id) == (3, 0)
    assert store.step_history(session.session_id, "undo")["d"] == 2000
    assert store.step_history(session.session_id, "undo")["d"] == 1000
    assert store.step_history(session.session_id, "redo")["d"] == 2000
    assert store.session(session.session_id, user).draft["d"] == 2000
    store.save_draft(session.session_id, {"t": [], "d": 9000, "m": {}})
    assert store.step_history(session.session_id, "redo") is None, "a new edit clears redo"
    assert store.history_depth(session.session_id) == (3, 0)


def test_media_belongs_to_who_uploaded_it_or_had_it_made(store, tmp_path):
    owner, stranger = new_user(store, client="a"), new_user(store, client="b")
    session = store.create_session(owner, "p", "en", {"t": [], "d": 0, "m": {}})
    store.put_media("1" * 64, tmp_path / "x.mp4", 1, {})
    store.attach_media(session.session_id, "1" * 64, "x.mp4")
    store.add_generated_media(session.session_id, {"kind": "music", "hash": "2" * 64})
    wanted = {"1" * 64, "2" * 64, "3" * 64}
    assert store.owned_media(owner, wanted) == {"1" * 64, "2" * 64}
    assert store.owned_media(stranger, wanted) == set()


def test_render_ids_are_scoped_per_user_with_random_keys(store):
    alice, bob = new_user(store, client="a"), new_user(store, client="b")
    first = store.create_render("render_1", alice, None, {"t": []})
    second = store.create_render("render_1", bob, None, {"t": []})
    assert first.key != second.key and first.key.startswith("rj_") and len(first.key) == 35
    with pytest.raises(Duplicate):
        store.create_render("render_1", alice, None, {"t": []})
    assert store.render("render_1", bob).key == second.key
    with pytest.raises(NotFound):
        store.render("render_2", alice)
    store.update_render(first.key, status="completed", progress=100.0)
    assert store.render("render_1", alice).status == "completed"
    assert store.render("render_1", bob).status == "pending"
    assert store.unfinished_renders() == [second.key]


def test_an_older_database_is_migrated(tmp_path):
    path = tmp_path / "engine.sqlite3"
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE renders (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, session_id TEXT,
            draft TEXT NOT NULL, status TEXT NOT NULL, progress REAL NOT NULL DEFAULT 0,
            error TEXT, output_path TEXT, stream_copy INTEGER, created_at REAL NOT NULL,
            completed_at REAL);
        INSERT INTO renders VALUES ('render_old', 'anon_1', NULL, '{}', 'completed', 100,
            NULL, 'x.mp4', 1, 1.0, 2.0);
    """)
    db.commit()
    db.close()
    store = Store(path)
    try:
        job = store.render("render_old", "anon_1")
        assert job.status == "completed" and job.output_path == "x.mp4" and job.stream_copy
    finally:
        store.close()
