"""Floors on real recordings of held-out speakers through the PocketSphinx path (bare grammar beside).

A subset of what bench/calibrate_pocketsphinx.py --report prints (clean audio only, to stay under a
minute); the floors sit a little below what was measured on the same subset.
"""

from __future__ import annotations

import pytest
import realspeech as rs

pytestmark = pytest.mark.audio

EVERY = {"yes/no": 8, "other words": 12, "noise": 8, "stop": 8}  # of the held-out clips of each set
# Measured on this subset (2026-12-02): yes/no 100% right (bare yes|no 88.5%) of 26, none wrong without a
# check; other words 5.9% taken without a check of 17; noise 2 of 12 taken (with a check); stop 28.6% of 14.
YES_NO_RIGHT = 0.85
YES_NO_KEPT_OF_BARE = 0.97  # our right answers over the bare yes|no grammar's, same clips (the target)
YES_NO_WRONG_UNCHECKED = 0.05  # wrong answers taken without "Did you say ...?"
OTHERS_UNCHECKED = 0.10  # other words taken without "Did you say ...?"
NOISE_TAKEN = 0.2  # noise slices taken at all, nearly all with a check: 1 of 12 more would fail
STOP_BARGE_IN = 0.25  # "stop" said while the skill speaks, heard as stop (far from the 97% target)


@pytest.fixture(scope="module")
def heard():
    """The held-out subset heard once, by set."""
    if rs.missing():
        pytest.skip(rs.missing())
    import sphinx_real

    from twitch_coach.voice.pocketsphinx_engine import PocketSphinxRecognizer

    listener = sphinx_real.Listener(PocketSphinxRecognizer())
    sets = sphinx_real.clips(rs.held_out)
    rows = {}
    for name, every in EVERY.items():
        clips = sets[name][::every]
        if name == "stop":
            rows[name] = [listener.barge_in(clip, "clean", seed=i) for i, clip in enumerate(clips)]
        else:
            rows[name] = [listener.question(clip, name, "clean", seed=i) for i, clip in enumerate(clips)]
    return rows


def share(flags) -> float:
    flags = list(flags)
    return sum(flags) / len(flags)


def test_yes_no_from_unseen_speakers(heard, capsys: pytest.CaptureFixture[str]) -> None:
    rows = heard["yes/no"]
    right, bare = share(r.right for r in rows), share(r.bare == r.target for r in rows)
    wrong = share(r.acted and not r.right for r in rows)
    with capsys.disabled():
        print(f"\nyes/no, {len(rows)} held-out clips: right {right:.1%} (bare yes|no {bare:.1%}), "
              f"without a check {share(r.right and r.acted for r in rows):.1%}, wrong unchecked {wrong:.1%}")  # fmt: skip
    assert right >= YES_NO_RIGHT
    assert right >= YES_NO_KEPT_OF_BARE * bare
    assert wrong <= YES_NO_WRONG_UNCHECKED


def test_other_words_and_noise_are_not_taken(heard, capsys: pytest.CaptureFixture[str]) -> None:
    others, noise = heard["other words"], heard["noise"]
    unchecked = share(r.acted for r in others)
    with capsys.disabled():
        print(f"\nother words, {len(others)} clips: taken {share(r.taken for r in others):.1%}, "
              f"without a check {unchecked:.1%}; noise, {len(noise)} clips: taken {share(r.taken for r in noise):.1%}")
    assert unchecked <= OTHERS_UNCHECKED
    assert share(r.taken for r in noise) <= NOISE_TAKEN


def test_stop_cuts_the_skill_short(heard, capsys: pytest.CaptureFixture[str]) -> None:
    rows = heard["stop"]
    stopped = share(r.intent == "stop" for r in rows)
    with capsys.disabled():
        print(f"\n'stop' while the skill speaks, {len(rows)} clips: heard as stop {stopped:.1%}")
    assert stopped >= STOP_BARGE_IN
