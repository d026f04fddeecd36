"""Hostile input and killed runs: 10,000 bad lines into converse --json and home --json, and 100 check-ins
killed with kill -9 or SIGTERM at random moments. Prints tracebacks, hangs, errors per bad line, the
slowest answer, peak memory, and what the journal kept."""

from __future__ import annotations

import json
import os
import random
import select
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from twitch_coach.skill.journal import Journal  # noqa: E402

PROGRAM = [sys.executable, "-m", "twitch_coach.skill"]
LINES = 10_000
RUNS = 100
ANSWER_WITHIN = 5.0  # seconds: every line must be answered within this
QUICK = ["no", "very hard", "a little"]
CHECKIN = ["no", "a few days", "hard", "2", "plenty", "yes", "five hours", "one", "low", "no"]


def hostile_lines(rng: random.Random, folder: Path, count: int) -> list[bytes]:
    """`count` lines that are each certainly unusable, of every kind the issue found and more."""
    one_hz = folder / "one_hz.wav"
    data = b"\x01\x02" * 8000
    fmt = struct.pack("<HHIIHH", 1, 1, 1, 2, 2, 16)
    one_hz.write_bytes(b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack("<I", 16) + fmt
                       + b"data" + struct.pack("<I", len(data)) + data)  # fmt: skip
    fifo = folder / "fifo.wav"
    if not fifo.exists():
        os.mkfifo(fifo)
    not_wav = folder / "not.wav"
    not_wav.write_text("not audio")
    paths = ["/dev/zero", "/proc/self/fd/0", str(fifo), str(one_hz), str(not_wav), str(folder), "/nonexistent.wav"]

    def make() -> bytes:
        kind = rng.randrange(14)
        if kind == 0:
            return b"[" * rng.randrange(1_000, 16_000)
        if kind == 1:
            return b'{"text": 1' + b"0" * rng.randrange(4_400, 15_000) + b"}"
        if kind == 2:
            return b'{"text": "\\ud' + rng.choice([b"800", b"bff", b"c00", b"fff"]) + b'"}'
        if kind == 3:
            return bytes(rng.randrange(0x80, 0x100) for _ in range(rng.randrange(1, 40)))  # invalid UTF-8
        if kind == 4:
            return b'{"text": "' + b"x" * rng.randrange(17_000, 60_000) + b'"}'  # over the line cap
        if kind == 5:
            return b'{"text": "' + b"very hard " * rng.randrange(101, 1_500) + b'"}'  # over the answer cap
        if kind == 6:
            return json.dumps({"audio": rng.choice(paths)}).encode()
        if kind == 7:
            return rng.choice([b"{}", b"null", b"[]", b"1e999999", b'"text"', b'{"text": null}', b'{"text": 5}',
                               b'{"txt": "no"}', b'{"audio": 5}', b"true", b'{"audio": "a\\u0000b"}'])  # fmt: skip
        if kind == 8:
            return b"{" * rng.randrange(1, 50) + b'"text": "no"'  # unclosed
        if kind == 9:
            return bytes(rng.randrange(0x20, 0x7F) for _ in range(rng.randrange(1, 200))).replace(b"{", b"(")
        if kind == 10:
            return b'{"audio": "\\udcff"}'
        if kind == 11:
            return json.dumps({"audio": "x" * rng.randrange(1, 5000)}).encode()
        if kind == 12:
            return b"9" * rng.randrange(4_301, 16_000)
        return b'{"text": "ok"' + b"\x00" * rng.randrange(1, 10) + b"}"

    lines = [make() for _ in range(count - 20)]
    lines += [b'{"text": "' + b"y" * 1_000_000 + b'"}'] * 20  # a few huge lines, anywhere
    rng.shuffle(lines)
    return lines


class Child:
    """A process fed line by line; each line's answer read with a deadline."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(PROGRAM + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env)  # fmt: skip
        self.buffer = b""

    def event(self, timeout: float) -> dict | None:
        """The next event, or None when none came within `timeout` (a hang) or the process ended."""
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.proc.stdout], [], [], left)[0]:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 65536)
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line.decode("utf-8"))  # strict UTF-8: invalid output fails the bench loudly

    def send(self, line: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + b"\n")
        self.proc.stdin.flush()

    def until(self, types: set[str], timeout: float) -> list[dict]:
        events = []
        while (event := self.event(timeout)) is not None:
            events.append(event)
            if event["type"] in types:
                break
        return events

    def peak_mb(self) -> float:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) / 1024


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "TWITCH_COACH_HOME": str(home), "PULSE_SERVER": "unix:/nonexistent"}


def bench_converse(lines: list[bytes], home: Path) -> None:
    child = Child(["converse", "--json", "--mode", "quick"], _env(home))
    child.until({"prompt"}, 10)
    answers = iter(QUICK)
    # Two real answers among the bad lines; the last one after them all, since it ends the quick check.
    at = sorted(random.Random(1).sample(range(len(lines) - 1), len(QUICK) - 1)) + [len(lines) - 1]
    errors = hangs = wrong = 0
    slowest, reached, events, peak = 0.0, False, [], 0.0
    for index, line in enumerate(lines):
        start = time.monotonic()
        child.send(line)
        event = child.event(ANSWER_WITHIN * 2)
        slowest = max(slowest, time.monotonic() - start)
        if event is None:
            hangs += 1
            break
        errors += event["type"] == "error"
        wrong += event["type"] != "error"
        if index == at[-1]:
            peak = child.peak_mb()
        if index in at:
            child.send(json.dumps({"text": next(answers)}).encode())
            events = child.until({"prompt", "end"}, 10)
            reached = reached or any(e["type"] == "summary" for e in events)
    assert child.proc.stdin is not None
    child.proc.stdin.close()
    child.until({"end"}, 10)
    stderr = child.proc.stderr.read().decode(errors="replace") if child.proc.stderr else ""
    child.proc.wait(10)
    print(f"converse --json: {len(lines)} hostile lines: {stderr.count('Traceback')} tracebacks (target 0), "
          f"{hangs} hangs (target 0), {errors} error events ({errors / len(lines):.2f} per bad line, target 1.00; "
          f"{wrong} other replies), summary reached: {'yes' if reached else 'NO'}, "
          f"slowest answer {slowest:.2f} s (target < {ANSWER_WITHIN:g} s), peak memory {peak:.0f} MB")  # fmt: skip


def bench_home(lines: list[bytes], home: Path) -> None:
    child = Child(["home", "--json", "--no-journal", "--engine", "pocketsphinx"], _env(home))
    errors = hangs = 0
    slowest = 0.0
    for line in lines:
        start = time.monotonic()
        child.send(line)
        event = None
        while (event := child.event(ANSWER_WITHIN * 2)) is not None and event["type"] != "error":
            pass  # listening and the like, while it has a microphone
        slowest = max(slowest, time.monotonic() - start)
        if event is None:
            hangs += 1
            break
        errors += 1
    peak = child.peak_mb()
    start = time.monotonic()
    child.send(b'{"command": "stop"}')
    try:
        child.proc.wait(10)
        stopped = f"stopped {time.monotonic() - start:.2f} s after the stop command"
    except subprocess.TimeoutExpired:
        child.proc.kill()
        stopped = "did NOT stop on the stop command"
    stderr = child.proc.stderr.read().decode(errors="replace") if child.proc.stderr else ""
    print(f"home --json (no microphone): {len(lines)} hostile lines: {stderr.count('Traceback')} tracebacks "
          f"(target 0), {hangs} hangs (target 0), {errors / len(lines):.2f} error events per bad line (target 1.00), "
          f"slowest answer {slowest:.2f} s, peak memory {peak:.0f} MB, {stopped}")  # fmt: skip


def bench_kills(home: Path, runs: int = RUNS) -> None:
    """Check-ins killed at random moments: every one that reached its summary is kept, nothing is invented."""
    rng = random.Random(7)
    reference: dict[str, dict] = {}
    kept = finished = lost = invented = unsure = 0
    for run in range(runs):
        mode = "quick" if run % 2 else "checkin"
        answers = QUICK if mode == "quick" else CHECKIN
        how = signal.SIGKILL if run % 4 < 2 else signal.SIGTERM
        # A journal per mode: a check-in right after a quick check would carry on from it and take its place.
        path = home / mode / "journal.sqlite3"
        before = {e.id for e in Journal(path, read_only=True).entries()} if path.exists() else set()
        child = Child(["converse", "--json", "--mode", mode], _env(home / mode))
        cut = rng.randrange(len(answers) + 2)  # after this many answers (len+1: after "stop" too)
        saw_summary = False
        child.until({"prompt"}, 10)
        said = answers + ["stop"]
        # cut == len(answers): the last answer is sent but not waited for, so the kill may land while the
        # summary is being saved and written.
        for answer in said[: cut if cut != len(answers) else cut - 1]:
            child.send(json.dumps({"text": answer}).encode())
            events = child.until({"prompt", "end"}, 10)
            saw_summary = saw_summary or any(e["type"] == "summary" for e in events)
        if cut == len(answers):
            child.send(json.dumps({"text": answers[-1]}).encode())
        time.sleep(rng.random() * 0.05)
        child.proc.send_signal(how)
        child.proc.wait(10)
        # What reached the client before the kill counts too: a summary written is a summary given.
        saw_summary = saw_summary or any(e["type"] == "summary" for e in child.until(set(), 0.2))
        for stream in (child.proc.stdin, child.proc.stdout, child.proc.stderr):
            if stream is not None:
                stream.close()
        added = [e for e in Journal(path, read_only=True).entries() if e.id not in before] if path.exists() else []
        finished += saw_summary
        kept += saw_summary and len(added) == 1
        lost += saw_summary and len(added) == 0
        unsure += not saw_summary and len(added) == 1  # saved, then killed before the summary reached the client
        for entry in added:
            want = reference.setdefault(mode, entry.answers)
            invented += entry.answers != want or len(added) > 1 or (cut < len(answers))
    checks = {
        sqlite3.connect(f"file:{home / mode / 'journal.sqlite3'}?mode=ro", uri=True)
        .execute("PRAGMA integrity_check")
        .fetchone()[0]
        for mode in ("quick", "checkin")
    }
    check = ", ".join(sorted(checks))
    print(f"{runs} check-ins killed at random moments (half kill -9, half SIGTERM): {finished} reached their "
          f"summary, {kept} of them kept, {lost} lost (target 0); {invented} entries with answers not given "
          f"(target 0); {unsure} saved but killed before the client read the summary; "
          f"PRAGMA integrity_check: {check}")  # fmt: skip


def _noise_wav(path: Path, seconds: float, rate: int, channels: int) -> Path:
    import numpy as np

    data = np.random.default_rng(0).normal(0, 3000, (int(seconds * rate), channels)).astype("<i2").tobytes()
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * 2 * channels, 2 * channels, 16)
    path.write_bytes(b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack("<I", 16) + fmt
                     + b"data" + struct.pack("<I", len(data)) + data)  # fmt: skip
    return path


def bench_largest_audio(folder: Path) -> None:
    """The largest audio answers still accepted, through converse --json: each must be answered within 5 s."""
    child = Child(["converse", "--json", "--engine", "pocketsphinx", "--no-journal"], _env(folder))
    child.until({"prompt"}, 10)
    child.send(json.dumps({"audio": str(_noise_wav(folder / "warm.wav", 1, 16000, 1))}).encode())
    child.until({"prompt", "error"}, 30)  # the engine loads on the first audio answer: not what is timed
    times = {}
    for name, seconds, rate, channels in [("15 s 48 kHz stereo", 15, 48000, 2), ("7.4 s 96 kHz", 7.4, 96000, 1),
                                          ("15 s 16 kHz", 15, 16000, 1)]:  # fmt: skip
        path = _noise_wav(folder / "big.wav", seconds, rate, channels)
        start = time.monotonic()
        child.send(json.dumps({"audio": str(path)}).encode())
        child.until({"prompt", "error", "end"}, 30)
        times[name] = time.monotonic() - start
    peak = child.peak_mb()
    child.proc.kill()
    child.proc.wait(10)
    figures = ", ".join(f"{name} {t:.2f} s" for name, t in times.items())
    print(f"largest accepted audio answers (PocketSphinx): {figures} (target < {ANSWER_WITHIN:g} s each); "
          f"peak memory {peak:.0f} MB (budget 200 MB)")  # fmt: skip


def main() -> None:
    lines_count = int(os.environ.get("BENCH_HOSTILE_LINES", LINES))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        lines = hostile_lines(random.Random(0), folder, lines_count)
        bench_converse(lines, folder / "converse")
        bench_home(lines, folder / "home")
        bench_largest_audio(folder)
        bench_kills(folder / "kills", int(os.environ.get("BENCH_HOSTILE_RUNS", RUNS)))


if __name__ == "__main__":
    main()
