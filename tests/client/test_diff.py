"""What changed between two drafts, in words."""

from __future__ import annotations

from nemo_widgets.client.diff import describe_changes
from nemo_widgets.timeline import Timeline
from tests.client.fakes import make_draft


def test_describe_changes_in_words():
    before, after = Timeline.from_draft(make_draft()), Timeline.from_draft(make_draft(0.0, "Hi"))
    text = describe_changes(before, after)
    assert text is not None
    assert text == 'Added title "Hi" (0-2s); muted a.mp4 on Video.'
    assert describe_changes(before, Timeline.from_draft(make_draft())) is None
    assert Timeline.from_draft(make_draft()).to_draft() == make_draft(), "unknown keys survive"
