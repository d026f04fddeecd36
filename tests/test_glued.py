"""Words run together are split back into the words they hold, and real long words stay whole."""

import pytest

from twitch_coach.dialogue.glued import split, split_typed
from twitch_coach.dialogue.loader import load
from twitch_coach.dialogue.safety import spot

KNOWN = {"chest", "tight", "tightness", "after", "the", "my", "pee", "is", "brown", "run", "a", "i", "on"}


def test_a_run_of_known_words_is_split_with_the_fewest_words() -> None:
    assert split("chesttightness", KNOWN, 14) == ["chest", "tightness"]
    assert split("mypeeisbrownaftertherun", KNOWN, 14) == ["my", "pee", "is", "brown", "after", "the", "run"]


def test_stray_letters_stay_together_and_a_word_mostly_unknown_stays_whole() -> None:
    assert split("mypeeisbrownxyzafter", KNOWN, 14) == ["my", "pee", "is", "brown", "xyz", "after"]
    assert split("fasciculations", KNOWN, 14) == ["fasciculations"]  # "on" alone spells too little of it


def test_a_short_token_splits_only_into_known_words_beside_a_typed_join() -> None:
    joins = {"my", "is", "after", "i"}
    assert split_typed("mypee", KNOWN, joins, 14) == ["my", "pee"]
    assert split_typed("peeisbrown", KNOWN, joins, 14) == ["pee", "is", "brown"]
    assert split_typed("chesttight", KNOWN, joins, 14) == ["chesttight"]  # two words, no join between: a compound
    assert split_typed("mypeex", KNOWN, joins, 14) == ["mypeex"]  # a stray letter: not words run together


@pytest.mark.parametrize(
    ("said", "urgent", "flags"),
    [
        ("chesttightness since the bootcamp", ("chest_pain",), ()),
        ("numbtoesandtwitchingcalfafterrunning", (), ("numbness",)),
        ("breaststroke sets and my calf twitches", (), ()),  # a compound under 14 letters stays whole: no stroke
        ("a spreadsheet marathon and my eye twitches", (), ()),
        ("a musculoskeletal clinic tomorrow, my calf twitches", (), ()),
        ("mypee went brown after the ultra", ("rhabdomyolysis",), ()),
        ("cantbreathe after the sprint", ("breathing",), ()),  # "cant" read in full, as typed answers are
        ("myvision isblurry since the ride", (), ("vision",)),
        ("heartache over the breakup, and my eyelid twitches", (), ()),  # a compound of two words stays whole
        ("the twitch is on the inside of my arm", (), ()),  # "inside" is not "in side"
    ],
)
def test_spotting_hears_signs_run_together_and_not_inside_compounds(said, urgent, flags) -> None:
    found = spot(said, load().safety)
    assert (found.urgent, found.red_flags) == (urgent, flags)
