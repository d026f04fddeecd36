"""Microphone and speaker on a virtual PulseAudio server, plus device errors a user can act on."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from typing import TYPE_CHECKING

import numpy as np
import pytest

from twitch_coach.skill.app import hints
from twitch_coach.voice import devices
from twitch_coach.voice.devices import NO_MICROPHONE, NO_PORTAUDIO, AudioDeviceError
from twitch_coach.voice.mic import Microphone
from twitch_coach.voice.speaker import Speaker
from twitch_coach.voice.tts import TextToSpeech, Voice
from twitch_coach.voice.wavfile import StreamResampler, resample, to_int16

from synth import speak

if TYPE_CHECKING:  # imported for real by pytest_plugins, so pytest can rewrite its asserts
    from pulse import VirtualAudio

pytest_plugins = ("pulse",)  # the virtual_audio fixture, without a conftest.py

QUESTION = "my calf muscle keeps twitching after running"
SENTENCES = (QUESTION, "is it dangerous", "thank you goodbye", "should i stretch my legs")


def recognise(audio: bytes, sentences: tuple[str, ...] = SENTENCES) -> str:
    """What pocketsphinx hears in 16 kHz audio when it may only hear one of `sentences`."""
    pocketsphinx = pytest.importorskip("pocketsphinx")
    # Virtual devices give exact digital silence, which no real microphone does; pocketsphinx can
    # lose a whole utterance that starts with it, so add a room's worth of noise first.
    samples = np.frombuffer(audio, dtype=np.int16).astype(np.float64)
    samples += np.random.default_rng(0).normal(0.0, 3.0, samples.size)
    audio = np.clip(samples, -32768, 32767).astype(np.int16).tobytes()
    decoder = pocketsphinx.Decoder(lm=None, samprate=16000, loglevel="FATAL")
    grammar = f"#JSGF V1.0;\ngrammar answers;\npublic <s> = {' | '.join(sentences)};\n"
    decoder.add_jsgf_string("answers", grammar)
    decoder.activate_search("answers")
    decoder.start_utt()
    decoder.process_raw(audio, full_utt=True)
    decoder.end_utt()
    hypothesis = decoder.hyp()
    return hypothesis.hypstr if hypothesis is not None else ""


def loud_seconds(audio: bytes, threshold: int = 300) -> float:
    """Seconds from the first to the last sample louder than `threshold`."""
    samples = np.abs(np.frombuffer(audio, dtype=np.int16).astype(np.int32))
    loud = np.nonzero(samples > threshold)[0]
    return 0.0 if loud.size == 0 else (loud[-1] - loud[0]) / 16000


def drain(mic: Microphone) -> bytes:
    """Everything the closed microphone still holds."""
    chunks = []
    while chunk := mic.read(1600):
        chunks.append(chunk)
    return b"".join(chunks)


def best_correlation(captured: bytes, source: bytes) -> float:
    """Peak normalised cross-correlation of `source` within `captured` (1.0 means an exact copy)."""
    a = np.frombuffer(captured, dtype=np.int16).astype(np.float64)
    b = np.frombuffer(source, dtype=np.int16).astype(np.float64)
    size = 1 << int(np.ceil(np.log2(a.size + b.size)))
    corr = np.fft.irfft(np.fft.rfft(a, size) * np.conj(np.fft.rfft(b, size)), size)
    # Energy of each window of `a` the length of `b`, for normalising at every lag.
    cumulative = np.concatenate([[0.0], np.cumsum(a**2)])
    lags = np.arange(max(1, a.size - b.size + 1))
    window = cumulative[np.minimum(lags + b.size, a.size)] - cumulative[lags]
    scores = corr[lags] / np.sqrt(np.maximum(window, 1e-9) * np.sum(b**2))
    return float(scores.max())


@pytest.mark.devices
def test_microphone_hears_speech_played_into_the_virtual_mic(virtual_audio: VirtualAudio) -> None:
    source = speak(QUESTION)
    wav = virtual_audio.write_wav(source, "question.wav")
    with Microphone() as mic:
        assert mic.rate == 16000
        time.sleep(0.2)
        virtual_audio.play_into_mic(wav)
        time.sleep(0.3)
    captured = drain(mic)
    assert best_correlation(captured, source) > 0.9
    assert recognise(captured) == QUESTION


@pytest.mark.devices
def test_microphone_converts_a_device_running_at_another_rate(virtual_audio: VirtualAudio) -> None:
    source = speak(QUESTION)
    wav = virtual_audio.write_wav(source, "question.wav")
    with Microphone(device_rate=48000) as mic:
        assert mic.device_rate == 48000
        time.sleep(0.2)
        virtual_audio.play_into_mic(wav)
        time.sleep(0.3)
    captured = drain(mic)
    assert best_correlation(captured, source) > 0.8
    assert recognise(captured) == QUESTION


@pytest.mark.devices
def test_speaker_plays_speech_onto_the_virtual_speaker(virtual_audio: VirtualAudio) -> None:
    tts = TextToSpeech(Voice(voice="en-us"))  # pocketsphinx's acoustic model is American English
    speech = tts.render(QUESTION)
    if speech is None:
        pytest.skip(f"no speech engine: {tts.reason}")
    speaker = Speaker()
    with virtual_audio.record_speaker() as recording:
        speaker.play(speech.samples, speech.rate)
        assert speaker.is_playing and speaker.speaking.is_set()
        assert speaker.wait(timeout=10)
    speaker.close()
    assert not speaker.is_playing
    assert abs(loud_seconds(recording.samples) - loud_seconds(speech.samples)) < 0.3
    assert recognise(recording.samples) == QUESTION


@pytest.mark.devices
def test_speaker_stop_cuts_playback_at_once(virtual_audio: VirtualAudio) -> None:
    long_audio = speak(" ".join([QUESTION] * 3), pad=0.0)  # about 8 seconds
    speaker = Speaker()
    with virtual_audio.record_speaker() as recording:
        speaker.play(long_audio, 16000)
        time.sleep(0.7)
        started = time.monotonic()
        speaker.stop()
        stop_took = time.monotonic() - started
        time.sleep(0.5)
    speaker.close()
    assert stop_took < 0.1
    assert not speaker.is_playing
    # Played for 0.7 s; anything heard much past that means stop() did not cut the sound.
    assert 0.3 < loud_seconds(recording.samples) < 0.7 + 0.5


@pytest.mark.devices
def test_microphone_is_deaf_while_the_speaker_speaks(virtual_audio: VirtualAudio) -> None:
    source = speak(QUESTION)
    wav = virtual_audio.write_wav(source, "echo.wav")
    speaker = Speaker(hangover=0.2)
    mic = Microphone(speaking=speaker.speaking)
    with mic:
        speaker.play(speak("thank you goodbye " * 4), 16000)
        # Played into the microphone while the skill talks: stands in for its own voice coming back.
        virtual_audio.play_into_mic(wav)
        assert speaker.is_playing, "the skill's sentence should outlast the echo"
        speaker.wait(timeout=15)
        time.sleep(0.5)
    captured_while_speaking = drain(mic)
    speaker.close()
    assert mic.discarded_frames > 16000
    assert loud_seconds(captured_while_speaking) == 0.0
    # And once the skill is quiet, the microphone hears again.
    with mic:
        time.sleep(0.2)
        virtual_audio.play_into_mic(wav)
        time.sleep(0.3)
    assert recognise(drain(mic)) == QUESTION


@pytest.mark.devices
def test_devices_lists_the_virtual_devices(virtual_audio: VirtualAudio) -> None:
    found = devices.list_devices()
    assert any(d.is_default_input for d in found) and any(d.is_default_output for d in found)
    assert devices.default_input_available()
    assert "default" in devices.format_devices(found)


def test_no_input_device_says_what_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(devices, "list_devices", lambda: [])
    assert not devices.default_input_available()
    with pytest.raises(AudioDeviceError, match="twitch-coach chat"):
        Microphone(hints=hints()).open()  # the app's own words, given to voice by skill/app.py
    with pytest.raises(AudioDeviceError, match=f"^{NO_MICROPHONE}$"):
        Microphone().open()  # voice alone names no command
    assert "plug one in" in NO_MICROPHONE
    assert devices.format_devices([], hints()) == (
        "No sound devices found: no microphone and no speaker. Plug one in (or start the sound "
        "server) and run `twitch-coach devices` again; meanwhile `twitch-coach chat` works by typing."
    )
    assert devices.format_devices([]) == (
        "No sound devices found: no microphone and no speaker. Plug one in (or start the sound server)."
    )


def test_missing_portaudio_names_the_package(tmp_path) -> None:
    # sounddevice raises OSError at import when libportaudio2 is missing; a stand-in module does the same.
    (tmp_path / "sounddevice.py").write_text("raise OSError('PortAudio library not found')\n")
    code = (
        "from twitch_coach.voice.devices import AudioDeviceError, list_devices\n"
        "try:\n    list_devices()\nexcept AudioDeviceError as exc:\n    print(exc)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.stdout.strip() == NO_PORTAUDIO
    assert "apt-get install libportaudio2" in NO_PORTAUDIO


def test_speaker_writes_a_wav_file_when_given_a_path(tmp_path) -> None:
    from twitch_coach.voice.wavfile import read_wav

    path = tmp_path / "answers.wav"
    audio = (np.sin(np.arange(8000) / 5) * 8000).astype(np.int16)
    with Speaker(output_path=path) as speaker:
        speaker.play(audio.tobytes(), 16000)
        speaker.play(audio[:4000].tobytes(), 8000)  # resampled to the file's 16 kHz: 8000 samples
        assert not speaker.is_playing
    assert len(read_wav(path)) == 2 * (8000 + 8000)


def test_stream_resampler_matches_whole_signal_resampling() -> None:
    rng = np.random.default_rng(0)
    signal = (np.sin(np.arange(48000) * 2 * np.pi * 300 / 48000) * 10000).astype(np.int16)
    resampler = StreamResampler(48000, 16000)
    pieces, start = [], 0
    while start < signal.size:
        size = int(rng.integers(1, 3000))
        pieces.append(resampler.feed(signal[start : start + size]))
        start += size
    out = np.concatenate(pieces)
    # Each output comes once its filter has all its input: the stream lags by the filter's half-length
    # (about a millisecond), and what has come is exactly what resampling the whole signal gives.
    assert 16000 - 20 <= out.size <= 16000
    assert np.array_equal(out, to_int16(resample(signal / 32768.0, 48000, 16000))[: out.size])
    expected = (np.sin(np.arange(out.size) * 2 * np.pi * 300 / 16000) * 10000).astype(np.int16)
    # Past the first 2.5 ms (the filter rings where the recording starts out of silence), the tone is kept.
    assert np.max(np.abs(out.astype(np.int32) - expected)[40:]) < 50


def test_speaking_flag_is_shared(tmp_path) -> None:
    flag = threading.Event()
    speaker = Speaker(speaking=flag, output_path=tmp_path / "x.wav")
    mic = Microphone(speaking=flag)
    assert speaker.speaking is mic.speaking
