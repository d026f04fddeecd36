"""The phrase search on a fake decoder: a phrase counts only where the decoder would stop, spellings add up, and
what the free decode already scored is not asked again."""

from __future__ import annotations

import math

import numpy as np
import pytest

from twitch_coach.voice.phrase_search import PhraseTrie, log_softmax, search

END, STOP, START, OVER, FIVE, DIGIT_5, YES = range(7)
SIZE = 7


class FakeDecoder:
    """Next-token probabilities per prefix from a table; any prefix not in it gives every token the same chance."""

    def __init__(self, table: dict[tuple[int, ...], dict[int, float]]) -> None:
        self.table = table
        self.asked: list[tuple[int, ...]] = []

    def __call__(self, prefixes: list[tuple[int, ...]]) -> list[np.ndarray]:
        self.asked += prefixes
        out = []
        for prefix in prefixes:
            p = np.full(SIZE, 1e-6)
            for token, share in self.table.get(prefix, {}).items():
                p[token] = share
            out.append(np.log(p / p.sum()))
        return out


TRIE = PhraseTrie.build([("stop", [STOP]), ("start", [START]), ("start over", [START, OVER]), ("yes", [YES])])


def test_a_phrase_that_only_starts_a_longer_one_loses_when_the_decoder_goes_on() -> None:
    decoder = FakeDecoder({(): {START: 0.9, STOP: 0.1}, (START,): {OVER: 0.95, END: 0.05}, (START, OVER): {END: 1.0},
                           (STOP,): {END: 1.0}})  # fmt: skip
    ranked = search(TRIE, decoder, [END], {})
    scores = {s.phrase: s.log_prob for s in ranked}
    assert ranked[0].phrase == "start over"
    assert scores["start over"] == pytest.approx(math.log(0.9 * 0.95), abs=1e-3)
    assert scores["start"] == pytest.approx(math.log(0.9 * 0.05), abs=1e-3)  # below "stop" (0.1): it would go on


def test_a_short_word_wins_when_the_decoder_stops_after_it() -> None:
    # "start" takes the first token more often, but the decoder will not end there, and "start over" is not said.
    decoder = FakeDecoder({(): {START: 0.6, STOP: 0.4}, (START,): {OVER: 0.01, END: 0.01, YES: 0.98},
                           (STOP,): {END: 1.0}, (START, OVER): {YES: 1.0}})  # fmt: skip
    assert search(TRIE, decoder, [END], {})[0].phrase == "stop"


def test_every_spelling_of_a_phrase_counts_towards_it() -> None:
    trie = PhraseTrie.build([("five", [FIVE]), ("five", [DIGIT_5]), ("yes", [YES])])
    decoder = FakeDecoder({(): {FIVE: 0.3, DIGIT_5: 0.3, YES: 0.4}, (FIVE,): {END: 1.0}, (DIGIT_5,): {END: 1.0},
                           (YES,): {END: 1.0}})  # fmt: skip
    ranked = search(trie, decoder, [END], {})
    assert ranked[0].phrase == "five"
    assert ranked[0].log_prob == pytest.approx(math.log(0.6), abs=1e-3)


def test_what_is_known_already_is_not_asked_again() -> None:
    decoder = FakeDecoder({(): {STOP: 0.9, YES: 0.1}, (STOP,): {END: 1.0}, (YES,): {END: 1.0}})
    known = {(): decoder([()])[0], (STOP,): decoder([(STOP,)])[0]}
    decoder.asked.clear()
    ranked = search(TRIE, decoder, [END], known)
    assert ranked[0].phrase == "stop"
    assert () not in decoder.asked and (STOP,) not in decoder.asked
    assert set(known) >= set(decoder.asked)  # what was asked is kept for the caller


def test_a_prefix_far_behind_a_finished_phrase_is_not_followed() -> None:
    decoder = FakeDecoder({(): {STOP: 0.999, START: 0.001}, (STOP,): {END: 1.0}, (START,): {OVER: 1.0}})
    search(TRIE, decoder, [END], {}, prune=3.0)
    # Both first words are read; once "stop" is whole, "start ..." is about 6.9 nats behind it and goes no further.
    assert (START,) in decoder.asked and (START, OVER) not in decoder.asked


def test_the_beam_bounds_how_many_prefixes_are_asked_at_once() -> None:
    trie = PhraseTrie.build([(f"p{t}", [t, t]) for t in range(1, SIZE)])
    decoder = FakeDecoder({})
    batches: list[int] = []

    def counted(prefixes: list[tuple[int, ...]]) -> list[np.ndarray]:
        batches.append(len(prefixes))
        return decoder(prefixes)

    ranked = search(trie, counted, [END], {}, beam=2)
    assert max(batches) <= 2 and len(ranked) == 2


def test_an_empty_trie_finds_nothing() -> None:
    assert search(PhraseTrie.build([]), FakeDecoder({}), [END], {}) == []


def test_log_softmax_sums_to_one() -> None:
    assert np.exp(log_softmax(np.array([1.0, 2.0, 3.0]))).sum() == pytest.approx(1.0)
    assert log_softmax(np.array([[0.0, 0.0]])).shape == (2,)


def test_a_longer_phrase_plainly_said_is_not_lost_for_its_extra_tokens() -> None:
    # "start over" has the lower total (every token costs a little) but the better score for its length.
    decoder = FakeDecoder({(): {START: 0.5, STOP: 0.45, YES: 0.05}, (START,): {OVER: 0.9, END: 0.1},
                           (START, OVER): {END: 0.9, YES: 0.1}, (STOP,): {END: 0.95, YES: 0.05}})  # fmt: skip
    ranked = search(TRIE, decoder, [END], {})
    scores = {s.phrase: s.log_prob for s in ranked}
    assert scores["start over"] < scores["stop"]
    assert ranked[0].phrase == "start over" and ranked[0].tokens == 3
