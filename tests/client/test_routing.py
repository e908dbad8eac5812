"""Routing and GUI translation."""

from __future__ import annotations

import pytest

from nemo_widgets.client.routing import command_phrase, mentions_export, route, translate


@pytest.mark.parametrize(("message", "kind"), [
    ("export", "export"), ("Export the video please", "export"), ("render it", "export"),
    ("导出视频", "export"), ("请导出", "export"), ("export 1080p MP4", "export"),
    ("Export as an HD MP4 file", "export"), ("export in 4K", "agent"), ("1080p", "agent"),
    ("how many credits do I have left?", "credits"),
    ("check my balance", "credits"), ("我还有多少积分？", "credits"), ("status", "status"),
    ("what's the status", "status"), ("查看状态", "status"), ("upload beach.mp4", "upload"),
    ("上传 clip.mov", "upload"), ("add a title and export it", "agent"),
    ("add beach.mp4 to the timeline", "agent"), ("mute the original audio", "agent"),
    ("添加标题并导出", "agent"), ("render it at 9:16", "agent"), ("hello", "agent"),
])
def test_routing_table(message, kind):
    assert route(message).kind == kind


def test_upload_route_keeps_the_targets():
    assert route("upload beach.mp4 and https://x.test/a.mp3").targets == (
        "beach.mp4", "https://x.test/a.mp3")
    assert mentions_export("add a title and export it") and mentions_export("加标题然后导出")
    assert not mentions_export("add an exporter title")


def test_gui_phrases_are_translated_to_client_actions():
    done = translate("Added the title.\n\nClick **Export** to render your 1080p MP4.",
                     words={"export": "`nemo-widgets export`"})
    assert done.text.endswith("Run `nemo-widgets export` to render your 1080p MP4.")
    assert done.actions == ("export",)
    assert translate("Click Export when you're ready.").actions == ("export",)
    zh = translate("点击**导出**即可渲染 1080p MP4。")
    assert zh.actions == ("export",) and "点击" not in zh.text
    assert translate("Open the timeline to check it.").actions == ("state",)
    assert translate("打开时间线查看").actions == ("state",)
    preview = translate("Preview it in the timeline.", summary="Timeline (1 track): x")
    assert preview.actions == ("summary",) and "Timeline (1 track): x" in preview.text
    assert translate("Added a fade.").actions == ()
    placed = "已按上传顺序把clip.mp4放到视频轨道（0-3秒）。"
    assert translate(placed) == translate(placed).__class__(placed, ())


# The product's routing table (the vendor's skill): what goes to which call.
PRODUCT_ROUTING = [
    ("export", "export"), ("导出", "export"), ("download", "export"),
    ("send me the video", "export"), ("把视频发给我", "export"),
    ("credits", "credits"), ("积分", "credits"), ("balance", "credits"), ("余额", "credits"),
    ("status", "status"), ("状态", "status"), ("show tracks", "status"),
    ("show me the timeline", "status"), ("显示轨道", "status"),
    ("upload clip.mp4", "upload"), ("上传 clip.mp4", "upload"),
    ("generate a video about the sea", "agent"), ("edit the intro", "agent"),
    ("add BGM", "agent"), ("add background music", "agent"), ("undo", "agent"),
    ("redo", "agent"), ("use music version 2", "agent"), ("send the title to the end", "agent"),
]


@pytest.mark.parametrize(("message", "kind"), PRODUCT_ROUTING)
def test_every_phrase_of_the_products_routing_table(message, kind):
    assert route(message).kind == kind


def test_command_phrases_in_the_conversations_language():
    assert command_phrase("undo") == "undo" and command_phrase("redo", "zh") == "重做"
    assert command_phrase("use_music", "en", 2) == "use music version 2"
    assert command_phrase("use_music", "zh-CN", 3) == "用第3个音乐版本"
    assert command_phrase("undo", "fr") == "undo"
