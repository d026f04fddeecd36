"""The spoken check-in on real (virtual) audio devices: answers played into the microphone, speech captured."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import TYPE_CHECKING

import numpy as np
import pytest

from twitch_coach.dialogue.loader import load
from twitch_coach.intents.matcher import Expectation, Matcher

from synth import dithered, require_espeak, speak

if TYPE_CHECKING:
    from pulse import VirtualAudio

pytest_plugins = ("pulse",)  # the virtual_audio fixture
pytestmark = [pytest.mark.devices, pytest.mark.audio]

ANSWERS = {"red_flags": "no", "intensity": "very hard", "hydration": "nothing"}


def _topic_of(line: str) -> str | None:
    """The topic of the question printed on `line` (ask, rephrase or reprompt text)."""
    for node in load().trees["quick"].nodes.values():
        if node.ask in line or node.rephrase in line:
            return node.topic
    return None


def test_spoken_quick_check_in_on_virtual_devices(virtual_audio: VirtualAudio) -> None:
    require_espeak()
    command = [sys.executable, "-m", "twitch_coach.skill", "checkin", "--mode", "quick", "--engine", "pocketsphinx",
               "--voice", "en-us", "--no-journal"]  # fmt: skip
    lines: list[str] = []
    topic, confirming = None, False
    with virtual_audio.record_speaker() as recording:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                text=True, env=virtual_audio.env)  # fmt: skip
        assert proc.stdout is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip())
            topic = _topic_of(line) or topic
            confirming = line.startswith("Did you say") or (confirming and not line.startswith("(heard"))
            if line.startswith("(listening)") and topic is not None:
                answer = "yes" if confirming else ANSWERS[topic]  # a low-confidence answer is confirmed
                wav = virtual_audio.write_wav(dithered(speak(answer, voice="en-us")), f"{topic}-{answer}.wav")
                virtual_audio.play_into_mic(wav)
        proc.wait(timeout=30)
    transcript = "\n".join(lines)
    assert proc.returncode == 0, transcript + proc.stderr.read()  # type: ignore[union-attr]
    assert "No microphone found" not in transcript
    heard = [line[len("(heard: ") : -1] for line in lines if line.startswith("(heard:") and line != "(heard: yes)"]
    content = load()
    matcher = Matcher(content.vocab.commands, content.vocab.unsure)
    nodes = [content.trees["quick"].nodes[n] for n in ("screen", "intensity", "hydration")]
    intents = [
        matcher.match(text, Expectation(n.expects, n.choices)).intent for text, n in zip(heard, nodes, strict=False)
    ]
    assert intents == ["no", "very_hard", "nothing"], transcript
    assert "Likely tired muscles and low fluids." in transcript

    # What the skill said really came out of the speaker: recognise its first line back.
    from twitch_coach.voice.pocketsphinx_engine import PocketSphinxRecognizer
    from twitch_coach.voice.recognizer import Vocabulary

    captured = np.frombuffer(recording.samples, dtype=np.int16)
    voiced = np.flatnonzero(np.abs(captured) > 500)
    assert voiced.size, "nothing was played on the virtual speaker"
    intro = load().trees["quick"].nodes["screen"].ask.lower().replace(".", "").replace("?", "").replace(",", "")
    distractors = ("the weather is nice today", "please open the garage door", "how many hours did you sleep")
    first = captured[max(0, voiced[0] - 4800) : voiced[0] + 16000 * 5].tobytes()
    result = PocketSphinxRecognizer().recognize(dithered(first), Vocabulary((intro, *distractors)))
    assert result.text == intro and not result.rejected, result
