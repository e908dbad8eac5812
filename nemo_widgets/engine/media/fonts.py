"""Pick a font file that can draw a given title.

FFmpeg's drawtext draws with exactly one font file and shows nothing useful for characters that
font lacks, so a Japanese title drawn with DejaVu comes out as empty boxes. This module finds the
fonts on the machine (well-known paths plus fontconfig), learns which characters each one covers
(``fc-query``'s charset, cached) and picks the one covering most of the text. DejaVu stays the
first choice for text it covers, because it is what the rest of the output is tested with.
"""

from __future__ import annotations

import bisect
import functools
import logging
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

_DEJAVU = Path("/usr/share/fonts/truetype/dejavu")

# Preferred fonts for Latin/Cyrillic/Greek text, most preferred first.
_LATIN_FONTS: tuple[Path, ...] = (
    _DEJAVU / "DejaVuSans-Bold.ttf",
    _DEJAVU / "DejaVuSans.ttf",
    Path("/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),  # Fedora / Arch layout
    Path("/usr/share/fonts/TTF/DejaVuSans-Bold.ttf"),
    Path("/Library/Fonts/Arial Unicode.ttf"),
    Path("/System/Library/Fonts/Supplemental/Arial Bold.ttf"),
    Path("C:/Windows/Fonts/arialbd.ttf"),
)

# Well-known CJK fonts (what ``apt-get install fonts-wqy-zenhei`` / ``fonts-noto-cjk`` install).
_CJK_FONTS: tuple[Path, ...] = (
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"),
    Path("/System/Library/Fonts/PingFang.ttc"),
    Path("/System/Library/Fonts/Hiragino Sans GB.ttc"),
    Path("C:/Windows/Fonts/msyh.ttc"),
)

# Code point ranges of CJK scripts: Hangul Jamo, CJK radicals to Yi, Hangul syllables,
# compatibility ideographs and forms, halfwidth/fullwidth forms, the supplementary ideographs.
_CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x1100, 0x11FF), (0x2E80, 0xA4CF), (0xAC00, 0xD7AF), (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F), (0xFF00, 0xFFEF), (0x20000, 0x3FFFF),
)

Ranges = tuple[tuple[int, int], ...]


def is_cjk(code_point: int) -> bool:
    """True for a Chinese, Japanese or Korean character (needs a CJK font)."""
    return any(lo <= code_point <= hi for lo, hi in _CJK_RANGES)


def _drawn_code_points(text: str) -> set[int]:
    """The characters a font must have a glyph for: everything but whitespace and controls."""
    return {ord(c) for c in text if not c.isspace() and ord(c) >= 0x20 and c != "\u200d"}


def _run(argv: list[str]) -> str:
    """Run a fontconfig tool and return its output, or "" when it is missing or fails."""
    if shutil.which(argv[0]) is None:
        return ""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10, check=False,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout if done.returncode == 0 else ""


def parse_charset(text: str) -> Ranges:
    """Parse fontconfig's charset notation (``20-7e a0-17f 2c7``) into sorted inclusive ranges."""
    ranges: list[tuple[int, int]] = []
    for token in text.split():
        lo, _, hi = token.partition("-")
        try:
            ranges.append((int(lo, 16), int(hi or lo, 16)))
        except ValueError:
            continue
    return tuple(sorted(ranges))


@functools.cache
def font_charset(path: Path) -> Ranges | None:
    """The characters the first face of ``path`` covers (drawtext uses face 0), or None if
    fontconfig's ``fc-query`` is not available to tell."""
    out = _run(["fc-query", "-f", "%{charset}\n", str(path)])
    first = out.splitlines()[0] if out.strip() else ""
    return parse_charset(first) if first else None


def covers(ranges: Ranges, code_point: int) -> bool:
    """True if ``code_point`` lies in one of the sorted inclusive ``ranges``."""
    index = bisect.bisect_right(ranges, (code_point, sys.maxsize)) - 1
    return index >= 0 and ranges[index][0] <= code_point <= ranges[index][1]


def _fontconfig_cjk_fonts() -> list[Path]:
    """CJK fonts fontconfig knows about, beyond the well-known paths."""
    found: list[Path] = []
    for lang in ("zh", "ja", "ko"):
        for line in _run(["fc-list", f":lang={lang}", "file"]).splitlines():
            name = line.strip().rstrip(":").strip()
            if name:
                found.append(Path(name))
    return found


@functools.cache
def candidate_fonts() -> tuple[Path, ...]:
    """Font files present on this machine, most preferred first (Latin, then CJK)."""
    ordered = [p for p in _LATIN_FONTS if p.is_file()]
    ordered += [p for p in _CJK_FONTS if p.is_file()]
    ordered += [p for p in _fontconfig_cjk_fonts() if p.is_file()]
    if not ordered:
        fallback = _run(["fc-match", "-f", "%{file}", "sans"]).strip()
        if fallback and Path(fallback).is_file():
            ordered.append(Path(fallback))
    return tuple(dict.fromkeys(ordered))


def _is_cjk_font(path: Path) -> bool:
    return path in _CJK_FONTS or path not in _LATIN_FONTS


def _coverage(path: Path, code_points: Iterable[int]) -> int:
    """How many of ``code_points`` the font draws; guessed by script without fontconfig."""
    charset = font_charset(path)
    if charset is not None:
        return sum(covers(charset, cp) for cp in code_points)
    cjk_font = _is_cjk_font(path)
    return sum(cp < 0x2000 or (cjk_font and is_cjk(cp)) for cp in code_points)


def pick_font(text: str) -> Path | None:
    """The installed font covering most characters of ``text`` (ties go to the preferred one).

    Returns None when no font file is found at all (drawtext then asks fontconfig for "Sans").
    Logs a warning when CJK text has to be drawn without a CJK font, which is the failure a user
    would otherwise only see as boxes in the video.
    """
    fonts = candidate_fonts()
    if not fonts:
        log.warning("No font file found; drawtext falls back to fontconfig's default font.")
        return None
    needed = _drawn_code_points(text)
    best = max(fonts, key=lambda p: (_coverage(p, needed), -fonts.index(p)))
    cjk_needed = [cp for cp in needed if is_cjk(cp)]
    if cjk_needed and _coverage(best, cjk_needed) < len(cjk_needed):
        log.warning(
            "No installed font covers the CJK characters of a title; drawing it with %s. "
            "Install a CJK font (e.g. apt-get install fonts-wqy-zenhei).", best)
    return best
