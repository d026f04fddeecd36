"""Would the live endpointer start on real speech? Held-out clips of each real-speech set through voice/endpoint.py.

Live, the endpointer has heard the room before anyone speaks; a one-second recording may start on the word.
So each clip is judged twice: with the noise floor starting at the clip's own quiet frames (10th percentile
of its 30 ms levels: the room), and as is (the floor starts at the first frame). The Whisper bench feeds
whole clips to the recogniser and skips this step, so a clip not started on here is one that the bench
counts but a person at the microphone would not be heard saying.

    .venv/bin/python bench/bench_speech_detection.py [--quick]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import realspeech as rs  # noqa: E402
import speechsets  # noqa: E402

from twitch_coach.voice.endpoint import DEFAULT, FRAME_BYTES, Endpointer, VoiceDetector, level_db  # noqa: E402
from twitch_coach.voice.silero import SHARED  # noqa: E402

QUIET_PERCENTILE = 10


def starts(audio: bytes, primed: bool) -> bool:
    """True when the endpointer, with its default settings, finds speech starting in `audio`."""
    detector = VoiceDetector(DEFAULT)
    if primed:
        levels = [level_db(audio[i : i + FRAME_BYTES]) for i in range(0, len(audio) - FRAME_BYTES + 1, FRAME_BYTES)]
        detector.floor_db = max(float(np.percentile(levels, QUIET_PERCENTILE)), -90.0) if levels else None
    endpointer = Endpointer(DEFAULT, detector)
    endpointer.feed(audio)
    return endpointer.speech_start is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every fourth clip of each set")
    args = parser.parse_args()
    if rs.missing():
        print(f"skipped: {rs.missing()}")
        return
    SHARED.load()  # clips are fed faster than real time: live, it has loaded before anyone answers
    print("Speech detection on real speech, held-out speakers only: share of clips the live endpointer starts on")
    print(f"  {'':38s}{'room floor':>12s}{'first frame':>13s}")
    for name, items in speechsets.sets(rs.held_out, quick=args.quick).items():
        audio = [speechsets.to_16k(*item.audio()) for item in items]
        primed = np.mean([starts(a, True) for a in audio])
        as_is = np.mean([starts(a, False) for a in audio])
        print(f"  {name + f' ({len(items)})':38s}{primed:>12.1%}{as_is:>13.1%}")


if __name__ == "__main__":
    main()
