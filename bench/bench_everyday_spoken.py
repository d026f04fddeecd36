"""Everyday phrasings and whole check-ins spoken by espeak-ng voices, through Whisper and PocketSphinx.

Synthesised speech is a regression check, not real accuracy: espeak voices are clean, steady and alike,
and real people are much harder to hear (bench_real_speech.py measures held-out real speakers). These
figures say whether a change broke the spoken path, not how well it serves people.

1. Everyday phrasings: the labelled phrasings of tests/utterances.yaml that a person would say aloud
   (typed forms and recogniser mishearings such as "know" for "no" left out; not-an-answer cases too;
   300 of them, evenly spread over the questions, 80 with --quick), each synthesised in four espeak-ng
   voices, recognised at its question through skill.speech.Ears, and judged by the real
   Conversation.hear at that question (tests/speechsets.py). Understood: the right answer (and
   number), with or without a "Did you say ...?".
2. Spoken check-ins: scripted people (bench/spoken_checkins.yaml) give clear spoken answers to every
   prompt of checkin mode through skill.speech.run_spoken, Session and Ears (asked again, they say it
   again more slowly). Printed: prompts per check-in up to the summary (ten is the fewest), and the
   answers recorded as meant.

    .venv/bin/python bench/bench_everyday_spoken.py [--quick | --checkins-only] [--engines whisper,pocketsphinx]
        [--model DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import speechsets  # noqa: E402
from bench_real_speech import MODEL, make_engine  # noqa: E402
from test_matching import table  # noqa: E402

from twitch_coach.dialogue.content import Content  # noqa: E402
from twitch_coach.dialogue.events import Event, Prompt, Summary  # noqa: E402
from twitch_coach.dialogue.events import Heard as DialogueHeard  # noqa: E402
from twitch_coach.skill.session import open_session  # noqa: E402
from twitch_coach.skill.speech import Ears, Heard, run_spoken  # noqa: E402
from twitch_coach.voice.recognizer import RecognizerError  # noqa: E402
from twitch_coach.voice.whisper_engine import check_model_folder  # noqa: E402

import synth  # noqa: E402

SCRIPTS = Path(__file__).with_name("spoken_checkins.yaml")
# Entries of utterances.yaml that stand for what a recogniser or a keyboard gives, not what a person says:
# someone who means "no" says "no", and espeak would say "know" as "no" anyway.
NOT_SAID = frozenset({"know", "know.", "know, nothing like that", "for", "for days", "for hours", "for coffees",
                      "to", "to hours", "to coffees", "ate hours", "tin", "definately", "yeahh"})  # fmt: skip
ROWS = ("understood", "right without confirmation", "wrong without confirmation", "nothing understood")
# Phrasings spoken: evenly spread over the table (it is ordered by question), to keep a run under about
# eight minutes on two busy cores; each is said by all four voices.
FULL, QUICK = 300, 80
PROMPT_LIMIT = 60  # a check-in that needs more than this is stuck: counted at the limit, and said


@dataclass(frozen=True)
class Voice:
    """An espeak-ng voice at a speaking rate."""

    name: str
    wpm: int
    label: str

    def __str__(self) -> str:
        return f"{self.name} {self.wpm} wpm{f' ({self.label})' if self.label else ''}"


VOICES = (Voice("en-us", 160, ""), Voice("en-gb", 175, ""), Voice("en-us+f3", 150, "female"),
          Voice("en-gb-scotland", 190, "quick"))  # fmt: skip


@dataclass(frozen=True)
class Phrasing:
    """One labelled everyday phrasing, put to its question."""

    mode: str
    node: str
    say: str
    intent: str
    value: float | None

    def expected(self) -> tuple[str, float | None]:
        return (self.intent, self.value)


class Clips:
    """Synthesised answers, made once per run and kept as files in a temporary folder (not in memory)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made = 0

    def audio(self, text: str, voice: Voice) -> bytes:
        """`text` said by `voice`: 16 kHz mono int16, with a microphone's faint noise in the pauses."""
        key = hashlib.sha1(f"{voice.name}|{voice.wpm}|{text}".encode()).hexdigest()[:20]
        path = self.folder / f"{key}.pcm"
        if path.exists():
            return path.read_bytes()
        raw = synth.speak.__wrapped__(text, voice=voice.name, speed=voice.wpm)  # type: ignore[attr-defined]
        audio = synth.dithered(raw, seed=zlib.crc32(key.encode()))
        path.write_bytes(audio)
        self.made += 1
        return audio


def phrasings() -> list[Phrasing]:
    """The answers in utterances.yaml a person would say aloud, one per question and wording."""
    kept: dict[tuple[str, str], Phrasing] = {}
    for case in table()[0]:
        if case.intent == "none" or case.say.lower() in NOT_SAID:
            continue
        mode, node = case.node.split(".")
        say = case.say.lower() if case.say.isupper() else case.say  # espeak spells out some words in capitals
        wording = " ".join(re.sub(r"[^a-z0-9' ]+", " ", say.lower()).split())
        value = None if case.value is None else float(case.value)
        kept.setdefault((case.node, wording), Phrasing(mode, node, say, case.intent, value))
    return list(kept.values())


def spread(cases: list[Phrasing], n: int) -> list[Phrasing]:
    """`n` of `cases`, evenly spaced, so every question keeps its share."""
    if n >= len(cases):
        return cases
    return [cases[i * len(cases) // n] for i in range(n)]


def shares(outcomes: Iterable[speechsets.Outcome]) -> dict[str, float]:
    """The share of each row among `outcomes`."""
    done = list(outcomes)
    n = len(done) or 1
    return {
        "understood": sum(o.right for o in done) / n,
        "right without confirmation": sum(o.right and not o.confirmed for o in done) / n,
        "wrong without confirmation": sum(o.taken and not o.right and not o.confirmed for o in done) / n,
        "nothing understood": sum(not o.taken for o in done) / n,
    }


@dataclass(frozen=True)
class Result:
    """One phrasing in one voice, as the dialogue took it."""

    phrasing: Phrasing
    voice: Voice
    heard: str
    rejected: bool  # the recogniser gave nothing (as opposed to words the dialogue did not take)
    outcome: speechsets.Outcome
    free_would: bool  # Whisper only: its free decode, typed in, means the right answer


def everyday(ears: Ears, judges: dict[str, speechsets.Judge], cases: list[Phrasing], clips: Clips) -> list[Result]:
    """Every phrasing in every voice, recognised at its question and judged there."""
    results = []
    whisper = ears.recognizer.name == "whisper"
    for voice in VOICES:
        for case in cases:
            judge = judges[case.mode]
            heard = ears.hear(clips.audio(case.say, voice), judge.nodes[case.node])
            outcome = judge.outcome(case, heard.text, heard.transcript.confidence)
            # Where the gain is: would the free decode alone, read as typed text, have been the right answer?
            free = getattr(getattr(ears.recognizer, "last_evidence", None), "free", None) if whisper else None
            free_would = isinstance(free, str) and not outcome.right and judge.outcome(case, free, 1.0).right
            results.append(Result(case, voice, heard.text, heard.transcript.rejected, outcome, free_would))
    return results


class _Summarised(Exception):
    """The check-in reached its summary: the run is over."""


@dataclass(frozen=True)
class Run:
    """One spoken check-in."""

    script: str
    voice: Voice
    prompts: int  # prompts up to the summary: questions, reprompts and "Did you say ...?"
    confirmations: int
    again: int  # the same question asked again: reprompts and repeats
    meant: int  # answers recorded as the person meant them
    answered: int  # topics the script answers
    stuck: bool
    log: tuple[str, ...]  # what was said and heard at each prompt, for the worst check-in's account


def load_scripts() -> dict[str, dict[str, tuple[str, str, float | None]]]:
    """The scripted people: topic -> (what they say, the intent meant, the number meant)."""
    raw = yaml.safe_load(SCRIPTS.read_text(encoding="utf-8"))["scripts"]
    return {
        name: {topic: (a[0], a[1], float(a[2]) if len(a) > 2 else None) for topic, a in answers.items()}
        for name, answers in raw.items()
    }


def checkin(ears: Ears, content: Content, name: str, script: dict, voice: Voice, clips: Clips) -> Run:
    """A whole spoken check-in, answered by `script` in `voice`, through run_spoken and Session."""
    session = open_session(content, "checkin", None)
    conversation = session.conversation
    count = {"prompts": 0, "confirmations": 0, "again": 0}
    asked: set[str] = set()
    log: list[str] = []
    tries: dict[str, int] = {}

    def emit(event: Event) -> None:
        if isinstance(event, DialogueHeard):
            log[-1] += f" -> {event.text or '-'!r} ({event.intent})"
        if isinstance(event, Prompt):
            count["prompts"] += 1
            count["confirmations"] += conversation.confirming
            count["again"] += not conversation.confirming and event.node in asked
            asked.add(event.node)
        if isinstance(event, Summary) or count["prompts"] > PROMPT_LIMIT:
            raise _Summarised

    def listen(recognise: Callable[[bytes], Heard]) -> Heard:
        node = session.current()
        assert node is not None  # the run ends at the summary, before the review prompt
        # Safety questions the script does not answer come after a misheard "no" at the screen: still no.
        say, intent, value = script.get(node.topic, ("no", "no", None))
        if conversation.confirming:
            # The person hears "Did you say ...?" and knows whether it names what they meant.
            pending = conversation.pending
            assert pending is not None
            heard_value = pending.value if isinstance(pending.value, float) else None
            say = "yes" if (pending.intent, heard_value) == (intent, value) else "no"
        log.append(f"{node.id}{' (did you say?)' if conversation.confirming else ''}: {say!r}")
        # Asked again, people say it again more slowly; the very same audio would be misheard the same way.
        key = f"{node.id}{conversation.confirming}"
        tries[key] = tries.get(key, -1) + 1
        slower = Voice(voice.name, max(110, voice.wpm - 20 * tries[key]), voice.label)
        heard = recognise(clips.audio(say, slower))
        log[-1] += f" p={heard.transcript.confidence:.2f}"
        return heard

    try:
        run_spoken(session, ears, listen, lambda _text: None, emit)
    except _Summarised:
        pass
    meant = sum(
        (a.intent, a.value) == (intent, value)
        for topic, (_, intent, value) in script.items()
        if (a := conversation.answers.get(topic)) is not None
    )
    stuck = count["prompts"] > PROMPT_LIMIT
    prompts = min(count["prompts"], PROMPT_LIMIT)
    return Run(name, voice, prompts, count["confirmations"], count["again"], meant, len(script), stuck, tuple(log))


def print_everyday(results: dict[str, list[Result]], cases: list[Phrasing], table_size: int, typed: float) -> None:
    """Per voice and overall for each engine, then per question, then the phrasings missed most."""
    names = list(results)
    print(f"Everyday phrasings, synthesised: {len(cases)} of the table's {table_size} x {len(VOICES)} voices; "
          f"the same phrasings typed: {typed:.1%} understood")  # fmt: skip
    for name in names:
        print(f"\n{name}")
        print(f"  {'':34s}" + "".join(f"{row:>28s}" for row in ROWS))
        for voice in VOICES:
            share = shares(r.outcome for r in results[name] if r.voice == voice)
            print(f"  {str(voice):34s}" + "".join(f"{share[row]:>28.1%}" for row in ROWS))
        share = shares(r.outcome for r in results[name])
        print(f"  {'all voices':34s}" + "".join(f"{share[row]:>28.1%}" for row in ROWS))
        n = len(results[name])
        silent = sum(r.rejected and not r.outcome.taken for r in results[name]) / n
        print(f"  nothing understood: the recogniser gave nothing {silent:.1%}, "
              f"gave words the dialogue did not take {share['nothing understood'] - silent:.1%}")
        free = sum(r.free_would for r in results[name])
        if name == "whisper":
            print(f"  missed, yet the free decode alone, typed in, would have been understood: {free / n:.1%} "
                  f"(understood would be {share['understood'] + free / n:.1%})")
    print("\nunderstood per question (all voices)")
    print(f"  {'question':24s}{'clips':>7s}" + "".join(f"{n:>14s}" for n in names))
    for question in dict.fromkeys(f"{c.mode}.{c.node}" for c in cases):
        row = {n: [r for r in results[n] if f"{r.phrasing.mode}.{r.phrasing.node}" == question] for n in names}
        first = row[names[0]]
        print(f"  {question:24s}{len(first):7d}" + "".join(f"{shares(r.outcome for r in row[n])['understood']:>14.1%}"
                                                            for n in names))  # fmt: skip
    for name in names:
        missed: dict[Phrasing, list[str]] = {}
        for r in results[name]:
            if not r.outcome.right:
                missed.setdefault(r.phrasing, []).append(r.heard or "-")
        worst = sorted(missed.items(), key=lambda kv: -len(kv[1]))[:12]
        print(f"\n{name}: phrasings missed in the most voices (heard, per voice missed)")
        for case, heard in worst:
            print(f"  {len(heard)}/{len(VOICES)} {case.node}: {case.say!r} -> {' | '.join(heard)}")


def print_checkins(runs: dict[str, list[Run]], verbose: bool = False) -> None:
    """Prompts per spoken check-in for each engine."""
    print("\nSpoken check-ins, clear answers (checkin mode: ten prompts at the fewest)")
    for name, done in runs.items():
        prompts = [r.prompts for r in done]
        meant, answered = sum(r.meant for r in done), sum(r.answered for r in done)
        stuck = sum(r.stuck for r in done)
        note = f"; {stuck} stuck past {PROMPT_LIMIT} prompts" if stuck else ""
        print(f"  {name:14s} {len(done)} check-ins: prompts average {statistics.mean(prompts):.1f}, "
              f"max {max(prompts)}, min {min(prompts)}; \"Did you say ...?\" {sum(r.confirmations for r in done)}, "
              f"asked again {sum(r.again for r in done)}; "
              f"answers recorded as meant {meant}/{answered} ({meant / answered:.1%}){note}")  # fmt: skip
        for voice in VOICES:
            mine = [r.prompts for r in done if r.voice == voice]
            if mine:
                print(f"    {str(voice):34s} prompts {' '.join(map(str, mine))}")
        shown = done if verbose else [max(done, key=lambda r: r.prompts)]
        for run in shown:
            print(f"    {'' if verbose else 'the longest '}({run.script}, {run.voice}), {run.prompts} prompts, "
                  "what was said and heard:")
            for line in run.log[: None if verbose else 24]:
                print(f"      {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK} phrasings; one check-in per script")
    parser.add_argument("--engines", default="whisper,pocketsphinx", help="comma-separated engines to compare")
    parser.add_argument("--model", default=str(MODEL), help="CTranslate2 Whisper model folder")
    parser.add_argument("--checkins-only", action="store_true", help="only the spoken check-ins, all of them")
    parser.add_argument("--verbose", action="store_true", help="what was said and heard in every check-in")
    args = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        print("skipped: espeak-ng is not installed (make setup installs it)")
        return
    judges = {mode: speechsets.Judge(mode) for mode in ("checkin", "quick")}
    content = judges["checkin"].content
    everyone = phrasings()
    cases = spread(everyone, QUICK if args.quick else FULL)
    typed = shares(judges[c.mode].outcome(c, c.say, 1.0) for c in cases)["understood"]
    scripts = load_scripts()
    plan = [(name, voice) for i, name in enumerate(scripts) for voice in VOICES]
    if args.quick:
        plan = [(name, VOICES[i % len(VOICES)]) for i, name in enumerate(scripts)]
    results: dict[str, list[Result]] = {}
    runs: dict[str, list[Run]] = {}
    with tempfile.TemporaryDirectory(prefix="everyday-spoken-") as folder:
        clips = Clips(Path(folder))
        for name in args.engines.split(","):
            if name == "whisper" and check_model_folder(args.model):
                print(f"whisper: skipped, no model at {args.model}: {'; '.join(check_model_folder(args.model))}")
                continue
            started = time.perf_counter()
            try:
                ears = Ears(content, make_engine(name, args.model))
            except RecognizerError as error:
                print(f"{name}: skipped: {error}")
                continue
            results[name] = [] if args.checkins_only else everyday(ears, judges, cases, clips)
            middle = time.perf_counter()
            runs[name] = [checkin(ears, content, script, scripts[script], voice, clips) for script, voice in plan]
            print(f"{name}: phrasings {middle - started:.0f} s, check-ins {time.perf_counter() - middle:.0f} s "
                  f"({clips.made} clips synthesised so far)", file=sys.stderr, flush=True)  # fmt: skip
    if not results:
        return
    if not args.checkins_only:
        print_everyday(results, cases, len(everyone), typed)
    print_checkins(runs, args.verbose)


if __name__ == "__main__":
    main()
