"""Calibrations as data: the shipped PocketSphinx files read back, evidence is held to the fitted range."""

from __future__ import annotations

import math

import pytest

from twitch_coach.voice import confidence
from twitch_coach.voice.confidence import Calibration, CalibrationError


def _one(weight: float = 1.0, bounds=((0.0, 1.0),), unsure=(0.0, 0.0)) -> Calibration:
    return Calibration(("x",), (0.0,), (1.0,), (weight,), 0.0, 0.1, unsure, bounds=bounds)


def test_evidence_beyond_the_fitted_range_counts_as_its_edge() -> None:
    cal = _one()
    assert cal.probability({"x": 5.0}) == cal.probability({"x": 1.0}) == pytest.approx(1 / (1 + math.exp(-1)))
    assert cal.probability({"x": -3.0}) == pytest.approx(0.5)
    assert _one(bounds=()).probability({"x": 5.0}) > cal.probability({"x": 5.0})  # unbounded: extrapolates


def test_a_calibration_survives_its_own_yaml() -> None:
    cal = _one(unsure=(0.5, 0.97))
    again = confidence.from_dict(cal.as_dict())
    assert again.unsure == (0.5, 0.97) and again.bounds == ((0.0, 1.0),)
    assert again.probability({"x": 0.3}) == pytest.approx(cal.probability({"x": 0.3}))


@pytest.mark.parametrize("change", [{"unsure": [0.9, 0.5]}, {"unsure": [0.5]}, {"unsure": "high"}])
def test_a_bad_unsure_band_is_a_clear_error(change: dict) -> None:
    with pytest.raises(CalibrationError, match="unsure"):
        confidence.from_dict({**_one().as_dict(), **change}, "test.yaml")


def test_the_shipped_pocketsphinx_calibrations_read_back() -> None:
    quick, full = confidence.load("pocketsphinx-quick"), confidence.load("pocketsphinx")
    low, high = quick.unsure
    assert quick.reject_below < low < high <= 1.0  # the free decode decides only in between
    assert "free_words" in full.features and "free_words" not in quick.features
    assert all(b[0] <= b[1] for b in quick.bounds + full.bounds) and quick.bounds and full.bounds
