"""The journal around a conversation: persistence before it, trends after the summary, saving at the end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from twitch_coach.dialogue.engine import Conversation
from twitch_coach.dialogue.events import End, Say, Summary
from twitch_coach.dialogue.loader import load
from twitch_coach.skill.journal import Journal
from twitch_coach.skill.session import Session, open_session

CONTENT = load()
NOW = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
SHORT_SLEEP = {"red_flags": "no", "duration": "a few days", "intensity": "hard", "training_load": "2",
               "hydration": "plenty", "electrolytes": "yes", "sleep": "five hours", "caffeine": "one",
               "stress": "low", "nerve": "no"}  # fmt: skip


def _run(session: Session, answers: dict[str, str]) -> list:
    events = session.start()
    for _ in range(30):
        node = session.current()
        if node is None:
            break
        events += session.hear(answers.get(node.topic, "no"))
    events += session.hear("thanks")  # after the summary: anything but repeat ends it
    return events


def _journal(tmp_path: Path, days_ago: list[int]) -> Journal:
    journal = Journal(tmp_path / "journal.sqlite3", clock=lambda: NOW)
    for days in days_ago:
        journal.record("checkin", {"sleep": {"intent": "number", "value": 5.0, "tags": []}}, [], [],
                       at=NOW - timedelta(days=days))  # fmt: skip
    return journal


def test_twitching_on_three_days_in_two_weeks_raises_persistent_before_the_first_question(tmp_path: Path) -> None:
    journal = _journal(tmp_path, [9, 4])
    events = _run(open_session(CONTENT, "checkin", journal, clock=lambda: NOW), SHORT_SLEEP)
    opening = [e.text for e in events[:4] if isinstance(e, Say)]
    assert opening[1].startswith("Your journal shows twitching on 3 different days")
    assert opening[2] == CONTENT.safety.professional
    summary = next(e for e in events if isinstance(e, Summary))
    assert summary.red_flags == ["persistent"]


def test_one_earlier_check_in_is_not_persistent(tmp_path: Path) -> None:
    journal = _journal(tmp_path, [4])
    assert open_session(CONTENT, "checkin", journal, clock=lambda: NOW).conversation.red_flags == []


def test_a_trend_is_spoken_after_the_summary_and_the_check_in_is_saved(tmp_path: Path) -> None:
    journal = _journal(tmp_path, [20, 2, 1])  # two short nights this week, one long ago
    session = Session(Conversation(CONTENT, "checkin"), journal, clock=lambda: NOW)
    events = _run(session, SHORT_SLEEP)
    index = next(i for i, e in enumerate(events) if isinstance(e, Summary))
    assert isinstance(events[index + 1], Say)
    assert events[index + 1].text.startswith("This is the third check-in this week with under six hours of sleep.")
    assert events[-1] == End("done")
    saved = journal.entries()[-1]
    assert saved.answers["sleep"]["value"] == 5.0 and saved.mode == "checkin"
    assert {"id": "sleep", "score": 2.0} in saved.causes


def test_a_stopped_check_in_is_not_saved(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3")
    session = open_session(CONTENT, "checkin", journal)
    session.start()
    session.hear("no")
    assert session.hear("stop")[-1] == End("stopped")
    assert journal.entries() == []


def test_the_command_saves_a_check_in_privately_and_exports_it(tmp_path: Path) -> None:
    env = {**os.environ, "TWITCH_COACH_HOME": str(tmp_path)}
    answers = "".join(json.dumps({"text": t}) + "\n" for t in ["no", "very hard", "nothing"])
    run = [sys.executable, "-m", "twitch_coach.skill"]
    subprocess.run(run + ["converse", "--json", "--mode", "quick"], input=answers, text=True, env=env, check=True,
                   capture_output=True)  # fmt: skip
    db = next(tmp_path.rglob("journal.sqlite3"))
    assert db.stat().st_mode & 0o777 == 0o600
    exported = subprocess.run(run + ["journal", "export", "--format", "json"], text=True, env=env, check=True,
                              capture_output=True).stdout  # fmt: skip
    entries = json.loads(exported)["entries"]
    assert len(entries) == 1 and entries[0]["mode"] == "quick"
    assert entries[0]["answers"]["intensity"]["intent"] == "very_hard"

    subprocess.run(run + ["converse", "--json", "--mode", "quick", "--no-journal"], input=answers, text=True,
                   env=env, check=True, capture_output=True)  # fmt: skip
    exported = subprocess.run(run + ["journal", "export", "--format", "json"], text=True, env=env, check=True,
                              capture_output=True).stdout  # fmt: skip
    assert len(json.loads(exported)["entries"]) == 1


def _quick(journal: Journal, minutes_ago: int, mode: str = "quick") -> None:
    answers = {"red_flags": {"intent": "no"}, "intensity": {"intent": "very_hard"}, "hydration": {"intent": "nothing"}}
    journal.record(mode, answers, [], [], at=NOW - timedelta(minutes=minutes_ago))


def _topics_asked(session: Session) -> list[str]:
    asked = []
    session.start()
    for _ in range(30):
        node = session.current()
        if node is None:
            break
        asked.append(node.topic)
        session.hear(SHORT_SLEEP.get(node.topic, "no"))
    session.hear("thanks")
    return asked


def test_a_check_in_soon_after_a_quick_check_carries_on_from_it_and_takes_its_place(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3", clock=lambda: NOW)
    _quick(journal, minutes_ago=40)
    asked = _topics_asked(open_session(CONTENT, "checkin", journal, clock=lambda: NOW))
    assert "red_flags" in asked, "safety questions are always asked again"
    assert "intensity" not in asked and "hydration" not in asked
    (saved,) = journal.entries()  # one workout, one entry
    assert saved.mode == "checkin"
    assert saved.answers["intensity"]["intent"] == "very_hard" and saved.answers["sleep"]["value"] == 5.0


def test_a_check_in_long_after_a_quick_check_or_after_another_check_in_starts_afresh(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3", clock=lambda: NOW)
    _quick(journal, minutes_ago=3 * 60)  # longer ago than carry_over_minutes (120)
    assert "intensity" in _topics_asked(open_session(CONTENT, "checkin", journal, clock=lambda: NOW))
    assert len(journal.entries()) == 2

    journal = Journal(tmp_path / "other.sqlite3", clock=lambda: NOW)
    _quick(journal, minutes_ago=50)
    _quick(journal, minutes_ago=20, mode="checkin")  # the quick check was already followed up
    assert "intensity" in _topics_asked(open_session(CONTENT, "checkin", journal, clock=lambda: NOW))
    assert [e.mode for e in journal.entries()] == ["quick", "checkin", "checkin"]


def test_a_quick_check_does_not_carry_into_another_quick_check(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3", clock=lambda: NOW)
    _quick(journal, minutes_ago=10)
    assert "intensity" in _topics_asked(open_session(CONTENT, "quick", journal, clock=lambda: NOW))


def test_the_check_in_command_carries_on_from_the_quick_check_command(tmp_path: Path) -> None:
    env = {**os.environ, "TWITCH_COACH_HOME": str(tmp_path)}
    run = [sys.executable, "-m", "twitch_coach.skill", "converse", "--json"]
    quick = "".join(json.dumps({"text": t}) + "\n" for t in ["no", "very hard", "nothing"])
    subprocess.run(run + ["--mode", "quick"], input=quick, text=True, env=env, check=True, capture_output=True)
    topics: list[str] = []
    answers = {**SHORT_SLEEP, "intensity": "easy", "hydration": "plenty"}
    process = subprocess.Popen(run + ["--mode", "checkin"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True, env=env)  # fmt: skip
    assert process.stdin is not None and process.stdout is not None
    for line in process.stdout:
        event = json.loads(line)
        if event["type"] == "prompt":
            reply = "thanks" if event["node"] == "summary" else answers[event["topic"]]  # after the summary: done
            topics.append(event["topic"])
            process.stdin.write(json.dumps({"text": reply}) + "\n")
            process.stdin.flush()
    assert process.wait(timeout=30) == 0
    assert topics[0] == "red_flags" and "intensity" not in topics and "hydration" not in topics
    exported = subprocess.run([sys.executable, "-m", "twitch_coach.skill", "journal", "export", "--format", "json"], text=True,
                              env=env, check=True, capture_output=True).stdout  # fmt: skip
    (entry,) = json.loads(exported)["entries"]
    assert entry["mode"] == "checkin" and entry["answers"]["intensity"]["intent"] == "very_hard"


def test_the_quick_check_carried_on_from_is_not_counted_again_in_the_trends(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite3", clock=lambda: NOW)
    for days in (3, 1):  # two earlier workouts with little to drink
        journal.record("checkin", {"hydration": {"intent": "little"}}, [], [], at=NOW - timedelta(days=days))
    _quick(journal, minutes_ago=30)  # today's quick check: nothing to drink
    events = _run(open_session(CONTENT, "checkin", journal, clock=lambda: NOW), SHORT_SLEEP)
    said = " ".join(e.text for e in events if isinstance(e, Say))
    assert "This is the third check-in this week where you had little to drink." in said
