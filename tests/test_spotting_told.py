"""Spotting by the question and by who tells: groups heard at one question only, signs passed on by a source
named in braces ("{source} {tells}") with the what-if they tell, and those content fields checked with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from contenterrors import assert_reported

from twitch_coach.dialogue.loader import load
from twitch_coach.dialogue.safety import spot

SAFETY = load().safety


def test_what_comes_out_is_urine_at_the_drinking_question_only() -> None:
    said = "a fair amount, but it keeps coming out dark brown"
    assert spot(said, SAFETY, "hydration").urgent == ("rhabdomyolysis",)
    assert spot(said, SAFETY).urgent == ()  # a one-shot question: what comes out could be anything
    assert spot(said, SAFETY, "sleep").urgent == ()


def test_it_getting_sore_is_the_twitch_at_the_how_long_question_only() -> None:
    assert spot("five days, and it's getting sore", SAFETY, "duration").red_flags == ("painful",)
    assert spot("five days, and it's getting sore", SAFETY, "stress").red_flags == ()


@pytest.mark.parametrize(
    ("text", "urgent", "flags"),
    [
        ("the optician warned me that blurry vision needs checking, my calf just twitches", (), ()),
        ("as a coach I always tell my athletes that chest pain means stop", (), ()),
        ("our physio says if I ever pee brown I should go to hospital", (), ()),  # the what-if is what is told
        ("our physio says if I ever pee brown I should go, and my pee is brown now", ("rhabdomyolysis",), ()),
        ("my physio says my thigh is weak", (), ("weakness",)),  # told of one's own
        ("the doctor says the twitching is in both arms", (), ("spreading",)),  # one's own twitch, told
    ],
)
def test_a_sign_passed_on_by_a_source_raises_nothing_unless_it_is_ones_own(
    text: str, urgent: tuple[str, ...], flags: tuple[str, ...]
) -> None:
    found = spot(text, SAFETY)
    assert (found.urgent, found.red_flags) == (urgent, flags)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('"{source} {tells}", "{coach', '"{sources} {tells}", "{coach', "unknown group 'sources'; groups:"),
        ("    hydration: [passed]", "    hydration: [pased]", "safety.spotting.heard_at.hydration: unknown group 'pased'"),
        ('"{source} {tells}", "{coach', '"{source} {tells} {source} {tells}", "{coach', "writes out to more than 2000"),
    ],
)
def test_braces_and_questions_in_spotting_are_checked_with_file_and_line(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert_reported(tmp_path, "safety.yaml", old, new, expected)
