"""The compiled content: frozen dataclasses built from the YAML files of one content folder."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from twitch_coach.dialogue.words import WordIndex
from twitch_coach.intents.matcher import Expectation
from twitch_coach.intents.normalize import SPELLED

Patterns = tuple[tuple[str, ...], ...]  # a sign: each pattern is group names that must meet in one clause


@dataclass(frozen=True)
class CauseInfo:
    """One cause factor and what the skill says about it."""

    id: str
    name: str  # how the summary names it: "short sleep"
    why: str  # why it causes twitching, spoken
    advice: str  # what to do, spoken
    now: str  # one thing to do right now, mid-workout
    prior: float  # how common it is after exercise when nothing else is known; breaks ties
    keywords: tuple[str, ...]  # words in a free question that point to it
    against: tuple[str, ...] = ()  # words in a free question that speak against it ("drank loads")


@dataclass(frozen=True)
class RedFlagInfo:
    """One red flag and the advice spoken when it is raised."""

    id: str
    reason: str  # how the summary names it: "it hurts"
    said: str  # plain advice spoken as soon as it is raised
    signs: Patterns  # what in a question or answer raises it (groups in safety.yaml)
    unless: tuple[str, ...] = ()  # groups that, heard anywhere, keep it quiet ("it only started today")


@dataclass(frozen=True)
class Urgent:
    """Signs that need help now, and the wording for them."""

    said: str
    reason: str
    signs: dict[str, Patterns]  # sign id -> the patterns that name it


@dataclass(frozen=True)
class Spotting:
    """The word groups signs are made of, and what cancels them (safety.yaml, `spotting` and `groups`)."""

    groups: Mapping[str, tuple[tuple[str, ...], ...]]  # group -> phrases, each as normalised words
    breaks: tuple[tuple[str, ...], ...]  # words that start a new clause ("but")
    negations: frozenset[str]  # cancel the group words after them in their part of the clause
    negation_stops: frozenset[str]  # ... up to one of these ("and")
    all_clear: tuple[tuple[str, ...], ...]  # cancel what came before them in their part ("fine")
    as_usual: tuple[tuple[str, ...], ...]  # cancel the whole clause before them ("which is normal")
    pseudo: tuple[tuple[str, ...], ...]  # phrases that neither negate nor clear ("than normal")
    lookalikes: tuple[
        tuple[str, str, int], ...
    ]  # (group, group, gap): the first just before the second: neither counts
    sounds_like: Mapping[str, str]  # short slip -> the word it stands for ("pane" -> "pain")
    not_slips: frozenset[str]  # real words never read as a slip, sound-alike or form of a group word
    lookalike_stops: frozenset[str] = frozenset()  # words no look-alike reaches across ("weak after the run")
    idioms: frozenset[str] = frozenset()  # groups of phrases that mean something else: their words raise nothing
    hypothetical: tuple[tuple[str, ...], ...] = ()  # like negations, for red flags only ("can it cause numbness")
    others: tuple[tuple[str, ...], ...] = ()  # someone else is meant ("my friend"): that clause raises no red flag
    me: frozenset[str] = frozenset()  # ... unless it also speaks of oneself ("my mate said I passed out")
    long_ago: tuple[tuple[str, ...], ...] = ()  # ... and, with one of these, no urgent sign either ("last year")
    answers: frozenset[str] = frozenset()  # negations that may be a whole answer ("no") ...
    fresh_starts: tuple[tuple[str, ...], ...] = ()  # ... and then negate nothing before these ("no my arm is weak")
    belongs: tuple[tuple[str, str, int], ...] = ()  # (group, group, gap): the second is the first's ("pills for years")
    denials: tuple[tuple[str, ...], ...] = ()  # phrases that negate like `negations` ("can not say it hurts")
    only_mine: tuple[tuple[str, ...], ...] = ()  # the speaker says what is theirs: someone else's signs stay theirs ...
    happening_now: tuple[tuple[str, ...], ...] = ()  # ... unless happening now ("my mate is collapsing next to me")
    their_place: tuple[tuple[str, ...], ...] = ()  # right after someone else, where they are ("a guy at my club")
    informing: tuple[tuple[str, ...], ...] = ()  # a sign passed on as information ("I read that ..."): raises nothing
    general_questions: tuple[tuple[str, ...], ...] = ()  # a sentence asked about signs in general ("when is ...") ...
    general_if_asked: tuple[tuple[str, ...], ...] = ()  # ... or with "?" at its end, one of these ("is numbness bad?")
    hearsay: tuple[tuple[str, ...], ...] = ()  # ... and one opening with these passes a sign on: raises nothing
    told_mine: tuple[tuple[str, ...], ...] = ()  # after a telling, these make it one's own ("... says the twitching")
    own: frozenset[str] = frozenset()  # ... with none of these nor `me` after: raises no red flag ("is tingling bad?")
    curious: tuple[tuple[str, ...], ...] = ()  # ... nor anything, beside one of these ("just curious", "in general")
    asked: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # topic -> groups its question's subject is
    sayings_at: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # topic -> groups that are sayings there
    heard_at: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # topic -> groups heard at its question only
    ellipsis: frozenset[str] = frozenset()  # ends a part that borrows what was denied before ("but my chest does")
    ellipsis_tail: frozenset[str] = frozenset()  # words that may follow it ("but it does now")
    heard: frozenset[str] = frozenset()  # the groups heard on their own (all when empty); the rest only inside phrases
    dialect: Mapping[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)  # "cannae" -> "can not"
    no_alikes: frozenset[str] = frozenset()  # heard for "no" where no other word fits ("know pain, know numbness")
    claims: tuple[tuple[str, ...], ...] = ()  # what was told or someone else's is the speaker's too ("me too")
    for_whom: tuple[tuple[str, ...], ...] = ()  # someone asked for ("my son"): their red flags count as the speaker's
    own_long_ago: tuple[tuple[str, ...], ...] = ()  # one's own sign long past raises nothing ("as a kid") ...
    recent: tuple[tuple[str, ...], ...] = ()  # ... unless its clause says it is back ("again today")
    started_from: tuple[tuple[str, ...], ...] = ()  # ... or it runs from that time ("since ... two months ago")
    supposed: tuple[tuple[str, ...], ...] = ()  # a clause only supposing a sign ("I thought my foot was numb") ...
    taken_back: tuple[tuple[str, ...], ...] = ()  # ... taken back by the next clause ("but no, I can feel it all")
    glue: frozenset[str] = frozenset()  # small words that join others, for splitting words run together
    typed_joins: frozenset[str] = frozenset()  # words typed into the next in a hurry ("mypee"): a short split's seams
    answer_tails: frozenset[str] = frozenset()  # words a short "no" may carry ("not really", "no way", "not at all")
    not_long_ago: tuple[tuple[str, ...], ...] = ()  # ... not these, though they hold a word of it ("all at once")
    the_twitch: frozenset[str] = frozenset()  # groups naming the twitch: asking for whose it is, one asks as them
    auxiliaries: frozenset[str] = frozenset()  # a verb after "after <activity>" is not the activity's ("has been")
    asked_by: tuple[tuple[str, ...], ...] = ()  # their "me" claims nothing: "he's asked me to check for him"
    not_now: tuple[tuple[str, ...], ...] = ()  # hold a word of `happening_now` but say how often ("now and then")
    own_record: tuple[tuple[str, ...], ...] = ()  # what these say is one's own: "reading my note back, it says ..."
    tended: frozenset[str] = frozenset()  # someone named after these is tended, not telling ("lifting patients")
    index: WordIndex = field(init=False, repr=False, compare=False)
    lexicon: frozenset[str] = field(init=False, repr=False, compare=False)  # every word listed here, and `glue`
    dialect_said: tuple[tuple[str, ...], ...] = field(init=False, repr=False, compare=False)  # `dialect`'s keys
    short_reply: frozenset[str] = field(init=False, repr=False, compare=False)  # the words of a short "no it does not"
    seams: frozenset[str] = field(init=False, repr=False, compare=False)  # `typed_joins` and the matcher's spellings
    by_first: Mapping[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    by_two: Mapping[tuple[str, str], tuple[tuple[str, tuple[str, ...]], ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Built once when the content is compiled: every form of every group word, the groups of each one-word
        # phrase, and each longer group phrase under its first two words, so an utterance is compared only with
        # the phrases its words can start ("can not" meets "{cannot} ..." phrases, not every "can ...").
        words = {w for phrases in self.groups.values() for phrase in phrases for w in phrase}
        object.__setattr__(self, "index", WordIndex(words, self.sounds_like, self.not_slips))
        object.__setattr__(self, "dialect_said", tuple(self.dialect))
        values = [value for value in vars(self).values() if isinstance(value, tuple)]
        entries = [p for value in values for p in value if isinstance(p, tuple)]
        # words only: a look-alike pair is (group, group, gap), not a phrase
        listed = {w for p in entries if all(isinstance(w, str) for w in p) for w in p}
        object.__setattr__(self, "lexicon", frozenset(words | listed | self.glue | self.not_slips | SPELLED))
        short = self.answers | self.own | self.ellipsis | self.ellipsis_tail | self.answer_tails
        object.__setattr__(self, "short_reply", short)
        object.__setattr__(self, "seams", self.typed_joins | SPELLED)  # "cantbreathe": "cant" as the matcher reads it
        single: dict[str, list[str]] = {}
        starts: dict[tuple[str, str], list[tuple[str, tuple[str, ...]]]] = {}
        for group, phrases in self.groups.items():
            if self.heard and group not in self.heard:
                continue
            for phrase in phrases:
                if len(phrase) == 1:
                    single.setdefault(phrase[0], []).append(group)
                else:
                    starts.setdefault((phrase[0], phrase[1]), []).append((group, phrase))
        object.__setattr__(self, "by_first", {w: tuple(g) for w, g in single.items()})
        object.__setattr__(self, "by_two", {w: tuple(p) for w, p in starts.items()})


@dataclass(frozen=True)
class Safety:
    """Red flags, urgent signs and the lines that keep people safe."""

    red_flags: dict[str, RedFlagInfo]
    urgent: Urgent
    spotting: Spotting
    professional: str
    safe_prefix: str
    emergency_intro: str
    reassurance: str
    reassurance_with_flags: str


@dataclass(frozen=True)
class Vocab:
    """What people say: answer sets, the universal "not sure", and the global commands."""

    unsure: tuple[str, ...]
    answer_sets: dict[str, dict[str, tuple[str, ...]]]  # set name -> answer id -> phrases
    commands: dict[str, tuple[str, ...]]  # command name -> phrases
    pronunciations: dict[str, str] = field(default_factory=dict)  # word -> ARPAbet phones, for the recogniser
    about: tuple[str, ...] = ()  # words that show a one-shot question is about twitching after exercise
    counted: frozenset[str] = frozenset()  # nouns that make "a" one ("a coffee"): singular, two words joined


@dataclass(frozen=True)
class Node:
    """One question of a dialogue tree."""

    id: str
    topic: str
    ask: str
    rephrase: str
    expects: str  # yes_no | choice | number | free
    choices: dict[str, tuple[str, ...]]  # answer id -> phrases, for yes_no and choice
    next: dict[str, str]  # answer id or "default" -> node id or "end"
    raises: dict[str, str] = field(default_factory=dict)  # answer id -> red flag id
    safe: str | None = None  # the answer an unclear reply counts as (red-flag questions)
    words: dict[str, float] = field(default_factory=dict)  # number questions: phrase -> value
    tags: dict[str, tuple[str, ...]] = field(default_factory=dict)  # tag -> phrases noticed in answers
    units: tuple[str, ...] = ()  # number questions: words said after the number ("hours"), for speech grammars
    foreign: tuple[str, ...] = ()  # other questions' units in the tree: "two coffees" is no answer to "how many hours"
    counted: frozenset[str] = frozenset()  # the vocabulary's nouns that make "a" one ("a coffee")
    expectation: Expectation = field(init=False, repr=False, compare=False)  # what the matcher accepts here

    def __post_init__(self) -> None:
        # Built once when the content is compiled, not per conversation or per answer.
        expectation = Expectation(
            self.expects, self.choices, self.words, self.tags, self.units, self.foreign, self.counted
        )
        object.__setattr__(self, "expectation", expectation)

    def next_node(self, answer: str | None) -> str:
        """The node that follows `answer` (None when skipped)."""
        if answer is not None and answer in self.next:
            return self.next[answer]
        return self.next["default"]


@dataclass(frozen=True)
class DialogueTree:
    """One mode's questions, from `start` to "end"."""

    mode: str
    start: str
    intro: str
    nodes: dict[str, Node]


@dataclass(frozen=True)
class Rule:
    """An answer that meets every given condition adds `weight` to `cause`."""

    cause: str
    topic: str
    weight: float
    why: str  # spoken reason; {value} is the number given
    is_: tuple[str, ...] = ()  # the answer is one of these ids
    below: float | None = None  # the number given is less than this
    at_least: float | None = None  # the number given is at least this
    tag: str | None = None  # the answer carried this tag (for example "pre_workout")


@dataclass(frozen=True)
class Home:
    """The home device: the wake phrase, and what each request does after it."""

    wake: tuple[str, ...]  # phrases that wake the device ("hey coach")
    woken: str  # said when woken
    routes: dict[str, tuple[str, ...]]  # checkin | quick | ask | stop -> phrases, {part} expanded
    not_understood: str
    goodbye: str


@dataclass(frozen=True)
class ModePolicy:
    """What one mode (a dialogue tree) does around its questions, from domain.yaml."""

    name: str
    summary: str  # "full": causes with reasons, then an offer to repeat; "short": a quick answer that ends it
    summary_causes: int  # at most this many causes are spoken
    endpoint: str  # how long a pause ends an answer: "default", or "workout" for a breathless speaker
    carries_over_from: str | None  # a recent check-in of this mode is carried on from (its answers kept)


@dataclass(frozen=True)
class Domain:
    """The ids this content speaks about and how its modes behave: content/domain.yaml."""

    causes: tuple[str, ...]
    red_flags: tuple[str, ...]
    topics: tuple[str, ...]
    safety_topics: frozenset[str]  # always asked out loud, never filled in or carried over
    modes: Mapping[str, ModePolicy]
    default_mode: str
    journal_flag: str  # the red flag past check-ins raise
    urgent: tuple[str, ...] = ()  # urgent sign ids: help now, not a routine visit


@dataclass(frozen=True)
class Messages:
    """The lines spoken around the questions; every {placeholder} in them is one the code fills in."""

    lines: Mapping[str, str]
    reprompt: tuple[str, ...]  # one line per retry


@dataclass(frozen=True)
class Persistence:
    """When past check-ins alone raise the journal's red flag; either rule is enough."""

    span_days: int  # days; a run of check-ins longer than this persists ...
    max_gap_days: int  # days; ... when no two check-ins in a row are further apart than this
    min_days: int  # distinct days with twitching ...
    window_days: int  # days, today included, in which min_days must fall
    said_span: str  # spoken when the run rule fires; {span} days, {days} distinct days
    said_days: str  # spoken when the days rule fires; same fields


@dataclass(frozen=True)
class Trend:
    """A pattern across check-ins: this topic's answer meets the condition `times` times in `within_days`."""

    topic: str
    is_: tuple[str, ...]  # answer ids, any of which matches (empty: any answer)
    below: float | None  # the number answered is below this
    at_least: float | None  # the number answered is at least this
    tag: str | None  # the answer carries this tag
    within_days: int  # days, today included
    times: int  # matching check-ins, this one included, before it is said
    say: str  # {nth}: "third"; {count}: 3
    say_many: str  # used when the count runs past the ordinals; {count}


@dataclass(frozen=True)
class HistoryRules:
    """Everything content/journal.yaml says about past check-ins."""

    persistence: Persistence
    trends: tuple[Trend, ...]
    max_spoken: int  # trend lines spoken after one check-in at most
    ordinals: tuple[str, ...]  # "first", "second", ...: ordinals[n - 1] is the word for n
    carry_over_minutes: int  # a check-in this soon after a quick check carries on from it


@dataclass(frozen=True)
class Content:
    """Everything the skill says and understands, loaded and checked at start-up."""

    causes: dict[str, CauseInfo]
    safety: Safety
    vocab: Vocab
    messages: Messages
    trees: dict[str, DialogueTree]
    rules: tuple[Rule, ...]
    domain: Domain
    journal: HistoryRules
    home: Home | None = None  # None when no home.yaml is loaded

    def message(self, key: str) -> str:
        """A spoken line from messages.yaml; a missing key raises instead of speaking the key."""
        return self.messages.lines[key]

    def policy(self, mode: str) -> ModePolicy:
        """What `mode` does around its questions (domain.yaml)."""
        return self.domain.modes[mode]
