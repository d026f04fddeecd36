"""vocab.yaml: answer sets, the universal "not sure", the global commands, counted nouns and pronunciations."""

from __future__ import annotations

import re
from typing import Any

from twitch_coach.dialogue.content import Vocab
from twitch_coach.dialogue.domain import check_ids
from twitch_coach.dialogue.fields import Reader
from twitch_coach.dialogue.ids import UNSURE, Command, Expects
from twitch_coach.dialogue.yamlfile import KeyPath
from twitch_coach.intents.normalize import normalise
from twitch_coach.intents.numbers import parse_number, singular

# The 39 phones of the CMU US English dictionary (ARPAbet, no stress marks), as recognisers spell them.
ARPABET = frozenset(
    "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH".split()
)

YES_NO_ANSWERS = frozenset({"yes", "no"})  # the answer ids the dialogue itself gives a yes/no question


def read_vocab(reader: Reader, root: KeyPath) -> Vocab:
    """The vocabulary; what is wrong in it is recorded on the reader's file."""
    data = reader.mapping(reader.file.data, root)
    reader.unknown_keys(data, ("unsure", "about", "answer_sets", "commands", "counted", "pronunciations"), root)
    unsure = reader.get(data, "unsure", root, "phrases") or ()
    sets_raw = reader.get(data, "answer_sets", root, "mapping") or {}
    answer_sets: dict[str, dict[str, tuple[str, ...]]] = {}
    for name, raw in sets_raw.items():
        where = (*root, "answer_sets", name)
        answers = reader.mapping(raw, where)
        if len(answers) < 2:
            reader.problem(where, "an answer set needs at least two answers")
        answer_sets[name] = {aid: reader.phrases(p, (*where, aid)) for aid, p in answers.items()}
        if UNSURE in answers:
            reader.problem(
                (*where, UNSURE),
                "'unsure' is shared by every question; add phrases to the top-level 'unsure' list",
            )
    yes_no = answer_sets.get(Expects.YES_NO)
    if sets_raw and (yes_no is None or set(yes_no) != YES_NO_ANSWERS):
        # yes_no questions and every "Did you say ...?" take their answers from it, whatever the domain.
        where = (*root, "answer_sets", Expects.YES_NO) if yes_no is not None else (*root, "answer_sets")
        reader.problem(where, "needs the answer set 'yes_no' with exactly the answers 'yes' and 'no'")
    commands_raw = reader.get(data, "commands", root, "mapping") or {}
    check_ids(reader, (*root, "commands"), commands_raw, tuple(Command), "command")
    commands = {name: reader.phrases(p, (*root, "commands", name)) for name, p in commands_raw.items()}
    about = tuple(normalise(w) for w in reader.get(data, "about", root, "phrases") or ())
    counted = _counted(reader, data, root)
    return Vocab(unsure, answer_sets, commands, _pronunciations(reader, data, root), about, counted)


def _counted(reader: Reader, data: dict[str, Any], root: KeyPath) -> frozenset[str]:
    """vocab.yaml's counted nouns ("a coffee" is one), as the number reader looks them up: singular, joined."""
    found = set()
    for index, phrase in enumerate(reader.get(data, "counted", root, "phrases", required=False) or ()):
        where = (*root, "counted", str(index))
        words = normalise(phrase).split()
        joined = "".join(words)
        if not 1 <= len(words) <= 2:
            reader.problem(where, f"{phrase!r}: a counted noun is one word or two, such as 'cup' or 'red bull'")
        elif singular(joined) != joined:
            reader.problem(where, f"{phrase!r}: write it in the singular, such as {singular(words[-1])!r}; "
                                  "the plural is found from it")
        elif parse_number(joined) is not None:
            reader.problem(where, f"{phrase!r} is a number itself, not something counted")
        else:
            found.add(joined)
    return frozenset(found)


def _pronunciations(reader: Reader, data: dict[str, Any], root: KeyPath) -> dict[str, str]:
    """vocab.yaml's pronunciations: a lower-case word -> its ARPAbet phones, space-separated."""
    raw = reader.get(data, "pronunciations", root, "mapping", required=False) or {}
    found = {}
    for word, phones in raw.items():  # mapping() has made every key a string
        where = (*root, "pronunciations", word)
        spelt = phones.split() if isinstance(phones, str) else []
        if not re.fullmatch(r"[a-z][a-z']*", word):
            reader.problem(where, "should be one lower-case word")
        elif not spelt:
            reader.problem(where, "should be the word's phones, such as 'N AE K ER D'")
        elif unknown := [p for p in spelt if p not in ARPABET]:
            reader.problem(where, f"unknown phone {unknown[0]!r}; use the 39 ARPAbet phones, such as AH, IY, NG")
        else:
            found[word] = " ".join(spelt)
    return found
