"""Spot red flags and urgent signs in free speech: "and my leg feels numb", "my pee is dark"."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from dialogue.content import Safety
from intents.normalize import normalise

_NEGATION_REACH = 3  # words before a phrase in which "no", "not", "never" cancel it


@functools.lru_cache(maxsize=1024)
def _words(phrase: str) -> tuple[str, ...]:
    """A content phrase as normalised words; content is fixed, so each is worked out once."""
    return tuple(normalise(phrase).split())


def _mentions(text: str, phrases: Iterable[str], negations: tuple[str, ...]) -> bool:
    """True when a phrase appears in `text` and is not negated just before it."""
    tokens = text.split()
    negating = {n for n in negations if " " not in n}
    for phrase in phrases:
        words = _words(phrase)
        if not words:
            continue
        for i in range(len(tokens) - len(words) + 1):
            negated = negating & set(tokens[max(0, i - _NEGATION_REACH) : i])
            if tuple(tokens[i : i + len(words)]) == words and not negated:
                return True
    return False


def urgent_signs(utterance: str, safety: Safety) -> list[str]:
    """Ids of urgent signs mentioned in `utterance`."""
    text = normalise(utterance)
    return [sid for sid, phrases in safety.urgent.signs.items() if _mentions(text, phrases, safety.urgent.negations)]


def red_flags_in(utterance: str, safety: Safety) -> list[str]:
    """Ids of red flags mentioned in `utterance`, in content order."""
    text = normalise(utterance)
    return [fid for fid, flag in safety.red_flags.items() if _mentions(text, flag.keywords, safety.urgent.negations)]
