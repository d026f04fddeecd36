"""`twitch-coach understand --topic TOPIC TEXT...`: what that question hears, one JSON object per text."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from twitch_coach.dialogue.loader import load
from twitch_coach.dialogue.understand import conversation_at, topics, understand

CONTENT = load()


def _run(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TWITCH_COACH_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "twitch_coach.skill", "understand", *args], capture_output=True, text=True, timeout=60, env=env
    )


def test_one_json_object_per_text_as_the_question_hears_it(tmp_path: Path) -> None:
    done = _run("--topic", "sleep", "like five hours", "set an alarm for seven", "barely", home=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(h["text"], h["intent"], h["value"]) for h in lines] == [
        ("like five hours", "number", 5.0),
        ("set an alarm for seven", "none", None),
        ("barely", "number", 3.0),
    ]
    assert lines[0]["confidence"] == 1.0 and lines[1]["confidence"] == 0.0
    assert all(h["topic"] == "sleep" and h["node"] == "sleep" and h["red_flags"] == [] for h in lines)
    assert lines[0]["next"] == "caffeine" and lines[1]["next"] == "sleep"  # a no-match is asked again


def test_it_shows_the_flags_a_reply_raises_and_what_is_said(tmp_path: Path) -> None:
    done = _run("--topic", "weakness", "no, but it's weak", "nope", home=tmp_path)
    weak, nope = (json.loads(line) for line in done.stdout.splitlines())
    assert weak["red_flags"] == ["weakness"] and weak["says"] == [CONTENT.safety.red_flags["weakness"].said]
    assert nope["red_flags"] == [] and nope["intent"] == "no"


def test_an_urgent_sign_is_reported(tmp_path: Path) -> None:
    done = _run("--topic", "hydration", "a lot, but I fainted", home=tmp_path)
    heard = json.loads(done.stdout)
    assert heard["urgent"] is True and heard["next"] == "end"
    assert heard["says"][0] == CONTENT.safety.urgent.said


def test_an_unknown_topic_is_a_clear_error_listing_the_topics(tmp_path: Path) -> None:
    done = _run("--topic", "slep", "five", home=tmp_path)
    assert done.returncode == 2 and not done.stdout
    assert done.stderr.strip() == f"no checkin question has topic 'slep'; topics: {', '.join(topics(CONTENT))}"
    assert "Traceback" not in done.stderr


def test_a_reply_too_long_is_refused_and_the_others_still_heard(tmp_path: Path) -> None:
    done = _run("--topic", "sleep", "six " * 400, "six", home=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip() == "a reply of 1600 characters is too long; keep it under 1000"
    assert json.loads(done.stdout)["value"] == 6.0


@pytest.mark.parametrize("topic", topics(CONTENT))
def test_every_topic_can_be_reached_and_each_reply_is_heard_afresh(topic: str) -> None:
    """Each text is heard by a fresh question: an earlier no-match does not count against a later reply."""
    assert conversation_at(CONTENT, topic).current().topic == topic  # type: ignore[union-attr]
    first, again = understand(CONTENT, topic, "purple"), understand(CONTENT, topic, "purple")
    assert first == again and first["intent"] == "none" and first["next"] == first["node"]
