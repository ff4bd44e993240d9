from live.core.events import MUTED, Event, audit_entry, viewer_handle


def test_view_shows_private_events_only_to_moderators_and_the_author():
    held = Event(7, "comment.created", {"id": "c7", "state": "held"}, private=True, author="v1.me")
    placeholder = {"seq": 7, "kind": "private"}
    assert held.view("v1.someone", moderator=False) == placeholder
    assert held.view(None, moderator=False) == placeholder
    assert held.view("v1.me", moderator=False) == held.full()
    assert held.view("v1.someone", moderator=True) == {**held.full(), "viewer": viewer_handle("v1.me")}
    visible = Event(8, "comment.created", {"id": "c8", "state": "visible"}, author="v1.me")
    assert visible.view("v1.someone", moderator=False) == visible.full() == visible.public()


def test_a_muted_viewer_sees_their_comment_as_shown():
    muted = Event(9, "comment.created", {"id": "c9", "state": MUTED, "text": "hi"}, private=True, author="v1.me")
    assert muted.view("v1.me", moderator=False)["data"]["state"] == "visible"
    assert muted.view("v1.other", moderator=False) == {"seq": 9, "kind": "private"}
    assert muted.view(None, moderator=True)["data"]["state"] == MUTED
    told = Event(10, "viewer.restricted", {"viewer": "h", "mode": "muted"}, private=True, author="v1.me")
    assert told.view("v1.me", moderator=False) == {"seq": 10, "kind": "private"}


def test_moderators_see_who_acted_and_the_audit_entry_says_it():
    hidden = Event(10, "comment.hidden", {"id": "c3", "state": "hidden", "text": "spam"}, author="v1.me", at=5.0,
                   by="主持人A")
    assert hidden.view(None, moderator=True)["by"] == "主持人A"
    assert "by" not in hidden.view("v1.x", moderator=False)
    assert audit_entry(hidden) == {"seq": 10, "at": "1970-01-01T00:00:05.000Z", "by": "主持人A",
                                   "kind": "comment.hidden", "target": "c3", "text": "spam"}
    before = {"title": "T", "status": "scheduled", "key_generation": 0,
              "settings": {"slow_mode_s": 0, "comment_mode": "filtered"}}
    after = {**before, "status": "live", "key_generation": 1, "settings": {"slow_mode_s": 5, "comment_mode": "filtered"}}
    entry = audit_entry(Event(11, "lecture.updated", after, by="甲"), before)
    assert entry["changed"] == ["moderator_key", "settings.slow_mode_s", "status"] and entry["status"] == "live"
