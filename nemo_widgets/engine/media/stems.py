"""Stem files of generated music, written when first downloaded.

A composed piece is reproducible from its plan (every decision, seed included) and the speech
intervals it was ducked under, so the music tool keeps only that small *recipe* beside the mix.
The four stem WAVs cost about as much to render as the mix itself (each stem needs its own
reverb, where the mix needs one), and most pieces are only ever heard as a mix: rendering them
on the first request keeps the user's wait for the music short, and survives restarts, since
the recipe is a file.
"""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path
from typing import Any

from nemo_widgets.engine.errors import NotFound
from nemo_widgets.engine.media.files import file_sha256

STEM_NAMES = ("drums", "bass", "harmony", "melody")
"""The music engine's stems (``music.STEM_NAMES``), not imported from there: that would load
NumPy and SciPy when the engine starts."""
_STEM_FILE = re.compile(r"^(?P<digest>[0-9a-f]{64})-(?P<stem>[a-z]+)\.wav$")
_render_lock = threading.Lock()  # one stem rendering at a time: they are CPU- and memory-bound


def recipe_path(folder: Path, digest: str) -> Path:
    return folder / f"{digest}-stems.json"


def stem_path(folder: Path, digest: str, stem: str) -> Path:
    return folder / f"{digest}-{stem}.wav"


def save_recipe(folder: Path, digest: str, plan: dict[str, Any],
                speech: list[tuple[float, float]]) -> None:
    """Keep what it takes to render the stems of the mix ``digest`` later (atomically)."""
    target = recipe_path(folder, digest)
    temp = target.with_suffix(".tmp")
    temp.write_text(json.dumps({"plan": plan, "speech": [list(s) for s in speech]}))
    os.replace(temp, target)


def ensure_stem_file(folder: Path, name: str) -> bool:
    """Make sure the stem file ``name`` exists in ``folder``, rendering all four stems of its
    piece from the recipe if needed. False when ``name`` is not a stem of a known piece.

    The recipe must reproduce the mix exactly: when it yields different audio (the piece was
    made by an engine whose synthesis has changed since), ``NotFound`` says so rather than
    serving stems that no longer add up to the mix the user has.
    """
    match = _STEM_FILE.match(name)
    if not match or match["stem"] not in STEM_NAMES:
        return False
    digest = match["digest"]
    if (folder / name).is_file():
        return True
    recipe = recipe_path(folder, digest)
    if not recipe.is_file():
        return False
    with _render_lock:
        if (folder / name).is_file():  # rendered while this request waited for the lock
            return True
        _render_and_write(folder, digest, json.loads(recipe.read_text()))
    return (folder / name).is_file()


def _render_and_write(folder: Path, digest: str, recipe: dict[str, Any]) -> None:
    # imported here: the numpy-heavy music engine loads only when music is asked for
    from nemo_widgets.engine.music import MusicPlan, write_wav
    from nemo_widgets.engine.music.api import render_plan

    plan = MusicPlan.from_dict(recipe["plan"])
    speech = [(float(a), float(b)) for a, b in recipe.get("speech", [])]
    result = render_plan(plan, speech=speech)
    check = folder / f".{digest}-check.wav"
    try:
        write_wav(check, result.mix)
        same = file_sha256(check) == digest
    finally:
        check.unlink(missing_ok=True)
    if not same:
        raise NotFound("The stems of this piece can no longer be made: it was composed by an "
                       "earlier version of the engine. Generate the music again to get them.")
    for stem, audio in result.stems.items():
        write_wav(stem_path(folder, digest, stem), audio)
