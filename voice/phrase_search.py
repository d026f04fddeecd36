"""Which of a question's phrases the audio holds: a beam search over a trie of the phrases' tokens, where a
phrase only counts once the decoder would end there, so "start" is never taken for the first word of "start over"
and "stop" is scored as a whole word, not as whatever tokens the other phrases happen to share."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

Prefix = tuple[int, ...]
# Phrases of different lengths are ranked by log-probability / tokens ** LENGTH_POWER: every token costs a little
# even when it is plainly said, so the total favours short phrases ("no" over a spoken "not really") and the mean
# per token (1.0) long ones ("start again" over "stop" heard as "start"). 0.85 kept both right on the fitting
# speakers' "stop" and digits and on espeak's multi-word answers; 0.5 and 0.75 lost "start over" to "stop".
LENGTH_POWER = 0.85
# The decoder's log-probabilities of the next token after each prefix, one vector over the vocabulary each.
NextTokens = Callable[[list[Prefix]], list[np.ndarray]]


@dataclass(frozen=True)
class PhraseTrie:
    """Every spelling of every phrase as token ids; a spelling ends in `ends`, naming the phrase it spells."""

    children: dict[Prefix, frozenset[int]]  # prefix -> the tokens that continue some spelling
    ends: dict[Prefix, str]  # a whole spelling -> its phrase
    longest: int  # tokens in the longest spelling

    @classmethod
    def build(cls, spellings: Iterable[tuple[str, Sequence[int]]]) -> PhraseTrie:
        """A trie from (phrase, token ids of one way to write it) pairs; a spelling two phrases share is the first's."""
        children: dict[Prefix, set[int]] = {}
        ends: dict[Prefix, str] = {}
        for phrase, ids in spellings:
            ids = tuple(ids)
            if not ids:
                continue
            for i, token in enumerate(ids):
                children.setdefault(ids[:i], set()).add(token)
            ends.setdefault(ids, phrase)
        longest = max((len(ids) for ids in ends), default=0)
        return cls({p: frozenset(t) for p, t in children.items()}, ends, longest)


@dataclass(frozen=True)
class Scored:
    """A phrase and the log-probability that the decoder says exactly it and stops (every spelling summed)."""

    phrase: str
    log_prob: float
    tokens: int  # in its likeliest spelling, the end included

    @property
    def ranked(self) -> float:
        """The log-probability normalised for length: what phrases are ranked and compared by."""
        return normalised(self.log_prob, self.tokens)


def normalised(log_prob: float, tokens: int) -> float:
    """A path's log-probability over its length in tokens to the power LENGTH_POWER."""
    return log_prob / tokens**LENGTH_POWER


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Log-probabilities from one vector of logits (already normalised ones pass through unchanged)."""
    x = np.asarray(logits, dtype=np.float64).ravel()
    x = x - x.max()
    return x - math.log(float(np.exp(x).sum()))


def search(
    trie: PhraseTrie, next_tokens: NextTokens, end_tokens: Sequence[int], known: dict[Prefix, np.ndarray],
    beam: int = 3, prune: float = 6.0,
) -> list[Scored]:  # fmt: skip
    """The phrases the decoder reaches, best first by log-probability normalised for length. `known` holds
    log-probabilities already computed (the free decode's own path) and gains the ones asked for; `beam` prefixes are
    kept at each step, and none that is already `prune` nats behind a finished phrase. A phrase scores its tokens
    plus the probability of ending after it."""
    done: dict[str, float] = {}
    length: dict[str, tuple[float, int]] = {}  # the likeliest spelling of each phrase: its score and tokens
    live: list[tuple[Prefix, float]] = [((), 0.0)]
    ends = list(end_tokens)
    while live:
        needed = [prefix for prefix, _ in live if prefix not in known]
        if needed:
            known.update(zip(needed, next_tokens(needed), strict=True))
        grown: list[tuple[Prefix, float]] = []
        for prefix, score in live:
            log_p = known[prefix]
            phrase = trie.ends.get(prefix)
            if phrase is not None:
                ended = score + float(np.logaddexp.reduce(log_p[ends]))
                done[phrase] = float(np.logaddexp(done[phrase], ended)) if phrase in done else ended
                if ended > length.get(phrase, (-math.inf, 0))[0]:
                    length[phrase] = (ended, len(prefix) + 1)
            grown += [(prefix + (token,), score + float(log_p[token])) for token in trie.children.get(prefix, ())]
        grown.sort(key=lambda item: -item[1])
        best = max(done.values(), default=-math.inf)
        live = [item for item in grown[:beam] if item[1] > best - prune]
    found = [Scored(p, s, length[p][1]) for p, s in done.items()]
    return sorted(found, key=lambda scored: -scored.ranked)
