"""One user message in, one plan out: read the instructions, apply them in order, reply.

The planner is pure and deterministic (same message, draft, uploads, turn index and seed give
the same plan), so that a turn can be replayed in tests and after a dropped stream.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from nemo_widgets.engine.agent.edits import Edit, Workspace, apply_intent, visual_uploads
from nemo_widgets.engine.agent.intents import (
    EDITING_INTENTS,
    Describe,
    Export,
    GenerateMusic,
    History,
    Intent,
    PlaceMedia,
    SetCanvas,
    SetVolume,
    TargetUploads,
    Trim,
)
from nemo_widgets.engine.agent.language import Language, reply_language
from nemo_widgets.engine.agent.model import (
    HistoryRequest,
    MediaItem,
    MusicRequest,
    ToolAction,
    TurnPlan,
)
from nemo_widgets.engine.agent.music_words import (
    is_bare_length,
    options_in,
    sections_from_end,
    sections_under_speech,
)
from nemo_widgets.engine.agent.notes import Note, Reply
from nemo_widgets.engine.agent.phrasing import (
    MaskedText,
    is_pleasantry,
    mask_quotes,
    normalize,
    split_pieces,
    strip_filler,
)
from nemo_widgets.engine.agent.recognizers import Clause, understand
from nemo_widgets.engine.agent.replies import (
    capabilities,
    history_done,
    phrase,
    quoted,
    render,
    skipped,
)
from nemo_widgets.engine.agent.tracks import (
    SegmentIds,
    fill_meta_defaults,
    settle,
    video_segments,
)
from nemo_widgets.timeline import Timeline


@dataclass
class Reading:
    """What the message asks for, in order, and the pieces that could not be understood."""

    intents: list[Intent] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    pleasantries: int = 0
    texts: list[str] = field(default_factory=list)  # the words behind each intent


@dataclass(frozen=True)
class Step:
    """One intent carried out: its tool call (if it has one) and whether the draft changed."""

    intent: Intent
    edit: Edit | None
    changed: bool
    summary: str


def plan_turn(message: str, draft: dict[str, Any] | None, media: list[MediaItem], *,
              language: str = "en", turn_index: int = 0, seed: int = 0,
              speech: list[tuple[float, float]] | None = None) -> TurnPlan:
    """Turn one user message and the session's state into tool actions, a new draft and a reply.

    ``draft`` is never modified. ``media`` lists the session's uploads in upload order.
    ``speech`` (seconds, when the caller already knows where people talk) places "quiet under
    the talking part" on those intervals; without it the request says ``"under": "speech"``
    and the music tool places it (``music_words.sections_under_speech``).
    """
    masked = mask_quotes(message)
    reply_lang = reply_language(masked.text, language)
    reading = gather_music(read_message(masked, media), masked)
    if not reading.intents:
        return answer_without_intents(reading, reply_lang)
    history = next((i for i in reading.intents if isinstance(i, History)), None)
    if history is not None:
        return history_plan(history, reading, masked, reply_lang)
    timeline = starting_timeline(draft, media)
    workspace = Workspace(timeline, list(media),
                          SegmentIds(timeline, f"{seed}|{turn_index}|{message}"))
    steps = [carry_out(intent, workspace)
             for intent in with_uploads_placed(reading.intents, timeline, media)]
    changed = any(step.changed for step in steps)
    music = music_request(message, steps, speech, workspace.timeline.duration_ms / 1000)
    reply = compose_reply(steps, reading, reply_lang)
    return TurnPlan(
        actions=[action_for(step.edit, step, reply_lang) for step in steps
                 if step.edit is not None],
        draft=workspace.timeline.to_draft() if changed else None,
        reply=reply.text,
        charge="music" if music is not None else "edit" if changed else None,
        needs_music=music,
        reasons=list(reply.reasons),
        language=reply_lang,
    )


# --- reading -----------------------------------------------------------------------------------
def read_message(masked: MaskedText, media: list[MediaItem]) -> Reading:
    """Split the message into instructions and understand each one, in order."""
    reader = MessageReader(masked, tuple(m.filename for m in media if m.file_type == "audio"),
                           tuple(m.filename for m in media if m.file_type != "audio"))
    for separator, piece in split_pieces(masked.text):
        reader.take(separator, piece)
    return reader.reading


class MessageReader:
    """Understands a message piece by piece, mending the pieces the splitter cut too eagerly.

    A piece that means nothing alone is glued back to the previous one when that changes its
    meaning ("fade in" + "out the music"; "from 5" + "8 seconds"); otherwise it is reported as
    not understood. Two pieces that set one thing ("make it vertical, crop to fill") become one
    step.
    """

    def __init__(self, masked: MaskedText, audio_filenames: tuple[str, ...],
                 visual_filenames: tuple[str, ...] = ()) -> None:
        self.reading = Reading()
        self._masked = masked
        self._audio_filenames = audio_filenames
        self._visual_filenames = visual_filenames
        self._texts = self.reading.texts  # the text behind each intent, for gluing

    def take(self, separator: str, raw_piece: str) -> None:
        """Read the next piece of the message (``separator`` is what preceded it)."""
        if is_pleasantry(raw_piece):
            self.reading.pleasantries += 1
            return
        piece = strip_filler(raw_piece)
        if not piece:
            return
        intent = self._understand(piece)
        if intent is not None:
            self._add(separator, piece, intent)
        elif not self._glue(separator, piece):
            self.reading.skipped.append(self._masked.restore(piece))

    def _understand(self, text: str) -> Intent | None:
        return understand(Clause.read(text, self._masked, self._audio_filenames,
                                      self._visual_filenames))

    def _add(self, separator: str, piece: str, intent: Intent) -> None:
        intents = self.reading.intents
        joined = combined(intents[-1], intent) if intents else None
        if joined is None:
            self._texts.append(piece)
            intents.append(intent)
        else:
            self._texts[-1] += separator + piece
            intents[-1] = joined

    def _glue(self, separator: str, piece: str) -> bool:
        if not self._texts:
            return False
        text = self._texts[-1] + separator + piece
        intent = self._understand(text)
        if intent is None or intent == self.reading.intents[-1]:
            return False
        self._texts[-1], self.reading.intents[-1] = text, intent
        return True


def gather_music(reading: Reading, masked: MaskedText) -> Reading:
    """One music request per message, carrying every option the whole message states.

    Options are often said in their own clauses ("…, seed 7, 96 BPM, 30 seconds long", the
    suffix the CLI and the magics add), and sections across clauses ("calm for the first 10
    seconds, then build up"), so they are read over the whole message. In a message that asks
    for music, a bare "30 seconds long" is the music's length, not a trim of the video.
    """
    asks = [i for i in reading.intents if isinstance(i, GenerateMusic)]
    if not asks:
        return reading
    text = normalize(masked.text)
    options = options_in(text)
    variation = next((a.variation for a in asks if a.variation not in (None, "bpm")),
                     "bpm" if any(a.variation == "bpm" for a in asks) else None)
    music: GenerateMusic | None = GenerateMusic(
        prompt=masked.restore(masked.text), variation=variation, bpm=options.bpm,
        options=options)
    kept = Reading(skipped=reading.skipped, pleasantries=reading.pleasantries)
    for intent, words in zip(reading.intents, reading.texts, strict=True):
        if isinstance(intent, GenerateMusic):
            if music is not None:
                kept.intents.append(music)
                kept.texts.append(words)
            music = None
        elif not (isinstance(intent, Trim) and is_bare_length(normalize(words))):
            kept.intents.append(intent)
            kept.texts.append(words)
    return kept


def combined(previous: Intent, new: Intent) -> Intent | None:
    """One intent for two that set the same thing, or None when they are separate steps.

    A setting said twice ("竖屏，适合抖音") is done once, but relative volume changes add up
    ("lower the music, lower it more"). Canvas size and fit, and placing with a photo length,
    are merged.
    """
    if new == previous and not (isinstance(new, SetVolume) and new.scale is not None):
        return previous
    if isinstance(previous, PlaceMedia) and isinstance(new, PlaceMedia):
        return PlaceMedia(image_seconds=new.image_seconds or previous.image_seconds,
                          add_missing=new.add_missing or previous.add_missing)
    if isinstance(previous, SetCanvas) and isinstance(new, SetCanvas):
        sized = new if new.width is not None else previous
        return SetCanvas(width=sized.width, height=sized.height, fit=new.fit or previous.fit)
    return None


def answer_without_intents(reading: Reading, language: Language) -> TurnPlan:
    """Nothing understood: thank back a pleasantry, else list what the agent can do."""
    if reading.pleasantries and not reading.skipped:
        reply = phrase("pleasantry", language)
    else:
        reply = capabilities(language, understood=False)
    return TurnPlan(actions=[], draft=None, reply=reply, charge=None, needs_music=None,
                    language=language)


def history_plan(history: History, reading: Reading, masked: MaskedText,
                 language: Language) -> TurnPlan:
    """Undo, redo or "use version N": the engine carries it out, one step at a time.

    The reply is what the engine says when it succeeds; it words other outcomes with
    ``replies.history_done``. Other instructions in the same message are not applied to a
    draft that is about to change: the reply asks for them again.
    """
    args: dict[str, Any] = {} if history.version is None else {"version": history.version}
    reply = history_done(history.kind, language, version=history.version).headline
    others = [masked.restore(text) for intent, text in zip(reading.intents, reading.texts,
                                                           strict=True) if intent != history]
    if others:
        reply += "\n" + render(Note("history_alone", {"pieces": quoted(others, language)}),
                                language)
    result = {"status": "pending", "message": history_done(history.kind, language,
                                                            version=history.version).headline}
    return TurnPlan(actions=[ToolAction(history.kind, args, result)], draft=None, reply=reply,
                    charge=None, needs_music=None,
                    history=HistoryRequest(kind=history.kind, args=dict(args)),
                    language=language)


# --- doing -------------------------------------------------------------------------------------
def starting_timeline(draft: dict[str, Any] | None, media: list[MediaItem]) -> Timeline:
    """A private, consistent copy of the draft (an empty 16:9 project when there is none)."""
    timeline = Timeline.from_draft(copy.deepcopy(draft) if draft else None)
    fill_meta_defaults(timeline)
    settle(timeline, media)
    return timeline


def with_uploads_placed(intents: list[Intent], timeline: Timeline,
                        media: list[MediaItem]) -> list[Intent]:
    """Place the uploads first when the user edits before the video is on the timeline.

    Users expect "add a title" right after uploading to work on their video; a placing
    instruction later in the same message is folded into that first step. A message that names
    uploads ("add b.mp4 to the timeline", "use a.mp4") places only those.
    """
    edits_something = any(isinstance(i, EDITING_INTENTS) and not isinstance(i, PlaceMedia)
                           for i in intents)
    names_uploads = any(isinstance(i, TargetUploads) for i in intents)
    if (not edits_something or names_uploads or video_segments(timeline)
            or not visual_uploads(media)):
        return intents
    seconds = next((i.image_seconds for i in intents
                    if isinstance(i, PlaceMedia) and i.image_seconds is not None), None)
    placing = PlaceMedia(image_seconds=seconds)
    return [placing, *(i for i in intents if not isinstance(i, PlaceMedia))]


def carry_out(intent: Intent, workspace: Workspace) -> Step:
    """Apply one intent, restore the draft's invariants, and note whether anything changed."""
    before = workspace.timeline.to_draft()
    edit = apply_intent(intent, workspace)
    if edit is not None and not edit.ok:
        workspace.timeline = Timeline.from_draft(before)
    settle(workspace.timeline, workspace.media)
    changed = workspace.timeline.to_draft() != before
    return Step(intent, edit, changed, workspace.timeline.summary())


def action_for(edit: Edit, step: Step, language: Language) -> ToolAction:
    """The step's tool call as the functionCall/functionResponse pair the HTTP layer emits
    (its message in the user's language: a client may show it as the change description)."""
    status = "ok" if edit.ok else "error"
    if isinstance(step.intent, GenerateMusic):
        status = "pending"
    result: dict[str, Any] = {"status": status,
                              "message": " ".join(render(edit.note, language).split("\n"))}
    if edit.ok:
        result["summary"] = step.summary
    result.update(copy.deepcopy(edit.extra_result))
    return ToolAction(name=edit.name, args=copy.deepcopy(edit.args), result=result)


def music_request(message: str, steps: list[Step],
                  speech: list[tuple[float, float]] | None = None,
                  video_s: float = 0.0) -> MusicRequest | None:
    """The last music request of the message, with the user's own words as the prompt.

    Sections counted from the end are placed on the music's length (the asked one, else the
    video's), so that the music engine gets times from the start.
    """
    asks = [step.intent for step in steps if isinstance(step.intent, GenerateMusic)]
    if not asks:
        return None
    last = asks[-1]
    options = last.options
    sections = sections_from_end([dict(s) for s in options.sections],
                                 options.duration_s or video_s)
    if speech is not None:
        sections = sections_under_speech(sections, speech)
    return MusicRequest(prompt=message, variation=last.variation, bpm=last.bpm,
                        sections=sections, seed=options.seed,
                        style=options.style, duration_s=options.duration_s, count=options.count)


# --- replying ----------------------------------------------------------------------------------
def compose_reply(steps: list[Step], reading: Reading, language: Language) -> Reply:
    """One plain sentence first, in the user's language, then one line per step.

    A single step's sentence is the headline; several steps get a headline that counts them
    ("I made 3 changes.") and a bullet each; what was not understood comes last. (The cloud's
    habits — silent edits, "Click Export" hints — belong to the engine's emulation profile, not
    to the agent: see ``engine.emulation``.)
    """
    texts = [step_text(step, language) for step in steps]
    if len(texts) == 1:
        headline, *details = texts[0].split("\n")
    else:
        headline, details = steps_headline(steps, texts, language), []
        for text in texts:
            first, *rest = text.split("\n")
            details += [f"- {first}", *(f"  {line}" for line in rest)]
    if reading.skipped:
        details.append(skipped(reading.skipped, language))
    return Reply(headline=headline, details=tuple(details), language=language)


def steps_headline(steps: list[Step], texts: list[str], language: Language) -> str:
    """The first line of a multi-step reply: how many of the asked changes were made (music
    still to be made by the music tool is not counted as done)."""
    edits = [step.edit for step in steps if step.edit is not None
             and not isinstance(step.intent, (Describe, GenerateMusic))]
    if not edits:
        return texts[0].split("\n")[0]
    done = sum(edit.ok for edit in edits)
    if done == len(edits):
        return render(Note("steps_done", {"count": str(done)}), language)
    if done == 0:
        return render(Note("steps_none"), language)
    return render(Note("steps_some", {"done": str(done), "count": str(len(edits))}), language)


def step_text(step: Step, language: Language) -> str:
    """The words for one step: its note, the export pointer or the capability list."""
    if step.edit is not None:
        return render(step.edit.note, language)
    if isinstance(step.intent, Export):
        return phrase("export", language)
    return capabilities(language, understood=True)
