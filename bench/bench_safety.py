"""Safety spotting on the labelled safety set: urgent signs and red flags caught, false alarms raised.

Runs every case of tests/safety_set.yaml through what a person meets (the one-shot answer, or a
check-in at that question) and prints the figures for each round of the held-out part and for the
development part apart, with every miss, then what spotting costs a reply. Round 2 was written after the
spotting was tuned on round 1's misses and measured once (urgent 54/55, red flags 65/72, false alarms 7/95);
round 3 was written blind and measured once (urgent 83/98, red flags 116/137, false alarms 32/190); round 4 was
written blind and measured once (urgent 90/95, red flags 126/134, false alarms 17/180), then its misses were read and
fixed by kind, never by listing a sentence (then 95/95, 134/134, 7/180). The misses of all four were read since, so
none of them is a clean figure. Round 5 was written blind while round 4 was being fixed, and measured once after
(urgent 97/100, red flags 133/138, false alarms 25/167); its misses were then read and fixed by kind (then 100/100,
138/138, 4/167), so it is no longer a clean figure either. The false alarms left in every round were then fixed by
kind (rounds 2 to 5 now 0/95, 0/190, 1/180, 3/167; those left are urgent on purpose, README). Round 6 was written
blind while those fixes were made, and measured once after (urgent 97/105, red flags 140/149, false alarms 20/176);
the groups were then broadened from everyday speech (99/105, 141/149, 14/176) and its misses fixed by kind (105/105,
149/149, 2/176). Round 7 was written blind while those changes were made, and measured once after: urgent 108/115,
red flags 176/181, false alarms 15/148, its clean figure; its misses and false alarms were then fixed by kind (115/115,
181/181, 1/148). Round 8 was written blind while those fixes were made, and measured once after: urgent 107/113,
red flags 162/168, false alarms 14/142, its clean figure; its misses and false alarms were then fixed by kind (113/113,
168/168, 1/142). Round 9 was written blind while those fixes were made, and measured once after: urgent 105/116, red
flags 180/199, false alarms 15/135, its clean figure. Round 9 then fixed by kind: 116/116, 199/199, 0/135, no longer a
clean figure. Round 10 was written blind while those fixes were made, and measured once after: urgent 110/121, red
flags 176/189, false alarms 17/132, its clean figure. Round 10 then fixed by kind: 121/121, 188/189, 4/132, no longer a
clean figure. Round 11 was written blind, by many kinds of speaker, while those fixes were made, and measured once
after: urgent 99/115, red flags 184/197, false alarms 10/130, its clean figure. Round 11 then fixed by kind: 115/115,
197/197, 0/130, no longer a clean figure. Round 12 was written blind while round 11 was fixed, and measured once
after: urgent 113/115, red flags 200/210, false alarms 3/77, its clean figure. Round 12 then fixed by kind: 115/115,
209/210, 1/77, no longer a clean figure. Round 13 was written blind, asked for styles a first attempt would not
write, and measured once after round 12's fixes: urgent 103/114, red flags 188/205, false alarms 7/104, its clean
figure. Round 13 then fixed by kind: 114/114, 205/205, 3/104, no longer a clean figure. Round 14 was written blind as
a speech recogniser writes what people say, and measured once after round 13's fixes: urgent 108/115, red flags
185/204, false alarms 9/116, its clean figure. Round 14 then fixed by kind: 115/115, 203/204, 1/116, no longer a clean
figure. Round 15 was written blind as replies inside the check-in, and measured once after round 14's fixes: urgent
112/114, red flags 195/203, false alarms 16/116, its clean figure. Round 15 then fixed by kind: 114/114, 200/203, 3/116,
no longer a clean figure. Round 16 was written blind as out-of-breath fragments, jokes, wake words and time words,
and measured once after round 15's fixes: urgent 119/120, red flags 197/200, false alarms 13/114, its clean figure.
Round 16 then fixed by kind: 120/120, 199/200, 0/114, no longer a clean figure. Round 17 was written blind as typed
on a phone with sweaty hands, by older adults and beginners, and measured once after round 16's fixes: urgent 104/115,
red flags 190/210, false alarms 11/116, its clean figure. Round 17 then fixed by kind: 114/115, 207/210, 1/116, no
longer a clean figure. Round 18 was written blind as self-corrections, hedges and questions back, and measured once
after round 17's fixes: urgent 107/114, red flags 192/207, false alarms 23/117, its clean figure. Round 18 then fixed
by kind: 112/114, 200/207, 8/117, no longer a clean figure. Round 19 was written blind in the talk and jargon of many
sports, and measured once after round 18's fixes: urgent 118/120, red flags 203/204, false alarms 16/116, its clean
figure. Round 19 then fixed by kind: 120/120, 204/204, 5/116, no longer a clean figure. Round 20 was written blind as a
plain, representative mix of what users say, and measured once after round 19's fixes: urgent 113/115, red flags
196/199, false alarms 11/106, its clean figure. Round 20 then fixed by kind: 115/115, 199/199, 4/106, no longer a
clean figure. Round 21 was written blind as a recogniser writes speech in a noisy room, and as long rambles, and
measured once after round 20's fixes: urgent 112/113, red flags 207/217, false alarms 11/113, its clean figure. Round
21 then fixed by kind: 113/113, 216/217, 3/113, no longer a clean figure. Round 22 was written blind as mood shapes
speech (signs played down, fears, swearing, figures from a watch), and measured once after round 21's fixes: urgent
113/113, red flags 246/257, false alarms 8/111, its clean figure. Round 22 then fixed by kind: 113/113, 253/257, 1/111,
no longer a clean figure. Round 23 was written blind in second-language English and by people speaking for someone
beside them, and measured once after round 22's fixes: urgent 104/115, red flags 222/231, false alarms 11/125, its clean
figure. Round 23 then fixed by kind: 115/115, 230/231, 3/125, no longer a clean figure. Round 24 was written blind in
medical and technical words, and measured once after round 23's fixes: urgent 103/115, red flags 209/227, false alarms
14/121, its clean figure. Round 24 then fixed by kind: 115/115, 226/227, 8/121, no longer a clean figure. Round 25 was
written blind by teenagers and young adults in slang, and measured once after round 24's fixes: urgent 117/119, red
flags 223/229, false alarms 11/117, its clean figure. Round 25 then fixed by kind: 119/119, 227/229, 0/117, no longer a
clean figure. Round 26 was written blind as a plain, representative mix, and measured once on the final code of stop
19: urgent 115/115, red flags 216/219, false alarms 1/108, its clean figure. Round 26 then fixed by kind: 115/115,
218/219, 0/108. Round 27 was written blind by carers and older people, and measured once after round 26's fixes: urgent
115/116, red flags 128/223, false alarms 15/110, its clean figure (another person's twitch raised none of its flags).
Round 28 was written blind as a smart speaker in a busy home hears it, and measured once beside round 27: urgent
116/118, red flags 209/213, false alarms 14/108, its clean figure. Rounds 27 and 28 then fixed by kind: 116/116,
210/223, 19/110 and 118/118, 210/213, 9/108. Round 29 was written blind about women's health and life stages, and round
30 about adaptive sport and disability, each measured once after round 28's fixes: urgent 115/115, red flags 218/224,
false alarms 13/99, and urgent 113/118, red flags 200/210, false alarms 18/92, their clean figures; then fixed by kind:
115/115, 221/224, 7/99 and 118/118, 208/210, 9/92. Round 31 (a plain mix again) and round 32 (the outdoors and weather)
were written blind and measured once on the final code of stop 20: urgent 111/112, red flags 218/219, false alarms 9/96,
and urgent 111/111, red flags 211/213, false alarms 18/103, their clean figures; then fixed by kind: 112/112, 219/219,
3/96 and 111/111, 212/213, 14/103. Round 33 (shift workers and physical jobs) and round 34 (things read out: a
watch, a letter, a leaflet, one's own log) were written blind and measured once after stop 20: urgent 113/113, red
flags 215/219, false alarms 7/79, and urgent 113/114, red flags 237/243, false alarms 7/106, their clean figures;
then fixed by kind: 113/113, 217/219, 2/79 and 114/114, 241/243, 4/106. Round 35 (a plain mix again) was written blind
and measured once on the final code of stop 21: urgent 111/113, red flags 239/245, false alarms 3/76, its clean figure;
then fixed by kind: 113/113, 242/245, 1/76. Round 36 (sensations said by comparison and image) was written blind
and measured once after round 35's fixes: urgent 102/115, red flags 216/260, false alarms 9/110, its clean figure;
then fixed by kind: 114/115, 239/260, 9/110. Targets (issue 8, held-out part): urgent 100%, red flags >= 99%, false
alarms on negated and look-alike cases <= 5%.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from safetyset import Figures, load_set, score  # noqa: E402 (after the path set-up for tests/)

from twitch_coach.dialogue.loader import load  # noqa: E402
from twitch_coach.dialogue.safety import spot  # noqa: E402


def report(name: str, figures: Figures) -> None:
    pct = Figures.percent
    caught = figures.urgent_total - len(figures.urgent_missed)
    flagged = figures.flags_total - len(figures.flags_missed)
    print(f"{name}:")
    print(f"  urgent signs caught: {caught}/{figures.urgent_total} = {pct(caught, figures.urgent_total)} (target 100%)")
    print(f"  red flags caught: {flagged}/{figures.flags_total} = {pct(flagged, figures.flags_total)} (target >= 99%)")
    alarms = len(figures.false_alarms)
    print(
        f"  false alarms on negated and look-alike cases: {alarms}/{figures.quiet_total} = "
        f"{pct(alarms, figures.quiet_total)} (target <= 5%)"
    )
    for case in figures.urgent_missed:
        print(f"    missed urgent {case.urgent}: {case}")
    for case, flag, result in figures.flags_missed:
        print(f"    missed flag {flag}: {case} (raised {list(result.flags) or 'none'})")
    for case, result in figures.false_alarms:
        raised = (["urgent"] if result.urgent else []) + [f for f in result.flags if f not in case.flags]
        print(f"    false alarm {', '.join(raised)}: {case}")


def main() -> None:
    content = load()
    signs, cases = load_set()
    unknown = sorted(set(signs) - set(content.safety.urgent.signs))
    if unknown:
        print(f"note: the set names signs the content does not: {', '.join(unknown)}")
    held = [c for c in cases if c.held_out]
    development = [c for c in cases if not c.held_out]
    print(f"safety set: {len(cases)} cases, {len(held)} held out, {len(development)} for development")
    for rnd in sorted({c.round for c in held}):
        report(f"held-out part, round {rnd}", score(content, [c for c in held if c.round == rnd]))
    report("development part", score(content, development))
    times = []
    for case in cases:  # each text once, so the word caches are as cold as a new reply's words
        start = time.perf_counter()
        spot(case.say, content.safety)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(
        f"spotting cost: mean {statistics.mean(times):.2f} ms, median {statistics.median(times):.2f} ms, "
        f"p99 {times[int(len(times) * 0.99)]:.2f} ms a reply ({len(times)} replies)"
    )


if __name__ == "__main__":
    main()
