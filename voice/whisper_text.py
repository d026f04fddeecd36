"""How Whisper writes what is said, and how its text is read back: the question's phrases in every way Whisper writes
them (digits, contractions, capitals, sound-alikes), and its transcripts normalised to the words the phrases use."""

from __future__ import annotations

import re

# Punctuation, but not a decimal point: "5.5 hours" must reach the text matcher as 5.5, not "five five".
_NOT_WORD = re.compile(r"(?:[^a-z0-9'. ]|(?<![0-9])\.|\.(?![0-9]))+")
_SMALL = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty"
).split()
# How Whisper writes what the question's phrases spell out: it hears "it doesn't hurt", not "it does not hurt", and
# with only the long form to score, "it does" won ("yes" to pain). Phrases are scored in both forms, and the free
# words are read in the long form, as the phrases are written.
_CONTRACTIONS = (  # a pronoun's first, as said: "it's not", "I'm not"
    ("i am", "i'm"), ("it is", "it's"), ("that is", "that's"), ("there is", "there's"), ("what is", "what's"),
    ("let us", "let's"), ("i have", "i've"), ("you are", "you're"), ("they are", "they're"), ("i will", "i'll"),
    ("i would", "i'd"),  # "I'd rather not say" was scored as "i do", a yes; "i'd" read as "i had" is rare in answers
    ("do not", "don't"), ("does not", "doesn't"), ("did not", "didn't"), ("is not", "isn't"), ("are not", "aren't"),
    ("was not", "wasn't"), ("have not", "haven't"), ("has not", "hasn't"), ("can not", "can't"),
    ("could not", "couldn't"), ("would not", "wouldn't"), ("will not", "won't"),
)  # fmt: skip
_EXPAND = {short: long for long, short in _CONTRACTIONS}
# A one-word answer Whisper writes as the word it sounds like: a lone "two" comes out "to" and a lone "four" "for"
# (the fitting speakers' FSDD digits), and then no phrase was whole in the free words, so a right answer was
# rejected. Only a whole one-word answer is read this way: "up to five" keeps its "to". Words that are answers
# elsewhere ("tree" in the real sets' other words) are not in it.
_SOUNDS_LIKE = {"to": "two", "too": "two", "for": "four", "fore": "four", "ate": "eight", "won": "one", "know": "no"}


def normalise(text: str) -> str:
    """Lower-case words without punctuation, numbers up to twenty as words, contractions spelt out ("don't" is
    "do not"), and a repeated phrase said once."""
    text = _NOT_WORD.sub(" ", text.lower().replace("’", "'"))
    words = [_SMALL[int(w)] if w.isdigit() and int(w) <= 20 else _EXPAND.get(w, w) for w in text.split()]
    words = " ".join(words).split()
    if len(words) == 1:
        words = [_SOUNDS_LIKE.get(words[0], words[0])]
    # A short answer in a long window makes Whisper say it again and again ("yes yes yes"): once is meant.
    # The decode's length limit can cut the last repeat short ("yes no yes no yes"): that is a repeat too.
    for size in range(1, len(words) // 2 + 1):
        if all(word == words[i % size] for i, word in enumerate(words)):
            return " ".join(words[:size])
    return " ".join(words)


def contracted(phrase: str) -> str:
    """`phrase` as Whisper would write it with contractions ("i do not know" is "i don't know")."""
    padded = f" {phrase} "
    for long, short in _CONTRACTIONS:
        padded = padded.replace(f" {long} ", f" {short} ")
    return padded.strip()


def contains(text: str, phrase: str) -> bool:
    """True when `phrase` is `text` or a run of its whole words."""
    return bool(phrase) and f" {phrase} " in f" {text} "


def _capital_i(text: str) -> str:
    """"I" as Whisper writes it, alone or contracted ("i'm not sure" is "I'm not sure")."""
    return " ".join("I" + w[1:] if w == "i" or w.startswith("i'") else w for w in text.split())


def _capitalised(text: str) -> str:
    """The first letter in capitals, as Whisper starts a sentence ("i'm" becomes "I'm", not "I'M")."""
    return text[:1].upper() + text[1:]


def written_forms(phrase: str) -> list[str]:
    """The ways Whisper writes normalised `phrase`: lower case or capitalised, numbers as words or digits ("five
    hours", "5 hours"), contracted or not ("I don't know"), and a one-word phrase also as the word it sounds like
    ("to" for "two")."""
    digits = " ".join(str(_SMALL.index(w)) if w in _SMALL else w for w in phrase.split())
    alike = [word for word, meant in _SOUNDS_LIKE.items() if meant == phrase]
    forms = [_capital_i(written) for written in (phrase, digits, contracted(phrase), *alike)]
    return list(dict.fromkeys(f for written in forms for f in (written, _capitalised(written))))


def echoes(free: str, question: str, run: int = 3) -> bool:
    """Whether the free words repeat `run` or more words of the question in a row: given the question as its
    previous text, Whisper sometimes writes the question again ("how hard was your session") instead of the answer.
    Two words in a row are not an echo: answers are often named in the question ("very hard", "a lot")."""
    said, asked = normalise(free).split(), normalise(question)
    return any(contains(asked, " ".join(said[i : i + run])) for i in range(len(said) - run + 1))
