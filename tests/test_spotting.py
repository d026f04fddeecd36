"""Signs as concepts: word groups that meet in one clause, negation scoped to its clause, look-alikes quiet,
word forms and slips; the same spotting for the one-shot answer and the check-in; checked content."""

from __future__ import annotations

from pathlib import Path

import pytest
from contenterrors import assert_reported

from twitch_coach.dialogue.ask import answer
from twitch_coach.dialogue.loader import load
from twitch_coach.dialogue.safety import spot
from twitch_coach.dialogue.understand import understand
from twitch_coach.dialogue.words import WordIndex, forms, sound

CONTENT = load()


def _spot(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    found = spot(text, CONTENT.safety)
    return found.urgent, found.red_flags


@pytest.mark.parametrize(
    ("text", "urgent"),
    [
        ("my pee is dark brown after a marathon", "rhabdomyolysis"),
        ("brown, almost black, is what my urine looks", "rhabdomyolysis"),  # any order
        ("I'm weeing something reddish", "rhabdomyolysis"),
        ("my chest is tight", "chest_pain"),
        ("there is a pain across my chest", "chest_pain"),
        ("my face is drooping", "stroke_signs"),
        ("my speech has gone slurred", "stroke_signs"),
        ("one side of my body is numb", "stroke_signs"),
        ("I fainted at the finish", "fainting"),
        ("I'm struggling to breathe", "breathing"),
        ("my urin is dark", "rhabdomyolysis"),  # a slip
        ("chess pains after the run", "chest_pain"),  # a sound-alike
        ("I'm strugling to breath", "breathing"),
        ("I don't know why my chest hurts", "chest_pain"),  # "not" negates the knowing, not the pain
    ],
)
def test_an_urgent_sign_is_groups_that_meet_in_one_clause(text: str, urgent: str) -> None:
    assert urgent in _spot(text)[0]


@pytest.mark.parametrize(
    "text",
    [
        "it twitches on one side of my calf",
        "I had a dark beer after the run",
        "I was breathing hard in the intervals, which is normal",
        "my chest muscle twitches after bench press",
        "there's a faint twitch in my thumb",
        "I passed out flyers before the race",
        "my pee is dark yellow, I need water",
        "I'm peeing a lot after all that tea",
        "no chest pain at all",
        "my chest doesn't hurt",
        "my pee is fine but I drank a cola",
    ],
)
def test_look_alikes_and_negated_signs_stay_quiet(text: str) -> None:
    assert _spot(text)[0] == ()


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("no numbness, but my arm is weak", ("weakness",)),
        ("my vision is fine", ()),
        ("no pain, no weakness, no numbness", ()),
        ("nothing but pain", ("painful",)),
        ("fine except my arm is numb", ("numbness",)),
        ("it doesn't hurt and my leg gives way", ("weakness",)),  # negation ends at "and"
        ("a little weaker than normal", ("weakness",)),  # "than normal" is no all-clear
        ("my vision is not clear", ("vision",)),
        ("my leg keeps giving out", ("weakness",)),
        ("I've lost feeling in my toes", ("numbness",)),
        ("it's been going on for over a month", ("persistent",)),
        ("I've been training for weeks and it only started today", ()),
        ("I've been lifting for years and never had this", ()),  # how long they have trained
        ("I ran a half marathon last month and now my calf twitches", ()),
        ("it's been like this for months now", ("persistent",)),
        ("one side of my calf is numb", ("numbness",)),  # the look-alike drops the side, not the numbness
        ("I have weak coffee in the morning", ()),
        ("my calf and my shoulder both twitch", ("spreading",)),
        ("I started new tablets", ("medication",)),
        ("no new medication", ()),
    ],
)
def test_red_flags_are_concepts_with_negation_scoped_to_the_clause(text: str, flags: tuple[str, ...]) -> None:
    assert _spot(text) == ((), flags)


def test_spellings_that_sound_like_a_listed_word_count() -> None:
    index = WordIndex(["numb", "weakness", "tingle", "medicine", "week"], {}, ["comb"])
    assert sound("numm") == sound("numb") and sound("weeknes") == sound("weakness")
    assert index.lookup("numm") == {"numb"} and index.lookup("nummb") == {"numb"}
    assert index.lookup("weeknes") == {"weakness"} and index.lookup("tinglie") == {"tingle"}
    assert index.lookup("medisin") == {"medicine"}
    assert index.lookup("weekness") == {"week", "weakness"}  # a form of one listed word, said as another
    assert index.lookup("week") == {"week"}  # a listed word is only itself
    assert index.lookup("comb") == frozenset()  # a real word named in not_slips
    real = WordIndex(["numb", "numbness", "both"], {}, ["numbers", "bother"])
    assert real.lookup("numbers") == frozenset() and real.lookup("bother") == frozenset()  # nor a form of a word
    assert real.lookup("numbed") == {"numb"}  # a form not named there still counts
    assert index.lookup("nub") == frozenset()  # too short to be read as anything
    dropped = WordIndex(["tingling", "spreading", "thing"], {}, ["thin"])
    assert dropped.lookup("tinglin") == {"tingling"} and dropped.lookup("spreddin") == {"spreading"}  # a dropped g
    assert dropped.lookup("thin") == frozenset()  # a real word that is a listed one with its g dropped


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("my arm is numm", ("numbness",)),
        ("weeknes in my grip", ("weakness",)),
        ("my thigh feels week", ("weakness",)),  # a recogniser's homophone, heard only where "weak" fits
        ("it's week three of my plan", ()),
        ("it's in loads of places now", ("spreading",)),  # "{many} {places}" written out
        ("it jumped from my calf to my shoulder", ("spreading",)),
        ("since march", ("persistent",)),
        ("two months of this", ("persistent",)),
        ("my race is in three weeks", ()),  # an idiom group: the time to come, not how long it has gone on
        ("my legs feel weak after a run", ("weakness",)),  # no look-alike across "after": not a weak run
        ("a weak coffee", ()),
        ("I started new tablets last month", ("medication",)),  # a belonging drops only the second group
        ("the same pills for years", ()),
        ("I have a weakness for chocolate", ()),
        ("the twitch is a pain in the neck", ()),
        ("I get a sharp pain in my neck", ("painful",)),
        ("I feel numb about work", ()),
        ("my dad has numbness in his hands", ()),  # someone else's
        ("my dad says my hand is numb", ("numbness",)),  # ... unless it is one's own too
        ("my mum has numbness in her feet and i have a twitch", ()),  # her stretch ends at "and"
        ("no my arm is weak", ("weakness",)),  # a "no" said without its comma answers, and negates nothing
        ("no not really my fingers tingle", ("numbness",)),
        ("no my arm is not weak", ()),
        ("I can run without my leg going numb", ()),
        ("can twitching cause numbness", ()),  # a what-if
        ("my hand is numb, can twitching cause that", ("numbness",)),
    ],
)
def test_signs_said_in_other_words_and_words_that_mean_something_else(text: str, flags: tuple[str, ...]) -> None:
    assert _spot(text) == ((), flags)


@pytest.mark.parametrize(
    ("text", "urgent"),
    [
        ("my friend fainted last year", False),  # someone else, long ago
        ("my friend just collapsed", True),  # someone else, now: urgent help is still the right advice
        ("my wife says my face is drooping", True),
        ("what if I pass out", True),  # a what-if keeps an urgent sign
        ("I feel faint after every sprint", True),
        ("my mates said I was out for a few seconds", True),
    ],
)
def test_urgent_signs_keep_their_safe_side(text: str, urgent: bool) -> None:
    assert bool(_spot(text)[0]) == urgent


@pytest.mark.parametrize(
    ("text", "urgent", "flags"),
    [
        ("the twitch does not hurt but my chest does", ("chest_pain",), ("painful",)),  # "my chest does [hurt]"
        ("my calf does not ache, my chest does though", ("chest_pain",), ("painful",)),
        ("my left leg is not numb but my right one is", (), ("numbness",)),
        ("it did not hurt last week but it does now", (), ("painful",)),
        ("I am not numb but my friend is", (), ()),  # borrowed into someone else's clause: theirs
        ("it does not hurt but it does twitch", (), ()),  # the verb does not end its part: nothing borrowed
        ("my chest does not hurt and my legs do not either", (), ()),
    ],
)
def test_a_verb_standing_for_one_denied_before_borrows_its_words(text: str, urgent: tuple, flags: tuple) -> None:
    assert _spot(text) == (urgent, flags)


def test_sleep_sayings_are_quiet_at_the_sleep_question_only() -> None:
    safety = load().safety
    assert spot("out like a light, about eight hours", safety, "sleep").urgent == ()
    assert spot("out like a light, about eight hours", safety).urgent == ("fainting",)  # no question: the safe side
    assert spot("out like a light in bed by nine", safety).urgent == ()  # beside talk of bed: asleep
    assert spot("about seven, but I fainted after my run", safety, "sleep").urgent == ("fainting",)


def test_word_forms_and_slips() -> None:
    assert {"tingles", "tingling", "tingly"} <= forms("tingle")
    assert {"slurred", "slurring"} <= forms("slur") and "blurry" in forms("blur")
    index = WordIndex(["medication", "pee", "fainted", "faint"], {"pea": "pee"}, ["painted"])
    assert index.lookup("medcation") == {"medication"}  # one letter off a long word
    assert index.lookup("peeing") == {"pee"} and index.lookup("peee") == {"pee"} and index.lookup("pea") == {"pee"}
    assert index.lookup("faint") == {"faint"}  # a listed word is itself, never a slip of another
    assert index.lookup("painted") == frozenset()  # a real word named in not_slips
    assert index.lookup("med") == frozenset()  # short words are never slips


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("my wee looks like cola", "hydration"),
        ("I can't catch my breath", "sleep"),
        ("no, but my face is drooping", "weakness"),
        ("my chest feels tight", "red_flags"),
    ],
)
def test_the_one_shot_answer_and_the_check_in_spot_the_same(text: str, topic: str) -> None:
    asked = answer(CONTENT, text)
    heard = understand(CONTENT, topic, text)
    assert asked.urgent and heard["urgent"] and heard["next"] == "end"


@pytest.mark.parametrize(
    ("text", "flags"),
    [("my arm is numb", ["numbness"]), ("no pain, but my vision is blurry", ["vision"]), ("it's weak", ["weakness"])],
)
def test_the_one_shot_answer_and_the_check_in_raise_the_same_flags(text: str, flags: list[str]) -> None:
    assert answer(CONTENT, text).red_flags == flags
    assert understand(CONTENT, "sleep", text)["red_flags"] == flags


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("as usual, same as always", "as usual, like always, same as always",
         "safety.spotting.as_usual.16: 'like always' is read without its filler 'like', so it cancels more"),
        ("    chest_pain: [[chest, hurting], [clutching_chest], [pecs, mid_chest, hurting]]", "    chest_pains: [[chest, hurting]]",
         "safety.urgent.signs.chest_pains: unknown urgent sign id 'chest_pains'; domain.yaml has: rhabdomyolysis"),
        ("    chest_pain: [[chest, hurting], [clutching_chest], [pecs, mid_chest, hurting]]", "    chest_pain: [[chest, hurtin], [clutching_chest], [pecs, mid_chest, hurting]]",
         "safety.urgent.signs.chest_pain.0: unknown group 'hurtin'; groups: "),
        ("    signs: [[weak], [weak_grip], [cannot_do], [limb_cannot], [digits_cannot], [lost_strength], [grip_word, fell_word]]", "    signs: [[wek], [weak_grip], [cannot_do], [limb_cannot], [digits_cannot], [lost_strength], [grip_word, fell_word]]", "safety.red_flags.weakness.signs.0: unknown group 'wek'"),
        ("    signs: [[weak], [weak_grip], [cannot_do], [limb_cannot], [digits_cannot], [lost_strength], [grip_word, fell_word]]", "    signs: []", "safety.red_flags.weakness.signs: should be a list of patterns"),
        ("    signs: [[weak], [weak_grip], [cannot_do], [limb_cannot], [digits_cannot], [lost_strength], [grip_word, fell_word]]", "    signs: [[], [weak_grip], [cannot_do], [limb_cannot], [digits_cannot], [lost_strength], [grip_word, fell_word]]", "safety.red_flags.weakness.signs.0: should be a list of group names"),
        ("  both: [both]", "  both: []", "safety.groups.both: should be a non-empty list of phrases"),
        ("  both: [both]", "  both: [both]\n  unused: [thing]", "safety.groups.unused: group 'unused' is used by no sign"),
        ("    - [weak, not_body]", "    - [weak, not_bodies]", "safety.spotting.lookalikes.0: unknown group 'not_bodies'"),
        ("  both: [both]", "  both: [like]", "safety.groups.both.0: 'like' is only filler words"),
        ("  both: [both]", "  both: [both, Both]", "safety.groups.both.1: 'both' is listed twice; keep one"),
        ("  me: [i, me, my, myself, mine]", "  me: [i, me, my, myself, mine, me]", "safety.spotting.me.5: 'me' is listed twice"),
        ("    unless: [recent]", "    unless: [recnt]", "safety.red_flags.persistent.unless.0: unknown group 'recnt'"),
        ("  both: [both]", '  both: [both, "{manny} {places}"]', "safety.groups.both.1: unknown group 'manny' in '{manny} {places}'"),
        ("  both: [both]", '  both: [both, "{round_a}"]\n  round_a: ["{both}"]', "groups.round_a: groups name each other in a circle: both -> round_a -> both"),
        ("  both: [both]", '  both: ["{count} {count} {count} {count}"]', "writes out to more than 2000 phrases"),
        ("    - [weak, not_body]", "    - [weak, not_body, 12]", "safety.spotting.lookalikes.0: the third item is how many"),
        ("  idioms: [idiom, saying, screen_blur, not_yet,", "  idioms: [idiom, saying, screen_blur, not_yets,",
         "safety.spotting.idioms.3: unknown group 'not_yets'"),
        ("  me: [i, me, my, myself, mine]", "  me: [i, me, my self]", "safety.spotting.me.2: should be one word"),
        ("havenae: have not,", "havenae: [have, not],", "safety.spotting.dialect.havenae: should map words to the words"),
    ],
)  # fmt: skip
def test_sign_content_is_checked_with_file_and_line(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert_reported(tmp_path, "safety.yaml", old, new, expected)


# Fresh phrasings, written for this test and kept out of the safety set: every one names a red flag,
# many in a reply that otherwise reads as "no".
SCREEN = [
    ("nope, apart from it aching a lot", "painful"),
    ("not really, it just stings when it goes", "painful"),
    ("all fine, except my hand feels feeble", "weakness"),
    ("no, though my knee buckled twice", "weakness"),
    ("none really, my fingertips are a bit numb", "numbness"),
    ("nothing, only some tingling in my foot", "numbness"),
    ("no, but things look blurry now and then", "vision"),
    ("not that, but I keep seeing double", "vision"),
    ("no, but it's jumping all over the place", "spreading"),
    ("not really, it's in both calves", "spreading"),
    ("no, except the new tablets my doctor gave me", "medication"),
    ("none of that, though I did switch meds last week", "medication"),
    ("no, it's just been going on for months", "persistent"),
    ("no, it's been there for a few weeks", "persistent"),
]


@pytest.mark.parametrize(("reply", "flag"), SCREEN)
def test_every_reply_at_the_screen_that_names_a_red_flag_raises_it_and_asks_the_follow_ups(
    reply: str, flag: str
) -> None:
    heard = understand(CONTENT, "red_flags", reply)
    assert flag in heard["red_flags"], heard
    assert heard["next"] == CONTENT.trees["checkin"].nodes["screen"].next["yes"]  # the follow-ups are asked


@pytest.mark.parametrize("reply", ["no", "nope, all good", "none of those", "no, I feel fine", "nothing like that"])
def test_a_plain_no_at_the_screen_raises_nothing(reply: str) -> None:
    heard = understand(CONTENT, "red_flags", reply)
    assert heard["red_flags"] == [] and heard["next"] == "duration"


@pytest.mark.parametrize(
    ("reply", "flags", "intent"),
    [("nope, but my vision's gone blurry", ["vision"], "no"), ("nah, it's gone numb", ["numbness"], "numbness")],
)
def test_the_quick_screen_counts_red_flag_words_too(reply: str, flags: list[str], intent: str) -> None:
    heard = understand(CONTENT, "red_flags", reply, mode="quick")
    assert heard["red_flags"] == flags and heard["intent"] == intent


@pytest.mark.parametrize(
    ("text", "urgent", "flags"),
    [
        ("weak? no. numb? nope", (), ()),  # a question put to oneself, answered no
        ("weak? yes, really weak", (), ("weakness",)),  # ... answered yes: the answer joins its clause
        ("faint? no, but my chest is tight", ("chest_pain",), ()),
        ("I can't say it hurts", (), ()),  # a denial
        ("I read that a drooping face is a stroke sign", (), ()),  # passed on as information
        ("I read that slurred speech is a stroke sign and my speech is slurred", ("stroke_signs",), ()),
        ("they say watch out for my pee going dark", ("rhabdomyolysis",), ()),  # oneself after the telling
        ("my dad gets chest pain, I only have a twitch", (), ()),  # someone else's, the speaker says what is theirs
        ("my dad is getting chest pain right now, I only have a twitch", ("chest_pain",), ()),  # ... but it is now
        ("my friend collapsed and I have his bag", ("fainting",), ()),
        ("my urine is drak", ("rhabdomyolysis",), ()),  # two letters swapped
        ("my vishun is blurry", (), ("vision",)),  # a sound-alike of -sion
        ("can fainting come with twitching, in general I mean? just wondering", (), ()),  # asked out of interest
        ("out of curiosity, does a droopy face mean a stroke?", (), ()),
        ("is chest pain a bad sign? out of curiosity, my chest is tight", ("chest_pain",), ()),  # ... then one's own
        ("does numbness go with twitching? I'm curious as my hand is numb", (), ("numbness",)),
        ("we were talking about the race, my time was not good", (), ()),  # talk beside "not good" is no speech sign
        ("my physio always says dark pee means hospital", (), ()),  # a source that says it habitually
        ("my physio always says I look pale and my pee is dark", ("rhabdomyolysis",), ()),  # ... of oneself
    ],
)
def test_questions_to_oneself_denials_information_and_someone_else(
    text: str, urgent: tuple[str, ...], flags: tuple[str, ...]
) -> None:
    assert _spot(text) == (urgent, flags)


def test_at_the_numbness_question_a_plain_yes_naming_one_side_is_a_stroke_sign() -> None:
    assert understand(CONTENT, "numbness", "yes, my whole left side")["urgent"]
    assert not understand(CONTENT, "numbness", "no, not on one side")["urgent"]
    assert not spot("yes, my whole left side", CONTENT.safety).urgent  # at no question, a side alone is nothing


@pytest.mark.parametrize(
    ("text", "urgent", "flags"),
    [
        ("when is numbness a worry?", (), ()),  # a general question about a red flag: not had
        ("how serious is weakness in the hands", (), ()),  # ... with no "?" when it opens with a question word
        ("are pins and needles bad?", (), ()),
        ("are my pins and needles bad?", (), ("numbness",)),  # a word of oneself: had
        ("is it serious that my arm goes numb", (), ("numbness",)),
        ("can barely lift the kettle", (), ("weakness",)),
        ("why are both calves twitching at once?", (), ("spreading",)),  # "why" asks about one's own  # no "?": a reply with its "I" left out, not a question
        ("is brown pee something to worry about?", ("rhabdomyolysis",), ()),  # an urgent sign asked about still counts
        ("a video said blurred vision is a warning", (), ()),  # a source passing a sign on
        ("a video said blurred vision is a warning and my vision is blurred", (), ("vision",)),
    ],
)
def test_general_questions_and_sources_raise_no_red_flag(
    text: str, urgent: tuple[str, ...], flags: tuple[str, ...]
) -> None:
    assert _spot(text) == (urgent, flags)


def test_weak_where_only_a_week_fits_is_a_week() -> None:
    assert _spot("it began a weak ago") == ((), ())
    assert _spot("my leg has been weak for a week") == ((), ("weakness",))
    assert not understand(CONTENT, "duration", "a weak")["red_flags"]
    assert understand(CONTENT, "weakness", "a weak grip, yes")["red_flags"] == ["weakness"]


@pytest.mark.parametrize(
    ("text", "urgent", "flags"),
    [
        ("my breathing has been awful all day", ("breathing",), ()),  # hard to breathe, said after a linking verb
        ("I was breathing hard on the hills", (), ()),  # ... effort, with no linking verb
        ("breath keeps getting stuck halfway", ("breathing",), ()),
        ("my wee's like cola", ("rhabdomyolysis",), ()),  # "is like" gone: the urine said as the drink
        ("my triceps are twitching too now", (), ("spreading",)),  # a second place, the first said before
        ("my calf twitches too much", (), ()),
        ("my arms are wrecked after arm day, twitchy too", (), ()),  # a session named after a part is not a place
        ("started new tablets six weeks ago and twitched ever since", (), ("persistent", "medication")),
        ("the twitch has lasted for a month, every run", (), ("persistent",)),
        ("apparently pins and needles after cycling is normal", (), ()),  # passed on
        ("apparently my arm went numb while I slept", (), ("numbness",)),  # ... but one's own
        ("what happens if my grip goes weak?", (), ()),  # a what-if about a red flag
    ],
)
def test_generalised_wording(text: str, urgent: tuple[str, ...], flags: tuple[str, ...]) -> None:
    assert _spot(text) == (urgent, flags)


def test_at_the_vision_question_a_reply_with_no_no_names_the_eyes() -> None:
    assert understand(CONTENT, "vision", "sometimes I can't read my phone")["red_flags"] == ["vision"]
    assert not understand(CONTENT, "vision", "no, nothing's changed")["red_flags"]
