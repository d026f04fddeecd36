"""Spot urgent signs and red flags in what someone says: one code path for `ask` and the check-in.

A sign is a few patterns; a pattern is word groups that must all be heard in one clause, in any order
("my pee is dark brown": fluid and colour). Negation is scoped to its part of the clause: "no numbness,
but my arm is weak" raises weakness only. The words and rules are content (safety.yaml, `spotting`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from twitch_coach.dialogue.content import Patterns, Safety, Spotting
from twitch_coach.dialogue.glued import GLUED, TYPED, split, split_typed
from twitch_coach.dialogue.phrases import Hit as _Hit
from twitch_coach.dialogue.phrases import covered as _covered
from twitch_coach.dialogue.phrases import phrase_at as _phrase_at
from twitch_coach.dialogue.whose import claimed, long_past, someone_else, taken_back
from twitch_coach.intents.matcher import LIST_JOINS
from twitch_coach.intents.normalize import normalise

_SENTENCES = re.compile(r"([;!?]+|\.(?!\d))")
_TRAILING = re.compile(r"\.{2,}|\u2026")
_BOUNDARY = re.compile(r"[.,;:!?()\"]")
_LIST_MOST = 4  # a "no" reaches a short list after a comma ending in "or" ("no pain, numbness or weakness") this long
# A comma, or a hesitation a recogniser writes for a pause ("can't get a breath in uh my chest is fine"), "uh huh" aside
_PARTS = re.compile(r"[,:()\"]+|\s[-\u2013\u2014]+\s|(?i:\b(?:uh+|um+|erm|er|hmm+)\b(?![ -]?huh))")
# "weak no, I did my usual deadlifts": a reply that names the sign and says no, as "weak? no" without its mark
_SELF_ASKED = re.compile(
    r"^(\s*[a-z]+)\s+(no|nope|nah)\b(?=\s*(?:$|[,.!;]|(?:i|it|its|my|but|not|nothing|none)\b))", re.IGNORECASE
)
_NEAR = 3  # words between a belonging and its owner that still take the words inside it along
LONGEST_WORD = 14  # letters in the longest word looked for inside words run together ("consciousness")


@dataclass(frozen=True)
class Spotted:
    """What an utterance names: urgent sign ids and red flag ids, each in content order."""

    urgent: tuple[str, ...]
    red_flags: tuple[str, ...]
    denied: tuple[str, ...] = ()  # red flags named only where the speaker says no ("numb? no.", "neither side is numb")
    # red flags whose words were heard only as someone else's or as meaning something else ("my brother's knee hurts",
    # "my wifi's weak"): a safety question's "no, but ..." with nothing else is its no
    elsewhere: tuple[str, ...] = ()


def spot(utterance: str, safety: Safety, about: str | None = None) -> Spotted:
    """The urgent signs and red flags `utterance` names, negated and look-alike words left out; `about` is the topic
    of the question it answers, whose own subject counts as said ("yes, the whole left side" to "any numbness?")."""
    words, clauses, parts, denied, general, told = _tokens(utterance, safety.spotting)
    words, clauses, parts = _borrow(words, clauses, parts, safety.spotting)
    sayings = frozenset(safety.spotting.sayings_at.get(about or "", ()))  # "out like a light" at the sleep question
    here = safety.spotting.heard_at.get(about or "", ())  # "what comes out is dark" at the drinking question
    away = {g for topic, groups in safety.spotting.heard_at.items() if topic != about for g in groups} - set(here)
    found = [h for h in _hits(words, clauses, parts, safety.spotting) if h.group not in away]
    hits = _quiet(found, words, clauses, parts, safety.spotting, sayings, about is not None)
    for h in hits:
        h.refused = h.refused or h.clause in denied  # "numb? no."
        h.negated = h.negated or h.refused
        if h.clause in general:  # "when is tingling a bad sign?": asked about, not had, unless claimed after
            h.maybe = h.passed = True
        if h.clause in told:  # "apparently fainting after a race is common": passed on
            h.maybe = h.negated = h.passed = True
    claimed(hits, words, parts, safety.spotting)  # "... and that's exactly what I've got now"

    def counted(hits: list[_Hit]) -> dict[int, Counter[str]]:
        heard: dict[int, Counter[str]] = {}
        for clause, group, _ in {(h.clause, h.group, h.start) for h in hits}:  # one count a word
            heard.setdefault(clause, Counter())[group] += 1
        return heard

    def named(heard: dict[int, Counter[str]], patterns: Patterns, unless: tuple[str, ...] = ()) -> bool:
        if {group for groups in heard.values() for group in groups} & set(unless):
            return False
        # A group listed twice needs two words of it: [body_part, body_part, also] is "my calf and my back too".
        needs = [Counter(pattern) for pattern in patterns]
        return any(all(groups[g] >= n for g, n in need.items()) for groups in heard.values() for need in needs)

    for_urgent = counted([h for h in hits if not h.negated])
    for_flags = counted([h for h in hits if not (h.negated or h.maybe)])
    spotting = safety.spotting
    asked = spotting.asked.get(about or "", ())
    inside = {i for h in hits for i in range(h.start, h.end)}  # "can not read" says no "not" of its own
    # a "no" in the reply's first part refuses ("no, it's my chest that twitches"); one later in it denies only its own
    # part ("yes, in my chest, not in the leg")
    opening = [w for i, w in enumerate(words) if i not in inside and parts[i] == parts[0]]
    refused = set(opening) & (spotting.negations | spotting.answers)
    if asked and not refused:  # a plain yes, not a "no"
        for groups in (*for_urgent.values(), *for_flags.values()):
            groups.update({group: 1 for group in asked if not groups[group]})
    urgent = tuple(sid for sid, patterns in safety.urgent.signs.items() if named(for_urgent, patterns))
    flags = tuple(fid for fid, flag in safety.red_flags.items() if named(for_flags, flag.signs, flag.unless))
    for_denied = counted([h for h in hits if h.refused])
    said_no = tuple(f for f, flag in safety.red_flags.items() if f not in flags and named(for_denied, flag.signs))
    kept = {id(h) for h in hits}  # the rest were idioms, sayings or look-alikes
    other = [h for h in found if id(h) not in kept] + [h for h in hits if h.passed]  # ... or someone else's
    # with the words beside them that mean nothing alone: "I've been running for months" names no twitch's weeks
    beside = {o.clause for o in other}
    theirs = counted(other + [h for h in hits if h.clause in beside and not h.negated])
    elsewhere = tuple(f for f, fl in safety.red_flags.items() if f not in flags + said_no and named(theirs, fl.signs))
    return Spotted(urgent, flags, said_no, elsewhere)


def _tokens(utterance: str, spotting: Spotting) -> tuple[list[str], list[int], list[int], set[int], set[int], set[int]]:
    """Normalised words, with the clause and the part (between commas) each belongs to, the clauses a bare
    "no" answers: a question put to oneself and answered at once ("numb? no. sore? yes", where the yes joins the
    question's clause), and the clauses of general questions: a sentence that starts as one and has no word of
    oneself after ("when is tingling a bad sign?", "how serious is weakness in the legs"), and of sentences that pass a
    sign on ("apparently fainting after a race is common")."""
    words: list[str] = []
    clauses: list[int] = []
    parts: list[int] = []
    denied: set[int] = set()
    general: set[int] = set()
    told: set[int] = set()
    clause = part = 0
    pieces = _SENTENCES.split(_paused(_SELF_ASKED.sub(r"\1? \2,", utterance[:2000]), spotting))
    asked: tuple[int, int] | None = None  # the clauses of the sentence just ended with "?"
    curious: bool | None = None  # whether it is said to be asked out of interest: read only beside a general question
    for sentence, end in zip(pieces[::2], [*pieces[1::2], ""], strict=True):
        said = _said(sentence, spotting)
        chunks = [_said(chunk, spotting) for chunk in _PARTS.split(sentence)]
        # "numb? no", "spreading? no, it's the same calf every time": the answer opens the next sentence
        if asked and said and (_says_no(said, spotting) or _says_no(chunks[0], spotting)):
            denied.update(range(*asked))
        elif asked:
            clause -= 1  # "sore? hell yes": the answer finishes the question's clause
        first = clause
        for tokens in chunks:
            i = 0
            while i < len(tokens):
                brk = _phrase_at(tokens, i, spotting.breaks)
                if brk:
                    clause, part, i = clause + 1, part + 1, i + brk
                    continue
                words.append(tokens[i])
                clauses.append(clause)
                parts.append(part)
                i += 1
            part += 1
        clause += 1
        part += 1
        lead = _phrase_at(said, 0, spotting.curious)  # "out of curiosity, does ..."
        opening = _phrase_at(said, lead, spotting.general_questions)
        # "is numbness bad?", or one said to be asked out of interest ("random question, does coffee blur your vision",
        # "could a twitch mean weakness, just wondering in general")
        if_asked = 0 if opening else _phrase_at(said, lead, spotting.general_if_asked)
        if if_asked:
            # "..., just wondering in general"
            aside = lead > 0 or any(_phrase_at(said, i, spotting.curious) for i in range(len(said)))
            opening = if_asked if "?" in end or aside else 0
        in_general = bool(opening) and not _of_oneself(said, lead + opening, spotting)
        if in_general:
            general.update(range(first, clause))
            if curious is None:
                everything = _said(utterance[:2000], spotting)
                curious = any(_phrase_at(everything, i, spotting.curious) for i in range(len(everything)))
            if curious:  # "is chest pain linked to twitching? just curious": asked out of interest, nothing is had
                told.update(range(first, clause))
        # a question in general is not put to oneself: what follows it is said apart ("can twitching come with weak
        # muscles? my shoulder won't lift")
        asked = (first, clause) if "?" in end and not in_general else None
        opening = _phrase_at(said, 0, spotting.hearsay)
        if opening and not set(said[opening:]) & (spotting.me | spotting.own):
            told.update(range(first, clause))
    return words, clauses, parts, denied, general, told


def _paused(text: str, spotting: Spotting) -> str:
    """`text` with an ellipsis read as a breathless pause inside the clause ("chest... tight...", "can't... get...
    air"), but after words that open with an answer or a negation as a full stop, so it negates nothing after ("nah not
    much... well yes it hurts", "no... well")."""
    pieces = _TRAILING.split(text)
    out = [pieces[0]]
    for before, piece in zip(pieces, pieces[1:], strict=False):
        said = normalise(_BOUNDARY.split(before)[-1]).split()  # the words since the last stop or pause
        out += [". " if set(said[:1]) & (spotting.answers | spotting.negations) else " ", piece]
    return "".join(out)


def _said(text: str, spotting: Spotting) -> list[str]:
    """`text` as normalised words, a dialect's or a learner's words read as those they stand for ("cannae": "can
    not", "I no fit breathe": "I can not breathe")."""
    words = [piece for word in normalise(text).split() for piece in _unglued(word, spotting)]
    if not spotting.dialect:
        return words
    out: list[str] = []
    i = 0
    while i < len(words):
        n = _phrase_at(words, i, spotting.dialect_said)
        out += spotting.dialect[tuple(words[i : i + n])] if n else [words[i]]
        i += n or 1
    return out


def _unglued(word: str, spotting: Spotting) -> list[str]:
    """A word no list knows, split into the words run together in it ("chesttightness", "cantbreathe"), and those
    read as normalised words ("cant" as "can not")."""
    if len(word) < TYPED or word in spotting.lexicon or spotting.index.lookup(word):
        return [word]
    if len(word) < GLUED:
        pieces = split_typed(word, spotting.lexicon, spotting.seams, LONGEST_WORD)  # "mypee", "cantbreathe"
    else:
        pieces = split(word, spotting.lexicon, LONGEST_WORD)
    return normalise(" ".join(pieces)).split() if len(pieces) > 1 else pieces


def _says_no(said: list[str], spotting: Spotting) -> bool:
    """True when a sentence is only a no ("no.", "nope") or a short one ("it has not", "no it does not", "not
    really")."""
    return all(w in spotting.short_reply for w in said) and any(w in spotting.answers for w in said)


def _of_oneself(said: list[str], start: int, spotting: Spotting) -> bool:
    """True when a word of oneself comes at or after `start`, leaving out those of a curious aside ("in general, I
    mean")."""
    aside: set[int] = set()
    for i in range(start, len(said)):
        aside.update(range(i, i + _phrase_at(said, i, spotting.curious)))
    return any(w in spotting.me or w in spotting.own for i, w in enumerate(said) if i >= start and i not in aside)


def _borrow(
    words: list[str], clauses: list[int], parts: list[int], spotting: Spotting
) -> tuple[list[str], list[int], list[int]]:
    """Words, clauses and parts with a verb that stands for one said before ("the twitch does not hurt but my chest
    does", "my calf does not ache, my chest does") followed by what the last negation, in an earlier part of this
    clause or in the clause before, reached: "my chest does hurt". Only a verb that ends its part (but for words like
    "now") borrows."""
    out: tuple[list[str], list[int], list[int]] = ([], [], [])
    denied: tuple[int, int, list[str]] | None = None  # (clause, part, the words) of the last negation
    for i, word in enumerate(words):
        if word in spotting.negations:
            end = i + 1
            while end < len(words) and parts[end] == parts[i] and words[end] not in spotting.negation_stops:
                end += 1
            denied = (clauses[i], parts[i], words[i + 1 : end])
        borrowed: list[str] = []
        if (
            word in spotting.ellipsis
            and denied
            and denied[1] != parts[i]
            and clauses[i] - denied[0] in (0, 1)
            and not _relative(words, parts, i, spotting)
        ):
            rest = [w for w, p in zip(words[i + 1 :], parts[i + 1 :], strict=True) if p == parts[i]]
            # what follows a word like "after" is when or where, not more verb: "but my chest does after the hill run"
            when = next((k for k, w in enumerate(rest) if w in spotting.lookalike_stops), len(rest))
            if all(w in spotting.ellipsis_tail for w in rest[:when]):  # "but it does now"
                borrowed = denied[2]
        for w in (word, *borrowed):
            out[0].append(w)
            out[1].append(clauses[i])
            out[2].append(parts[i])
    return out


def _relative(words: list[str], parts: list[int], i: int, spotting: Spotting) -> bool:
    """True when the verb at `i` ends a relative clause after a noun ("the same inhaler I've had"): its "I" follows
    another word of its part, so the verb stands for no sign said before."""
    j = i - 1
    while j >= 0 and words[j] in spotting.ellipsis:  # "I have had"
        j -= 1
    return j > 0 and words[j] in spotting.me and parts[j - 1] == parts[i] and words[j - 1] not in spotting.ellipsis_tail


def _in_aside(a: _Hit, words: list[str], parts: list[int], spotting: Spotting) -> bool:
    """Whether a hit sits in an "after ..." aside that what follows is not the hit's: with a verb of its sentence's
    subject right after it ("the twitch after gym sessions has been going for weeks"), or opened right after the
    twitch ("her calf has been twitching after her walking group for a month")."""
    opens = [k for k in range(max(0, a.start - 2), a.start) if words[k] in spotting.lookalike_stops]
    if not opens or parts[opens[0]] != parts[a.start]:
        return False
    twitched = opens[0] > 0 and any((words[opens[0] - 1],) in spotting.groups[g] for g in spotting.the_twitch)
    return twitched or (a.end < len(words) and words[a.end] in spotting.auxiliaries)


def _hits(words: list[str], clauses: list[int], parts: list[int], spotting: Spotting) -> list[_Hit]:
    """Every group phrase heard, within one part of a clause (word forms and slips included)."""
    known = [spotting.index.lookup(w) for w in words]
    hits = []
    for i in range(len(words)):
        for first in known[i]:
            hits += [_Hit(group, i, i + 1, clauses[i]) for group in spotting.by_first.get(first, ())]
            for second in known[i + 1] if i + 1 < len(words) and parts[i] == parts[i + 1] else ():
                for group, phrase in spotting.by_two.get((first, second), ()):
                    n = len(phrase)
                    if i + n <= len(words) and parts[i] == parts[i + n - 1]:
                        if all(phrase[k] in known[i + k] for k in range(2, n)):
                            hits.append(_Hit(group, i, i + n, clauses[i]))
    return hits


def _holds(h: _Hit, saying: _Hit, sayings: frozenset[str]) -> bool:
    """Whether `h` is longer than `saying`, a hit of a group that is a saying at this question, and holds all of it."""
    longer = h.end - h.start > saying.end - saying.start
    return saying.group in sayings and longer and h.start <= saying.start and saying.end <= h.end


def _quiet(
    hits: list[_Hit], words: list[str], clauses: list[int], parts: list[int], spotting: Spotting,
    sayings: frozenset[str] = frozenset(), in_checkin: bool = False,
) -> list[_Hit]:  # fmt: skip
    """Drop idioms (and `sayings`, the groups that are sayings at this question) and look-alikes, then mark hits that a
    negation, an all-clear, an "as usual", a what-if or someone else's clause cancels."""
    idioms = [h for h in hits if h.group in spotting.idioms or h.group in sayings]
    # "a pain in the neck"; but a longer phrase that holds a whole saying says more: "out cold on the gym floor"
    dropped = {id(h) for h in hits for f in idioms if h.start < f.end and f.start < h.end and not _holds(h, f, sayings)}
    in_sayings = set(dropped)  # a word of a saying belongs to nothing ("after every run for a month")
    by_group: dict[str, list[_Hit]] = {}
    for h in hits:
        by_group.setdefault(h.group, []).append(h)
    belonging: set[tuple[int, int]] = set()
    for pairs, both in ((spotting.lookalikes, True), (spotting.belongs, False)):
        for first, second, gap in pairs:
            for a in by_group.get(first, ()):
                for b in by_group.get(second, ()) if id(a) not in in_sayings else ():
                    close = a.end <= b.start <= a.end + gap and parts[a.start] == parts[b.start]
                    close = close and (both or not _in_aside(a, words, parts, spotting))
                    if close and not spotting.lookalike_stops & set(words[a.end : b.start]):  # "weak after the run"
                        # a look-alike means something else, so neither counts; a belonging only the second
                        dropped |= {id(a), id(b)} if both else {id(b)}
                        belonging |= set() if both or b.start > a.end + _NEAR else {(b.start, b.end)}
    # and shorter phrases inside a belonging said close by: "lifting since ten years" drops "years" and "since"
    dropped |= {id(h) for h in hits for s, e in belonging if s <= h.start and h.end <= e and h.end - h.start < e - s}
    hits = [h for h in hits if id(h) not in dropped]
    someone_else(hits, words, parts, spotting, in_checkin)
    long_past(hits, words, parts, clauses, spotting)
    taken_back(hits, words, clauses, spotting)
    signs_at = {i for h in hits for i in range(h.start, h.end)}
    in_pseudo = _covered(words, spotting.pseudo)
    covered = signs_at | in_pseudo  # a pseudo phrase may start on a sign's word: "can not breathe good"
    # where a telling or someone else starts: a "fine" after one is not the speaker's own
    others_say = {
        k
        for k in range(len(words))
        if _phrase_at(words, k, spotting.informing) or _phrase_at(words, k, spotting.others)
    }
    for i, word in enumerate(words):
        what_if = _phrase_at(words, i, spotting.hypothetical)
        # a what-if reaching past the sign words it starts with is one ("going to start iron tablets")
        past = what_if and all(h.end < i + what_if for h in hits if h.start <= i < h.end)
        said_usual = 0 if i in in_pseudo else _phrase_at(words, i, spotting.as_usual)  # "..., same as ever": on "same"
        if i in covered and not past and not said_usual and not _phrase_at(words, i, spotting.denials):
            continue
        # a word heard for "no" ("know pain, know numbness") where it starts its part or follows a sign's words
        after_sign = i - 1 in signs_at and words[i - 1] not in spotting.me  # "I know ..." is no "no"
        alike = word in spotting.no_alikes and (i == 0 or parts[i - 1] != parts[i] or after_sign)
        if word in spotting.negations or alike or what_if or _phrase_at(words, i, spotting.denials):
            end = i + max(what_if, 1)
            # "no my arm is weak", "no not really my ...": an answer said without its comma; but "not my chest" is "not"
            mine_after = word == "not" and end < len(words) and words[end] in spotting.me
            if word in spotting.answers and not mine_after and _starts_afresh(words, end, spotting):
                continue
            while end < len(words) and parts[end] == parts[i] and words[end] not in spotting.negation_stops:
                end += 1
            end = _through_list(words, parts, end)
            for h in hits:
                if i < h.start < end:
                    h.negated, h.refused = h.negated or not what_if, h.refused or not what_if
                    h.maybe = True
        usual = said_usual
        clear = usual or _phrase_at(words, i, spotting.all_clear)
        if clear:
            same = clauses if usual else parts
            for h in hits:
                # "his speech is slurred and he doesn't answer good": a "good" under a "no" of its own clears nothing,
                # nor one someone else gave ("I passed out in PE and the teacher said I was fine")
                under_no = not usual and (
                    any(w in spotting.negations for w in words[h.end : i])
                    or any(k in others_say for k in range(h.end, i))
                )
                if h.start < i and same[h.start] == same[i] and not under_no:
                    h.negated = True
    return hits


def _through_list(words: list[str], parts: list[int], end: int) -> int:
    """Where a "no" that reached `end` stops: past the short parts after it of a list that ends with "or" ("no pain,
    numbness or anything else", "no weakness, numbness, vision problems, spreading or new meds")."""
    if end >= len(words) or parts[end] == parts[end - 1]:
        return end
    k = end
    for _ in range(_LIST_MOST):
        after = [j for j in range(k, len(words)) if parts[j] == parts[k]]
        if len(after) > _LIST_MOST:
            return end
        if LIST_JOINS & {words[j] for j in after}:
            return after[-1] + 1
        k = after[-1] + 1
        if k >= len(words):
            return end
    return end


def _starts_afresh(words: list[str], i: int, spotting: Spotting) -> bool:
    """True when words[i] begins a new statement or another answer, so an answer before it negates nothing."""
    return bool(_phrase_at(words, i, spotting.fresh_starts)) or (i < len(words) and words[i] in spotting.answers)
