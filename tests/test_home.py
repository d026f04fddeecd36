"""The home device loop: wake, route, and survive the audio device going away (scripted recogniser)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

from twitch_coach.dialogue.events import Event, Listening, Prompt, Say, Summary, Wake
from twitch_coach.dialogue.loader import load
from twitch_coach.skill.home import Backoff, HomeDevice
from twitch_coach.skill.session import Session, open_session
from twitch_coach.skill.speech import Ears
from twitch_coach.voice.devices import AudioDeviceError
from twitch_coach.voice.recognizer import Recognizer, Transcript, Vocabulary
from twitch_coach.voice.wavfile import WavSource

from synth import speak

CONTENT = load()
SILENCE = b"\x00\x00" * 16000


class ScriptedRecognizer(Recognizer):
    """A fake engine: each utterance is heard as the next scripted line, if the vocabulary allows it."""

    name = "scripted"

    def __init__(self, lines: list[str]) -> None:
        self.lines = list(lines)
        self.vocabularies: list[Vocabulary] = []

    def start(self, vocabulary: Vocabulary) -> None:
        self.vocabularies.append(vocabulary)

    def feed(self, chunk: bytes) -> str:
        return ""

    def finish(self) -> Transcript:
        text = self.lines.pop(0) if self.lines else ""
        allowed = text in self.vocabularies[-1].phrases
        return Transcript(text if allowed else "", 0.9 if allowed else 0.0, self.name, rejected=not allowed)

    def unknown_words(self, phrases: tuple[str, ...]) -> list[str]:
        return []


class Flaky:
    """Opens a source that fails `failures` times, like a microphone unplugged and plugged back."""

    def __init__(self, failures: int, audio: bytes) -> None:
        self.failures, self.audio, self.opened = failures, audio, 0

    @contextlib.contextmanager
    def __call__(self) -> Iterator[WavSource]:
        self.opened += 1
        if self.opened <= self.failures:
            raise AudioDeviceError("no microphone found")
        yield WavSource.from_pcm(self.audio)


def _device(
    lines: list[str], utterances: int, failures: int = 0
) -> tuple[HomeDevice, list[Event], threading.Event, Flaky]:
    stop = threading.Event()
    events: list[Event] = []
    audio = SILENCE + b"".join(speak("hello there") + SILENCE for _ in range(utterances)) + SILENCE * 7
    source = Flaky(failures, audio)

    def emit(event: Event) -> None:
        events.append(event)

    def new_session(mode: str, known: dict) -> Session:
        return open_session(CONTENT, mode, None, known=known)

    ears = Ears(CONTENT, ScriptedRecognizer(lines))
    device = HomeDevice(CONTENT, ears, source, lambda text: None, emit, new_session, stop, backoff=Backoff(0.01, 0.05))
    return device, events, stop, source


def _run(device: HomeDevice, stop: threading.Event, events: list[Event], until: type | Callable[[Event], bool]) -> None:
    thread = threading.Thread(target=device.run, daemon=True)
    thread.start()
    done = until if not isinstance(until, type) else (lambda e: isinstance(e, until))
    for _ in range(600):
        if any(done(e) for e in events):
            break
        thread.join(0.05)
    stop.set()
    thread.join(10)
    assert not thread.is_alive()


def test_other_talk_does_not_wake_it_and_the_wake_phrase_does() -> None:
    device, events, stop, _ = _device(["the weather is nice", "hey coach", "stop"], utterances=3)
    _run(device, stop, events, lambda e: isinstance(e, Say) and e.text == CONTENT.home.goodbye)
    wakes = [e for e in events if isinstance(e, Wake)]
    assert wakes == [Wake("hey coach")]
    assert [e.text for e in events if isinstance(e, Say)] == [CONTENT.home.woken, CONTENT.home.goodbye]
    assert isinstance(events[0], Listening)


def test_a_question_after_the_wake_phrase_gets_the_quick_answer() -> None:
    device, events, stop, _ = _device(["hey coach", "why is my calf twitching"], utterances=2)
    _run(device, stop, events, Summary)
    assert [e.text for e in events if isinstance(e, Say)] == [CONTENT.home.woken]
    summary = next(e for e in events if isinstance(e, Summary))
    assert summary.text.startswith("Twitching after a workout is common.")


def test_check_in_runs_the_spoken_check_in() -> None:
    device, events, stop, _ = _device(["hey coach", "quick check", "no", "hard", "a little"], utterances=5)
    _run(device, stop, events, Summary)
    summary = next(e for e in events if isinstance(e, Summary))
    assert [c.id for c in summary.causes[:2]] == ["fatigue", "dehydration"]


def test_the_check_in_skips_what_the_mid_workout_check_already_asked() -> None:
    lines = ["hey coach", "quick check", "no", "very hard", "nothing", "hey coach", "check in", "no", "today"]
    device, events, stop, _ = _device(lines, utterances=len(lines))
    _run(device, stop, events, lambda e: isinstance(e, Prompt) and e.topic == "training_load")
    topics = [e.topic for e in events if isinstance(e, Prompt)]
    assert topics[:6] == ["red_flags", "intensity", "hydration", "red_flags", "duration", "training_load"]


def test_it_survives_the_device_going_away_and_coming_back() -> None:
    device, events, stop, source = _device(["hey coach", "stop"], utterances=2, failures=3)
    _run(device, stop, events, lambda e: isinstance(e, Say) and e.text == CONTENT.home.goodbye)
    assert source.opened >= 4 and device.reopened >= 1  # three failed opens, then it came back
    assert [e.text for e in events if isinstance(e, Say)] == [CONTENT.home.woken, CONTENT.home.goodbye]


def test_stop_ends_the_loop_while_it_waits() -> None:
    device, events, stop, _ = _device([], utterances=0)
    thread = threading.Thread(target=device.run, daemon=True)
    thread.start()
    thread.join(0.3)
    stop.set()
    thread.join(2)
    assert not thread.is_alive()


def test_barge_in_cuts_the_speech_on_a_command_and_ignores_other_talk() -> None:
    from twitch_coach.skill.bargein import BargeIn

    ears = Ears(CONTENT, ScriptedRecognizer(["the weather is nice", "stop"]))
    audio = SILENCE + speak("the weather is nice") + SILENCE + speak("stop") + SILENCE * 3
    playing, cuts = [True], []
    barge = BargeIn(CONTENT, ears, WavSource.from_pcm(audio))
    command = barge.watch(lambda: playing[0], lambda: cuts.append(True))
    assert command == "stop" and cuts == [True]
    assert "stop" in barge.vocabulary.phrases and "hey coach" in barge.vocabulary.phrases
    assert "yes" not in barge.vocabulary.phrases


def test_barge_in_does_not_take_a_word_the_skill_is_saying_itself() -> None:
    """No echo cancellation: the loudspeaker's own "say stop to finish" must not stop the skill."""
    from twitch_coach.skill.bargein import BargeIn

    audio = SILENCE + speak("stop") + SILENCE * 3
    line = CONTENT.message("offer_repeat")
    assert "stop" in line
    own = BargeIn(CONTENT, Ears(CONTENT, ScriptedRecognizer(["stop"])), WavSource.from_pcm(audio))
    assert own.watch(lambda: True, lambda: None, saying=line) is None
    other = BargeIn(CONTENT, Ears(CONTENT, ScriptedRecognizer(["stop"])), WavSource.from_pcm(audio))
    assert other.watch(lambda: True, lambda: None, saying="Drink some water.") == "stop"


def test_barge_in_stops_watching_when_the_speech_ends() -> None:
    from twitch_coach.skill.bargein import BargeIn

    ears = Ears(CONTENT, ScriptedRecognizer(["stop"]))
    barge = BargeIn(CONTENT, ears, WavSource.from_pcm(speak("stop") + SILENCE))
    assert barge.watch(lambda: False, lambda: None) is None


def test_the_wake_phrase_is_listened_for_by_the_listener_and_requests_by_the_answer_engine() -> None:
    device, events, stop, _ = _device(["why is my calf twitching"], utterances=2)
    wake_engine = ScriptedRecognizer(["hey coach"])
    device.listener = Ears(CONTENT, wake_engine)
    _run(device, stop, events, Summary)
    assert Wake("hey coach") in events
    assert wake_engine.vocabularies[0].phrases == tuple(CONTENT.home.wake)  # the listener heard the wake phrase
    answers = device.ears.recognizer
    assert isinstance(answers, ScriptedRecognizer) and answers.vocabularies  # the request went to the answer engine
    assert tuple(CONTENT.home.wake) not in [v.phrases for v in answers.vocabularies]


def test_the_always_on_listener_is_pocketsphinx_whatever_hears_the_answers() -> None:
    from twitch_coach.skill.app import App, Settings

    app = App(Settings())
    app.content = CONTENT  # the cached content, as the run compiled it
    answers = Ears(CONTENT, ScriptedRecognizer([]))
    listener = app.listener(answers)
    assert listener is not answers and listener.recognizer.name == "pocketsphinx"
    sphinx = Ears(CONTENT, listener.recognizer)
    assert app.listener(sphinx) is sphinx  # already the cheap engine: no second one is loaded
