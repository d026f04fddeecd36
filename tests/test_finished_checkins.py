"""A check-in is finished when its summary is given: whatever ends it afterwards keeps it, and nothing is made up."""

from __future__ import annotations

import io
import json
import os
import threading
from pathlib import Path

import pytest

from twitch_coach.dialogue.events import End, Event, Prompt, Summary
from twitch_coach.dialogue.loader import load
from twitch_coach.skill.journal import Journal
from twitch_coach.skill.session import Session, open_session
from twitch_coach.skill.speech import Ears, run_spoken
from twitch_coach.skill.textio import chat, converse_json
from twitch_coach.voice.recognizer import Recognizer, Transcript, Vocabulary

CONTENT = load()
ANSWERS = {"red_flags": "no", "duration": "a few days", "intensity": "hard", "training_load": "2",
           "hydration": "plenty", "electrolytes": "yes", "sleep": "five hours", "caffeine": "one",
           "stress": "low", "nerve": "no"}  # fmt: skip


def _session(tmp_path: Path, mode: str = "checkin") -> tuple[Session, Journal]:
    journal = Journal(tmp_path / "journal.sqlite3")
    return open_session(CONTENT, mode, journal), journal


def _to_summary(session: Session) -> list[Event]:
    events = session.start()
    while session.current() is not None:
        events += session.hear(ANSWERS[session.current().topic])
    return events


def _typed(session: Session, after: list[str], ending: type[BaseException] = EOFError) -> list[str]:
    """The typed chat: the answers, then `after` once the summary is given, then Ctrl-D (or `ending`)."""
    shown: list[str] = []

    def read(_: str) -> str:
        node = session.current()
        if node is not None:
            return ANSWERS[node.topic]
        if after:
            return after.pop(0)
        raise ending

    chat(session, read, shown.append)
    return shown


@pytest.mark.parametrize("ending", [EOFError, KeyboardInterrupt])
def test_ctrl_d_or_ctrl_c_after_the_summary_keeps_the_check_in(tmp_path: Path, ending: type[BaseException]) -> None:
    session, journal = _session(tmp_path)
    _typed(session, [], ending)
    (entry,) = journal.entries()
    assert entry.mode == "checkin" and entry.answers["sleep"]["value"] == 5.0


def test_start_over_after_the_summary_keeps_the_finished_one(tmp_path: Path) -> None:
    session, journal = _session(tmp_path)
    events = _to_summary(session)
    assert any(isinstance(e, Summary) for e in events)
    session.hear("start over")
    session.hear("no")  # the new check-in's first answer; then the input closes
    (entry,) = journal.entries()
    assert entry.answers["intensity"]["intent"] == "hard"


def test_a_second_check_in_after_start_over_is_a_second_entry(tmp_path: Path) -> None:
    session, journal = _session(tmp_path)
    _to_summary(session)
    session.hear("start over")
    while session.current() is not None:
        session.hear(ANSWERS[session.current().topic])
    assert len(journal.entries()) == 2


def test_stop_or_repeat_after_the_summary_saves_it_once(tmp_path: Path) -> None:
    session, journal = _session(tmp_path)
    _to_summary(session)
    session.hear("repeat")
    assert session.hear("stop")[-1] == End("done")
    assert len(journal.entries()) == 1


def test_going_back_and_changing_an_answer_replaces_the_saved_check_in(tmp_path: Path) -> None:
    session, journal = _session(tmp_path)
    _to_summary(session)
    assert session.hear("go back")[-1].topic == "nerve"
    session.hear("yes")
    (entry,) = journal.entries()
    assert entry.answers["nerve"]["intent"] == "yes"


def test_a_check_in_that_did_not_reach_its_summary_is_not_saved(tmp_path: Path) -> None:
    session, journal = _session(tmp_path)
    session.start()
    session.hear("no")
    session.hear("a few days")
    assert session.hear("stop")[-1] == End("stopped")
    assert journal.entries() == []


def test_json_lines_announce_the_wait_after_the_summary_with_a_prompt(tmp_path: Path) -> None:
    session, journal = _session(tmp_path)
    lines = [json.dumps({"text": ANSWERS[t]}) + "\n" for t in
             ["red_flags", "duration", "intensity", "training_load", "hydration", "electrolytes", "sleep",
              "caffeine", "stress", "nerve"]]  # fmt: skip
    out = io.StringIO()
    assert converse_json(session, lines, out) == "input_closed"
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    after = events[[e["type"] for e in events].index("summary") :]
    waits = [e for e in after if e["type"] == "prompt"]
    assert waits == [{"type": "prompt", "mode": "checkin", "node": "summary", "topic": "",
                      "text": CONTENT.message("offer_repeat"), "expects": "choice",
                      "choices": ["repeat", "stop"]}]  # fmt: skip
    assert events[-1] == {"type": "end", "reason": "input_closed"}
    assert len(journal.entries()) == 1  # the input closed after the summary: kept


def test_every_wait_over_json_lines_is_a_prompt_or_the_end(tmp_path: Path) -> None:
    session, _ = _session(tmp_path)
    batches = [session.start()]
    for text in ["no", "what", "huh", "dunno", "today", "repeat", "help", "easy", "go back", "hard", "2", "plenty",
                 "yes", "5", "one", "low", "no", "repeat", "go back", "no", "stop"]:  # fmt: skip
        batches.append(session.hear(text))
    for batch in batches:
        assert isinstance(batch[-1], Prompt | End), batch


class Scripted(Recognizer):
    """Hears each utterance as the next line."""

    name = "scripted"

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines

    def start(self, vocabulary: Vocabulary) -> None:
        pass

    def feed(self, chunk: bytes) -> str:
        return ""

    def finish(self) -> Transcript:
        return Transcript(self.lines.pop(0), 1.0, self.name)

    def unknown_words(self, phrases: tuple[str, ...]) -> list[str]:
        return []


def test_a_stop_signal_during_a_spoken_check_in_invents_no_answers(tmp_path: Path) -> None:
    """After SIGTERM every listen returned "nothing heard" and each safety question took the safe yes."""
    session, journal = _session(tmp_path)
    ears = Ears(CONTENT, Scripted(["no", "a few days"]))
    stop = threading.Event()
    heard: list[int] = []

    def listen(recognise):  # noqa: ANN001, ANN202 - the shape run_spoken calls
        heard.append(1)
        if len(heard) <= 2:
            return recognise(b"\0\0" * 1600)
        stop.set()  # the signal arrives while listening for the third answer; listening gives up
        return None

    events: list[Event] = []
    assert run_spoken(session, ears, listen, lambda text: None, events.append, stop) == "stopped"
    assert events[-1] == End("stopped") and len(heard) == 3
    assert set(session.conversation.answers) == {"red_flags", "duration"}  # only what was said
    assert journal.entries() == []


def test_a_lost_device_carries_on_typed_from_the_same_question(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """skill/cli.py (now skill/app.py) restarted the check-in from the first question when the microphone went away."""
    import builtins

    from twitch_coach.skill import app, cli, speech
    from twitch_coach.voice.devices import AudioDeviceError

    monkeypatch.setenv("TWITCH_COACH_HOME", str(tmp_path))
    spoken = ["no", "a few days"]

    class Fake:
        def __init__(self, *args: object, **kwargs: object) -> None:
            self.speaking = threading.Event()

        def say(self, text: str) -> None:
            return None

        def close(self) -> None:
            pass

        def __enter__(self):  # noqa: ANN204
            return self

        def __exit__(self, *exc: object) -> None:
            pass

    def hear_next(source, config, recognise):  # noqa: ANN001, ANN202
        if not spoken:
            raise AudioDeviceError("the microphone was unplugged")
        return recognise(b"\0\0" * 1600)

    monkeypatch.setattr(app, "has_microphone", lambda check=None: True)
    monkeypatch.setattr(app.App, "ears", lambda self, say=None: Ears(self.content, Scripted(spoken)))
    monkeypatch.setattr(speech, "Mouth", Fake)
    monkeypatch.setattr(speech, "hear_next", hear_next)
    monkeypatch.setattr("twitch_coach.voice.mic.Microphone", Fake)
    typed = ["hard", "2", "plenty", "yes", "five", "one", "low", "no", "stop"]
    monkeypatch.setattr(builtins, "input", lambda prompt="": typed.pop(0) if typed else "stop")
    assert cli.main(["checkin", "--no-barge-in"]) == 0
    out = capsys.readouterr().out
    after = out.split("Switching to typing")[1]
    assert CONTENT.trees["checkin"].intro not in after  # not started again
    assert after.splitlines()[1].startswith(CONTENT.trees["checkin"].nodes["intensity"].ask)
    (entry,) = Journal(tmp_path / "journal.sqlite3").entries()
    assert entry.answers["duration"]["intent"] != "none" and entry.answers["intensity"]["intent"] == "hard"
    assert os.stat(tmp_path / "journal.sqlite3").st_mode & 0o777 == 0o600
