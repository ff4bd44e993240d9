from live.core.events import Event


def test_view_shows_private_events_only_to_moderators_and_the_author():
    held = Event(7, "comment.created", {"id": "c7", "state": "held"}, private=True, author="v1.me")
    placeholder = {"seq": 7, "kind": "private"}
    assert held.view("v1.someone", moderator=False) == placeholder
    assert held.view(None, moderator=False) == placeholder
    assert held.view("v1.me", moderator=False) == held.full()
    assert held.view("v1.someone", moderator=True) == held.full()
    visible = Event(8, "comment.created", {"id": "c8", "state": "visible"}, author="v1.me")
    assert visible.view("v1.someone", moderator=False) == visible.full() == visible.public()
