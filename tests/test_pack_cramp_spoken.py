"""The second content pack by voice: espeak-ng answers through `converse --json` {"audio": ...} and PocketSphinx,
listening with the pack's own vocabulary (a regression check: synthesised speech, not people)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from twitch_coach.voice.wavfile import write_wav

from synth import require_espeak, speak

pytestmark = pytest.mark.audio

PACK = Path(__file__).resolve().parent / "packs" / "cramp"
SPOKEN = {
    "red_flags": "no", "how_often": "first time", "effort": "further", "sweat": "yeah",
    "drinks": "two glasses", "stretch": "no",
}  # fmt: skip


def test_a_whole_spoken_check_of_the_cramp_pack_over_json_lines(tmp_path: Path) -> None:
    require_espeak()
    env = {**os.environ, "TWITCH_COACH_HOME": str(tmp_path)}
    command = [sys.executable, "-m", "twitch_coach.skill", "--content", str(PACK), "converse", "--json", "--engine", "pocketsphinx"]
    proc = subprocess.Popen(
        [*command, "--no-journal"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=env,
    )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    heard, summary, confirming = [], None, False
    try:
        for _ in range(100):
            line = proc.stdout.readline()
            assert line, "the process ended early"
            event = json.loads(line)
            if event["type"] == "heard" and not confirming:  # the replies to "Did you say ...?" left out
                heard.append(event)
            if event["type"] == "summary":
                summary = event
                break
            if event["type"] == "prompt":
                # "Did you say ...?" follows an answer heard with little confidence: it was right, say yes.
                confirming = event["text"].startswith("Did you say")
                answer = "yes" if confirming else SPOKEN[event["topic"]]
                path = tmp_path / f"{answer.replace(' ', '_')}.wav"
                if not path.exists():
                    write_wav(path, speak(answer))
                proc.stdin.write(json.dumps({"audio": str(path)}) + "\n")
                proc.stdin.flush()
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)
    assert summary is not None, heard
    assert [h["intent"] for h in heard] == ["no", "first", "more", "yes", "number", "no"], heard
    assert [h["value"] for h in heard if h["intent"] == "number"] == [2.0]
    assert summary["red_flags"] == []
    assert [c["id"] for c in summary["causes"]] == ["low_fluids", "overreach", "salt_loss", "tight_muscles"]
