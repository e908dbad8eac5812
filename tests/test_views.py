"""The pandas views, the two pictures and the players, on timelines and ledgers built here."""

from __future__ import annotations

import base64

import matplotlib
import pytest

from nemo_widgets import palette, views
from nemo_widgets.client.ledger import CreditLedger
from nemo_widgets.client.models import Balance, SessionState
from nemo_widgets.timeline import Timeline
from tests.media_factory import make_audio, make_video

matplotlib.use("Agg")  # pictures are drawn off screen

DRAFT = {"d": 6000, "m": {"width": 1920, "height": 1080}, "t": [
    {"tt": 0, "sg": [{"kind": "video", "start_ms": 0, "duration_ms": 4000, "label": "a.mp4"},
                     {"kind": "video", "start_ms": 4000, "duration_ms": 2000, "label": "b.mp4"}]},
    {"tt": 1, "name": "BGM", "role": "bgm",
     "sg": [{"kind": "audio", "start_ms": 0, "duration_ms": 6000, "label": "Lofi · 80 BPM",
             "volume": 0.35}]},
    {"tt": 7, "name": "Title", "sg": [{"kind": "text", "start_ms": 0, "duration_ms": 3000,
                                       "text": "Hello"}]},
]}


def state(generated=None) -> SessionState:
    return SessionState.from_json({"state": {"draft": DRAFT,
                                             "generated_media": generated or []}}, "sess_1")


def ledger() -> CreditLedger:
    book = CreditLedger()
    book.record(Balance(100, 0, 100))
    book.record(Balance(100, 0, 100), kind="charge", action="upload")
    book.record(Balance(80, 0, 80), kind="charge", action="music", detail="make music")
    book.record(Balance(80, 0, 80), kind="charge", action="export")
    return book


def test_tracks_frame_from_any_holder_of_a_timeline():
    frame = views.tracks_frame(state())
    assert list(frame.columns) == views.TRACK_COLUMNS
    assert frame["track"].tolist() == ["1. Video", "1. Video", "2. BGM", "3. Title"]
    assert frame["label"].tolist() == ["a.mp4", "b.mp4", "Lofi · 80 BPM", "Hello"]
    assert views.tracks_frame(DRAFT).equals(frame)
    assert views.tracks_frame(Timeline.from_draft(DRAFT)).equals(frame)

    class Holder:
        timeline = Timeline.from_draft(DRAFT)

    assert views.tracks_frame(Holder()).equals(frame)
    with pytest.raises(TypeError, match="Cannot find a timeline"):
        views.tracks_frame(42)  # type: ignore[arg-type]


def test_credits_frame_has_the_documented_columns_and_deltas():
    frame = views.credits_frame(ledger())
    assert list(frame.columns) == ["time", "action", "delta", "available", "frozen", "total"]
    assert frame["action"].tolist() == ["balance", "upload", "music", "export"]
    assert frame["delta"].tolist() == [0, 0, -20, 0] and not frame.isna().any().any()
    assert frame["available"].tolist() == [100, 100, 80, 80]
    assert frame["time"].dt.tz is None and (frame["time"].dt.microsecond == 0).all()
    assert "<NA>" not in frame.to_string() and "." not in frame["time"].astype(str)[0]

    class Conversation:
        ledger = ledger()

    assert views.credits_frame(Conversation())["action"].tolist() == frame["action"].tolist()


def test_timeline_picture_has_a_bar_per_segment_and_a_row_per_track():
    ax = views.plot_timeline(state())
    assert len(ax.collections) == 4, "one bar per segment"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["3. Title", "2. BGM", "1. Video"]
    labels = [t.get_text() for t in ax.texts]
    assert "Hello" in labels and any(label.endswith("35%") for label in labels)
    assert ax.get_xlim() == (0.0, 6.0) and "3 tracks" in ax.get_title()


def test_credits_plot_marks_each_charged_action():
    ax = views.plot_credits(ledger())
    notes = [t.get_text() for t in ax.texts]
    assert notes == ["upload", "music (-20)", "export"]
    assert list(ax.lines[0].get_ydata()) == [100, 100, 80, 80]
    assert "80 available" in ax.get_title()
    assert views.plot_credits(CreditLedger()).get_title().startswith("Credits: no balance")
    first_a_charge = CreditLedger()
    first_a_charge.record(Balance(80, 0, 80), kind="charge", action="edit")
    assert [t.get_text() for t in views.plot_credits(first_a_charge).texts] == ["edit"]


def test_music_frame_has_no_address():
    generated = [{"kind": "music", "label": "Lofi", "style": "lofi", "tempo_bpm": 80,
                  "key": "C major", "duration_s": 6, "path": "/media/abc.wav"},
                 {"kind": "stem", "path": "/media/x.wav"},
                 {"kind": "music", "label": "Pop", "url": "https://cdn.example/p.mp3"}]
    frame = views.music_frame(state(generated))
    assert list(frame.columns) == views.MUSIC_COLUMNS and "url" not in frame.columns
    assert frame["version"].tolist() == [1, 2] and frame["label"].tolist() == ["Lofi", "Pop"]
    assert "http" not in frame.to_string() and "/media/" not in frame.to_string()
    assert frame["tempo_bpm"].tolist()[0] == 80 and frame["key"].tolist()[0] == "C major"


def test_timeline_figure_is_not_left_to_pyplot_and_uses_the_palette():
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_hex

    before = plt.get_fignums()
    figure = views.timeline_figure(state())
    assert plt.get_fignums() == before, "shown once, as the cell's value"
    assert figure._repr_png_().startswith(b"\x89PNG"), "it draws itself without pyplot"
    ax = figure.axes[0]
    fills = [to_hex(c.get_facecolor()[0]) for c in ax.collections]
    assert fills == [palette.KIND_COLOURS[k] for k in ("text", "music", "video", "video")]


def test_palette_labels_are_readable_on_every_fill():
    for kind, colour in [*palette.KIND_COLOURS.items(), ("other", palette.OTHER)]:
        assert palette.contrast(palette.LABEL, colour) >= 4.5, kind
    assert palette.contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert "--nemo-kind-music: #6a1b9a;" in palette.css_variables()


def test_players_embed_the_media(tmp_path):
    song = make_audio(tmp_path / "song.wav", seconds=0.5)
    clip = make_video(tmp_path / "clip.mp4", seconds=0.5)
    audio = views.audio_player(song)
    assert audio.data == song.read_bytes() and audio.mimetype == "audio/wav"
    assert views.audio_player(song.read_bytes()).data == song.read_bytes()
    long_song = make_audio(tmp_path / "long.wav", seconds=10.0)  # 1.9 MB of WAV
    compact = views.audio_player(long_song)
    assert compact.mimetype == "audio/mpeg" and len(compact.data) < 400_000
    assert "data:audio/mpeg;base64," in compact._repr_html_()
    video = views.video_player(clip)
    assert base64.b64encode(clip.read_bytes()).decode()[:200] in video._repr_html_()
    row = views.side_by_side({"first <1>": audio, "second": views.audio_player(song)})
    assert row.data.count("<audio") == 2 and "first &lt;1&gt;" in row.data
