"""Match an utterance against what the current question expects, plus the global commands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from rapidfuzz import fuzz

from twitch_coach.intents.normalize import normalise
from twitch_coach.intents.numbers import parse_number, singular, spell

THRESHOLD = 85.0  # a phrase must score at least this (0-100) to count; below it is a no-match
_NEGATORS = {"not", "no", "never", "nowhere"}  # a phrase right after these means its opposite ("nowhere near weeks")
_NUMBER_WORDS = {spell(n) for n in range(100)} | {w for n in range(100) for w in spell(n).split()}
_SAYING = {"say", "call", "think", "describe", "reckon"}  # "would not say it hurts": the "no" reaches past these
LIST_JOINS = {"or", "nor"}  # "no blurring or double vision": the "no" reaches the whole list
_INTERJECTIONS = {"yes", "yeah", "yep", "yup", "ya", "yah", "nope", "nah"}  # whole answers: never negated
_WORD_RATIO = 75.0  # in a near match, each word must score at least this against its counterpart
# Pronouns and auxiliaries: a phrase made only of these ("it is", "i am") answers a question when it is
# the whole reply, but inside a sentence it is grammar, not an answer ("it is fine", "i am good").
_BARE_WORDS = {"i", "it", "is", "am", "are", "do", "does", "did", "have", "has", "there", "they", "we", "you"}
# A reply that opens with one of these asks for something else ("set an alarm for seven", "order me a
# coffee"): it is not an answer, whatever number or word it holds. Only the global commands still count.
_REQUESTS = {
    "set", "order", "play", "call", "ring", "remind", "text", "message", "send", "book", "buy", "turn",
    "switch", "open", "show", "search", "google", "schedule", "wake", "pay", "navigate",
}  # fmt: skip
_POLITE = ("can you", "could you", "would you", "will you", "hey coach", "hey", "ok", "right")

# Kinds of candidate phrase, in the order they win a tie.
COMMAND, ANSWER, WORD, UNSURE = "command", "answer", "word", "unsure"


@dataclass(frozen=True)
class Expectation:
    """What the current question accepts."""

    expects: str
    """yes_no | choice | number | free."""
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Answer id -> phrases (yes_no and choice questions)."""
    words: Mapping[str, float] = field(default_factory=dict)
    """Phrases that stand for a number on number questions ("barely" -> 3)."""
    tags: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Tag -> phrases noticed anywhere in the answer ("pre_workout")."""
    units: tuple[str, ...] = ()
    """Number questions: words said after this question's number ("hours")."""
    foreign: tuple[str, ...] = ()
    """Number questions: other questions' units; "two coffees" is no answer to "how many hours"."""
    counted: frozenset[str] = frozenset()
    """Nouns that make "a" one ("a coffee", "an hour"): the content's `counted`, singular, two words joined."""


@dataclass(frozen=True)
class Match:
    """What an utterance means at this question."""

    intent: str
    """An answer id, "number", "unsure", a command name, "free", or "none" for a no-match."""
    value: float | str | None
    """The number for "number"; the text for "free"; else None."""
    confidence: float
    """0.0 to 1.0; a no-match is below the threshold."""
    text: str
    """The utterance after normalising."""
    tags: tuple[str, ...] = ()
    """Tags whose phrases appear in the utterance."""
    phrase: str = ""
    """The phrase that matched, for debugging and help."""
    exact: bool = False
    """The phrase was said exactly, not a near spelling or sound-alike ("one" for "none")."""
    stated: tuple[str, ...] = ()
    """Every answer id or "unsure" said exactly somewhere in the reply, in order; two differ in a mixed reply."""


@dataclass(frozen=True)
class _Candidate:
    kind: str
    intent: str
    phrase: str
    tokens: tuple[str, ...]
    value: float | None = None
    bare: bool = False  # only pronouns and auxiliaries: counts only as the whole answer
    numeric: bool = False  # a number phrase with its own value ("a week" -> 7, not the 1 of "a")


def _spell(word: str) -> str:
    """'5' -> 'five', '25' -> 'twenty five', so "2 litres" meets "two litres"."""
    if not word.isdigit() or len(word) > 2:
        return word
    return spell(int(word))


def _window_scores(tokens: list[str], groups: list[_Group], floor: float) -> dict[int, float]:
    """Best score of each candidate (by index) against any run of its length in `tokens` (100 = exact)."""
    # Imported on the first answer, not at start-up: numpy alone is a third of the time to the first prompt.
    import numpy as np
    from rapidfuzz import process

    scores: dict[int, float] = {}
    reach = _negated(tokens)
    for group in groups:
        k = group.length
        if k > len(tokens):
            continue
        windows = [" ".join(tokens[i : i + k]) for i in range(len(tokens) - k + 1)]
        matrix = process.cdist(windows, group.phrases, scorer=fuzz.ratio, dtype=np.float32)
        # "not a lot" must not count as "a lot", nor "not very stressed" as "stressed".
        negated = [i for i in range(len(windows)) if reach[i]]
        if negated:
            matrix[np.ix_(negated, group.plain)] = 0.0
        # Short words are too easily confused by spelling alone: only an exact match counts.
        short = matrix[:, group.short]
        short[short < 100.0] = 0.0
        matrix[:, group.short] = short
        for col, (index, score) in enumerate(zip(group.indices, matrix.max(axis=0), strict=True)):
            if floor <= score < 100.0:  # a near match above the threshold: check it word by word
                near = np.nonzero(matrix[:, col] >= floor)[0]
                phrase = group.phrases[col]
                score = max((matrix[w, col] for w in near if _word_for_word(windows[w], phrase)), default=0.0)
            scores[index] = float(score)
    return scores


def _negated(tokens: list[str]) -> list[bool]:
    """Which words a negation reaches: a negator up to two words before, or three past a verb of saying ("i would not
    say it hurts", "do not think it is sore"), carried on through a list joined by "or" or "nor" ("no blurring or
    double vision" denies the double vision too)."""
    reach: list[bool] = []
    for i in range(len(tokens)):
        listed = i >= 2 and tokens[i - 1] in LIST_JOINS and reach[i - 2]
        said = i >= 3 and tokens[i - 3] in _NEGATORS and tokens[i - 2] in _SAYING
        reach.append(bool(_NEGATORS & set(tokens[max(0, i - 2) : i])) or listed or said)
    return reach


def _word_for_word(window: str, phrase: str) -> bool:
    """A near match must be near word by word: "yeahh" for "yeah", but not "i am on" for "i am done"."""
    return all(fuzz.ratio(a, b) >= _WORD_RATIO for a, b in zip(window.split(), phrase.split(), strict=True))


_Index = dict[tuple[str, ...], list["_Candidate"]]  # answer and unsure phrases by their words


@dataclass(frozen=True)
class _Group:
    """Candidates of one length in words, laid out for one cdist call."""

    length: int
    indices: list[int]  # positions in the candidate list
    phrases: list[str]
    plain: list[int]  # columns whose phrase does not itself start with a negation
    short: list[int]  # columns whose phrase is under four characters


def _groups(cands: list[_Candidate]) -> list[_Group]:
    by_length: dict[int, list[int]] = {}
    for index, cand in enumerate(cands):
        by_length.setdefault(len(cand.tokens), []).append(index)
    groups = []
    for k, indices in by_length.items():
        members = [cands[i] for i in indices]
        groups.append(_Group(
            k, indices, [c.phrase for c in members],
            [col for col, c in enumerate(members) if c.tokens[0] not in _NEGATORS],
            [col for col, c in enumerate(members) if len(c.phrase) < 4],
        ))  # fmt: skip
    return groups


class Matcher:
    """Turns what was said into an intent for one question, never guessing below the threshold."""

    def __init__(self, commands: Mapping[str, tuple[str, ...]], unsure: tuple[str, ...], threshold: float = THRESHOLD):
        self.threshold = threshold
        self._commands = [_candidate(COMMAND, name, p) for name, phrases in commands.items() for p in phrases]
        self._unsure = [_candidate(UNSURE, "unsure", p) for p in unsure]
        self._cache: dict[int, tuple[Expectation, list[_Candidate], list[_Group], _Index]] = {}

    def _candidates(self, expectation: Expectation) -> tuple[list[_Candidate], list[_Group], _Index]:
        cached = self._cache.get(id(expectation))
        if cached is not None and cached[0] is expectation:
            return cached[1], cached[2], cached[3]
        cands = [c for c in self._commands + self._unsure if c.tokens]
        for intent, phrases in expectation.choices.items():
            cands += [c for p in phrases if (c := _candidate(ANSWER, intent, p)).tokens]
        for phrase, value in expectation.words.items():
            cand = _candidate(WORD, "number", phrase, value, expectation.counted)
            if cand.tokens:
                cands.append(cand)
        groups = _groups(cands)
        index: _Index = {}
        for cand in cands:
            if cand.kind in (ANSWER, UNSURE):
                index.setdefault(cand.tokens, []).append(cand)
        self._cache[id(expectation)] = (expectation, cands, groups, index)
        return cands, groups, index

    def match(self, utterance: str, expectation: Expectation) -> Match:
        """The meaning of `utterance` at a question expecting `expectation`."""
        whole = self._match(utterance, expectation)
        # A question put to oneself and then answered ("sore? no.", "hours? about seven"): the answer is what follows
        # it, when that reads as an answer at least as surely as the whole does.
        asked, mark, reply = utterance.rpartition("?")
        if mark and asked.strip() and normalise(reply) and whole.intent != "free":
            answered = self._match(reply, expectation)
            if answered.intent != "none" and answered.confidence >= whole.confidence:
                return replace(answered, text=whole.text, tags=whole.tags)
        return whole

    def _match(self, utterance: str, expectation: Expectation) -> Match:
        text = normalise(utterance)
        if not text:
            return Match("none", None, 0.0, text)
        # A tag's phrase counts in the plural too: "two pre-workouts" carries the tag of "pre workout".
        singular_text = _singular_words(text)
        tags = tuple(
            tag
            for tag, phrases in expectation.tags.items()
            if any(_contains(singular_text, _singular_words(normalise(p))) for p in phrases)
        )
        if expectation.expects == "free":
            return Match("free", text, 1.0, text, tags)
        tokens = " ".join(_spell(w) for w in text.split()).split()
        cands, groups, index = self._candidates(expectation)
        stated = _stated(tokens, index)
        once = " ".join(w for i, w in enumerate(tokens) if i == 0 or w != tokens[i - 1])
        window_scores = _window_scores(tokens, groups, self.threshold)
        scored: list[tuple[float, int, _Candidate]] = []
        for position, cand in enumerate(cands):
            score = window_scores.get(position, 0.0)
            if cand.kind == COMMAND and len(cand.tokens) == 1:
                # A one-word command counts only as the whole answer, said once or over again: "back", "stop,
                # stop", not "my back hurts".
                score = fuzz.ratio(once, cand.phrase) if len(once.split()) <= 2 else 0.0
            elif cand.bare and len(tokens) != len(cand.tokens):
                score = 0.0
            if score >= self.threshold:
                scored.append((float(score), len(cand.phrase), cand))
        if _is_request(tokens) or _off_topic_number(text, expectation):
            scored = [s for s in scored if s[2].kind == COMMAND]  # "cancel that" is still a command
            if not scored:
                return Match("none", None, 0.0, text, tags)
        if expectation.expects == "number":
            number = parse_number(text, slips=True, counted=expectation.counted)
            if any(s[2].numeric and s[0] == 100 for s in scored):
                number = None  # "about a week" is the 7 of its phrase, not the 1 read from "a week"
            if number is not None and not number.slip:
                if not any(s[2].kind == COMMAND and s[0] == 100 and s[1] >= len(text) for s in scored):
                    return Match("number", number.value, 1.0, text, tags)
            if number is not None and number.slip and not scored:
                return Match("number", number.value, 0.86, text, tags)
        if UNSURE not in stated and any(s[2].kind == ANSWER for s in scored):  # "a few days, maybe three"
            scored = [s for s in scored if s[2].kind != UNSURE]
        denied = _denied_yes(tokens, index)
        if denied is not None:  # "i would not say it hurts": a "yes" phrase denied is this question's no
            scored.append((100.0, len(denied.phrase), denied))
        if not scored:
            return Match("none", None, 0.0, text, tags, stated=stated)
        scored.sort(key=lambda s: (round(s[0]), s[1]), reverse=True)
        best_score, best_len, best = scored[0]
        for score, length, other in scored[1:]:
            if (round(score), length) != (round(best_score), best_len):
                break
            if (other.intent, other.value) != (best.intent, best.value):
                return Match("none", None, 0.0, text, tags, stated=stated)  # two meanings fit equally well: ask again
        coverage = min(1.0, (len(best.phrase) + 1) / (len(once) + 1))  # a word said again adds nothing
        confidence = round(best_score / 100 * (0.85 + 0.15 * coverage), 3)
        value = best.value if best.kind == WORD else None
        return Match(best.intent, value, confidence, text, tags, best.phrase, best_score == 100.0, stated)


def _candidate(
    kind: str, intent: str, phrase: str, value: float | None = None, counted: frozenset[str] = frozenset()
) -> _Candidate:
    norm = " ".join(_spell(w) for w in normalise(phrase).split())
    tokens = tuple(norm.split())
    bare = bool(tokens) and all(t in _BARE_WORDS for t in tokens)
    numeric = kind == WORD and parse_number(norm, counted=counted) is not None
    return _Candidate(kind, intent, norm, tokens, value, bare, numeric)


def _singular_words(text: str) -> str:
    return " ".join(singular(word) for word in text.split())


def _contains(text: str, phrase: str) -> bool:
    return bool(phrase) and f" {phrase} " in f" {text} "


def _is_request(tokens: list[str]) -> bool:
    """True when the reply asks for something else: "set an alarm for seven", "can you order a coffee"."""
    text = " ".join(tokens)
    for opener in _POLITE:
        if text.startswith(opener + " "):
            text = text[len(opener) + 1 :]
    first = text.split(" ", 1)[0]
    return first in _REQUESTS and len(tokens) > 1


def _off_topic_number(text: str, expectation: Expectation) -> bool:
    """A number with another question's unit and none of this one's: "two coffees" asked about sleep."""
    if expectation.expects != "number" or not expectation.foreign:
        return False
    return _says_any(text, expectation.foreign) and not _says_any(text, expectation.units)


def _says_any(text: str, phrases: tuple[str, ...]) -> bool:
    return any(_contains(text, normalise(p)) for p in phrases)


def _denied_yes(tokens: list[str], index: _Index) -> _Candidate | None:
    """The longest "yes" phrase said exactly and reached by a negation, as this question's "no" ("not sore", "i do
    not think it hurts"); None when none is, or the question has no "no"."""
    if not any(c.intent == "no" for cands in index.values() for c in cands):
        return None
    reach = _negated(tokens)
    found: _Candidate | None = None
    for key, cands in index.items():
        k = len(key)
        if any(c.intent == "yes" and c.kind == ANSWER and not c.bare for c in cands) and key[0] not in _NEGATORS:
            for i in range(len(tokens) - k + 1):
                if reach[i] and tuple(tokens[i : i + k]) == key and (found is None or k > len(found.tokens)):
                    found = _Candidate(ANSWER, "no", " ".join(key), key)
    return found


def _only_a_number(tokens: list[str]) -> bool:
    """True when `tokens` are a number and nothing else ("three", "twenty five")."""
    return 0 < len(tokens) <= 3 and all(t.isdigit() or t in _NUMBER_WORDS for t in tokens)


def _stated(tokens: list[str], index: _Index) -> tuple[str, ...]:
    """Answer ids (and "unsure") said exactly, not negated, and not inside a longer phrase, in order."""
    spans = []
    reach = _negated(tokens)
    denied = any(c.intent == "no" for cands in index.values() for c in cands)  # the question has a "no" to mean
    for k in {len(key) for key in index}:
        for i in range(len(tokens) - k + 1):
            for cand in index.get(tuple(tokens[i : i + k]), ()):
                if cand.bare and len(tokens) != k:
                    continue
                if cand.intent == UNSURE and _only_a_number(tokens[i + k :]):
                    continue  # "a few days, maybe three": the hedge narrows the answer, it does not doubt it
                plain = cand.tokens[0] not in _NEGATORS | _INTERJECTIONS  # "no, yes" says yes; "not weak" is no
                if plain and reach[i]:
                    if cand.intent == "yes" and not cand.bare and denied:
                        spans.append((i, i + k, "no"))  # "not sore": the yes phrase denied
                    continue
                spans.append((i, i + k, cand.intent))
    inside = {s for s in spans for o in spans if o != s and o[0] <= s[0] and s[1] <= o[1] and o[1] - o[0] > s[1] - s[0]}
    intents: list[str] = []
    for _, _, intent in sorted(set(spans) - inside):
        if intent not in intents:
            intents.append(intent)
    return tuple(intents)
