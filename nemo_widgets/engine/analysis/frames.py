"""Decoded pictures reduced to what the analysis compares: signatures and thumbnails.

Two reductions, because they are needed at very different rates:

* a **signature** of every decoded frame: the Y, U and V planes averaged onto a coarse grid
  (64 cells on the long side for luma) from 2×2 samples per cell. Consecutive signatures say
  *where* the picture jumps, to the exact frame.
* a **thumbnail** (64 pixels on the long side, RGB) ten times a second and on both sides of
  every candidate cut, from 4×4 samples per cell. Thumbnails give the colour features, the
  motion and the strength of a cut.

Both read the decoder's planes in place with strided numpy views: a 1080p frame costs tens of
microseconds, where an swscale area-averaged conversion costs 1-2 ms and would compete with the
decoder's threads for the two cores. Pixel formats that are not planar YUV (RGB stills, NV12,
palettes) take one small swscale conversion instead.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float32]

THUMB_LONG_SIDE = 64
_HIST_LEVELS = 4  # per RGB channel: 64 colour bins for a cut's strength
_LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)  # Rec. 709 weights
_PLANAR_YUV = {
    "yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "yuv440p", "yuvj440p",
    "yuv411p", "yuv410p", "gray",
    "yuv420p10le", "yuv422p10le", "yuv444p10le", "yuv420p12le", "yuv422p12le", "yuv444p12le",
    "yuv420p16le", "yuv422p16le", "yuv444p16le", "gray10le", "gray12le", "gray16le",
}


def thumb_size(width: int, height: int) -> tuple[int, int]:
    """(width, height) of a thumbnail that keeps the picture's shape, long side 64."""
    if width <= 0 or height <= 0:
        return THUMB_LONG_SIDE, THUMB_LONG_SIDE * 9 // 16
    if width >= height:
        return THUMB_LONG_SIDE, max(4, round(THUMB_LONG_SIDE * height / width))
    return max(4, round(THUMB_LONG_SIDE * width / height)), THUMB_LONG_SIDE


# --- thumbnails ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thumb:
    """A tiny RGB picture and the colour facts read from it once."""

    luma: FloatArray  # (h, w), 0..1
    hist: FloatArray  # 64 colour bins summing to 1
    rgb: FloatArray  # (h, w, 3), 0..1
    brightness: float
    saturation: float
    warmth: float


def thumb_from_rgb(rgb: NDArray[Any]) -> Thumb:
    """Colour facts of an RGB picture (uint8 0..255 or float 0..1)."""
    array = np.asarray(rgb)
    scaled = array.astype(np.float32) / 255.0 if array.dtype == np.uint8 else array.astype(
        np.float32)
    return _thumb(scaled[..., 0], scaled[..., 1], scaled[..., 2])


def _thumb(red: FloatArray, green: FloatArray, blue: FloatArray) -> Thumb:
    """The thumbnail of three 0..1 channel grids of one shape.

    Saturation and warmth are ratios of sums over the picture, not means of per-pixel ratios:
    that keeps near-black pixels (whose hue is only noise) from deciding them. Warmth is
    ``(R - B) / max(R, G, B)``: +1 for orange and red, -1 for blue, 0 for greys and greens.
    Channel by channel (not reductions along a last axis of 3, which numpy does slowly).
    """
    top = np.maximum(np.maximum(red, green), blue)
    bottom = np.minimum(np.minimum(red, green), blue)
    top_sum = float(top.sum())
    luma = _LUMA[0] * red + _LUMA[1] * green + _LUMA[2] * blue
    codes = _level(red) * _HIST_LEVELS ** 2 + _level(green) * _HIST_LEVELS + _level(blue)
    hist = np.bincount(codes.ravel(), minlength=_HIST_LEVELS ** 3).astype(np.float32)
    hist /= max(1.0, float(hist.sum()))
    eps = 1e-3 * red.size
    return Thumb(
        luma=np.asarray(luma, dtype=np.float32),
        hist=hist,
        rgb=np.stack([red, green, blue], axis=-1),
        brightness=float(luma.mean()),
        saturation=float((top - bottom).sum() / (top_sum + eps)),
        warmth=float((red - blue).sum() / (top_sum + eps)),
    )


def _level(channel: FloatArray) -> NDArray[np.intp]:
    """Histogram level 0.._HIST_LEVELS-1 of each value of a 0..1 channel."""
    return np.minimum((channel * _HIST_LEVELS).astype(np.intp), _HIST_LEVELS - 1)


def make_thumb(frame: Any) -> Thumb:
    """Thumbnail of a decoded ``av.VideoFrame``."""
    width, height = thumb_size(int(frame.width), int(frame.height))
    if frame.format.name not in _PLANAR_YUV:
        small = frame.reformat(width=width, height=height, format="rgb24", interpolation="AREA")
        return thumb_from_rgb(small.to_ndarray())
    bits = int(frame.format.components[0].bits)
    planes = frame.planes
    y = _plane_grid(planes[0], bits, height, width, 4)
    if len(planes) >= 3:
        u = _plane_grid(planes[1], bits, height, width, 2)
        v = _plane_grid(planes[2], bits, height, width, 2)
    else:
        u = v = np.full_like(y, 0.5)
    full_range = frame.format.name.startswith("yuvj") or _enum_value(frame.color_range) == 2
    return _thumb(*_yuv_to_rgb(y, u, v, full_range, _matrix(frame)))


def palette_distance(a: Thumb, b: Thumb) -> float:
    """0..1: how much of the colour histogram moved (barely changed by camera motion)."""
    return 0.5 * float(np.abs(a.hist - b.hist).sum())


def layout_distance(a: Thumb, b: Thumb) -> float:
    """Mean absolute RGB difference 0..1 (changed by cuts and by motion alike)."""
    if a.rgb.shape != b.rgb.shape:
        return 1.0
    return float(np.abs(a.rgb - b.rgb).mean())


def shot_difference(before: Thumb, after: Thumb) -> float:
    """0..1, how different two pictures are as shots: half colour-histogram distance (what the
    palette does), half mean pixel difference (what the layout does), each saturating at 1."""
    palette = palette_distance(before, after)
    layout = layout_distance(before, after)
    return float(min(1.0, 0.5 * palette + 0.5 * min(1.0, layout / 0.25)))


def luma_change(before: Thumb, after: Thumb) -> float:
    """Mean absolute luma difference (0..1) between two thumbnails: the raw motion measure."""
    if before.luma.shape != after.luma.shape:
        return 0.0
    return float(np.abs(before.luma - after.luma).mean())


# --- reading planes -----------------------------------------------------------------------------

_BT601 = (0.299, 0.114)
_BT709 = (0.2126, 0.0722)
_BT2020 = (0.2627, 0.0593)
_MATRICES = {1: _BT709, 5: _BT601, 6: _BT601, 9: _BT2020, 10: _BT2020}  # AVColorSpace values


def _enum_value(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return int(getattr(value, "value", 0) or 0)


def _matrix(frame: Any) -> tuple[float, float]:
    """(Kr, Kb) of the frame's YUV matrix; unlabelled HD is BT.709 and SD BT.601, as players do."""
    known = _MATRICES.get(_enum_value(getattr(frame, "colorspace", 2)))
    if known is not None:
        return known
    return _BT709 if int(frame.height) >= 720 else _BT601


def _yuv_to_rgb(y: FloatArray, u: FloatArray, v: FloatArray, full_range: bool,
                matrix: tuple[float, float]) -> tuple[FloatArray, FloatArray, FloatArray]:
    """R, G, B grids 0..1 from Y, U, V grids holding 0..1 code values."""
    if full_range:
        luma, cb, cr = y, u - 0.5, v - 0.5
    else:
        luma = (y * 255.0 - 16.0) / 219.0
        cb, cr = (u * 255.0 - 128.0) / 224.0, (v * 255.0 - 128.0) / 224.0
    kr, kb = matrix
    red = luma + 2.0 * (1.0 - kr) * cr
    blue = luma + 2.0 * (1.0 - kb) * cb
    green = (luma - kr * red - kb * blue) / (1.0 - kr - kb)
    return _unit(red), _unit(green), _unit(blue)


def _unit(channel: NDArray[np.floating[Any]]) -> FloatArray:
    return np.asarray(np.clip(channel, 0.0, 1.0), dtype=np.float32)


@functools.lru_cache(maxsize=64)
def _spread(size: int, count: int) -> NDArray[np.intp]:
    """``count`` positions spread evenly over ``size`` pixels (for planes too small to stride)."""
    return np.minimum(((np.arange(count) + 0.5) * size / count).astype(np.intp), size - 1)


def _plane_grid(plane: Any, bits: int, rows: int, cols: int, density: int) -> FloatArray:
    """A plane averaged onto rows×cols cells from density×density samples per cell, 0..1.

    The samples are summed as ``density²`` strided views of rows×cols (one per position in the
    cell) into an integer accumulator: numpy adds strided views without copying them, where a
    mean over a 4-d view of the samples would gather them into a temporary first (4× slower).
    """
    dtype = np.dtype("<u2") if bits > 8 else np.dtype(np.uint8)
    height, width = int(plane.height), int(plane.width)
    stride = int(plane.line_size) // dtype.itemsize
    pixels = np.frombuffer(plane, dtype=dtype)[:height * stride].reshape(height, stride)
    n_rows, n_cols = density * rows, density * cols
    step_y, step_x = height // n_rows, width // n_cols
    if step_y >= 1 and step_x >= 1:  # strided views: no copy
        top = (height - step_y * n_rows + step_y) // 2
        left = (width - step_x * n_cols + step_x) // 2
        end_y, end_x = top + step_y * n_rows, left + step_x * n_cols
        total = np.zeros((rows, cols), dtype=np.uint32 if bits > 8 else np.uint16)
        for dy in range(density):
            band = pixels[top + dy * step_y:end_y:density * step_y]
            for dx in range(density):
                np.add(total, band[:, left + dx * step_x:end_x:density * step_x], out=total)
        scale = np.float32(1.0 / (density * density * ((1 << bits) - 1)))
        return np.asarray(total.astype(np.float32) * scale, dtype=np.float32)
    picked = pixels[np.ix_(_spread(height, n_rows), _spread(width, n_cols))]
    cells = picked.reshape(rows, density, cols, density).mean(axis=(1, 3), dtype=np.float32)
    return np.asarray(cells / np.float32((1 << bits) - 1), dtype=np.float32)


# --- signatures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """Coarse Y, U and V grids (0..1) of one frame."""

    y: FloatArray
    u: FloatArray
    v: FloatArray


def signature_diff(a: Signature, b: Signature) -> float:
    """Mean absolute change of luma plus half the chroma change: a content detector's score in
    YUV, where a cut between two shots of equal brightness still shows up in colour."""
    if a.y.shape != b.y.shape:
        return 1.0
    luma = float(np.abs(a.y - b.y).mean())
    chroma = float(np.abs(a.u - b.u).mean()) + float(np.abs(a.v - b.v).mean())
    return luma + 0.5 * chroma


def signature(frame: Any) -> Signature:
    """Signature of a decoded ``av.VideoFrame``."""
    width, height = thumb_size(int(frame.width), int(frame.height))
    rows, cols = max(2, height // 2 * 2), max(2, width // 2 * 2)
    if frame.format.name not in _PLANAR_YUV:
        frame = frame.reformat(width=2 * cols, height=2 * rows, format="yuv444p",
                               interpolation="AREA")
    bits = int(frame.format.components[0].bits)
    planes = frame.planes
    y = _plane_grid(planes[0], bits, rows, cols, 2)
    if len(planes) >= 3:
        u = _plane_grid(planes[1], bits, rows // 2, cols // 2, 2)
        v = _plane_grid(planes[2], bits, rows // 2, cols // 2, 2)
    else:  # grey pictures have no colour
        u = v = np.full((rows // 2, cols // 2), 0.5, dtype=np.float32)
    return Signature(y=y, u=u, v=v)
