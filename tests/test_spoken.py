"""Spoken answers end to end: synthesised speech through the real recogniser, the matcher and the dialogue."""

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

SPOKEN = {
    "red_flags": "no", "duration": "just today", "intensity": "very hard", "training_load": "five",
    "hydration": "nothing", "electrolytes": "no", "sleep": "four hours", "caffeine": "no coffee",
    "stress": "low", "nerve": "no",
}  # fmt: skip


def _wav(tmp_path: Path, text: str, voice: str = "en-us") -> str:
    path = tmp_path / f"{voice}-{text.replace(' ', '_')}.wav"
    if not path.exists():
        write_wav(path, speak(text, voice=voice))
    return str(path)


def test_a_whole_spoken_check_in_over_json_lines(tmp_path: Path) -> None:
    require_espeak()
    env = {**os.environ, "TWITCH_COACH_HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "twitch_coach.skill", "converse", "--json", "--engine", "pocketsphinx", "--no-journal"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    heard, summary = [], None
    try:
        for _ in range(200):
            event = json.loads(proc.stdout.readline())
            if event["type"] == "heard":
                heard.append(event)
            if event["type"] == "summary":
                summary = event
                break
            if event["type"] == "prompt":
                # "Did you say ...?" follows an answer heard with little confidence: it was right, say yes.
                answer = "yes" if event["text"].startswith("Did you say") else SPOKEN[event["topic"]]
                proc.stdin.write(json.dumps({"audio": _wav(tmp_path, answer)}) + "\n")
                proc.stdin.flush()
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)
    assert summary is not None, heard
    answers = [h["intent"] for h in heard if h["intent"] != "yes" or h["text"] != "yes"]  # less the confirmations
    assert answers == ["no", "today", "very_hard", "number", "nothing", "no", "number", "number", "low", "no"], heard
    assert summary["red_flags"] == []
    assert {c["id"] for c in summary["causes"][:3]} == {"fatigue", "sleep", "electrolytes"}, summary["causes"]


def test_an_audio_answer_that_is_not_a_wav_gets_an_error_and_the_dialogue_waits(tmp_path: Path) -> None:
    bogus = tmp_path / "answer.wav"
    bogus.write_text("not audio")
    lines = json.dumps({"audio": str(bogus)}) + "\n" + json.dumps({"text": "stop"}) + "\n"
    result = subprocess.run(
        [sys.executable, "-m", "twitch_coach.skill", "converse", "--json", "--no-journal"], input=lines, text=True,
        capture_output=True, timeout=60, env={**os.environ, "TWITCH_COACH_HOME": str(tmp_path)},
    )  # fmt: skip
    events = [json.loads(line) for line in result.stdout.splitlines()]
    error = next(e for e in events if e["type"] == "error")
    assert str(bogus) in error["message"]
    assert [e["node"] for e in events if e["type"] == "prompt"] == ["screen"]
    assert events[-1] == {"type": "end", "reason": "stopped"}


@pytest.mark.parametrize(("voice", "no"), [("en-us", "no"), ("en-gb", "not really")])
def test_hear_prints_one_json_object_per_file(tmp_path: Path, voice: str, no: str) -> None:
    files = [_wav(tmp_path, "yes", voice), _wav(tmp_path, no, voice)]
    result = subprocess.run(
        [sys.executable, "-m", "twitch_coach.skill", "hear", "--topic", "red_flags", "--engine", "pocketsphinx", *files],
        text=True, capture_output=True, timeout=120,
    )  # fmt: skip
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["intent"] for r in rows] == ["yes", "no"]
    assert all(set(r) == {"file", "text", "intent", "value", "confidence", "engine", "elapsed_ms"} for r in rows)
    assert {r["engine"] for r in rows} == {"pocketsphinx"}
    assert "using PocketSphinx" in result.stderr
