"""A recogniser's evidence turned into a calibrated probability that its text is right, fitted as data."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

FOLDER = Path(__file__).resolve().parent / "calibration"


class CalibrationError(Exception):
    """A calibration file is missing or malformed; the message names the file and the problem."""


@dataclass(frozen=True)
class Calibration:
    """Logistic regression over named evidence: p = 1 / (1 + exp(-(bias + sum w * (x - mean) / scale))),
    each x first held within the range it had in the fitting data (`bounds`)."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    reject_below: float
    """Probability under which the result is rejected (nothing heard) rather than checked."""
    unsure: tuple[float, float] = (0.0, 0.0)
    """Probabilities (low, high) between which an engine asks costlier evidence (a second calibration)
    before deciding; outside them this calibration decides alone. (0, 0): never."""
    fitted: Mapping[str, object] = field(default_factory=dict)
    """How and on what it was fitted (kept with the numbers, for the reader)."""
    bounds: tuple[tuple[float, float], ...] = ()
    """(low, high) of each feature: evidence beyond what the fit saw (two-second synthesised sentences
    against one-second real words) says no more than the fit's extremes. Empty: unbounded."""

    def probability(self, evidence: Mapping[str, float]) -> float:
        """The calibrated probability for `evidence` (every feature must be present)."""
        total = self.bias
        bounds = self.bounds or ((-math.inf, math.inf),) * len(self.features)
        rows = zip(self.features, self.mean, self.scale, self.weights, bounds, strict=True)
        for name, mean, scale, weight, (low, high) in rows:
            total += weight * (min(high, max(low, float(evidence[name]))) - mean) / scale
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, total))))

    def as_dict(self) -> dict[str, object]:
        """The calibration as plain data for YAML."""
        return {
            "fitted": dict(self.fitted),
            "reject_below": round(float(self.reject_below), 4),
            "unsure": [round(float(x), 4) for x in self.unsure],
            "bias": round(float(self.bias), 6),
            "features": {
                name: {"mean": round(float(m), 6), "scale": round(float(s), 6), "weight": round(float(w), 6)}
                | ({"low": round(float(b[0]), 6), "high": round(float(b[1]), 6)} if b else {})
                for name, m, s, w, b in zip(self.features, self.mean, self.scale, self.weights,
                                            self.bounds or ((),) * len(self.features), strict=True)  # fmt: skip
            },
        }


def from_dict(data: object, where: str = "calibration") -> Calibration:
    """A Calibration from YAML data, with a clear error for anything missing or not a number."""
    if not isinstance(data, dict) or not isinstance(data.get("features"), dict) or not data["features"]:
        raise CalibrationError(f"{where}: needs a 'features' mapping of name -> mean, scale, weight")
    try:
        names = tuple(str(name) for name in data["features"])
        rows = [data["features"][name] for name in names]
        mean = tuple(float(row["mean"]) for row in rows)
        scale = tuple(float(row["scale"]) for row in rows)
        weights = tuple(float(row["weight"]) for row in rows)
        bias, reject = float(data["bias"]), float(data["reject_below"])
        low, high = (float(x) for x in data.get("unsure", (0.0, 0.0)))
        bounds = tuple((float(row.get("low", -math.inf)), float(row.get("high", math.inf))) for row in rows)
    except (KeyError, TypeError, ValueError) as error:
        raise CalibrationError(f"{where}: every feature needs a numeric mean, scale and weight, "
                               f"and bias, reject_below and unsure (two) numbers ({error})") from error  # fmt: skip
    if any(s <= 0 for s in scale) or not 0.0 <= reject <= 1.0 or not 0.0 <= low <= high <= 1.0:
        raise CalibrationError(f"{where}: scales must be positive, reject_below within 0..1, unsure low <= high")
    if any(b[0] > b[1] for b in bounds):
        raise CalibrationError(f"{where}: a feature's low is above its high")
    return Calibration(names, mean, scale, weights, bias, reject, (low, high), data.get("fitted") or {}, bounds)


def load(engine: str) -> Calibration:
    """The shipped calibration for `engine` (voice/calibration/<engine>.yaml)."""
    path = FOLDER / f"{engine}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CalibrationError(f"{path}: cannot read the {engine} calibration ({error.strerror}); reinstall") from error
    except yaml.YAMLError as error:
        raise CalibrationError(f"{path}: not valid YAML ({error})") from error
    return from_dict(data, str(path))
