"""End-of-utterance detection on synthesised speech, silence and noise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from twitch_coach.voice.endpoint import (
    DEFAULT,
    FRAME_BYTES,
    WORKOUT,
    EndpointConfig,
    Endpointer,
    EndReason,
    VoiceDetector,
    level_db,
    listen,
)
from twitch_coach.voice.silero import SHARED, SpeechDetector
from twitch_coach.voice.wavfile import WavSource

from synth import cough, noise, speak, with_noise

RATE = 16000


def silence(seconds: float) -> bytes:
    return bytes(int(seconds * RATE) * 2)


def speech_span(audio: bytes) -> tuple[float, float]:
    """First and last sample above a small threshold, in seconds: the true start and end of speech."""
    loud = np.nonzero(np.abs(np.frombuffer(audio, dtype=np.int16)) > 300)[0]
    return loud[0] / RATE, loud[-1] / RATE


def words(text: str) -> bytes:
    """espeak-ng speech with its own leading and trailing silence cut off, so pauses are exact."""
    audio = speak(text, pad=0.0)
    start, end = speech_span(audio)
    return audio[2 * int(start * RATE) : 2 * (int(end * RATE) + 1)]


def mix(a: bytes, b: bytes) -> bytes:
    """`a` plus `b` sample by sample (the shorter padded with silence)."""
    x, y = (np.frombuffer(v, dtype=np.int16).astype(np.int32) for v in (a, b))
    n = max(x.size, y.size)
    total = np.pad(x, (0, n - x.size)) + np.pad(y, (0, n - y.size))
    return np.clip(total, -32768, 32767).astype(np.int16).tobytes()


class ChunkedSource:
    """A source returning fixed bytes in reads of whatever size is asked, counting the reads."""

    def __init__(self, audio: bytes) -> None:
        self.audio, self.pos, self.reads = audio, 0, 0

    def read(self, frames: int) -> bytes:
        self.reads += 1
        chunk = self.audio[self.pos : self.pos + 2 * frames]
        self.pos += len(chunk)
        return chunk


@pytest.mark.parametrize("text", ["yes", "my calf keeps twitching after running"])
def test_utterance_found_with_its_onset_and_end(text: str) -> None:
    audio = silence(1.0) + speak(text, pad=0.0) + silence(3.0)
    start, end = speech_span(audio)
    utterance = listen(WavSource.from_pcm(audio), DEFAULT)
    assert utterance.reason == EndReason.SPEECH == "speech"
    assert utterance.speech_start is not None and utterance.speech_end is not None
    assert abs(utterance.speech_start - start) < 0.1
    assert abs(utterance.speech_end - end) < 0.15
    # The audio begins with pre-roll before the onset and runs to where the end was decided.
    assert len(utterance.audio) / (2 * RATE) == pytest.approx(
        utterance.decided_at - (utterance.speech_start - DEFAULT.pre_roll), abs=0.031
    )
    onset = (utterance.speech_start - (utterance.decided_at - len(utterance.audio) / (2 * RATE))) * RATE
    assert onset == pytest.approx(DEFAULT.pre_roll * RATE, abs=RATE * 0.031)


@pytest.mark.parametrize("config", [DEFAULT, WORKOUT], ids=["default", "workout"])
def test_trailing_silence_is_respected(config: EndpointConfig) -> None:
    audio = silence(0.8) + speak("it started after my long run", pad=0.0) + silence(4.0)
    _, end = speech_span(audio)
    utterance = listen(WavSource.from_pcm(audio), config)
    assert utterance.reason == "speech"
    waited = utterance.decided_at - end
    # Never cut before the configured pause, and not much later either.
    assert config.trailing_silence * config.end_ratio - 0.06 <= waited <= config.trailing_silence + 0.3


def test_a_pause_shorter_than_the_trailing_silence_does_not_end_it() -> None:
    first, second = words("my calf"), words("keeps twitching")
    audio = silence(0.6) + first + silence(DEFAULT.trailing_silence * 0.6) + second + silence(3.0)
    _, end = speech_span(audio)
    utterance = listen(WavSource.from_pcm(audio), DEFAULT)
    assert utterance.reason == "speech"
    assert utterance.speech_end == pytest.approx(end, abs=0.15)


def test_workout_waits_through_a_breath_the_default_does_not() -> None:
    first, second = words("my calf"), words("keeps twitching")
    audio = silence(0.6) + first + silence(0.8) + second + silence(3.0)
    _, end = speech_span(audio)
    assert listen(WavSource.from_pcm(audio), DEFAULT).speech_end < end - 0.5  # cut at the breath
    assert listen(WavSource.from_pcm(audio), WORKOUT).speech_end == pytest.approx(end, abs=0.15)


def test_no_speech_timeout_on_silence() -> None:
    config = EndpointConfig(no_speech_timeout=2.0)
    utterance = listen(WavSource.from_pcm(silence(10.0)), config)
    assert utterance.reason == EndReason.NO_SPEECH
    assert utterance.audio == b"" and utterance.speech_start is None
    assert utterance.decided_at == pytest.approx(2.0, abs=0.031)


def test_steady_noise_is_not_speech() -> None:
    # The WebRTC VAD alone calls white noise speech; the noise-floor gate must not.
    utterance = listen(WavSource.from_pcm(noise(8.0, level=2000.0)), EndpointConfig(no_speech_timeout=6.0))
    assert utterance.reason == "no_speech"


def test_speech_in_steady_noise_is_found() -> None:
    speech = silence(1.5) + speak("my calf keeps twitching", pad=0.0) + silence(3.0)
    _, end = speech_span(speech)
    audio = mix(speech, noise(len(speech) / (2 * RATE), level=300.0))
    utterance = listen(WavSource.from_pcm(audio), DEFAULT)
    assert utterance.reason == "speech"
    assert utterance.speech_start == pytest.approx(1.5, abs=0.15)
    assert utterance.decided_at - end <= DEFAULT.trailing_silence + 0.3


def test_speech_with_added_noise_is_found() -> None:
    audio = with_noise(silence(1.0) + speak("yes", pad=0.0) + silence(3.0), snr_db=15.0)
    utterance = listen(WavSource.from_pcm(audio), DEFAULT)
    assert utterance.reason == "speech"
    assert utterance.speech_start == pytest.approx(1.0, abs=0.15)


@pytest.mark.parametrize("said", ["yes", "no", "stop", "seven"])
def test_a_word_barely_above_a_steady_room_is_found(said: str) -> None:
    # 3 dB over white noise: under the level rule's 6 dB margin, so only Silero VAD hears it start
    SHARED.load()  # live, it has loaded by the time anyone answers; here audio comes faster than real time
    audio = with_noise(silence(1.0) + speak(said, pad=0.0) + silence(3.0), snr_db=3.0)
    utterance = listen(WavSource.from_pcm(audio), DEFAULT)
    assert utterance.reason == "speech"
    assert utterance.speech_start == pytest.approx(1.0, abs=0.3)


def test_without_silero_the_level_rule_and_webrtc_vad_still_decide(tmp_path: Path) -> None:
    broken = SpeechDetector(tmp_path / "missing.onnx")

    def detector() -> VoiceDetector:
        return VoiceDetector(DEFAULT, speech=broken.stream())

    audio = with_noise(silence(1.0) + speak("yes", pad=0.0) + silence(3.0), snr_db=15.0)
    assert listen(WavSource.from_pcm(audio), DEFAULT, detector=detector()).reason == "speech"
    assert listen(WavSource.from_pcm(noise(8.0, level=2000.0)), DEFAULT, detector=detector()).reason == "no_speech"
    quiet = with_noise(silence(1.0) + speak("yes", pad=0.0) + silence(3.0), snr_db=3.0)
    assert listen(WavSource.from_pcm(quiet), DEFAULT, detector=detector()).reason == "no_speech"  # Silero's to hear


def test_too_long_is_capped() -> None:
    sentence = speak("my calf keeps twitching after running every day", pad=0.05)
    audio = silence(0.5) + sentence * 6 + silence(2.0)
    config = EndpointConfig(max_utterance=5.0, trailing_silence=0.6)  # patient enough to reach the cap
    utterance = listen(WavSource.from_pcm(audio), config)
    assert utterance.reason == EndReason.TOO_LONG
    assert utterance.speech_start is not None and utterance.speech_end is not None
    assert utterance.speech_end - utterance.speech_start == pytest.approx(5.0, abs=0.031)
    assert len(utterance.audio) / (2 * RATE) == pytest.approx(5.0 + config.pre_roll, abs=0.061)


def test_end_of_source_during_speech_ends_the_utterance() -> None:
    audio = silence(0.5) + speak("twitching", pad=0.0)
    utterance = listen(WavSource.from_pcm(audio), DEFAULT)
    assert utterance.reason == "speech"
    assert utterance.speech_end == pytest.approx(speech_span(audio)[1], abs=0.15)


def test_end_of_source_before_speech_is_no_speech() -> None:
    assert listen(WavSource.from_pcm(silence(1.0)), DEFAULT).reason == "no_speech"


def test_a_cough_is_short_speech_for_the_recogniser_to_reject() -> None:
    audio = silence(0.5) + cough() + silence(2.0)
    utterance = listen(WavSource.from_pcm(audio), DEFAULT)
    # The endpointer only finds sound; deciding it is not an answer is the recogniser's job.
    if utterance.reason == "speech":
        assert utterance.speech_end is not None and utterance.speech_end < 1.6


def test_endpointer_reports_start_and_end_events_for_odd_chunk_sizes() -> None:
    audio = silence(1.0) + speak("no", pad=0.0) + silence(2.0)
    endpointer = Endpointer(DEFAULT)
    events = []
    for i in range(0, len(audio), 1234):  # chunks that do not line up with 30 ms frames
        events += endpointer.feed(audio[i : i + 1234])
        if endpointer.done:
            break
    assert [e.kind for e in events] == ["start", "end"]
    assert events[0].time == pytest.approx(1.0, abs=0.1)
    assert endpointer.reason == "speech" and not endpointer.in_speech


def test_listen_hands_over_the_audio_at_the_pause_and_keeps_the_result() -> None:
    audio = silence(1.0) + speak("yes", pad=0.0) + silence(2.0)
    seen: list[bytes] = []

    def early(heard: bytes) -> int:
        seen.append(heard)
        return len(seen)

    utterance = listen(ChunkedSource(audio), DEFAULT, early=early)
    assert utterance.early == 1 and len(seen) == 1
    # The audio handed over is the utterance up to the pause: all the speech, less of the trailing quiet.
    assert utterance.audio.startswith(seen[0])
    pause = (len(utterance.audio) - len(seen[0])) / (2 * RATE)
    assert pause == pytest.approx(DEFAULT.trailing_silence - DEFAULT.early_after, abs=0.031)


def test_an_early_result_is_dropped_when_speech_comes_after_the_pause() -> None:
    gap = silence(0.27)  # past early_after (0.2 s), short of the trailing silence (0.35 s)
    yes, no = (speak(word, pad=0.0)[: int(0.45 * RATE) * 2] for word in ("yes", "no"))  # espeak's own tail cut
    audio = silence(1.0) + yes + gap + no + silence(2.0)
    seen: list[bytes] = []
    utterance = listen(ChunkedSource(audio), DEFAULT, early=lambda heard: seen.append(heard) or len(seen))
    assert len(seen) == 2, "one hand-over at each pause"
    assert utterance.early == 2  # the second one, made after all the speech
    assert utterance.audio.startswith(seen[1]) and len(seen[1]) > len(seen[0])


def test_no_early_result_for_an_utterance_cut_off_or_never_paused() -> None:
    long = silence(0.5) + b"".join(speak(w, pad=0.0) for w in ("one two three four five six seven",) * 3)
    capped = EndpointConfig(max_utterance=2.0)
    utterance = listen(ChunkedSource(long), capped, early=lambda heard: "guess")
    assert utterance.reason == "too_long" and utterance.early is None
    # The source ends mid-word: the end is the source's, there was no pause to start early on.
    cut = speak("seven", pad=0.0)[: int(0.3 * RATE) * 2]
    utterance = listen(ChunkedSource(silence(0.5) + cut), DEFAULT, early=lambda heard: "guess")
    assert utterance.reason == "speech" and utterance.early is None


def test_listen_stops_reading_once_decided() -> None:
    audio = silence(1.0) + speak("yes", pad=0.0) + silence(10.0)
    source = ChunkedSource(audio)
    utterance = listen(source, DEFAULT)
    assert source.pos / (2 * RATE) == pytest.approx(utterance.decided_at, abs=0.031)


def test_injected_vad_and_level_gate() -> None:
    loud = (np.ones(480, dtype=np.int16) * 8000).tobytes()
    quiet = bytes(FRAME_BYTES)
    detector = VoiceDetector(DEFAULT, vad=lambda frame: True)
    assert detector.is_speech(quiet) is False  # digital silence is never speech
    assert detector.is_speech(loud) is True
    assert level_db(quiet) == -120.0
    assert level_db(loud) == pytest.approx(20 * np.log10(8000 / 32768), abs=0.01)


def test_config_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="trailing_silence"):
        EndpointConfig(trailing_silence=0.0)
    with pytest.raises(ValueError, match="ratio"):
        EndpointConfig(end_ratio=1.5)
