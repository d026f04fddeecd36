"""Fit PocketSphinx's confidence on real speakers (fitting fold) and report figures on held-out speakers.

    python bench/calibrate_pocketsphinx.py            # fit, write voice/calibration/pocketsphinx.yaml
    python bench/calibrate_pocketsphinx.py --report   # figures on held-out speakers, bare grammar beside

The confidence is a logistic regression over the engine's evidence, fitted on every clip of the fitting
speakers in every condition (clean, exercise bike at 10 and 5 dB): the target is 1 when the text the
engine chose means what was said, 0 otherwise (other words and noise are always 0). Two are fitted: a
quick one without the free language-model decode (QUICK_FEATURES), and a full one with it (FEATURES).
The engine decodes freely only when the quick probability lies in its `unsure` band. reject_below is the
highest probability that keeps KEEP of every set's right answers.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import pickle
import sys
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import realspeech as rs  # noqa: E402

from twitch_coach.dialogue.engine import COMMANDS, CONFIRM_BELOW, CONFIRM_COMMAND_BELOW, HARMLESS  # noqa: E402
from twitch_coach.voice import confidence  # noqa: E402
from twitch_coach.voice.confidence import Calibration  # noqa: E402
from twitch_coach.voice.pocketsphinx_engine import FEATURES, QUICK_FEATURES, PocketSphinxRecognizer, Settings  # noqa: E402

OUT = ROOT / "voice" / "calibration" / "pocketsphinx.yaml"
OUT_QUICK = ROOT / "voice" / "calibration" / "pocketsphinx-quick.yaml"
L2 = 1.0  # ridge on the standardised weights: a few features, a few thousand clips
KEEP = 0.995  # reject_below keeps at least this share of each fitting set's right answers in each condition
BOUNDS = (0.005, 0.995)  # each feature is held within these quantiles of the fitting clips
UNSURE_FROM = 0.5  # below an even chance the answer is asked again or rejected, whatever the free decode says
# Real one-word clips were all right above 0.85 without the free decode, but multi-word talk forced into
# the wake phrase reached 0.93 (tests/test_wake.py): the quick calibration alone never goes past what it saw.
ALONE_FROM = 0.97
SURE = 0.99  # above the unsure band, at least this share of the fitting clips is right without the free decode
ANSWER_SETS = ("yes/no", "digits", "stop", "fsdd digits")
BARGE_IN = 0.5  # skill/bargein.py takes a barge-in word at this confidence
# Never rejects and says 0.5 to everything: clips are heard raw, and a calibration applied after.
OPEN = Calibration(FEATURES, (0.0,) * len(FEATURES), (1.0,) * len(FEATURES), (0.0,) * len(FEATURES), 0.0, 0.0)


def rows_for(fold, cache: Path | None, calibration: Calibration, bare: bool = True, every: int = 1):
    """Every `every`th clip of each set of `fold` heard raw through the engine (cached in `cache` when given)."""
    if cache is not None and cache.exists():
        return pickle.loads(cache.read_bytes())
    import sphinx_real

    engine = PocketSphinxRecognizer(Settings(free_decode=True), calibration=calibration, quick=calibration)
    listener = sphinx_real.Listener(engine, bare=bare)
    sets = {name: clips[::every] for name, clips in sphinx_real.clips(fold).items()}
    rows = sphinx_real.hear_all(listener, sets, barge=bare)
    if cache is not None:
        cache.write_bytes(pickle.dumps(rows))
    return rows


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = L2) -> tuple[np.ndarray, float]:
    """Weights and bias of a ridge logistic regression on standardised `x` (Newton's method)."""
    design = np.hstack([x, np.ones((x.shape[0], 1))])
    w = np.zeros(design.shape[1])
    ridge = np.diag([l2] * x.shape[1] + [0.0])
    for _ in range(50):
        p = 1 / (1 + np.exp(-design @ w))
        gradient = design.T @ (p - y) + ridge @ w
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + ridge
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w[:-1], float(w[-1])


def fit(rows, features: tuple[str, ...] = FEATURES, every: int = 1) -> Calibration:
    """The calibration over `features` fitted on `rows` (fitting speakers only), no unsure band."""
    usable = [r for r in rows if r.features is not None and r.set != "stop (barge-in)"]
    x = np.array([[r.features[name] for name in features] for r in usable])
    y = np.array([1.0 if r.target and _raw_right(r) else 0.0 for r in usable])
    # Held within the fitting clips' range: the engine then never extrapolates a weight past what it saw.
    low, high = np.quantile(x, BOUNDS, axis=0)
    bounds = tuple((float(a), float(b)) for a, b in zip(low, high, strict=True))
    x = np.clip(x, low, high)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    weights, bias = fit_logistic((x - mean) / scale, y)
    cal = Calibration(features, tuple(mean), tuple(scale), tuple(weights), bias, 0.0, bounds=bounds)
    probabilities = np.array([cal.probability(r.features) for r in usable])
    # The highest rejection that keeps KEEP of each answer set's right answers, in every condition.
    limits = []
    for name in ANSWER_SETS:
        for condition in sorted({r.condition for r in usable}):
            right = np.array([p for p, r, t in zip(probabilities, usable, y, strict=True)
                              if r.set == name and r.condition == condition and t])  # fmt: skip
            if right.size:
                limits.append(float(np.quantile(right, 1 - KEEP)))
    speakers = sorted({r.speaker for r in rows})
    fitted = {
        "how": f"ridge logistic regression (l2 {L2:g}) of 'the chosen text means what was said' on the engine's "
        f"evidence, standardised; reject_below keeps {KEEP:g} of each answer set's right answers in each condition",
        "data": f"every {every}th clip of: speech_commands yes/no, digits, stop, every 4th other word, noise slices; "
        "FSDD digits (every 10th take); clean and with the exercise bike at 10 and 5 dB SNR (tests/realspeech.mix)",
        "speakers": f"tests/realspeech.fitting(): {len(speakers)} speakers, {len(usable)} decoded clips; "
        "figures are reported on held_out() only",
        "date": datetime.date.today().isoformat(),
        "script": "bench/calibrate_pocketsphinx.py",
    }
    return Calibration(features, tuple(mean), tuple(scale), tuple(weights), bias, min(limits), fitted=fitted,
                       bounds=bounds)  # fmt: skip


def unsure_band(rows, quick: Calibration) -> tuple[float, float]:
    """(low, high) of the quick probability between which the free decode must decide: below UNSURE_FROM
    the answer is checked or rejected anyway; above `high`, SURE of the fitting clips are right already."""
    usable = [r for r in rows if r.features is not None and r.set != "stop (barge-in)"]
    scored = sorted(((quick.probability(r.features), bool(r.target) and _raw_right(r)) for r in usable), reverse=True)
    high, right = 1.0, 0
    for taken, (p, ok) in enumerate(scored, 1):
        right += ok
        if right < SURE * taken:
            break
        high = p
    low = max(UNSURE_FROM, quick.reject_below)
    return low, max(high, low, ALONE_FROM)


def decide(features: dict[str, float], quick: Calibration, full: Calibration) -> tuple[float, bool, float]:
    """(probability, rejected, free decode ran) the engine gives evidence under the two calibrations."""
    p = quick.probability(features)
    low, high = quick.unsure
    if low <= p < high:
        q = full.probability(features)
        return q, q < full.reject_below, True
    return p, p < quick.reject_below, False


def _raw_right(row) -> bool:
    """Did the grammar's choice (before any rejection) mean what was said?"""
    return row.extra.get("raw_intent", row.intent) == row.target


def outcome(row, quick: Calibration, full: Calibration) -> tuple[str, float]:
    """(intent, probability) the engine gives a raw row under the two calibrations: "none" when rejected."""
    if row.features is None:
        return "none", 0.0
    p, rejected, _ = decide(row.features, quick, full)
    if rejected or (row.set == "stop (barge-in)" and p < BARGE_IN):
        return "none", p
    return row.intent, p


def acted(intent: str, p: float) -> bool:
    """Would the dialogue act without "Did you say ...?" (repeat and help are harmless, never checked)."""
    if intent == "none" or intent in HARMLESS:
        return False
    return p >= (CONFIRM_COMMAND_BELOW if intent in COMMANDS else CONFIRM_BELOW)


def table(rows, quick: Calibration, full: Calibration) -> list[str]:
    """The figures, one line per set and condition."""
    lines = [f"{'held-out speakers':22} {'condition':10} {'clips':>5} {'right':>7} {'no check':>8} "
             f"{'WRONG no check':>14} {'nothing':>8} {'taken':>7} {'taken no check':>14} | "
             f"{'bare answers':>12} {'bare question':>13} {'kept of bare':>12} {'lost voc/rej/none':>18}"]  # fmt: skip
    groups: dict[tuple[str, str], list] = {}
    for row in rows:
        groups.setdefault((row.set, row.condition), []).append(row)
    for (name, condition), items in groups.items():
        n = len(items)
        heard = [outcome(r, quick, full) for r in items]
        right = sum(i == r.target for (i, _), r in zip(heard, items, strict=True) if r.target)
        sure = sum(i == r.target and acted(i, p) for (i, p), r in zip(heard, items, strict=True) if r.target)
        wrong = sum(i != r.target and acted(i, p) for (i, p), r in zip(heard, items, strict=True))
        nothing = sum(i == "none" for i, _ in heard)
        taken = sum(i != "none" for i, _ in heard)
        share = lambda k, n=n: f"{k / n:7.1%}"  # noqa: E731
        if items[0].target:
            bare = sum(r.bare == r.target for r in items)
            bare_q = sum(r.bare_question == r.target for r in items)
            kept = f"{right / bare:12.1%}" if bare else f"{'-':>12}"
            lost = f"{'/'.join(str(k) for k in lost_of_bare(items, heard)) if bare else '-':>18}"
            cells = (share(right), f"{sure / n:8.1%}", f"{wrong / n:14.1%}", f"{nothing / n:8.1%}", f"{'-':>7}",
                     f"{'-':>14}", f"{bare / n:12.1%}" if "barge" not in name else f"{'-':>12}",
                     f"{bare_q / n:13.1%}" if "barge" not in name else f"{'-':>13}", kept if "barge" not in name
                     else f"{'-':>12}", lost if "barge" not in name else "")  # fmt: skip
        else:
            bare_taken = sum(r.bare_question != "none" for r in items)
            cells = (f"{'-':>7}", f"{'-':>8}", f"{wrong / n:14.1%}", f"{nothing / n:8.1%}", share(taken),
                     f"{wrong / n:14.1%}", f"{'-':>12}", f"{bare_taken / n:13.1%}", f"{'-':>12}", "")  # fmt: skip
        lines.append((f"{name:22} {condition:10} {n:5} " + " ".join(cells[:6]) + " | " + " ".join(cells[6:])).rstrip())
    return lines


def lost_of_bare(items, heard) -> tuple[int, int, int]:
    """Of the clips the bare answers' grammar got right and the engine did not: (the question's larger
    vocabulary chose another phrase, rejected though the phrase was right, no speech found)."""
    lost = [(r, i) for (i, _), r in zip(heard, items, strict=True) if r.bare == r.target and i != r.target]
    none = sum(r.features is None for r, _ in lost)
    vocabulary = sum(r.features is not None and r.intent != r.target for r, _ in lost)
    return vocabulary, len(lost) - vocabulary - none, none


def report(rows) -> None:
    """Print the held-out figures under the shipped calibrations."""
    quick, full = confidence.load("pocketsphinx-quick"), confidence.load("pocketsphinx")
    print(f"PocketSphinx on held-out speakers (tests/realspeech.held_out), calibration of {full.fitted.get('date')}")
    print(f"right: the answer's meaning; no check: taken without \"Did you say...?\" (p >= {CONFIRM_BELOW}, "
          f"commands {CONFIRM_COMMAND_BELOW}); nothing: rejected (p < {full.reject_below:.3f}, quick "
          f"{quick.reject_below:.3f}) or no speech")
    print("bare answers: a one-of grammar of the answers alone (yes|no, zero..nine), no rejection; bare question:"
          " the question's whole vocabulary, no rejection; kept of bare: right / bare answers' right;"
          " lost voc/rej/none: clips the bare answers got right, lost to the question's larger vocabulary /"
          " to rejection / to no speech found")
    for line in table(rows, quick, full):
        print(line)
    judged = [r for r in rows if r.features is not None]
    free = sum(decide(r.features, quick, full)[2] for r in judged)
    print(f"free decode (about 3/4 of an answer's CPU) ran on {free} of {len(judged)} judged clips "
          f"(quick probability in {quick.unsure[0]:.3f}..{quick.unsure[1]:.3f})")
    print("calibration on held-out speakers (question path, every condition): probability -> share right")
    scored = [(outcome(r, quick, full)[1], r.intent == r.target and bool(r.target)) for r in judged
              if r.set != "stop (barge-in)"]  # fmt: skip
    for low, high in ((0.0, 0.2), (0.2, 0.5), (0.5, CONFIRM_BELOW), (CONFIRM_BELOW, 0.9), (0.9, 1.01)):
        inside = [ok for p, ok in scored if low <= p < high]
        if inside:
            print(f"  {low:.2f}..{min(high, 1.0):.2f}: {len(inside):5} clips, {sum(inside) / len(inside):6.1%} right")


def write(path: Path, cal: Calibration) -> None:
    """Write `cal` as YAML to `path` and check that it reads back."""
    header = "# PocketSphinx's confidence: written by bench/calibrate_pocketsphinx.py; do not edit by hand.\n"
    path.parent.mkdir(exist_ok=True)
    path.write_text(header + yaml.safe_dump(cal.as_dict(), sort_keys=False, width=110), encoding="utf-8")
    confidence.load(path.stem)


def main() -> None:
    """Fit (default) or report (--report)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report", action="store_true", help="print figures on held-out speakers")
    parser.add_argument("--cache", type=Path, help="keep the heard clips here between runs (development)")
    parser.add_argument("--every", type=int, default=1, help="every Nth clip of each set (the fit: 4, for time)")
    args = parser.parse_args()
    if rs.missing():
        sys.exit(rs.missing())
    if args.report:
        report(rows_for(rs.held_out, args.cache, OPEN, every=args.every))
        return
    rows = rows_for(rs.fitting, args.cache, OPEN, bare=False, every=args.every)
    full = fit(rows, every=args.every)
    quick = fit(rows, QUICK_FEATURES, every=args.every)
    quick = dataclasses.replace(quick, unsure=unsure_band(rows, quick))
    write(OUT, full)
    write(OUT_QUICK, quick)
    print(f"wrote {OUT.relative_to(ROOT)}: reject_below {full.reject_below:.3f}; {OUT_QUICK.relative_to(ROOT)}: "
          f"reject_below {quick.reject_below:.3f}, free decode between {quick.unsure[0]:.3f} and {quick.unsure[1]:.3f}")
    for cal in (quick, full):
        print("  " + ", ".join(f"{name} {w:+.3f}" for name, w in zip(cal.features, cal.weights, strict=True)))


if __name__ == "__main__":
    main()
