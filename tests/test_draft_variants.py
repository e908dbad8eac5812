"""The variant table's helpers: times from numbers and strings, units guessed per draft, and
values written back the way they were read."""

from __future__ import annotations

import pytest

from nemo_widgets import draft_variants as dv


@pytest.mark.parametrize(("raw", "expected"), [
    (5, (5.0, None)), ("5", (5.0, None)), ("1.5s", (1.5, dv.S)), ("250ms", (250.0, dv.MS)),
    ("00:01.500", (1.5, dv.S)), ("01:00:00", (3600.0, dv.S)), (True, None), ("x", None),
    (float("nan"), None), ([1], None),
])
def test_numbers_from_raw_values(raw, expected):
    assert dv.number(raw) == expected


@pytest.mark.parametrize(("values", "duration_ms", "unit"), [
    ([0, 10], 10000, dv.S), ([0, 10000], 10000, dv.MS), ([0, 10_000_000], 10000, dv.US),
    ([1.5, 3], 0, dv.S), ([0, 45000], 0, dv.MS), ([0, 2e8], 0, dv.US), ([], 0, dv.MS),
])
def test_units_are_guessed_per_draft(values, duration_ms, unit):
    assert dv.guess_unit(values, duration_ms) == unit


def test_values_go_back_in_their_unit_and_form():
    assert dv.from_ms(dv.Slot(("start",), None, "1s"), 2500, dv.MS) == "2.5s"
    assert dv.from_ms(dv.Slot(("start",), None, "00:00:01.000"), 61500, dv.MS) == \
        "00:01:01.500"
    assert dv.from_ms(dv.Slot(("start",), dv.S, 1), 3000, dv.MS) == 3
    assert dv.from_ms(dv.Slot(("start",), None, 1.0), 1500, dv.S) == 1.5
