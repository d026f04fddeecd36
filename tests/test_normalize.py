"""Normalising: what people say, and how recognisers and keyboards write it, read the same to the matcher."""

from __future__ import annotations

import pytest

from twitch_coach.intents.normalize import normalise

CASES = [
    # case, punctuation and spaces
    ("Yes.", "yes"),
    ("NO!!", "no"),
    ("  Not   really?  ", "not really"),
    ("yeah,nope", "yeah nope"),
    ("Hard. Like, really hard.", "hard really hard"),
    ("\tfive\nhours\r", "five hours"),
    # contractions and their apostrophe-less spellings
    ("I don't know", "i do not know"),
    ("I dont know", "i do not know"),
    ("I don\u2019t know", "i do not know"),
    ("I can't tell", "i can not tell"),
    ("I cannot tell", "i can not tell"),
    ("it won't stop", "it will not stop"),
    ("I'm not sure", "i am not sure"),
    ("im fine", "i am fine"),
    ("I've had two", "i have had two"),
    ("I'd rather not say", "i would rather not say"),
    ("it's fine", "it is fine"),
    ("that's enough", "that is enough"),
    ("let's start again", "let us start again"),
    ("I haven't", "i have not"),
    ("dunno", "do not know"),
    ("kinda", "kind of"),
    ("sorta", "sort of"),
    ("okay", "ok"),
    # lengths of time written short, glued to their number or not
    ("3 wks now", "3 weeks now"),
    ("3wks", "3 weeks"),
    ("about 7hrs", "about 7 hours"),
    ("2 mths", "2 months"),
    ("20 mins", "20 minutes"),
    ("my hr is high", "my hr is high"),  # heart rate, not hours
    ("the 3rd set", "the 3rd set"),
    # fillers go; the words that carry the answer stay
    ("um, no", "no"),
    ("uh, like, five hours", "five hours"),
    ("I guess so", "so"),
    ("you know, a lot", "a lot"),
    ("honestly, basically nothing", "nothing"),
    ("just a bit", "a bit"),
    ("hmm... maybe", "maybe"),
    ("like", ""),
    # "uh huh" and "mm-hmm" are a yes, not fillers
    ("uh huh", "uhhuh"),
    ("Mm-hmm.", "uhhuh"),
    ("mhm", "uhhuh"),
    # "just" means "only" before "my"
    ("just my calf", "only my calf"),
    ("just in my left leg", "only in my left leg"),
    ("I just have a twitchy calf", "i only have a twitchy calf"),
    # -ish on numbers and words, but not inside other words
    ("five-ish", "five"),
    ("fiveish", "five"),
    ("10ish", "10"),
    ("six ish hours", "six hours"),
    ("easy-ish", "easy"),
    ("slept rubbish", "slept rubbish"),
    ("didn't finish", "did not finish"),
    # a word in single quotes keeps its start: the "'d" of "I'd", not of 'double vision'
    ("note to self: 'double vision'", "note to self double vision"),
    ("'red pee', 'very weak', 'my leg', 'numb'", "red pee very weak my leg numb"),
    ("I'd say it's 'really' sore", "i would say it is really sore"),
    # numbers written with digits
    ("5.5 hours", "5.5 hours"),
    ("about 6.", "about 6"),
    ("1,000 steps", "1000 steps"),
    ("3-4 days", "3 4 days"),
    # spellings of the same thing
    ("pre-workout", "preworkout"),
    ("a pre workout", "a preworkout"),
    ("two pre-workouts", "two preworkouts"),
    ("a pre run gel", "a prerun gel"),  # "pre" is never a word of its own, whatever the domain
    ("a couple days", "a couple of days"),
    ("a couple of days", "a couple of days"),
    ("a couple", "a couple"),
    # unicode: compatibility forms fold, anything else is dropped
    ("\uff59\uff45\uff53", "yes"),
    ("caf\u00e9 latte", "caf latte"),
    ("\u00b2", "2"),
    ("yes \U0001f44d", "yes"),
    ("", ""),
    ("\x00\x07", ""),
    # a clinician's shorthand for a length of time; a date stays a date
    ("fasciculations for 4/52", "fasciculations for 4 weeks"),
    ("3/52", "3 weeks"),
    ("twitching for 3/12 now", "twitching for 3 months now"),
    ("off work for 5/7", "off work for 5 days"),
    ("seen on 4/12", "seen on 4 12"),
    ("for 4/12/2026", "for 4 12 2026"),
]


@pytest.mark.parametrize(("said", "normal"), CASES, ids=[c[0] or "<empty>" for c in CASES])
def test_normalise(said: str, normal: str) -> None:
    assert normalise(said) == normal


def test_phrases_and_utterances_normalise_alike() -> None:
    """A phrase written in content and the same thing said aloud end up identical."""
    assert normalise("I do not know") == normalise("I dunno, like")
    assert normalise("not sure") == normalise("Um... not sure?")
    assert normalise("don't know") == normalise("DON'T KNOW")
