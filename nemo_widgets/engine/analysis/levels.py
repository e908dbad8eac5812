"""Sound levels in decibels relative to full scale, with one agreed floor for silence."""

from __future__ import annotations

import math

SILENCE_DB = -90.0
"""The level reported for silence: below any real recording's noise, and finite for JSON."""


def energy_to_db(mean_square: float) -> float:
    """RMS level in dBFS of a mean square (a full-scale sine reads about -3 dB)."""
    if not mean_square > 0.0:  # also catches NaN
        return SILENCE_DB
    return max(SILENCE_DB, 10.0 * math.log10(mean_square))
