"""Hostile input lines, audio files and output paths: a clear error each, never a traceback or a hang."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from twitch_coach.dialogue.loader import load
from twitch_coach.skill.session import open_session
from twitch_coach.skill.textio import MAX_LINE, chat, converse_json, read_lines
from twitch_coach.voice.wavfile import WavError, read_wav

CONTENT = load()
PROGRAM = [sys.executable, "-m", "twitch_coach.skill"]
QUICK = ['{"text": "no"}', '{"text": "very hard"}', '{"text": "a little"}']  # the quick check to its summary
HOSTILE = [
    "[" * 10_000,  # RecursionError
    '{"text": 1' + "0" * 4_400 + "}",  # ValueError: more digits than int() takes
    "9" * 5_000,
    '{"text": "\\ud800"}',  # a lone surrogate, echoed back it could not be encoded
    '{"audio": "\\udcff"}',
    "[" * 100_000,  # over the line cap
    '{"text": "' + "very hard " * 150 + '"}',  # under the line cap, over the answer cap
    '{"audio": "/dev/zero"}',
    "{}",
    "null",
    '{"text": null}',
]


def _converse(lines: list[str]) -> list[dict]:
    out = io.StringIO()
    stream = io.StringIO("".join(line + "\n" for line in lines))
    converse_json(open_session(CONTENT, "quick", None), read_lines(stream), out, transcribe=_no_audio)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def _no_audio(path: str) -> tuple[str, float]:
    read_wav(path)  # what converse --json does first; every hostile path fails here
    raise AssertionError("no hostile audio path should be readable")


def test_each_hostile_line_gets_one_error_and_the_conversation_carries_on() -> None:
    lines = [QUICK[0], *HOSTILE, QUICK[1], *HOSTILE, QUICK[2]]
    events = _converse(lines)
    assert [e["type"] for e in events].count("error") == 2 * len(HOSTILE)
    assert [e["node"] for e in events if e["type"] == "prompt"] == ["screen", "intensity", "hydration"]
    assert events[-1] == {"type": "end", "reason": "done"}


def test_the_error_says_what_is_wrong() -> None:
    messages = [e["message"] for e in _converse(HOSTILE[:6]) if e["type"] == "error"]
    assert "nested too deeply" in messages[0]
    assert "digits" in messages[1] or "not usable JSON" in messages[1]
    assert "surrogate" in messages[3] and "not a usable file name" in messages[4]
    assert f"longer than {MAX_LINE} characters" in messages[5]


# Lines a client or an attacker may send: any text, JSON of any shape, raw bytes decoded as stdin would.
_lines = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("utf-8", "surrogateescape")),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["text", "audio", "x"]), inner),
        max_leaves=12,
    ).map(lambda value: json.dumps(value)),
    st.sampled_from(HOSTILE),
).map(lambda line: line.replace("\n", " ").replace("\r", " "))


@settings(max_examples=60, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_lines, max_size=6), st.lists(_lines, max_size=6))
def test_fuzz_hostile_lines_never_break_the_json_loop(before: list[str], between: list[str]) -> None:
    """Hostile lines around real answers: no exception, all output valid JSON, the summary still reached."""
    events = _converse([*before, QUICK[0], *between, QUICK[1], QUICK[2]])
    types = [e["type"] for e in events]
    assert "summary" in types and events[-1]["type"] == "end"
    for event in events:
        json.dumps(event, ensure_ascii=False).encode("utf-8")  # no lone surrogate went out


@pytest.mark.parametrize("lang", ["en_US.UTF-8", "C.UTF-8"])
def test_invalid_utf8_and_surrogates_over_the_real_stdin(tmp_path: Path, lang: str) -> None:
    stdin = b"\xc3\n\xff\xfe\n" + b'{"audio":"\\udcff"}\n{"text":"\\ud800"}\n' + b'{"text": "no\xff"}\n'
    stdin += "".join(line + "\n" for line in QUICK).encode()
    env = {**os.environ, "LANG": lang, "LC_ALL": lang, "TWITCH_COACH_HOME": str(tmp_path)}
    result = subprocess.run(PROGRAM + ["converse", "--json", "--mode", "quick"], input=stdin, capture_output=True,
                            timeout=60, env=env)  # fmt: skip
    assert b"Traceback" not in result.stderr, result.stderr.decode(errors="replace")
    text = result.stdout.decode("utf-8")  # strict: never echoes invalid UTF-8
    events = [json.loads(line) for line in text.splitlines()]
    assert [e["type"] for e in events].count("error") == 5
    assert events[-1] == {"type": "end", "reason": "done"}


def test_chat_with_an_invalid_byte_says_so_and_carries_on(tmp_path: Path) -> None:
    stdin = b"\xff\n" + b"no\nvery hard\na little\n"
    env = {**os.environ, "LANG": "en_US.UTF-8", "TWITCH_COACH_HOME": str(tmp_path)}
    result = subprocess.run(PROGRAM + ["chat", "--mode", "quick"], input=stdin, capture_output=True, timeout=60,
                            env=env)  # fmt: skip
    assert result.returncode == 0 and b"Traceback" not in result.stderr, result.stderr
    out = result.stdout.decode("utf-8")
    assert "not valid UTF-8" in out and CONTENT.trees["quick"].nodes["intensity"].ask in out


def test_chat_caps_a_huge_typed_line() -> None:
    typed = iter(["no " * 1_000_000, "no", "very hard", "a little"])
    shown: list[str] = []
    start = time.perf_counter()
    chat(open_session(CONTENT, "quick", None), lambda _: next(typed), shown.append)
    assert time.perf_counter() - start < 5
    assert any("longer than" in line for line in shown)


def test_home_command_thread_survives_bad_lines_and_stop_still_works(tmp_path: Path) -> None:
    """One bad line killed home's command thread with a traceback, and {"command": "stop"} was then ignored."""
    env = {**os.environ, "TWITCH_COACH_HOME": str(tmp_path / "data"), "PULSE_SERVER": "unix:/nonexistent"}
    proc = subprocess.Popen(PROGRAM + ["home", "--json", "--no-journal", "--engine", "pocketsphinx"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)  # fmt: skip
    bad = [b"[" * 100_000, b"9" * 5_000, b"\xff\xfe", b'{"command": "dance"}', b"x" * (MAX_LINE * 3)]
    out, err = proc.communicate(b"\n".join(bad) + b'\n{"command": "stop"}\n', timeout=60)
    assert proc.returncode == 0 and b"Traceback" not in err, err.decode(errors="replace")
    events = [json.loads(line) for line in out.decode("utf-8").splitlines()]
    assert [e["type"] for e in events].count("error") == len(bad)
    log = tmp_path / "data" / "home.log"
    assert log.stat().st_mode & 0o777 == 0o600 and (tmp_path / "data").stat().st_mode & 0o777 == 0o700


def test_home_without_a_microphone_says_so_at_once(tmp_path: Path) -> None:
    env = {**os.environ, "TWITCH_COACH_HOME": str(tmp_path), "PULSE_SERVER": "unix:/nonexistent"}
    devices = subprocess.run(PROGRAM + ["devices"], capture_output=True, text=True, timeout=30, env=env)
    if "No microphone found" not in devices.stdout and "No sound devices" not in devices.stdout:
        pytest.skip("this machine has a microphone even without the sound server")
    assert "twitch-coach chat" in devices.stdout  # what to do instead, not a bare legend
    proc = subprocess.Popen(PROGRAM + ["home", "--no-journal", "--engine", "pocketsphinx"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)  # fmt: skip
    assert proc.stderr is not None
    found = threading.Event()
    threading.Thread(target=lambda: "No microphone" in proc.stderr.readline() and found.set(), daemon=True).start()
    found.wait(10)
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=10)
    assert found.is_set()


def test_say_to_a_missing_folder_is_one_clear_line_at_once(tmp_path: Path) -> None:
    start = time.perf_counter()
    result = subprocess.run(PROGRAM + ["say", "hello", "--out", "/nonexistent/dir/x.wav"], capture_output=True,
                            text=True, timeout=30)  # fmt: skip
    assert time.perf_counter() - start < 4
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "cannot write /nonexistent/dir/x.wav: the folder /nonexistent/dir does not exist"
    ]


def _wav(path: Path, rate: int, data: bytes, channels: int = 1, bits: int = 16) -> Path:
    import struct

    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * block, block, bits)
    path.write_bytes(b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack("<I", 16) + fmt
                     + b"data" + struct.pack("<I", len(data)) + data)  # fmt: skip
    return path


def test_a_header_claiming_1_hz_is_refused_at_once(tmp_path: Path) -> None:
    start = time.perf_counter()
    with pytest.raises(WavError, match="sample rate of 1 Hz"):
        read_wav(_wav(tmp_path / "slow.wav", 1, b"\x01\x02" * 8000))
    assert time.perf_counter() - start < 1


def test_an_hour_long_wav_is_refused_before_decoding(tmp_path: Path) -> None:
    start = time.perf_counter()
    with pytest.raises(WavError, match="27 MB is too big; the limit is 16 MB"):
        read_wav(_wav(tmp_path / "hour.wav", 8000, b"\x80" * (8000 * 3600), bits=8))
    with pytest.raises(WavError, match="20 s of audio is too long; the limit is 15 s"):
        read_wav(_wav(tmp_path / "long.wav", 8000, b"\x80" * (8000 * 20), bits=8))
    with pytest.raises(WavError, match="too much to resample"):
        read_wav(_wav(tmp_path / "fast.wav", 96000, b"\0\0" * (96000 * 10)))
    assert time.perf_counter() - start < 1


def test_only_regular_files_are_read(tmp_path: Path) -> None:
    with pytest.raises(WavError, match="not a regular file"):
        read_wav("/dev/zero")
    fifo = tmp_path / "fifo.wav"
    os.mkfifo(fifo)
    start = time.perf_counter()
    with pytest.raises(WavError, match="not a regular file"):
        read_wav(fifo)  # opening a FIFO with no writer must not wait
    assert time.perf_counter() - start < 1
    with pytest.raises(WavError, match="not a regular file"):
        read_wav(tmp_path)


def test_hear_does_not_swallow_stdin_through_proc_self_fd_0(tmp_path: Path) -> None:
    result = subprocess.run(PROGRAM + ["hear", "--engine", "pocketsphinx", "--topic", "sleep", "/proc/self/fd/0"],
                            input="lots of stdin\n" * 1000, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 1 and "not a regular file" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("odd", ["\x85", "\u2028", "\u2029"])
def test_a_unicode_line_break_in_an_answer_stays_inside_its_json_line(odd: str) -> None:
    # Hypothesis found '{"text":"\\u0085"}' echoed raw in the heard event, which splitlines() cut in two.
    events = _converse([json.dumps({"text": f"five{odd}hours"}), *QUICK])
    heard = [e for e in events if e["type"] == "heard"]
    assert heard[0]["text"] == f"five{odd}hours"
