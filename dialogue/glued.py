"""Words run together ("chesttightness", "myurineisdarkbrown", as typed in a hurry or written by a recogniser) split
back into the words they hold, so a sign in them is heard."""

from __future__ import annotations

from collections.abc import Collection
from functools import partial

# A token at least this long that is no known word may be several run together; shorter ones are left alone, as
# most compounds are ("breaststroke", "spreadsheet").
GLUED = 14
TYPED = 5  # a shorter unknown token may be a few words typed without their spaces ("mypee", "cantbreathe") ...
COVERED = 0.8  # ... and its words of two letters or more must spell this share of it, or it stays whole
_UNKNOWN = 3  # the cost of a letter no known word covers, against 1 a word: a split must explain most of the token


def _is_word(piece: str, known: Collection[str]) -> bool:
    """A known word; a single letter only as "a" or "i"."""
    return piece in known and (len(piece) > 1 or piece in "ai")


def split(token: str, known: Collection[str], longest: int) -> list[str]:
    """`token` as the known words that spell it with the fewest words and stray letters (stray letters kept
    together as one word), or `[token]` when known words of two letters or more spell less than COVERED of it."""
    n = len(token)
    is_word = partial(_is_word, known=known)
    cost = [0] + [n * _UNKNOWN + 1] * n
    back = [0] * (n + 1)  # where the piece ending here starts
    for end in range(1, n + 1):
        for start in range(max(0, end - longest), end):
            piece = token[start:end]
            step = 1 if is_word(piece) else _UNKNOWN * len(piece)
            if cost[start] + step < cost[end]:
                cost[end], back[end] = cost[start] + step, start
    pieces: list[str] = []
    end = n
    while end:
        pieces.append(token[back[end] : end])
        end = back[end]
    pieces.reverse()
    words: list[str] = []
    for piece in pieces:  # stray letters side by side are one unknown word
        if not is_word(piece) and words and not is_word(words[-1]):
            words[-1] += piece
        else:
            words.append(piece)
    covered = sum(len(w) for w in words if w in known and len(w) > 1)
    return words if covered >= COVERED * n else [token]


def split_typed(token: str, known: Collection[str], joins: Collection[str], longest: int) -> list[str]:
    """... but only into known words and nothing else, each next to one of the `joins` a hurried typist runs into the
    next word ("my", "is", "and"), or `[token]`. Compounds of two other words stay whole ("heartache", "inside")."""
    words = split(token, known, longest)
    whole = all(_is_word(w, known) for w in words)
    joined = all(a in joins or b in joins for a, b in zip(words, words[1:], strict=False))
    return words if len(words) > 1 and whole and joined else [token]
