"""The conversation state machine: ask, understand, move on. Pure: text in, events out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from twitch_coach.dialogue.content import Content, Node
from twitch_coach.dialogue.events import End, Event, Heard, Prompt, Say, Summary
from twitch_coach.dialogue.ids import COMMANDS, END, NONE, UNSURE, Command, Expects, SummaryStyle
from twitch_coach.dialogue.safe_reply import named_flags, read_safely
from twitch_coach.dialogue.safety import spot
from twitch_coach.dialogue.scoring import Answer, rank
from twitch_coach.dialogue.summary import compose, safety_lines
from twitch_coach.intents.matcher import Expectation, Match, Matcher
from twitch_coach.intents.normalize import normalise

_REVIEW = Expectation(Expects.CHOICE)  # after the summary only the global commands mean anything
# A spoken answer heard with less confidence than this is confirmed before it counts. Calibrated on
# the closed loop (tests/test_closed_loop.py): out-of-domain speech forced into a question's grammar
# scores up to about 0.77, real answers mostly above; below it, "Did you say ...?" keeps it safe.
CONFIRM_BELOW = 0.78
# Away from the safety questions (which never guess) a wrong answer only moves which cause is named and "go
# back" mends it: a calibrated answer at even odds or better is taken and said back, not asked about.
GUESS_BELOW = 0.5
CONFIRM_COMMAND_BELOW = 0.9  # commands that lose answers (stop, start over, back, skip) need more certainty
HARMLESS = frozenset({Command.REPEAT.value, Command.HELP.value})  # never worth a "Did you say ...?"
MAX_REPROMPTS = 2  # a no-match is asked again this many times, then the dialogue moves on
# "repeat" or "help" at one question is done this often (the second time in other words), then counts as not
# understood: a spoken "one" heard as "what" again and again asked the same question for ever.
MAX_REPEATS = 2
SAFETY_REPROMPTS = 1  # a safety question asks once more, then takes the safe branch
REVIEW_NODE = "summary"  # the node a Prompt names while the summary waits for repeat or stop
REVIEW_CHOICES = [Command.REPEAT.value, Command.STOP.value]


@dataclass
class _Snapshot:
    """The state just before a question was answered, so "go back" can return to it."""

    node: str
    answers: dict[str, Answer]
    red_flags: list[str]


@dataclass
class Conversation:
    """One check-in: feed it what the user said, get back what to say and do."""

    content: Content
    mode: str = ""
    """One of the content's modes; empty: its default_mode (domain.yaml)."""
    matcher: Matcher | None = None
    """Shared matcher (one per content is enough); made here when not given."""
    known: Mapping[str, Answer] = field(default_factory=dict)
    """Answers already known (from an earlier question this session); their questions are skipped."""
    known_flags: tuple[str, ...] = ()
    """Red flags known before the start (from the journal); they stay through "start over"."""
    opening: tuple[str, ...] = ()
    """Lines spoken after the intro, before the first question (for example why a flag is known)."""

    def __post_init__(self) -> None:
        self.mode = self.mode or self.content.domain.default_mode
        if self.mode not in self.content.trees:
            raise ValueError(f"unknown mode {self.mode!r}; choose one of: {', '.join(sorted(self.content.trees))}")
        self.tree = self.content.trees[self.mode]
        self.policy = self.content.policy(self.mode)
        self._matcher = self.matcher or Matcher(self.content.vocab.commands, self.content.vocab.unsure)
        self._confirm_expectation = Expectation(Expects.YES_NO, self.content.vocab.answer_sets["yes_no"])
        self._expectations = {nid: n.expectation for nid, n in self.tree.nodes.items()}
        self.rounds = 0  # bumped by "start over": a new check-in begins (the finished one stays finished)
        self._reset()

    def _reset(self) -> None:
        self.answers: dict[str, Answer] = dict(self.known)
        self.red_flags: list[str] = list(self.known_flags)
        self.urgent = False
        self.node: str | None = None
        self.misses = 0
        self.repeats = 0  # "repeat" and "help" at the open question
        self.history: list[_Snapshot] = []
        self.reviewing = False  # the summary has been given; only repeat, back, start over, stop remain
        self.finished = False
        self.last_summary: Summary | None = None
        self.pending: Match | None = None  # a heard answer waiting for "Did you say ...?"
        self._spotted: list[str] = []  # red flags named in the reply being heard, raised with its answer

    # ----- public -----

    def start(self) -> list[Event]:
        """Open the conversation: the intro, then the first question."""
        events: list[Event] = [Say(line) for line in (self.tree.intro, *self.opening) if line]
        return events + self._go(self.tree.start)

    def hear(self, utterance: str, confidence: float = 1.0, calibrated: bool = False) -> list[Event]:
        """Take one answer (with the recogniser's confidence, `calibrated` when fitted: GUESS_BELOW); what follows."""
        if self.finished:
            return []
        self._spotted = []
        current = self.current()
        if self.pending is not None:
            expectation = self._confirm_expectation
        else:
            expectation = self._expectations[self.node] if self.node else _REVIEW
        match = self._matcher.match(utterance, expectation)
        about = current.topic if current is not None and self.pending is None and not self.reviewing else None
        spotted = spot(utterance, self.content.safety, about)  # the same spotting as the one-shot answer
        if self.pending is None and current is not None and current.safe is not None and not self.reviewing:
            match = named_flags(current, read_safely(current, match), spotted)
        sure = round(match.confidence * max(0.0, min(confidence, 1.0)), 3)
        events: list[Event] = [Heard(utterance, match.intent, match.value, sure)]
        if spotted.urgent:
            return events + self._urgent()
        if self.reviewing:
            return events + self._review(match)
        if self.pending is not None:
            return events + self._confirmed(match)
        if match.intent in HARMLESS or (match.intent in COMMANDS and confidence >= CONFIRM_COMMAND_BELOW):
            return events + self._raise(list(spotted.red_flags)) + self._command(match.intent)
        assert current is not None
        self._spotted = list(spotted.red_flags)  # red-flag words count in every answer: raised with it
        safety = current.safe is not None or current.topic in self.content.domain.safety_topics  # never guessed
        unsure_below = GUESS_BELOW if calibrated and not safety else CONFIRM_BELOW
        if match.intent in COMMANDS or (match.intent != NONE and confidence < unsure_below):
            events += self._raise(self._take_spotted())
            self.pending = match
            text = self.content.message("confirm").format(heard=self._meant(current, match))
            return events + [Prompt(self.mode, current.id, current.topic, text, Expects.YES_NO, ["yes", "no"])]
        if match.intent != NONE and confidence < CONFIRM_BELOW:
            events.append(Say(self.content.message("said_back").format(heard=self._meant(current, match))))
        return events + self._understood(current, match)

    def resume(self) -> list[Event]:
        """Ask again whatever is waiting (after the input changed, say from speech to typing), keeping answers."""
        if self.finished:
            return []
        if self.reviewing and self.last_summary is not None:
            return [self.last_summary, self._review_prompt()]
        node = self.current()
        if node is None:
            return self.start()
        if self.pending is not None:
            text = self.content.message("confirm").format(heard=self._meant(node, self.pending))
            return [Prompt(self.mode, node.id, node.topic, text, Expects.YES_NO, ["yes", "no"])]
        return [self._prompt(node)]

    def _meant(self, node: Node, match: Match) -> str:
        """The answer a match stands for, as the question words it: "no" for a heard "know"."""
        phrases = node.choices.get(match.intent) or self.content.vocab.commands.get(match.intent)
        if match.intent == UNSURE:
            phrases = self.content.vocab.unsure
        return phrases[0] if phrases else match.text

    def _understood(self, node: Node, match: Match) -> list[Event]:
        """Act on an answer to `node` that has been understood (or not: intent "none")."""
        if match.intent == NONE:
            return self._miss(node)
        also = [node.raises[a] for a in match.stated if a in node.raises and a != match.intent]
        if match.intent == UNSURE and node.safe is not None:
            mixed = UNSURE not in match.stated and len(match.stated) > 1
            return self._take_safe(node, "safe_mixed" if mixed else "safe_unsure", also)
        value = match.value if isinstance(match.value, float) else None
        return self._advance(node, Answer(node.topic, match.intent, value, match.tags), [], also=also)

    def _confirmed(self, reply: Match) -> list[Event]:
        """The reply to "Did you say ...?": yes takes the answer; anything else asks the question again."""
        pending, self.pending = self.pending, None
        node = self.current()
        assert pending is not None and node is not None
        if reply.intent == "yes":
            return self._command(pending.intent) if pending.intent in COMMANDS else self._understood(node, pending)
        if reply.intent in COMMANDS:
            return self._command(reply.intent)
        return self._miss(node)  # counts as not understood: asked again, then moved on (or made safe)

    @property
    def confirming(self) -> bool:
        """True while "Did you say ...?" waits for a yes or no."""
        return self.pending is not None

    def current(self) -> Node | None:
        """The question now open, if any."""
        return self.tree.nodes.get(self.node) if self.node else None

    # ----- moving through the tree -----

    def _prompt(self, node: Node, text: str | None = None) -> Prompt:
        choices = list(node.choices) if node.expects in (Expects.YES_NO, Expects.CHOICE) else []
        return Prompt(self.mode, node.id, node.topic, text or node.ask, node.expects, choices)

    def _go(self, target: str) -> list[Event]:
        """Move to `target`, skipping questions whose answers are known, and ask it."""
        seen = set()  # compiled trees have no loops; this keeps a loop from ever spinning here anyway
        while target != END and self.tree.nodes[target].topic in self.answers and target not in seen:
            seen.add(target)
            node = self.tree.nodes[target]
            target = node.next_node(self.answers[node.topic].intent)
        if target in seen:
            target = END
        self.misses = self.repeats = 0
        if target == END:
            return self._finish()
        self.node = target
        return [self._prompt(self.tree.nodes[target])]

    def _advance(
        self, node: Node, answer: Answer | None, lead: list[Event], prefix: str = "", also: list[str] | None = None
    ) -> list[Event]:
        """Record `answer` (None: none given), raise its red flags (and `also` these), and ask what follows."""
        self.history.append(_Snapshot(node.id, dict(self.answers), list(self.red_flags)))
        flags = []
        if answer is not None:
            self.answers[node.topic] = answer
            flags = [node.raises[answer.intent]] if answer.intent in node.raises else []
        events = lead + self._raise(flags + (also or []) + self._take_spotted(), prefix)
        return events + self._go(node.next_node(answer.intent if answer else None))

    def _take_spotted(self) -> list[str]:
        """The red flags the words of the reply being heard named, once."""
        spotted, self._spotted = self._spotted, []
        return spotted

    def _raise(self, flags: list[str], prefix: str = "") -> list[Event]:
        """Record new red flags and give the advice for each, once."""
        events: list[Event] = []
        for flag in flags:
            if flag not in self.red_flags:
                self.red_flags.append(flag)
                events.append(Say(f"{prefix} {self.content.safety.red_flags[flag].said}".strip()))
                prefix = ""  # why is said once, before the first flag
        return events

    def _take_safe(self, node: Node, why: str, also: list[str] | None = None) -> list[Event]:
        """No clear answer to a safety question: take the safer branch and say why, in a whole sentence.

        `why` names the message that says what happened: safe_unsure, safe_mixed, safe_unclear or safe_skipped;
        `also`: red flags the reply named besides ("maybe weakness" at the quick screen).
        """
        assert node.safe is not None
        reason = self.content.message(why)
        flag = node.raises.get(node.safe)
        if flag is None:  # the screen: its safe answer asks every follow-up
            said = self.content.message("safe_followups").format(why=reason)
            return self._advance(node, Answer(node.topic, node.safe), [Say(said)], also=also)
        said = self.content.message("safe_branch").format(why=reason, reason=self.content.safety.red_flags[flag].reason)
        lead: list[Event] = [] if flag not in self.red_flags else [Say(said)]  # a known flag: still say why
        return self._advance(node, Answer(node.topic, node.safe), lead, said, also)

    def _miss(self, node: Node) -> list[Event]:
        self.misses += 1
        if self.misses <= (MAX_REPROMPTS if node.safe is None else SAFETY_REPROMPTS):
            lines = self.content.messages.reprompt
            template = lines[min(self.misses, len(lines)) - 1]
            text = template.format(rephrase=node.rephrase, options=self._options(node))
            return self._raise(self._take_spotted()) + [self._prompt(node, text)]
        if node.safe is not None:
            return self._take_safe(node, "safe_unclear")
        return self._advance(node, None, [Say(self.content.message("move_on"))])

    def _options(self, node: Node) -> str:
        """The accepted answers as a spoken list, in the question's own words: "a lot, some, a little, or not sure"."""
        if node.expects == Expects.NUMBER:
            return self.content.message("number_options")
        labels = [_offered(node, phrases) for phrases in node.choices.values()] + [self.content.vocab.unsure[0]]
        return f"{', '.join(labels[:-1])}, {self.content.message('or_word')} {labels[-1]}"

    # ----- commands -----

    def _command(self, command: str) -> list[Event]:
        node = self.current()
        assert node is not None
        if command in HARMLESS:
            self.repeats += 1
            if self.repeats > MAX_REPEATS:  # most likely an answer misheard as "what": asked again, then moved on
                return self._miss(node)
        if command == Command.REPEAT:
            again = self.content.message("repeat_rephrased").format(rephrase=node.rephrase, options=self._options(node))
            return [self._prompt(node, again if self.repeats == MAX_REPEATS else None)]
        if command == Command.HELP:
            return [Say(self.content.message("help").format(options=self._options(node))), self._prompt(node)]
        if command == Command.BACK:
            return self._back()
        if command == Command.SKIP:
            if node.safe is not None:
                return self._take_safe(node, "safe_skipped")
            return self._advance(node, None, [Say(self.content.message("skipped"))])
        if command == Command.START_OVER:
            return self._start_over()
        return self._stop()

    def _start_over(self) -> list[Event]:
        self._reset()
        self.rounds += 1
        return [Say(self.content.message("starting_over"))] + self._go(self.tree.start)

    def _back(self) -> list[Event]:
        if not self.history:
            node = self.current()
            assert node is not None
            return [Say(self.content.message("first_question")), self._prompt(node)]
        snapshot = self.history.pop()
        self.answers, self.red_flags = snapshot.answers, snapshot.red_flags
        self.reviewing = False
        self.node, self.misses, self.repeats = snapshot.node, 0, 0
        return [self._prompt(self.tree.nodes[snapshot.node])]

    def _stop(self) -> list[Event]:
        # Name the reasons: "Because of this" would not say what "this" is after a stop.
        lines = safety_lines(self.content, self.red_flags, self.urgent)
        events: list[Event] = [Say(line) for line in [*lines, self.content.message("stopped")]]
        self.finished = True
        return events + [End("stopped")]

    # ----- the end -----

    def summary(self) -> Summary:
        """The summary for the answers so far."""
        ranking = rank(self.answers, self.content.rules, self.content.causes)
        quick = self.policy.summary == SummaryStyle.SHORT
        text = compose(self.content, ranking, self.red_flags, self.urgent, quick, self.policy.summary_causes)
        return Summary(list(ranking), list(self.red_flags), self.urgent, text)

    def _finish(self) -> list[Event]:
        self.node = None
        self.last_summary = self.summary()
        if self.policy.summary == SummaryStyle.SHORT:
            self.finished = True
            return [self.last_summary, End("done")]
        self.reviewing = True
        return [self.last_summary, self._review_prompt()]

    def _review_prompt(self) -> Prompt:
        """After the summary the conversation waits for repeat or stop: a prompt, so clients know it waits."""
        return Prompt(self.mode, REVIEW_NODE, "", self.content.message("offer_repeat"), Expects.CHOICE, REVIEW_CHOICES)

    def _review(self, match: Match) -> list[Event]:
        if match.intent == Command.REPEAT and self.last_summary is not None:
            return [self.last_summary, self._review_prompt()]
        if match.intent == Command.BACK:
            return self._back()
        if match.intent == Command.START_OVER:
            return self._start_over()
        self.finished = True
        return [End("done")]

    def _urgent(self) -> list[Event]:
        self.urgent = True
        self.finished = True
        self.node = None
        self.last_summary = self.summary()
        return [Say(self.content.safety.urgent.said), self.last_summary, End("urgent")]


def _offered(node: Node, phrases: tuple[str, ...]) -> str:
    """How the question itself names an answer ("a lot" where it asks "A lot, some, ..."), else its first phrase."""
    if node.expects == Expects.CHOICE:
        asked = f" {normalise(node.ask)} "
        ends = {p: asked.rfind(f" {normalise(p)} ") + len(normalise(p)) for p in phrases if normalise(p)}
        found = [p for p, end in ends.items() if end >= len(normalise(p))]
        if found:  # the latest in the question is in its list of options ("high", not the "stressed" of the ask)
            return max(found, key=lambda p: (ends[p], len(p)))
    return phrases[0]
