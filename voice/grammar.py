"""Pure builders of JSGF grammars from the phrases a question expects."""

from __future__ import annotations

import re
from collections.abc import Iterable

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


def jsgf(phrases: Iterable[str], name: str = "answers") -> str:
    """A JSGF grammar whose public rule matches exactly one of `phrases`.

    No garbage path: a phone loop inside the grammar (weights 1e-30 to 1e-5 tried, 2026-11) rejected
    out-of-domain speech but lost a quarter to two thirds of real answers and took up to 3.7 s on some.
    Rejection is judged after decoding instead (pocketsphinx_engine.PocketSphinxRecognizer._judge).
    """
    alternatives = normalise(phrases)
    if not alternatives:
        raise ValueError("a grammar needs at least one phrase with a word in it")
    body = " | ".join(alternatives)
    return f"#JSGF V1.0;\ngrammar {_rule_name(name)};\npublic <{ANSWER_RULE}> = {body};\n"


def _rule_name(name: str) -> str:
    """A grammar name JSGF accepts (letters, digits and underscores)."""
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return cleaned if cleaned and not cleaned[0].isdigit() else f"g_{cleaned}"
