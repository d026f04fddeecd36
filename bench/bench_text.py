"""Speed of the text check-in: matching, whole turns, and start-up to the first prompt."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from twitch_coach.dialogue.engine import Conversation
from twitch_coach.dialogue.loader import load
from twitch_coach.intents.matcher import Matcher

UTTERANCES = [
    "yeah", "nope", "um like five hours", "two coffees and a pre-workout", "I dunno", "not really",
    "really hard", "a couple of weeks", "go back", "the weather is nice today", "hardly any water at all",
    "yes I had a banana and a sports drink after my run this morning",
]  # fmt: skip


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def bench_matching(content) -> None:
    matcher = Matcher(content.vocab.commands, content.vocab.unsure)
    nodes = [n for tree in content.trees.values() for n in tree.nodes.values()]
    expectations = [n.expectation for n in nodes]
    times = []
    for _ in range(20):
        for exp in expectations:
            for text in UTTERANCES:
                start = time.perf_counter()
                matcher.match(text, exp)
                times.append((time.perf_counter() - start) * 1000)
    print(
        f"match one utterance: p50 {statistics.median(times):.3f} ms, p99 {percentile(times, 99):.3f} ms "
        f"(target p99 < 1 ms; {len(times)} matches)"
    )


def bench_turns(content) -> None:
    times = []
    answers = [
        "yes",
        "no",
        "a bit",
        "no",
        "no",
        "no",
        "no",
        "a few days",
        "hard",
        "4",
        "a little",
        "no",
        "6",
        "3",
        "high",
        "no",
    ]
    for _ in range(100):
        conversation = Conversation(content, "checkin")
        conversation.start()
        for answer in answers:
            start = time.perf_counter()
            conversation.hear(answer)
            times.append((time.perf_counter() - start) * 1000)
    print(
        f"one whole turn: p50 {statistics.median(times):.3f} ms, p99 {percentile(times, 99):.3f} ms "
        f"(target p99 < 5 ms; {len(times)} turns)"
    )


def bench_startup() -> None:
    times = []
    for _ in range(10):
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "twitch_coach.skill", "converse", "--json"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        while '"prompt"' not in proc.stdout.readline():  # type: ignore[union-attr]
            pass
        times.append((time.perf_counter() - start) * 1000)
        proc.stdin.close()  # type: ignore[union-attr]
        proc.wait()
    print(
        f"start-up of converse --json to first prompt: median {statistics.median(times):.0f} ms, "
        f"max {max(times):.0f} ms (target < 300 ms)"
    )


if __name__ == "__main__":
    start = time.perf_counter()
    content = load()
    print(f"load and check all content: {(time.perf_counter() - start) * 1000:.0f} ms")
    bench_matching(content)
    bench_turns(content)
    bench_startup()
