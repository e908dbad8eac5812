"""Putting the turn into words, in English or Chinese, short and concrete.

Also the wording rules the real backend shows: GUI phrases ("Click **Export**…") that the
client translates into actions, and the capability list given when a request is not understood.

Every reply reads the same way (``Reply``): one plain sentence first, in the user's language,
then details, with the reasons kept apart for a "Why?" fold. One exception: asked to show the
timeline in English, the first line is the seed's one-line summary ("Timeline (3 tracks): …"),
the format the product documents and clients look for. A template's first line is its
headline; a newline in a template starts its details. The music tool's words live here too
(``music_added``, from ``music_reply``), so the whole engine speaks with one voice.
"""

from __future__ import annotations

from nemo_widgets.engine.agent.language import Language
from nemo_widgets.engine.agent.music_reply import music_added
from nemo_widgets.engine.agent.notes import Note, NoteValue, Reply, Term

TEMPLATES: dict[str, tuple[str, str]] = {
    "placed": ("Put {files} on the video track, back to back (0-{end}s), each clip with its own "
               "sound.", "已按上传顺序把{files}放到视频轨道（0-{end}秒），每段保留原声。"),
    "placed_photos": ("Put {files} on the video track, back to back (0-{end}s), {seconds}s per "
                      "photo.",
                      "已按上传顺序把{files}放到视频轨道（0-{end}秒），每张图片显示{seconds}秒。"),
    "placed_mixed": ("Put {files} on the video track, back to back (0-{end}s): clips keep their "
                     "own sound, photos show for {seconds}s each.",
                     "已按上传顺序把{files}放到视频轨道（0-{end}秒）：视频保留原声，每张图片显示{seconds}秒。"),
    "placed_one": ("Put {files} on the video track with its own sound; the video is {end}s long.",
                   "已把{files}放到视频轨道（保留原声），视频共{end}秒。"),
    "placed_photo_one": ("Put {files} on the video track for {seconds}s; the video is {end}s "
                         "long.", "已把{files}放到视频轨道（显示{seconds}秒），视频共{end}秒。"),
    "stills_retimed": ("Each photo now shows for {seconds}s; the video is {end}s long.",
                       "每张图片现在显示{seconds}秒，视频总长{end}秒。"),
    "already_placed": ("Your uploads are already on the timeline.", "素材已经都在时间线上了。"),
    "nothing_to_place": ("There is nothing to place yet: upload a video or photos first.",
                         "还没有可以放上时间线的素材，请先上传视频或图片。"),
    "no_video": ("There is no video on the timeline yet: upload a clip first.",
                 "时间线上还没有视频，请先上传视频。"),
    "no_bgm": ("There is no background music yet: upload a song and say \"use my song as "
               "background music\", or ask me to generate music.",
               "还没有背景音乐：上传一首音乐后说“用我上传的音乐作为背景音乐”，或者让我生成音乐。"),
    "no_text": ("There is no text on the timeline yet.", "时间线上还没有文字。"),
    "original_muted": ("Muted the original audio.", "已静音原声。"),
    "original_restored": ("The original audio is back at 100%.", "原声已恢复到100%。"),
    "original_volume": ("Original audio set to {percent}%.", "原声音量已设为{percent}%。"),
    "music_volume": ("Background music volume: {before}% → {after}%.",
                     "背景音乐音量：{before}% → {after}%。"),
    "no_audio_upload": ("Upload a song first (mp3, wav, m4a or aac), then ask me to use it as "
                        "background music.",
                        "请先上传一首音乐（mp3、wav、m4a 或 aac），再让我把它作为背景音乐。"),
    "bgm_added": ("Added {file} as background music (0-{end}s, {percent}%), fading in over 0.5s "
                  "and out over 1.5s.",
                  "已将{file}设为背景音乐（0-{end}秒，音量{percent}%），淡入0.5秒、淡出1.5秒。"),
    "bgm_added_looped": ("Added {file} as background music, looped to cover 0-{end}s at "
                         "{percent}%, fading in over 0.5s and out over 1.5s.",
                         "已将{file}设为背景音乐并循环铺满0-{end}秒（音量{percent}%），"
                         "淡入0.5秒、淡出1.5秒。"),
    "faded": ("{target}: fade in {fade_in}s, fade out {fade_out}s.",
              "{target}：淡入{fade_in}秒，淡出{fade_out}秒。"),
    "faded_in": ("{target}: fade in {fade_in}s.", "{target}：淡入{fade_in}秒。"),
    "faded_out": ("{target}: fade out {fade_out}s.", "{target}：淡出{fade_out}秒。"),
    "title_added": ("Added the title \"{text}\" ({start}-{end}s, {position}).",
                    "已添加标题“{text}”（{start}-{end}秒，{position}）。"),
    "text_added": ("Added the text \"{text}\" ({start}-{end}s, {position}).",
                   "已添加文字“{text}”（{start}-{end}秒，{position}）。"),
    "text_missing": ("What should the {kind} say?\nPut the words in quotes, e.g. add a title "
                     "\"Summer Trip\".",
                     "{kind}要写什么？\n请把文字放在引号里，例如：添加标题“夏日旅行”。"),
    "text_outside": ("That time range is outside the video, which ends at {end}s.",
                     "这个时间段不在视频范围内（视频在{end}秒结束）。"),
    "no_such_track": ("There is no {track} track to remove.", "没有可以删除的{track}轨道。"),
    "track_removed_named": ("Removed the {track} track ({what}); tracks left: {left}.",
                            "已删除{track}轨道（{what}），时间线上还剩{left}条轨道。"),
    "track_removed_named_empty": ("Removed the {track} track ({what}); the timeline is now "
                                  "empty.", "已删除{track}轨道（{what}），时间线现在是空的。"),
    "no_track_number": ("There is no track {number}: the timeline has {count}.",
                        "没有第{number}条轨道：时间线上共有{count}条。"),
    "track_removed_number": ("Removed track {number} ({name}).",
                             "已删除第{number}条轨道（{name}）。"),
    "trimmed": ("Trimmed the video to {end}s (it was {before}s).",
                "视频已剪到{end}秒（原来{before}秒）。"),
    "trimmed_all": ("Trimmed the video to {end}s (it was {before}s); the music and text now end "
                    "there too.", "视频已剪到{end}秒（原来{before}秒），音乐和文字也随之截止。"),
    "trim_not_shorter": ("The video is {end}s long, so keeping {seconds}s changes nothing: I can "
                         "only shorten it.",
                         "视频只有{end}秒，保留{seconds}秒不会有变化：我只能缩短视频。"),
    "trim_too_much": ("Cutting {seconds}s would leave nothing: the video is {end}s long.",
                      "视频只有{end}秒，剪掉{seconds}秒就什么都不剩了。"),
    "canvas_set": ("The canvas is now {width}×{height} ({ratio}), {fit}.",
                   "画布已改为{width}×{height}（{ratio}），{fit}。"),
    "canvas_same": ("The canvas is already {width}×{height} ({ratio}), {fit}.",
                    "画布已经是{width}×{height}（{ratio}），{fit}。"),
    "music_requested": ("Music generation is handled by the music tool: it will compose a track "
                        "that fits your video.",
                        "背景音乐由音乐工具生成：它会根据你的视频创作一段合适的音乐。"),
    "music_variation": ("Music generation is handled by the music tool: it will make a new "
                        "version ({variation}).",
                        "背景音乐由音乐工具生成：它会生成一个新版本（{variation}）。"),
    "music_count": ("Music generation is handled by the music tool: it will compose {count} "
                    "versions for you to choose from.",
                    "背景音乐由音乐工具生成：它会创作{count}个版本供你选择。"),
    "music_shaped": ("Music generation is handled by the music tool: it will compose a track "
                     "shaped as asked ({sections_en}).",
                     "背景音乐由音乐工具生成：它会按你的要求安排段落（{sections_zh}）。"),
    "music_length": ("Music generation is handled by the music tool: it will compose the music to "
                     "{seconds}s with its own ending, and leave the video as it is.",
                     "背景音乐由音乐工具生成：它会把音乐重新创作为{seconds}秒并带完整结尾，视频保持不变。"),
    "described": ("{summary}\n{tracks}\nCanvas {width}×{height} ({ratio}), {fit}; length "
                  "{length}s.",
                  "时间线上有{count}条轨道，共{length}秒。\n{summary}\n{tracks}"
                  "\n画布{width}×{height}（{ratio}），{fit}。"),
    "described_empty": ("Timeline (0 tracks): empty\nUpload a video and ask me to put it on the "
                        "timeline.", "时间线是空的。\n请上传视频，然后让我把它放到时间线上。"),
    "skipped": ("I did not understand {pieces}, so I left it out.",
                "我没有理解{pieces}，所以跳过了。"),
    "export": ("Click **Export** to render your 1080p MP4.", "点击**导出**即可渲染 1080p MP4。"),
    "click_export": ("Click Export when you're ready.", "准备好后点击导出。"),
    "pleasantry": ("You're welcome.\nTell me what to change next, or click **Export** when "
                   "you're ready.", "不客气。\n告诉我下一步要改什么，或者准备好后点击**导出**。"),
    "help_intro": ("I edit your timeline and compose music for it.\nHere is what I can do:",
                   "我可以编辑时间线，并为视频创作音乐。\n具体包括："),
    "upload_added": ("Added {files} to the video track ({start}-{end}s); the video is now "
                     "{length}s long.",
                     "已把{files}加到视频轨道（{start}-{end}秒），视频现在共{length}秒。"),
    "upload_added_at_end": ("{anchor} is not on the timeline, so I added {files} at the end "
                            "({start}-{end}s).",
                            "时间线上没有{anchor}，所以把{files}加在了末尾（{start}-{end}秒）。"),
    "uploads_already": ("Already on the timeline as asked: {files}.",
                        "时间线上已经是这样了：{files}。"),
    "video_replaced": ("The video is now {files} only (0-{end}s).",
                       "视频已换成{files}（0-{end}秒）。"),
    "video_replaced_music": ("The video is now {files} only (0-{end}s), and I removed the music "
                             "made for the previous video.",
                             "视频已换成{files}（0-{end}秒），并删除了为之前视频生成的音乐。"),
    "swapped": ("Put {new} where {old} was ({start}-{end}s); the video is now {length}s long.",
                "已用{new}替换{old}（{start}-{end}秒），视频现在共{length}秒。"),
    "upload_moved": ("Moved {files} to {start}-{end}s; the video is still {length}s long.",
                     "已把{files}移到{start}-{end}秒，视频总长仍为{length}秒。"),
    "exchanged": ("Switched the places of {files} on the video track.",
                  "已交换{files}在视频轨道上的位置。"),
    "not_on_timeline": ("Not on the timeline: {files}.", "时间线上没有{files}。"),
    "upload_removed": ("Removed {files} from the timeline; the video is now {length}s long.",
                       "已从时间线删除{files}，视频现在共{length}秒。"),
    "upload_removed_empty": ("Removed {files}; the timeline is now empty.",
                             "已删除{files}，时间线现在是空的。"),
    "kept_only": ("Kept only {files} on the video track (0-{end}s).",
                  "视频轨道只保留了{files}（0-{end}秒）。"),
    "cleared": ("Cleared the timeline: it is empty now.", "已清空时间线。"),
    "already_empty": ("The timeline is already empty.", "时间线已经是空的。"),
    "undo": ("Undid the last change.", "已撤销上一步。"),
    "undo_nothing": ("There is nothing to undo yet.", "还没有可以撤销的操作。"),
    "redo": ("Redid the change you undid.", "已重做刚才撤销的操作。"),
    "redo_nothing": ("There is nothing to redo.", "没有可以重做的操作。"),
    "use_music": ("Switched the background music to version {version}.",
                  "背景音乐已换成第{version}个版本。"),
    "use_music_missing": ("There is no music version {version}: this session has {count}.",
                          "没有第{version}个音乐版本：目前共有{count}个。"),
    "use_music_none": ("There is no music yet: ask me to generate some first.",
                       "还没有生成过音乐：请先让我生成音乐。"),
    "history_alone": ("I left out {pieces}: say it again once this is done.",
                      "我先跳过了{pieces}：完成后请再说一次。"),
    "unknown_intro": ("I can't do that here.\nHere is what I can do:", "这个我做不到。\n我可以："),
    "steps_done": ("I made {count} {noun}.", "已完成{count}处修改。"),
    "steps_some": ("I made {done} of the {count} changes you asked for.",
                   "你要求的{count}处修改中完成了{done}处。"),
    "steps_none": ("I could not make these changes.", "这些修改都没能完成。"),
}

TERMS: dict[str, tuple[str, str]] = {
    "top": ("top", "顶部"), "center": ("center", "居中"), "bottom": ("bottom", "底部"),
    "title": ("title", "标题"), "text": ("text", "文字"),
    "bgm": ("background music", "背景音乐"), "video": ("original audio", "原声"),
    "audio": ("audio", "音频"),
    "video_track": ("video", "视频"), "bgm_track": ("background music", "背景音乐"),
    "title_track": ("title", "标题"), "text_track": ("text", "文字"),
    "audio_track": ("audio", "音频"),
    "Video": ("Video", "视频"), "BGM": ("BGM", "背景音乐"), "Title": ("Title", "标题"),
    "Text": ("Text", "文字"),
    "pad": ("letterboxed", "留黑边完整显示"), "crop": ("cropped to fill", "裁剪铺满"),
    "more_upbeat": ("more upbeat", "更欢快"), "calmer": ("calmer", "更舒缓"),
    "another": ("another take", "换一版"), "bpm": ("new tempo", "新的速度"),
    "piano_only": ("piano only", "纯钢琴"),
}

CAPABILITIES: tuple[tuple[str, str], ...] = (
    ("put your uploads on the timeline (clips in order, photos as 3 s stills)",
     "把上传的素材放到时间线上（视频按顺序，图片默认每张3秒）"),
    ("mute, keep or set the original audio (e.g. \"set the original audio to 30%\")",
     "静音、保留或调整原声音量（例如“原声音量30%”）"),
    ("use an uploaded song as background music, make it louder or quieter, or remove it",
     "把上传的音乐作为背景音乐，调大、调小或删除"),
    ("fade the music or the sound in and out", "让音乐或原声淡入淡出"),
    ("add or remove a title or text (e.g. add a title \"Summer Trip\" for the first 3 seconds)",
     "添加或删除标题和字幕（例如：添加标题“夏日旅行”）"),
    ("trim the video (keep the first 10 seconds, cut the first or last seconds)",
     "剪辑视频长度（只保留前10秒、剪掉开头或结尾几秒）"),
    ("change the canvas: 16:9, vertical 9:16, square 1:1; crop to fill or letterbox",
     "调整画布：16:9 横屏、9:16 竖屏、1:1 方形；裁剪铺满或留黑边"),
    ("remove a track, or show what is on the timeline", "删除轨道，或显示时间线内容"),
    ("generate background music that fits your video", "生成适合视频的背景音乐"),
    ("shape the music (\"calm for the first 10 seconds, then build up\", \"a drop at 0:20\", "
     "\"96 BPM\", \"style lofi\", \"30 seconds long\", \"give me three options\")",
     "调整音乐（“前10秒平静，然后逐渐增强”“在0:20来一个高潮”“96 BPM”“三个版本”）"),
    ("work on one upload at a time (\"use b.mp4\", \"add b.mp4 after a.mp4\", \"remove a.mp4\", "
     "\"clear the timeline\")",
     "逐个处理上传的文件（“用b.mp4”“把b.mp4放在a.mp4后面”“删除a.mp4”“清空时间线”）"),
    ("undo or redo a change, or go back to an earlier music version (\"use music version 2\")",
     "撤销或重做修改，或换回之前的音乐版本（“用第2个音乐版本”）"),
)


def _value_text(value: NoteValue, language: Language) -> str:
    column = 0 if language == "en" else 1
    if isinstance(value, Term):
        return TERMS.get(value.word, (value.word, value.word))[column]
    if isinstance(value, list):
        return _listing(value, language)
    return str(value)


def _listing(items: list[str], language: Language, shown: int = 4) -> str:
    """ "a.mp4 and b.mp4", "a.mp4, b.mp4 and c.mp4" or, for long lists, "a.mp4, b.mp4, c.mp4
    and 5 more" (Chinese: "a.mp4、b.mp4")."""
    if len(items) <= shown:
        if language == "en" and len(items) > 1:
            return ", ".join(items[:-1]) + " and " + items[-1]
        return (", " if language == "en" else "、").join(items)
    head, rest = items[:shown - 1], len(items) - shown + 1
    if language == "en":
        return ", ".join(head) + f" and {rest} more"
    return "、".join(head) + f"等{len(items)}个文件"


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def render(note: Note, language: Language) -> str:
    """The note in ``language``: its headline sentence, then any detail lines (user text is
    inserted verbatim)."""
    key = note.key
    values = {name: _value_text(value, language) for name, value in note.values.items()}
    if key == "described":
        tracks = note.values.get("tracks")
        lines = tracks if isinstance(tracks, list) else []
        values["tracks"] = "\n".join(f"- {line}" for line in lines)
        values["count"] = str(len(lines))
        key = "described" if lines else "described_empty"
    if "count" in values:
        values["noun"] = "track" if values["count"] == "1" else "tracks"
        if key == "steps_done":
            values["noun"] = "change" if values["count"] == "1" else "changes"
    template = TEMPLATES[key][0 if language == "en" else 1]
    return _first_upper(template.format(**values)) if language == "en" else template.format(
        **values)


def phrase(key: str, language: Language) -> str:
    """A fixed sentence (no values) in ``language``."""
    return TEMPLATES[key][0 if language == "en" else 1]


def capabilities(language: Language, *, understood: bool) -> str:
    """The bullet list of what the agent can do, after a short lead-in (its own line)."""
    intro = phrase("help_intro" if understood else "unknown_intro", language)
    column = 0 if language == "en" else 1
    bullets = "\n".join(f"- {pair[column]}" for pair in CAPABILITIES)
    return f"{intro}\n{bullets}"


def quoted(pieces: list[str], language: Language) -> str:
    """The user's own words quoted back: "a", "b" or “a”、“b”."""
    if language == "en":
        return ", ".join(f'"{piece}"' for piece in pieces)
    return "、".join(f"“{piece}”" for piece in pieces)


def skipped(pieces: list[str], language: Language) -> str:
    """Which parts of the message were not understood (quoted back to the user)."""
    return render(Note("skipped", {"pieces": quoted(pieces, language)}), language)


def history_done(kind: str, language: Language, *, done: bool = True, version: int | None = None,
                 versions: int = 0) -> Reply:
    """What an undo, a redo or a "use music version N" did, for the engine that carries it out.

    ``kind`` is the ``HistoryRequest``'s; ``done`` is False when there was nothing to undo or
    redo, or no such music version (``versions`` is then how many the session has).
    """
    if kind == "use_music":
        key = "use_music" if done else "use_music_missing" if versions else "use_music_none"
    else:
        key = kind if done else f"{kind}_nothing"
    note = Note(key, {"version": str(version or 0), "count": str(versions)})
    return reply_of(render(note, language), language)


def reason_parts(reasons: tuple[str, ...] | list[str]) -> list[dict[str, object]]:
    """The reasons as ADK content parts for their own event: ``{"text": …, "thought": true}``.

    PROTOCOL.md allows ``"thought": true`` text parts; clients do not show them as the agent's
    words, so they can fold them under "Why?" (``.reasons``) instead of printing them inline.
    """
    return [{"text": reason, "thought": True} for reason in reasons]


def reply_of(text: str, language: Language, reasons: tuple[str, ...] = ()) -> Reply:
    """A rendered text as a ``Reply``: its first line is the headline, the rest details."""
    head, *rest = text.split("\n")
    return Reply(headline=head, details=tuple(rest), reasons=reasons, language=language)


__all__ = ["Reply", "capabilities", "history_done", "music_added", "phrase", "quoted",
           "reason_parts", "render", "reply_of", "skipped"]
