"""Pure builders of JSGF grammars from the phrases a question expects."""

from __future__ import annotations

import re
from collections.abc import Iterable

# The 39 context-independent phones of the CMU US English dictionary and acoustic model.
PHONES = (
    "AA AE AH AO AW AY B CH D DH EH ER EY F G HH IH IY JH K L M N NG OW OY P R S SH T TH UH UW V W Y Z ZH"
).split()
GARBAGE_PREFIX = "phn_"  # a pseudo-word per phone; no dictionary word starts with this
GARBAGE_RULE = "garbage"
ANSWER_RULE = "answer"

_NOT_WORD = re.compile(r"[^a-z0-9']+")


def words(phrase: str) -> tuple[str, ...]:
    """The lower-case dictionary words of `phrase`: punctuation dropped, inner apostrophes kept ("don't")."""
    tokens = _NOT_WORD.sub(" ", phrase.lower()).split()
    # Quotes around a word ("'yes'") are punctuation; an apostrophe inside one is spelling.
    cleaned = (token.strip("'") for token in tokens)
    return tuple(token for token in cleaned if token)


def phrase_words(phrases: Iterable[str]) -> list[str]:
    """Every distinct word of `phrases`, sorted."""
    return sorted({word for phrase in phrases for word in words(phrase)})


def normalise(phrases: Iterable[str]) -> tuple[str, ...]:
    """`phrases` as space-joined words, empty ones dropped, first occurrence kept, order kept."""
    seen: dict[str, None] = {}
    for phrase in phrases:
        text = " ".join(words(phrase))
        if text:
            seen.setdefault(text, None)
    return tuple(seen)


def garbage_word(phone: str) -> str:
    """The pseudo-word that stands for one phone in the garbage loop ("AA" -> "phn_aa")."""
    return GARBAGE_PREFIX + phone.lower()


def is_garbage(word: str) -> bool:
    """True for a garbage-loop pseudo-word (possibly with an alternate marker such as "(2)")."""
    return word.startswith(GARBAGE_PREFIX)


def jsgf(phrases: Iterable[str], name: str = "answers", garbage_weight: float | None = None) -> str:
    """A JSGF grammar whose public rule matches exactly one of `phrases`, or a phone loop when weighted."""
    alternatives = normalise(phrases)
    if not alternatives:
        raise ValueError("a grammar needs at least one phrase with a word in it")
    body = " | ".join(alternatives)
    lines = ["#JSGF V1.0;", f"grammar {_rule_name(name)};"]
    if garbage_weight is None:
        lines.append(f"public <{ANSWER_RULE}> = {body};")
    else:
        if garbage_weight <= 0:
            raise ValueError("garbage_weight must be positive")
        loop = " | ".join(garbage_word(phone) for phone in PHONES)
        lines.append(f"<{GARBAGE_RULE}> = ({loop})+;")
        # Weights are relative: the phrases share 1, the phone loop gets garbage_weight.
        lines.append(f"public <{ANSWER_RULE}> = /1/ ({body}) | /{garbage_weight:g}/ <{GARBAGE_RULE}>;")
    return "\n".join(lines) + "\n"


def _rule_name(name: str) -> str:
    """A grammar name JSGF accepts (letters, digits and underscores)."""
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return cleaned if cleaned and not cleaned[0].isdigit() else f"g_{cleaned}"
