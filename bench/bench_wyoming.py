"""The Wyoming service as Home Assistant uses it: one turn per connection, many conversations, a long run.

Runs `twitch-coach wyoming` as its own process (journal on, in a temporary data folder) and drives it with
the wyoming package's client from here, so each figure includes connecting and the journal's writes.
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from wyoming.asr import Transcript
from wyoming.client import AsyncTcpClient
from wyoming.handle import Handled

from twitch_coach.dialogue.loader import load

# A whole cooldown check-in: the request, ten answers (the last reply is the summary), then "stop".
CHECKIN = ["check in", "no", "a few days", "hard", "three", "a little", "no", "five", "two cups", "a lot", "no", "stop"]


SUMMARY_STARTS = load().message("summary_intro")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def rss_kib(pid: int) -> int:
    """The resident memory of process `pid`, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def turn(port: int, text: str, conversation_id: str) -> tuple[float, bool, str]:
    """One turn on a new connection: (milliseconds, handled, reply text)."""
    start = time.perf_counter()
    async with AsyncTcpClient("127.0.0.1", port, connect_timeout=5, read_timeout=5) as client:
        await client.write_event(Transcript(text, context={"conversation_id": conversation_id}, language="en").event())
        event = await client.read_event()
    elapsed = (time.perf_counter() - start) * 1000
    handled = event is not None and Handled.is_type(event.type)
    return elapsed, handled, (event.data.get("text", "") if event else "")


async def checkin(port: int, conversation_id: str, times: list[float]) -> bool:
    """A whole check-in; True when every turn was handled and the summary came before "stop"."""
    ok, summary = True, False
    for text in CHECKIN:
        elapsed, handled, reply = await turn(port, text, conversation_id)
        times.append(elapsed)
        ok = ok and handled
        summary = summary or reply.startswith(SUMMARY_STARTS)
    return ok and summary


async def bench(port: int, pid: int) -> None:
    times: list[float] = []
    for i in range(5):  # warm up: first imports, the journal's first open
        await checkin(port, f"warm-{i}", [])
    failures = 0
    for i in range(30):
        failures += not await checkin(port, f"one-{i}", times)
    print(
        f"one turn (connect, transcript, handled): p50 {statistics.median(times):.1f} ms, "
        f"p95 {percentile(times, 95):.1f} ms (target p95 <= 20 ms; {len(times)} turns, {failures} failed check-ins)"
    )

    together: list[float] = []
    results = await asyncio.gather(
        *(checkin(port, f"many-{i}", together) for i in range(50)), return_exceptions=True
    )
    errors = [r for r in results if r is not True]
    kinds = sorted({type(r).__name__ if isinstance(r, BaseException) else "a turn not handled" for r in errors})
    print(
        f"50 concurrent conversations: {len(errors)} errors (target 0), {50 - len(errors)} reached the summary; "
        f"turn p95 {percentile(together, 95):.1f} ms under that load"
        + (f"; errors: {', '.join(kinds)}" if kinds else "")
    )

    before = rss_kib(pid)
    samples = []
    done = 0
    while done < 1000:
        await checkin(port, f"long-{done}", [])
        done += len(CHECKIN)
        if done // 250 > len(samples):
            samples.append(rss_kib(pid))
    after = rss_kib(pid)
    print(
        f"memory over {done} turns: {before / 1024:.1f} MiB before, "
        f"{' -> '.join(f'{s / 1024:.1f}' for s in samples)} MiB, {after / 1024:.1f} MiB after "
        f"(growth {(after - before) / 1024:+.1f} MiB; target flat)"
    )


def main() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "TWITCH_COACH_HOME": home}
        process = subprocess.Popen(
            [sys.executable, "-m", "twitch_coach.skill", "wyoming", "--uri", f"tcp://127.0.0.1:{port}"],
            env=env, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            line = process.stderr.readline()  # type: ignore[union-attr]
            if "listening on" not in line:
                raise SystemExit(f"the service did not start: {line}")
            asyncio.run(bench(port, process.pid))
        finally:
            process.terminate()
            process.wait(10)


if __name__ == "__main__":
    main()
