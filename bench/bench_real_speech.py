"""Real speech on held-out speakers: how the dialogue takes what each engine hears, side by side.

For each set (tests/speechsets.py) and engine: right; right without a "Did you say ...?"; wrong without
one (the harmful case); nothing heard; and for other words and noise, taken with and without a
confirmation. Engines: Whisper, today's PocketSphinx path (whatever voice/pocketsphinx_engine.py does),
and a bare PocketSphinx one-of grammar with no rejection (the baseline). Then cost per answer and memory.

    .venv/bin/python bench/bench_real_speech.py [--quick] [--engines whisper,pocketsphinx,bare] [--model DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import realspeech as rs  # noqa: E402
import speechsets  # noqa: E402
from bench_recognition import rss_mb  # noqa: E402

from twitch_coach.skill.speech import Ears  # noqa: E402
from twitch_coach.voice import grammar  # noqa: E402
from twitch_coach.voice.recognizer import Recognizer, RecognizerError, Transcript, Vocabulary  # noqa: E402

MODEL = ROOT.parent / "shared" / "models" / "faster-whisper-tiny.en"
ANSWER_ROWS = (
    "right", "right without confirmation", "wrong without confirmation", "nothing heard", "right, each voice alike"
)
OTHER_ROWS = ("taken", "taken without confirmation")


class BareGrammar(Recognizer):
    """PocketSphinx with a one-of JSGF grammar and nothing else: whatever path wins is the answer."""

    name = "bare"

    def __init__(self) -> None:
        from pocketsphinx import Decoder

        self._decoder = Decoder(lm=None, loglevel="FATAL")
        self._searches: dict[tuple[str, ...], str] = {}
        self._audio = b""

    def start(self, vocabulary: Vocabulary) -> None:
        phrases = grammar.normalise(vocabulary.phrases)
        if phrases not in self._searches:
            self._searches[phrases] = name = f"g{len(self._searches)}"
            self._decoder.add_jsgf_string(name, grammar.jsgf(phrases, name=name))
        self._decoder.activate_search(self._searches[phrases])
        self._audio = b""

    def feed(self, chunk: bytes) -> str:
        self._audio += chunk
        return ""

    def finish(self) -> Transcript:
        self._decoder.start_utt()
        self._decoder.process_raw(self._audio, False, True)
        self._decoder.end_utt()
        hyp = self._decoder.hyp()
        text = " ".join(w.split("(")[0] for w in hyp.hypstr.split()) if hyp else ""
        return Transcript(text, 1.0, self.name, rejected=not text)

    def unknown_words(self, phrases: tuple[str, ...]) -> list[str]:
        return [w for w in grammar.phrase_words(phrases) if self._decoder.lookup_word(w) is None]

    def add_words(self, pronunciations: Mapping[str, str]) -> list[str]:
        for word, phones in pronunciations.items():
            if self._decoder.lookup_word(word) is None:
                self._decoder.add_word(word, phones, True)
        return []


def make_engine(name: str, model: str) -> Recognizer:
    """The recogniser named on the command line."""
    if name == "whisper":
        from twitch_coach.voice.whisper_engine import WhisperRecognizer

        return WhisperRecognizer(model)
    if name == "pocketsphinx":
        from twitch_coach.voice.pocketsphinx_engine import PocketSphinxRecognizer

        return PocketSphinxRecognizer()
    if name == "bare":
        return BareGrammar()
    raise SystemExit(f"unknown engine {name!r}; choose from whisper, pocketsphinx, bare")


def run(
    ears: Ears, judge: speechsets.Judge, items: list[speechsets.Item]
) -> tuple[dict[str, float], list[float], list[float]]:
    """Shares of each row for one engine on one set, and the cost (ms) and real-time factor of each clip."""
    node = judge.nodes[items[0].node]
    outcomes, costs, cpu = [], [], []
    for item in items:
        samples, rate = item.audio()
        audio = speechsets.to_16k(samples, rate)
        started = time.process_time()
        heard = ears.hear(audio, node)  # as the skill hears: the free words go to the text matcher when it may
        # CPU time as well as wall time: on a shared machine the wall clock also counts waiting for a core.
        cpu.append((time.process_time() - started) * 1000)
        outcomes.append(judge.outcome(item, heard.text, heard.transcript.confidence))
        costs.append(heard.elapsed_ms)
    n = len(outcomes)
    share = {
        "right": sum(o.right for o in outcomes) / n,
        "right without confirmation": sum(o.right and not o.confirmed for o in outcomes) / n,
        "wrong without confirmation": sum(o.taken and not o.right and not o.confirmed for o in outcomes) / n,
        "nothing heard": sum(not o.taken for o in outcomes) / n,
        "taken": sum(o.taken for o in outcomes) / n,
        "taken without confirmation": sum(o.taken and not o.confirmed for o in outcomes) / n,
        # One speaker said "stop" 22 times in the held-out set: the share right per speaker, averaged, shows
        # whether a figure is the voices' or one voice's.
        "right, each voice alike": _per_voice([i.clip.speaker for i in items], [o.right for o in outcomes]),
    }
    return share, costs, cpu


def _per_voice(speakers: list[str], right: list[bool]) -> float:
    """The mean over speakers of each speaker's share of right answers."""
    by: dict[str, list[bool]] = {}
    for speaker, ok in zip(speakers, right, strict=True):
        by.setdefault(speaker, []).append(ok)
    return float(np.mean([np.mean(v) for v in by.values()]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="every fourth clip of each set")
    parser.add_argument("--engines", default="whisper,pocketsphinx,bare", help="comma-separated engines to compare")
    parser.add_argument("--model", default=str(MODEL), help="CTranslate2 Whisper model folder")
    args = parser.parse_args()
    if rs.missing():
        print(f"skipped: {rs.missing()}")
        return
    names = args.engines.split(",")
    judge = speechsets.Judge()
    sets = speechsets.sets(rs.held_out, quick=args.quick)
    results: dict[str, dict[str, dict[str, float]]] = {}
    costs: dict[str, list[float]] = {}
    cpus: dict[str, list[float]] = {}
    memory = ""
    for name in names:
        before = rss_mb()
        started = time.perf_counter()
        try:
            ears = Ears(judge.content, make_engine(name, args.model))
        except RecognizerError as error:
            print(f"{name}: not measured: {error}")
            continue
        load = time.perf_counter() - started
        costs[name], cpus[name] = [], []
        for set_name, items in sets.items():
            share, cost, cpu = run(ears, judge, items)
            results.setdefault(set_name, {})[name] = share
            costs[name] += cost
            cpus[name] += cpu
        if name == "whisper":
            memory = f"resident memory with Whisper loaded and used: {rss_mb():.0f} MB (+{rss_mb() - before:.0f} MB)"
        print(f"{name}: loaded in {load:.2f} s, {len(costs[name])} clips", file=sys.stderr, flush=True)
    shown = [n for n in names if n in costs]
    speakers = {c.speaker for items in sets.values() for c in (i.clip for i in items)}
    print(f"Real speech, held-out speakers only ({len(speakers)} voices){' (quick subset)' if args.quick else ''}")
    for set_name, items in sets.items():
        print(f"\n{set_name} ({len(items)} clips, {len({i.clip.speaker for i in items})} speakers)")
        rows = ANSWER_ROWS if items[0].expected() is not None else OTHER_ROWS
        print(f"  {'':34s}" + "".join(f"{n:>14s}" for n in shown))
        for row in rows:
            print(f"  {row:34s}" + "".join(f"{results[set_name][n][row]:>14.1%}" for n in shown))
    print("\ncost per answer (recognition only, every clip above; the clips are 1 s, FSDD about 1.1 s padded)")
    print(f"  load average over the last minute: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name in shown:
        c, cpu = np.array(costs[name]), np.array(cpus[name])
        print(f"  {name:14s} wall p50 {np.percentile(c, 50):6.1f} ms, p95 {np.percentile(c, 95):6.1f} ms; "
              f"CPU time p50 {np.percentile(cpu, 50):6.1f} ms, p95 {np.percentile(cpu, 95):6.1f} ms")  # fmt: skip
    if memory:
        print(memory)


if __name__ == "__main__":
    main()
