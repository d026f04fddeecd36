"""Whose a sign is: someone else's ("my friend fainted"), passed on as information ("I read that ..."), or claimed by
the speaker after all ("... and that's exactly what I've got now")."""

from __future__ import annotations

from twitch_coach.dialogue.content import Spotting
from twitch_coach.dialogue.phrases import Hit, covered, phrase_at

_RECORD_GAP = 3  # words that may come between one's own record and its telling ("my note back, it says")


def someone_else(
    hits: list[Hit], words: list[str], parts: list[int], spotting: Spotting, in_checkin: bool = False
) -> None:
    """Mark the hits of a stretch about someone else ("my friend fainted, ..."): no red flag is theirs to raise, and
    no urgent sign either when it was long ago. A stretch runs to a comma or a word like "and" (the negation stops);
    one that also speaks of oneself ("my mates said I was out") stays. An "and" inside a sign's own words ("pins and
    needles") ends nothing. A time long ago reaches the other stretches of its part that do not say now ("her face
    drooped when she had Bell's palsy years back"). But someone asking for another person, a child or whoever has the
    twitch told of, asks as that person would: their red flags count ("my mum's calf twitches and it's numb")."""
    inside = {i for h in hits for i in range(h.start + 1, h.end)}
    stretch, at = [], 0
    for i, word in enumerate(words):
        at += i > 0 and (parts[i] != parts[i - 1] or (word in spotting.negation_stops and i not in inside))
        stretch.append(at)
    others: dict[int, set[int]] = {}  # stretch -> the positions its mentions of someone else cover
    named = set()  # stretches naming someone beyond a child asked for ("my daughter says her friend ...")
    names = set()  # who is named, a child asked for too
    long_ago = set()
    not_ago = covered(words, spotting.not_long_ago)  # "all at once" is no "once" long ago
    for i in range(len(words)):
        # "after a night of lifting patients": whoever is lifted is no one telling of a sign
        n = 0 if i and words[i - 1] in spotting.tended else phrase_at(words, i, spotting.others, loose=True)
        if n > 1:
            names.add(tuple(words[i : i + n]))
        if n > 1 and not phrase_at(words, i, spotting.for_whom, loose=True):
            named.add(stretch[i])
        if n and i + n < len(words) and stretch[i + n] == stretch[i]:
            place = phrase_at(words, i + n, spotting.their_place)
            n += place + (place > 0)  # "a guy at my club": the "my" of where they are is not the speaker's own
        if n:
            others.setdefault(stretch[i], set()).update(range(i, i + n))
        if phrase_at(words, i, spotting.long_ago, loose=True) and i not in not_ago:
            long_ago.add(parts[i])
    # "..., I just have a twitchy calf": the speaker says what is theirs, so someone else's sign is only theirs
    saying_mine = [(i, phrase_at(words, i, spotting.only_mine)) for i in range(len(words))]
    only_mine = any(n for _, n in saying_mine)
    apart = {k for i, n in saying_mine for k in range(i, i + n)}  # its "I" claims nothing of theirs
    apart |= covered(words, spotting.asked_by)  # nor does "he asked me to check for him"
    # a stretch that also speaks of oneself, beside any mention of someone else in it, is the speaker's
    mine = {
        stretch[i]
        for i, word in enumerate(words)
        if word in spotting.me and i not in others.get(stretch[i], ()) and i not in apart
    }
    for at in mine:
        others.pop(at, None)
    # "my partner's calf twitches and aches for weeks": a stretch after "and" with no one named in it is still theirs
    for i in range(1, len(words)):
        carried = stretch[i] != stretch[i - 1] and parts[i] == parts[i - 1] and stretch[i - 1] in others
        if carried and stretch[i] not in mine and stretch[i] not in others:
            others[stretch[i]] = set()
    often = covered(words, spotting.not_now)  # "now and then" says how often, not that it is happening now
    now = {stretch[i] for i in range(len(words)) if i not in often and phrase_at(words, i, spotting.happening_now)}
    informing = _informing(words, parts, stretch, spotting)
    # A parent asking for their child ("my son says his leg goes numb") asks as the child would: red flags count. So
    # does anyone telling of someone else's twitch and not of one of their own ("my mum's calf twitches and it's numb").
    twitch_at = {stretch[h.start] for h in hits if h.group in spotting.the_twitch}
    # In a check-in, a reply that speaks only of "her" or "his" (no one named) answers for the one checked in on.
    for_them = bool(twitch_at & others.keys() or (in_checkin and others and not named)) and not mine
    asked_for = for_them or any(phrase_at(words, i, spotting.for_whom, loose=True) for i in range(len(words)))
    for h in hits:
        at = stretch[h.start]
        if at in others:
            h.passed = True
            # asking for one person, theirs counts wherever they are named; with two named, only beside the twitch
            theirs = for_them and (at in twitch_at or len(names) == 1)
            h.maybe = h.maybe or not asked_for or (at in named and not theirs)
            ago = parts[h.start] in long_ago and at not in now
            h.negated = h.negated or ago or (only_mine and at not in now)
        if at in informing:
            h.maybe = h.negated = h.passed = True


def _informing(words: list[str], parts: list[int], stretch: list[int], spotting: Spotting) -> set[int]:
    """The stretches that pass on what a sign means ("I read that slurred speech is a stroke sign", "the poster
    says stop if you get chest pain") with no word of oneself (or of one's own twitch: "my doctor says the twitching
    ...") after the telling ("I read that my speech ..."), but in what-ifs told, which it reaches to the end of its part
    ("my physio says if I ever get chest pain I should ring 999"). One's own record read out is no telling ("reading my
    note back, it says ...")."""
    told: dict[int, int] = {}  # stretch -> where its telling ends
    # "reading my note back, it says ...": a telling that starts just after one's own record tells of one's own signs
    records = ((k, phrase_at(words, k, spotting.own_record)) for k in range(len(words)))
    mine = {i for k, n in records if n for i in range(k + 1, k + n + _RECORD_GAP + 1)}
    for i in range(len(words)):
        n = 0 if i in mine else phrase_at(words, i, spotting.informing)
        if n and stretch[i + n - 1] not in told:  # "says stop | if you get chest pain": the stretch it ends in
            told[stretch[i + n - 1]] = i + n

    def of_oneself(at: int, end: int) -> bool:
        for k in range(end, len(words)):
            if stretch[k] == at and phrase_at(words, k, spotting.hypothetical):
                return False  # the rest of the telling is a what-if, its "I" anyone's
            if stretch[k] == at and (words[k] in spotting.me or phrase_at(words, k, spotting.told_mine)):
                return True
        return False

    out = set()
    for at, end in told.items():
        if of_oneself(at, end):
            continue
        out.add(at)
        for k in range(end, len(words)):  # "says | if I ever get chest pain ...": a what-if told, to its part's end
            told_on = stretch[k] == stretch[k - 1] or phrase_at(words, k, spotting.hypothetical)
            if parts[k] != parts[end - 1] or not told_on:
                break
            out.add(stretch[k])
    return out


def claimed(hits: list[Hit], words: list[str], parts: list[int], spotting: Spotting) -> None:
    """Make a sign passed on or someone else's the speaker's own when they then claim it ("I read that chest
    tightness is a warning sign and that's exactly what I've got now", "my friend fainted last year, and today I
    nearly went too"). A claim ends its part or is followed by a word like "now": "I have the same twitch" claims
    nothing, but one followed by a word like "after" claims ("mine's been doing it after spin")."""
    ends = spotting.ellipsis_tail | spotting.lookalike_stops
    for i in range(len(words)):
        n = phrase_at(words, i, spotting.claims)
        if n and (i + n == len(words) or parts[i + n] != parts[i] or words[i + n] in ends):
            for h in hits:
                if h.start < i and h.passed and not h.refused:
                    h.maybe = h.negated = h.passed = False


def long_past(hits: list[Hit], words: list[str], parts: list[int], clauses: list[int], spotting: Spotting) -> None:
    """Let one's own sign told as long past raise nothing ("I fainted once as a kid, nothing since"), unless its
    clause says it is back or still there ("I fainted years ago and again today") or the time is one it runs from."""
    past: set[int] = set()
    for i in range(len(words)):
        if phrase_at(words, i, spotting.own_long_ago, loose=True):
            # "since I moved house two months ago my eyelid has not stopped": a time it goes on from, not long past
            if not any(phrase_at(words, k, spotting.started_from) for k in range(i) if parts[k] == parts[i]):
                past.add(parts[i])
    back: set[int] = set()
    for i in range(len(words)):
        n = phrase_at(words, i, spotting.recent, loose=True)
        after = i + n if n and i + n < len(words) and parts[i + n] == parts[i] else None
        # "since then fine", "ever since, nothing": said to be gone since, not back
        gone = after is not None and (words[after] in spotting.negations or phrase_at(words, after, spotting.all_clear))
        if n and not gone:
            back.add(clauses[i])
    for h in hits:
        if parts[h.start] in past and h.clause not in back and not h.passed:  # someone else's: someone_else()
            h.negated = True


def taken_back(hits: list[Hit], words: list[str], clauses: list[int], spotting: Spotting) -> None:
    """Let a sign the speaker only supposed and then took back raise nothing ("I thought my foot had gone numb, but
    no, I can feel everything"): a clause that opens a supposing ("I thought", "I was worried") with the next clause
    opening on a taking back ("no", "I checked", "turns out")."""
    supposed = {clauses[i] for i in range(len(words)) if phrase_at(words, i, spotting.supposed)}
    starts = [i for i in range(len(words)) if i == 0 or clauses[i] != clauses[i - 1]]
    back = {clauses[i] - 1 for i in starts if phrase_at(words, i, spotting.taken_back)}
    for h in hits:
        if h.clause in supposed & back:
            h.negated = True
