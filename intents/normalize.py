"""Turn a messy utterance into plain lower-case words the matcher can compare."""

from __future__ import annotations

import re
import unicodedata

from twitch_coach.intents.numbers import NUMBER_WORDS

# Contractions expanded so "don't" and "do not" read the same to the matcher.
_CONTRACTIONS = {
    "can't": "can not",
    "cannot": "can not",
    "won't": "will not",
    "n't": " not",
    "'re": " are",
    "'ve": " have",
    "'ll": " will",
    "'d": " would",
    "'m": " am",
    "it's": "it is",
    "that's": "that is",
    "what's": "what is",
    "there's": "there is",
}
# Each as a whole word, or as the end of one: the "'d" of "I'd", not the start of a quoted 'double vision'.
_CONTRACTIONS_RE = [
    (short, re.compile((r"(?<=[a-z])" if short[0] in "'n" else r"\b") + re.escape(short) + r"\b"), full)
    for short, full in _CONTRACTIONS.items()
]
_LETS_RE = re.compile(r"\blet's")  # "let's" as a word, not inside "wallet's" or "tablet's"

# Spellings people (and recognisers) use for the same answer words.
_SPELLINGS = {
    "dont": "do not",
    "doesnt": "does not",
    "dosnt": "does not",  # typed fast: "no it dosnt hurt"
    "dosent": "does not",
    "doesent": "does not",
    "didnt": "did not",
    "havent": "have not",
    "hasnt": "has not",
    "isnt": "is not",
    "wasnt": "was not",
    "cant": "can not",
    "wont": "will not",  # typed without the apostrophe: "it wont stop"
    "couldnt": "could not",
    "wouldnt": "would not",
    "arent": "are not",
    "werent": "were not",
    "dunno": "do not know",
    "gonna": "going to",
    "kinda": "kind of",
    "sorta": "sort of",
    "im": "i am",
    "ive": "i have",
    "okay": "ok",
    # Written short for a length of time ("3 wks", "5hrs"); not "hr" (heart rate) or "yr" ("your" in a text).
    "wk": "week",
    "wks": "weeks",
    "mth": "month",
    "mths": "months",
    "mnth": "month",
    "mnths": "months",
    "yrs": "years",
    "hrs": "hours",
    "mins": "minutes",
}
SPELLED = frozenset(_SPELLINGS)  # words typed without their apostrophe or spaces ("cant", "dunno"), read out in full
# "3wks", "5hrs": a number glued to its unit
_UNIT_RE = re.compile(r"(?<=\d)(?=(?:wks?|mn?ths?|yrs|hrs|mins|weeks?|months?|years?|hours?|days?|minutes?)\b)")

# A clinician's shorthand for a length of time: "4/52" is four weeks, and after "for" "3/12" is three months, "5/7" days
_CLINICAL_RE = re.compile(r"\b(\d{1,2})\s*/\s*52\b(?!/)|\b(for|since|past|last)\s+(\d{1,2})\s*/\s*(12|7)\b(?!/)")
_CLINICAL_UNITS = {"12": "months", "7": "days"}

# Filler words and phrases that carry no answer; longest first so "i guess so" keeps "so".
_FILLERS = (
    "you know",
    "i mean",
    "i guess",
    "i suppose",
    "to be honest",
    "honestly",
    "basically",
    "actually",
    "like",
    "um",
    "umm",
    "uh",
    "uhh",
    "er",
    "erm",
    "hmm",
    "mm",
    "oh",
    "just",
    "please",
    "ish",
)

# "just" is a filler ("just a bit"), except where it means "only": "just my calf", "just in my leg", "I just have".
_ONLY_RE = re.compile(r"\bjust (?=my\b|in my\b|have\b|get\b|got\b|asking\b)")
_COUPLE_RE = re.compile(r"\bcouple (?!of\b)(?=[a-z])")  # "a couple days" is "a couple of days"
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}\b)")  # "1,000" is one number, not "1" and "000"
_FILLER_RE = re.compile(r"\b(?:" + "|".join(re.escape(f) for f in _FILLERS) + r")\b")
_AGREE_RE = re.compile(r"\b(?:uh[ -]?huh|mm[ -]?hmm|mhm+)\b")
# "five-ish", "easy-ish", "fiveish", "10ish" -> the word itself; "rubbish", "finish", "english" stay whole.
_ISH_RE = re.compile(r"(\w)-ish\b|\b(\d+|" + "|".join(w for w in NUMBER_WORDS if w != "zero") + r")ish\b")
_PUNCT_RE = re.compile(r"[^a-z0-9.' ]+")
_SPACE_RE = re.compile(r"\s+")
# "pre" is a prefix, never a word of its own: it joins the word it is written or said before.
_PRE_RE = re.compile(r"\bpre[ -]+(?=[a-z])")


def _clinical(m: re.Match[str]) -> str:
    if m.group(1):
        return f"{m.group(1)} weeks"
    return f"{m.group(2)} {m.group(3)} {_CLINICAL_UNITS[m.group(4)]}"


def normalise(text: str) -> str:
    """Lower-case, expand contractions, drop punctuation and fillers, collapse spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    # Each rewrite below runs only on text that holds what it rewrites: content normalises some 84,000 phrases as it
    # loads, and a plain substring test is far cheaper than a pattern that finds nothing.
    if "let's" in text:
        text = _LETS_RE.sub("let us", text)
    for short, pattern, full in _CONTRACTIONS_RE:
        if short in text:
            text = pattern.sub(full, text)
    if "pre" in text:
        text = _PRE_RE.sub("pre", text)  # "pre-workout", "pre workout" -> "preworkout": one word however written
    if "uh" in text or "mm" in text or "mhm" in text:
        text = _AGREE_RE.sub(" uhhuh ", text)  # "uh huh" is a yes; keep it from the filler "uh"
    if "ish" in text:
        text = _ISH_RE.sub(lambda m: m.group(1) or m.group(2), text)
    text = text.replace("-", " ")
    if "," in text:
        text = _THOUSANDS_RE.sub("", text)
    if "/" in text:
        text = _CLINICAL_RE.sub(_clinical, text)
    if "." in text:
        text = re.sub(r"(?<![0-9])\.|\.(?![0-9])", " ", text)  # keep decimal points, drop full stops
    text = _PUNCT_RE.sub(" ", text).replace("'", "")
    text = _UNIT_RE.sub(" ", text)
    words = [_SPELLINGS.get(word, word) for word in text.split()]
    text = " ".join(words)
    if "just " in text:
        text = _ONLY_RE.sub("only ", text)
    if "couple" in text:
        text = _COUPLE_RE.sub("couple of ", text)
    text = _FILLER_RE.sub(" ", text)
    return _SPACE_RE.sub(" ", text).strip()
