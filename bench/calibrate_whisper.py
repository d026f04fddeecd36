"""Fit the Whisper engine's confidence (voice/calibration/whisper.yaml) on the fitting speakers' real speech.

Every fitting clip is decoded at its question; the evidence (free decode agreeing or not, scores, margin,
no-speech probability, level range) is the input of a logistic regression whose target is "the text
handed on means what was said". Other words and noise are all targets 0. Four models: the best phrase of
the phrase search (closed; at a number question its own, number), open vocabulary, and the free words alone as
the text matcher reads them (free: what the skill hands on when the best phrase is judged wrong and the free
words say something else). Prints the fit and writes the YAML; one command, no cache needed.

    .venv/bin/python bench/calibrate_whisper.py [--model DIR] [--cache FILE.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import realspeech as rs  # noqa: E402
import speechsets  # noqa: E402
import yaml  # noqa: E402

from twitch_coach.voice.recognizer import Vocabulary  # noqa: E402
from twitch_coach.voice.whisper_engine import CALIBRATION, Calibration, Evidence, WhisperRecognizer  # noqa: E402

MODEL = ROOT.parent / "shared" / "models" / "faster-whisper-tiny.en"
L2 = 1e-2  # ridge on the weights (not the intercept): keeps rare features from running away
# Not an answer below this: a guess more likely wrong than right is worth asking again, not "Did you say ...?"
# (on the fitting fold, answers scored 0.2-0.5 were right about one time in five).
REJECT_BELOW = 0.5
# A phrase gets its own, lower floor where the fitting clips it won below REJECT_BELOW were right at least this
# often, over at least FLOOR_CLIPS clips: a guess that likely is worth a "Did you say ...?", not asking again.
FLOOR_SHARE = 0.8
FLOOR_CLIPS = 8
FLOOR_STEPS = (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45)


def collect(engine: WhisperRecognizer, judge: speechsets.Judge) -> list[dict]:
    """Evidence and the right/wrong target for every fitting clip, closed and open vocabulary."""
    rows = []
    for name, items in speechsets.sets(rs.fitting).items():
        vocabulary = judge.vocabulary(items[0].node)
        print(f"  {name}: {len(items)} clips", file=sys.stderr, flush=True)
        for item in items:
            samples, rate = item.audio()
            audio = np.frombuffer(speechsets.to_16k(samples, rate), dtype=np.int16)
            closed = engine.evidence(audio, vocabulary)
            # How the text matcher reads the free words alone: the skill hands them on when no whole phrase came.
            free = judge.outcome(item, closed.free, 1.0)
            row = {"set": name, "node": item.node, "speaker": item.clip.speaker, "path": item.clip.path.name,
                   "closed": dataclasses.asdict(closed), "closed_right": judge.correct(item, closed.text),
                   "free_taken": free.taken, "free_right": free.right}  # fmt: skip
            if item.snr_db is None and name != "FSDD digits at a number question":
                opened = engine.evidence(audio, Vocabulary())
                row["open"] = dataclasses.asdict(opened)
                row["open_right"] = item.clip.label in speechsets.ANSWERS and opened.text == item.clip.label
            rows.append(row)
    return rows


KINDS = {
    "closed": "closed vocabulary, a whole phrase decoded, at any question but a number one",
    "number": "closed vocabulary, a whole phrase decoded, at a number question",
    "open": "open vocabulary, text decoded",
    "free": "closed vocabulary, no whole phrase, the free words taken by the text matcher",
}


def examples(rows: list[dict], kind: str) -> tuple[list[dict], np.ndarray, np.ndarray]:
    """The rows one model is fitted on, its inputs and its targets.

    The free model judges the free words where the text matcher takes them as something at the question.
    The skill hands them on only when the best phrase is judged wrong, but it is fitted on every clip the
    matcher takes: the real sets are one-word answers, which nearly always fit a phrase, so the clips where
    none fits are almost all noise, and fitting on those alone would teach "a real answer always fits a
    phrase", a fact of these sets and not of speech ("yes quite a lot" is one). Its inputs are the acoustic ones,
    for the same reason: how many words were said is left out, since here only noise makes long hallucinated
    sentences.
    """
    if kind == "free":
        used = [r for r in rows if r["closed"]["free"] and r["free_taken"]]
        x = np.array([Evidence(**r["closed"]).free_features() for r in used]).reshape(len(used), -1)
        return used, x, np.array([float(r["free_right"]) for r in used])
    if kind == "open":
        used = [r for r in rows if "open" in r and r["open"]["text"]]
        x = np.array([Evidence(**r["open"]).features(True) for r in used])
        return used, x, np.array([float(r["open_right"]) for r in used])
    at_number = kind == "number"
    used = [r for r in rows if r["closed"]["text"] and (r["node"] == speechsets.NUMBER_NODE) == at_number]
    x = np.array([Evidence(**r["closed"]).features(False) for r in used])
    return used, x, np.array([float(r["closed_right"]) for r in used])


def fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Logistic regression by Newton's method with a small ridge; returns [intercept, weights...]."""
    a = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(a.shape[1])
    ridge = np.full(a.shape[1], L2)
    ridge[0] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(a @ w, -30, 30)))
        gradient = a.T @ (p - y) + ridge * w
        hessian = (a.T * (p * (1 - p))) @ a + np.diag(ridge + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w


def predict(w: np.ndarray, x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(w[0] + x @ w[1:], -30, 30)))


def phrase_floors(judged: list[tuple[str, float, float]]) -> dict[str, float]:
    """The lowest floor on FLOOR_STEPS for each phrase whose (phrase, probability, right) clips from it up to
    REJECT_BELOW are at least FLOOR_SHARE right, over at least FLOOR_CLIPS clips."""
    floors = {}
    for phrase in sorted({p for p, _, _ in judged}):
        for floor in FLOOR_STEPS:
            inside = [right for p, prob, right in judged if p == phrase and floor <= prob < REJECT_BELOW]
            if len(inside) >= FLOOR_CLIPS and np.mean(inside) >= FLOOR_SHARE:
                floors[phrase] = floor
                print(f"  {phrase!r} taken from {floor}: {int(sum(inside))} of {len(inside)} fitting clips right "
                      f"from there to {REJECT_BELOW}")  # fmt: skip
                break
    return floors


def reliability(p: np.ndarray, y: np.ndarray) -> list[str]:
    """Lines of predicted against observed share right, by probability band."""
    lines = []
    for low, high in ((0, 0.2), (0.2, 0.5), (0.5, 0.78), (0.78, 0.9), (0.9, 1.01)):
        inside = (p >= low) & (p < high)
        if inside.any():
            lines.append(f"    p {low:.2f}-{min(high, 1):.2f}: {inside.sum():4d} clips, mean p {p[inside].mean():.3f}, "
                         f"right {y[inside].mean():.3f}")  # fmt: skip
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(MODEL), help="CTranslate2 Whisper model folder")
    parser.add_argument("--cache", help="JSON file of collected evidence: read when it exists, else written")
    parser.add_argument("--out", default=str(CALIBRATION), help="where to write the calibration YAML")
    args = parser.parse_args()
    if rs.missing():
        sys.exit(rs.missing())
    cache = Path(args.cache) if args.cache else None
    if cache is not None and cache.exists():
        rows = json.loads(cache.read_text())
    else:
        # The calibration being fitted is not used while collecting: only the raw evidence is read.
        engine = WhisperRecognizer(args.model, calibration=Calibration((0.0,), (0.0,), 0.0, (0.0,)))
        rows = collect(engine, speechsets.Judge())
        if cache is not None:
            cache.write_text(json.dumps(rows))
    fitted: dict[str, object] = {}
    judged: list[tuple[str, float, float]] = []  # (best phrase, probability, right) at every closed question
    # Two closed models: at a number question other words take one of its many phrases far more often than "yes" or
    # "no" (held out, one model for both took 9.8% of them there), and fitting both on one model made it judge one
    # kind of question too strictly or the other too loosely.
    for kind in ("closed", "number", "open", "free"):
        used, x, y = examples(rows, kind)
        w = fit(x, y)
        p = predict(w, x)
        print(f"{KINDS[kind]}: {len(used)} clips, {y.mean():.1%} right")
        print("\n".join(reliability(p, y)))
        fitted[kind] = [round(float(v), 4) for v in w]
        if kind in ("closed", "number"):
            fitted.setdefault("reject_below", REJECT_BELOW)
            judged += [(r["closed"]["phrase"], float(q), float(t)) for r, q, t in zip(used, p, y, strict=True)]
            taken = p >= REJECT_BELOW
            print(f"  reject below {REJECT_BELOW}: right answers lost {np.mean(~taken[y == 1]):.1%}, "
                  f"wrong or not-an-answer clips still taken {np.mean(taken[y == 0]):.1%}")  # fmt: skip
    fitted["floors"] = phrase_floors(judged)
    speakers = sorted({r["speaker"] for r in rows if not r["speaker"].startswith("noise:")})
    document = {
        "engine": "whisper",
        "model": "Whisper tiny.en, CTranslate2 int8 (faster-whisper-tiny.en)",
        "fitted_on": {
            "date": datetime.date.today().isoformat(),
            "speakers": f"{len(speakers)} speakers of the fitting fold (tests/realspeech.py fitting()), "
            "and noise slices of that fold; no held-out voice",
            "clips": {name: sum(r["set"] == name for r in rows) for name in dict.fromkeys(r["set"] for r in rows)},
            "target": "the text handed on means what was said (Conversation.hear at the clip's question); "
            "free: the free words mean it, on the clips whose free words the text matcher takes",
            "method": f"logistic regression, Newton's method, ridge {L2}; reject_below {REJECT_BELOW}: "
            "a guess more likely wrong than right is asked again; floors: a phrase's own reject_below where its "
            f"clips from there were at least {FLOOR_SHARE:.0%} right (at least {FLOOR_CLIPS} clips)",
        },
        "features": {
            "open": ["no_speech", "min(level_range, 40)/10", "free_score"],
            "closed, number": ["no_speech", "min(level_range, 40)/10", "free_score", "log1p(extra free words)",
                               "phrase_score", "min(margin, 3)", "free == phrase", "similarity(free, phrase)",
                               "clip(phrase_score - free_log_prob, -10, 2)/2"],
            "free": ["no_speech", "min(level_range, 40)/10", "free_score"],
        },  # fmt: skip
        "fitted": fitted,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("# Written by bench/calibrate_whisper.py; refit rather than edit.\n"
                   + yaml.safe_dump(document, sort_keys=False, width=110))  # fmt: skip
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
