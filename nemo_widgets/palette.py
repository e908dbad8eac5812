"""One set of colours for everything that draws a timeline: the widget's lanes and the plots.

A segment's colour says its kind (video, image, audio, music, text) the same way in the widget
and in ``views.plot_timeline``, so a user who learnt one reads the other. Every colour carries
white labels at a contrast of at least 4.5:1 (WCAG AA for small text) — the lanes keep the same
colours in light and dark themes, so the labels stay readable in both. ``tests/test_palette.py``
computes the ratios.

The widget takes the colours as CSS custom properties (``css_variables()``).
"""

from __future__ import annotations

KIND_COLOURS: dict[str, str] = {
    "video": "#1565c0",   # blue
    "image": "#00695c",   # teal
    "audio": "#2e7d32",   # green: sound the user brought
    "music": "#6a1b9a",   # purple: the background music (BGM) made for the video
    "text": "#b45309",    # amber
}
"""Segment fill per kind; labels on them are ``LABEL``."""

OTHER = "#616161"
"""A kind not listed above."""

LABEL = "#ffffff"
"""The colour of a label drawn on a segment."""

CREDITS_AVAILABLE = KIND_COLOURS["video"]
CREDITS_RESERVED = KIND_COLOURS["text"]
"""The two lines of the credits plot."""


def kind_colour(kind: str) -> str:
    """The fill for a segment of ``kind`` (grey for an unknown kind)."""
    return KIND_COLOURS.get(kind, OTHER)


def css_variables() -> str:
    """``--nemo-kind-video: #1565c0; …`` for the widget's style sheet."""
    pairs = [*KIND_COLOURS.items(), ("other", OTHER), ("label", LABEL)]
    return " ".join(f"--nemo-kind-{name}: {colour};" for name, colour in pairs)


def contrast(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
                  for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
