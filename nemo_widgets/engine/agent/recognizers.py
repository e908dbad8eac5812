"""From one clause of the user's message to one intent, by ordered keyword rules.

Each rule (``rules_text``, ``rules_audio``, ``rules_timeline``) looks for one family of
instructions, in English and Chinese. They run in a fixed order and the first answer wins: the
order settles the overlaps between families. Undo, redo and "use version N" come first (they
must be the whole clause); titles next (their words may say anything);
fades before music ("fade in the music"); music options (sections, seed, style, length) before
trims, volumes and removals ("calm for the first 10 seconds", "a drop at 0:20"); named
uploads next ("remove b.mp4", "add b.mp4 after a.mp4", "clear the timeline"); trims before
volumes ("keep the first 10 seconds" is not "keep the original audio"); an uploaded song
before volumes ("add the mp3 as bgm at 20%"); volumes before removals ("remove the original
sound" mutes the clips); generated music after all music edits ("lower the music" is an edit);
placing the uploads last.
"""

from __future__ import annotations

from nemo_widgets.engine.agent.clause import Clause, Recognizer
from nemo_widgets.engine.agent.intents import Intent
from nemo_widgets.engine.agent.rules_audio import (
    recognize_fade,
    recognize_generate_music,
    recognize_music_options,
    recognize_uploaded_music,
    recognize_volume,
)
from nemo_widgets.engine.agent.rules_history import recognize_history
from nemo_widgets.engine.agent.rules_text import recognize_text
from nemo_widgets.engine.agent.rules_timeline import (
    recognize_canvas,
    recognize_describe,
    recognize_export,
    recognize_help,
    recognize_image_seconds,
    recognize_place,
    recognize_remove_named,
    recognize_remove_track_number,
    recognize_trim,
)
from nemo_widgets.engine.agent.rules_uploads import recognize_uploads

RECOGNIZERS: tuple[Recognizer, ...] = (
    recognize_history,
    recognize_text,
    recognize_help,
    recognize_export,
    recognize_describe,
    recognize_fade,
    recognize_music_options,
    recognize_uploads,
    recognize_image_seconds,
    recognize_trim,
    recognize_uploaded_music,
    recognize_volume,
    recognize_remove_track_number,
    recognize_remove_named,
    recognize_generate_music,
    recognize_canvas,
    recognize_place,
)
"""In priority order: the first rule that answers decides what a clause means."""


def understand(clause: Clause) -> Intent | None:
    """The clause's intent, or None when no rule recognises it."""
    for recognize in RECOGNIZERS:
        intent = recognize(clause)
        if intent is not None:
            return intent
    return None


__all__ = ["RECOGNIZERS", "Clause", "understand"]
