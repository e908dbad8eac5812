"""``generated_media`` read through one adapter: the engine's keys and other backends' keys
give the same ``MusicVersion`` records; items that are not music are skipped."""

from __future__ import annotations

from nemo_widgets.client.media import MusicVersion, music_versions

ENGINE_ITEM = {"kind": "music", "hash": "abc", "path": "/media/abc.wav",
               "url": "http://e/media/abc.wav", "label": "Lofi · 90 BPM · A minor",
               "style": "lofi", "tempo_bpm": 90.0, "key": "A minor", "duration_s": 12.5,
               "seed": 7, "stem_urls": {"drums": "http://e/g/d.wav"},
               "cue_url": "http://e/g/cue.json"}


def test_the_engines_items():
    [version] = music_versions([ENGINE_ITEM, {"kind": "image", "url": "x.png"}])
    assert version == MusicVersion(1, "Lofi · 90 BPM · A minor", "lofi", 90.0, "A minor",
                                   12.5, "http://e/media/abc.wav",
                                   {"drums": "http://e/g/d.wav"}, "http://e/g/cue.json",
                                   "abc", 7)
    assert version.mentioned_in("/media/abc.wav") and not version.mentioned_in("/media/x")
    assert str(version) == "1. Lofi · 90 BPM · A minor (lofi, 90 BPM, A minor, 12.5 s)"


def test_other_backends_keys():
    items = [
        {"type": "bgm", "name": "Sunset", "genre": "chill", "bpm": "84", "musicalKey": "C",
         "durationMs": 30000, "audioUrl": "https://cdn/s.mp3",
         "stems": [{"name": "bass", "url": "https://cdn/b.wav"}, "https://cdn/x.wav"]},
        {"mediaType": "SONG", "title": "Two", "duration": 8, "downloadUrl": "https://cdn/t"},
        {"type": "video", "url": "https://cdn/v.mp4"},
        "junk", None,
        {"url": "https://cdn/untyped.wav"},
    ]
    first, second, third = music_versions(items)
    assert (first.version, first.name, first.style, first.tempo_bpm, first.key,
            first.duration_s, first.url) == (1, "Sunset", "chill", 84.0, "C", 30.0,
                                             "https://cdn/s.mp3")
    assert first.stem_urls == {"bass": "https://cdn/b.wav", "stem2": "https://cdn/x.wav"}
    assert (second.version, second.name, second.duration_s) == (2, "Two", 8.0)
    assert (third.version, third.name) == (3, "Music 3")
    assert music_versions({"not": "a list"}) == [] and music_versions(None) == []
