"""Whisper tiny.en through CTranslate2: each answer decoded freely and scored against the question's whole phrases
(voice/phrase_search.py), the two compared, and the evidence turned into a calibrated probability
(voice/calibration/whisper.yaml)."""

from __future__ import annotations

import difflib
import importlib.util
import math
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from twitch_coach.voice.phrase_search import PhraseTrie, log_softmax, normalised, search
from twitch_coach.voice.recognizer import RATE, Recognizer, RecognizerError, Transcript, Vocabulary
from twitch_coach.voice.silero import SHARED, SpeechDetectorError
from twitch_coach.voice.whisper_features import MAX_SECONDS, log_mel
from twitch_coach.voice.whisper_text import contains, echoes, normalise, written_forms

MODEL_FILES = ("config.json", "model.bin", "tokenizer.json", "vocabulary.txt")
CALIBRATION = Path(__file__).with_name("calibration") / "whisper.yaml"
MIN_WINDOW = 5  # seconds; shorter windows make Whisper repeat a one-word answer and misjudge silence
# Prefixes kept at each step of the phrase search, and how far behind a finished phrase one may fall (nats); set on
# the fitting speakers' digits, "stop" and FSDD: 3 and 4 found as many right phrases as 3 and 6 at about 90% of
# the CPU time; a beam of 2 lost 1 to 3 clips of each.
BEAM = 3
PRUNE = 4.0
MARGIN_CAP = 3.0  # a phrase's lead over the next is evidence up to this; past it, all leads are alike
# The free decode's max_length past the question's longest phrase: CTranslate2's max_length also counts the prompt
# and more (measured: "i am not really sure." needs 12 where it takes 6 tokens), and the rest is enough to show
# Whisper running on past an answer.
_FREE_PAST = 13
_OPEN_TOKENS = 120
# A short answer in a 5 s window makes Whisper say it again until the length limit ("Yes. Yes. Yes. ..."), which was
# most of an answer's cost (the fitting clips' free decode: 56 ms at 1.0, 16 ms at 1.1, the same words once).
REPETITION_PENALTY = 1.1
_ENDINGS = (".", "!", "?")  # with <|endoftext|>: a phrase is whole when the decoder would stop after it
FRAME = RATE // 100  # 10 ms frames for the level statistics
# Audio in which no 32 ms is this likely to be speech (Silero VAD, voice/silero.py) is not decoded: Whisper invents
# words on silence and noise ("yeah" on zeros), and the phrase search always finds some phrase. Set on the fitting
# speakers: their answers peaked at 0.32 or more (yes/no, "stop", digits, FSDD, over the exercise bike at 5 dB too),
# and 88% of their noise slices stayed under 0.2. It replaced a level rule (loud frames at least 1 dB above the
# quiet ones), which only screened out digital silence and steady tones: a gate at 6 dB took 3 of the 205 held-out
# yes/no answers and let most noise through.
MIN_SPEECH = 0.2
# The question, as Whisper's previous text, is cut to its last this many tokens: Whisper reads at most 223, and each
# decoder call reads them all.
CONTEXT_TOKENS = 48


@dataclass(frozen=True)
class Evidence:
    """What one decoding found; the calibration turns `features()` into the probability `text` is right."""

    text: str  # what is handed on: the phrase, or the free decode when it says the phrase and more
    phrase: str  # the question's phrase the decoder scores best ("" for an open vocabulary)
    free: str  # the free decode, normalised
    phrase_score: float  # log-probability of saying exactly that phrase and stopping, normalised for its length
    margin: float  # its lead over the next phrase, in the same units
    free_score: float  # mean log-probability per token of the free decode
    free_log_prob: float  # log-probability of the free decode and its end, normalised as phrase_score: its yardstick
    no_speech: float  # Whisper's own probability that the window holds no speech
    level_range: float  # dB between the loud and quiet frames: speech stands out from its own floor
    seconds: float

    def features(self, open_vocabulary: bool) -> list[float]:
        """The regression's inputs, scaled to about unit size."""
        level = self.free_features()
        if open_vocabulary:
            return level  # how long free speech should be is unknown: its length is no evidence
        extra = max(0, len(self.free.split()) - max(1, len(self.phrase.split())))
        # "phrase inside free" is left out: with `extra` and `exact` it says nothing new, and the three together
        # made the fit trade weights between them from one refit to the next.
        exact = float(self.free == self.phrase)
        similar = difflib.SequenceMatcher(None, self.free, self.phrase).ratio()
        # How much less likely the phrase is than what Whisper says freely: near 0 when the two are one answer
        # written two ways ("six", "6th"), far below when something else was said ("bed" against "yes").
        behind = min(max(self.phrase_score - self.free_log_prob, -10.0), 2.0) / 2.0
        return [*level, math.log1p(extra), self.phrase_score, min(self.margin, MARGIN_CAP), exact, similar, behind]

    def free_features(self) -> list[float]:
        """The inputs that judge the free decode alone: is there speech, and how sure was Whisper of its words."""
        # Past 40 dB the range says only "digital silence around it" (padded or synthesised audio), not more speech.
        return [self.no_speech, min(self.level_range, 40.0) / 10.0, self.free_score]


@dataclass(frozen=True)
class Calibration:
    """Logistic regression coefficients for closed and open vocabularies and for the free decode alone at a
    closed question, and the rejection threshold."""

    closed: tuple[float, ...]  # intercept first, then one weight per closed feature
    open: tuple[float, ...]
    reject_below: float  # a probability under this is "not an answer / no speech"
    free: tuple[float, ...] = ()  # the free decode when no whole phrase came: read by the caller's text matcher
    # The closed model at a number question, fitted on its own clips: other words take one of its many phrases
    # far more often than "yes" or "no", and one model for both judged one kind too strictly or the other too
    # loosely. Empty: `closed` serves both.
    number: tuple[float, ...] = ()
    # A phrase that the fitting speakers' clips showed right far more often than the rest below reject_below is
    # taken from its own floor (with the "Did you say ...?" every low probability gets): "stop", which other words
    # and noise seldom reach, was right 11 times of 13 from 0.15 to 0.5, where the pooled model asks again.
    floors: Mapping[str, float] = field(default_factory=dict)

    def taken(self, phrase: str, probability: float) -> bool:
        """Whether a phrase judged this probable is an answer rather than something to ask again."""
        return probability >= self.floors.get(phrase, self.reject_below)

    def probability(self, evidence: Evidence, vocabulary: Vocabulary) -> float:
        """The fitted probability that `evidence.text` is what was said at a question listening for `vocabulary`."""
        if vocabulary.is_open:
            return _logistic(self.open, evidence.features(True))
        weights = self.number if vocabulary.numbers and self.number else self.closed
        return _logistic(weights, evidence.features(False))

    def free_probability(self, evidence: Evidence) -> float:
        """The fitted probability that `evidence.free` is what was said, where no whole phrase was decoded
        and the caller's text matcher takes the free words as an answer (how the fit chose its clips)."""
        return _logistic(self.free, evidence.free_features())


def _logistic(weights: tuple[float, ...], x: list[float]) -> float:
    if len(weights) != len(x) + 1:
        raise RecognizerError(f"{CALIBRATION} has {len(weights) - 1} weights for {len(x)} features; refit it")
    z = weights[0] + sum(w * v for w, v in zip(weights[1:], x, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def load_calibration(path: Path = CALIBRATION) -> Calibration:
    """The fitted calibration from `path` (see bench/calibrate_whisper.py), with a clear error when unusable."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text())
        fitted = data["fitted"]
        return Calibration(
            tuple(float(w) for w in fitted["closed"]),
            tuple(float(w) for w in fitted["open"]),
            float(fitted["reject_below"]),
            tuple(float(w) for w in fitted["free"]),
            tuple(float(w) for w in fitted.get("number", ())),
            {str(phrase): float(floor) for phrase, floor in (fitted.get("floors") or {}).items()},
        )
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError, AttributeError) as error:
        raise RecognizerError(
            f"the Whisper calibration {path} is missing or damaged ({error}); run bench/calibrate_whisper.py"
        ) from error


def check_model_folder(path: str | Path) -> list[str]:
    """Problems that stop `path` being a CTranslate2 Whisper model folder; empty when it looks complete."""
    path = Path(path).expanduser()
    if not path.exists():
        return ["the path does not exist"]
    if not path.is_dir():
        return ["it is a file, not a model folder"]
    missing = [name for name in MODEL_FILES if not (path / name).is_file()]
    return [f"missing {', '.join(missing)}"] if missing else []


def _path_log_prob(known: dict[tuple[int, ...], np.ndarray], ids: list[int], end: int) -> float:
    """The log-probability of decoding `ids` and then stopping, normalised for length as phrases are, from the
    decoder's steps along them (0 when none is known)."""
    scores = []
    for i, token in enumerate([*ids, end]):
        step = known.get(tuple(ids[:i]))
        if step is None:
            break  # the decode hit its length limit before it ended: the path so far
        scores.append(float(step[token]))
    return normalised(sum(scores), len(scores)) if scores else 0.0


def level_range(samples: np.ndarray) -> float:
    """dB between the loudest and the quietest 10 ms frames (98th and 10th percentiles) of int16-scale audio."""
    n = samples.size // FRAME
    if n < 2:
        return 0.0
    frames = samples[: n * FRAME].reshape(n, FRAME).astype(np.float64)
    db = 10 * np.log10(np.mean(frames**2, axis=1) + 1.0)
    return float(np.percentile(db, 98) - np.percentile(db, 10))


class WhisperRecognizer(Recognizer):
    """Whisper (CTranslate2, int8, CPU), loaded once; answers judged by a calibrated probability."""

    name = "whisper"

    def __init__(
        self, model_path: str | Path, calibration: Calibration | None = None, threads: int = 1, fix: str = ""
    ) -> None:
        """Load the model folder (about 0.3 s); `threads` 0 uses up to four cores; `fix` is the command the
        caller's users run to install the model, said when it is missing or broken."""
        self.model_path = Path(model_path).expanduser()
        self.fix = fix
        problems = check_model_folder(self.model_path)
        if problems:
            problem = "; ".join(problems)
            raise RecognizerError(
                f"no usable Whisper model at {self.model_path}: {problem}."
                + (f" To install one, run: {fix}" if fix else "")
            )
        self.calibration = calibration or load_calibration()
        try:
            import ctranslate2
            import tokenizers
        except ImportError as error:
            raise RecognizerError(
                f"Whisper needs ctranslate2 and tokenizers ({error}); run: pip install ctranslate2 tokenizers"
            ) from error
        self._ct2 = ctranslate2
        if importlib.util.find_spec("onnxruntime") is None:  # imported at the first answer: it takes 0.15 s
            raise RecognizerError("Whisper's speech detection needs onnxruntime; run: pip install onnxruntime")
        self._speech = SHARED  # the endpointer's too: one model loaded a process
        started = time.perf_counter()
        try:
            # One thread by default: on a one-second answer a second one saves little wall time and doubles
            # the CPU time (its spinning), which the endpointer and the voice need on a small machine.
            threads = threads or min(4, os.cpu_count() or 1)
            self._model = ctranslate2.models.Whisper(
                str(self.model_path), device="cpu", compute_type="int8", intra_threads=threads
            )
            self._tokenizer = tokenizers.Tokenizer.from_file(str(self.model_path / "tokenizer.json"))
        except (RuntimeError, ValueError, OSError) as error:  # ctranslate2 and tokenizers raise these for bad files
            raise RecognizerError(
                f"Whisper could not load the model at {self.model_path} ({error}); the files are there but damaged "
                f"or of another kind." + (f" To reinstall, remove the folder and run: {fix}" if fix else "")
            ) from error
        self._prompt = self._start_tokens()
        self._prompts: dict[str, list[int]] = {}
        self._end = self._special("<|endoftext|>")
        self.load_seconds = time.perf_counter() - started
        self._tries: dict[tuple[str, ...], PhraseTrie] = {}
        self._endings = [self._end] + [self._tokenizer.encode(m, add_special_tokens=False).ids[0] for m in _ENDINGS]
        self._vocabulary = Vocabulary()
        self._chunks: list[bytes] = []
        self.last_evidence: Evidence | None = None

    # -- the Recognizer interface -------------------------------------------------------------

    def start(self, vocabulary: Vocabulary) -> None:
        self._vocabulary = vocabulary
        self._chunks = []

    def feed(self, chunk: bytes) -> str:
        # Whisper reads a whole window at once: no partial hypotheses, the audio is kept for finish().
        self._chunks.append(bytes(chunk))
        return ""

    def finish(self) -> Transcript:
        audio = b"".join(self._chunks)
        self._chunks = []
        return self.recognize(audio, self._vocabulary)

    def recognize(self, audio: bytes, vocabulary: Vocabulary) -> Transcript:
        """Decode one utterance of 16 kHz mono int16 audio and judge it."""
        samples = np.frombuffer(audio[: len(audio) // 2 * 2], dtype=np.int16)
        try:
            speech = self._speech.peak(samples)
        except SpeechDetectorError as error:
            raise RecognizerError(str(error)) from error
        if speech < MIN_SPEECH:
            self.last_evidence = None
            return Transcript("", 0.0, self.name, rejected=True)
        evidence = self.evidence(samples, vocabulary)
        self.last_evidence = evidence
        p = self.calibration.probability(evidence, vocabulary) if evidence.text else 0.0
        others = tuple((t, 0.0) for t in dict.fromkeys((evidence.phrase, evidence.free)) if t and t != evidence.text)
        taken = self.calibration.taken(evidence.phrase, p)
        # The free words are offered to the caller's text matcher, unless judged no speech (Whisper invents words on
        # silence): where the best phrase is more likely wrong than right and the free words say something else or
        # more (an everyday answer no phrase covers, "quite a lot yes", "like 5 days"; a misheard one, "what"
        # against "one"), and beside a taken phrase when they say something else, for the caller to weigh ("5.5"
        # is scored as "five": its full stop ends a phrase).
        free, free_p = "", 0.0
        other = evidence.free != evidence.phrase if not taken else not contains(evidence.free, evidence.phrase)
        if not vocabulary.is_open and evidence.free and other:
            free_p = self.calibration.free_probability(evidence)
            free = evidence.free if free_p >= self.calibration.reject_below else ""
        free_p = round(free_p, 3) if free else 0.0
        if taken:
            return Transcript(evidence.text, round(p, 3), self.name, others, False, free, free_p)
        return Transcript("", round(p, 3), self.name, others, True, free, free_p)

    def unknown_words(self, phrases: tuple[str, ...]) -> list[str]:
        # Byte-level tokens spell any word: nothing is outside Whisper's dictionary.
        return []

    # -- decoding -----------------------------------------------------------------------------

    def evidence(self, samples: np.ndarray, vocabulary: Vocabulary) -> Evidence:
        """The free decode, the best of the question's phrases and the level statistics, before any judgement."""
        seconds = samples.size / RATE
        window = int(min(MAX_SECONDS, max(MIN_WINDOW, math.ceil(seconds + 0.5))))
        features = log_mel(samples.astype(np.float32) / 32768.0, window)
        encoded = self._model.encode(self._ct2.StorageView.from_array(features[None]))
        trie = None if vocabulary.is_open else self._trie(vocabulary)
        limit = _OPEN_TOKENS if trie is None else trie.longest + _FREE_PAST
        # The question as the conversation so far: Whisper hears a short answer far better after it ("stop", not
        # "star"). Where it writes the question again instead, the answer is decoded once more without it.
        prompt = self._context(vocabulary.context)
        free, free_text = self._free(encoded, prompt, limit, trie is not None)
        if vocabulary.context and echoes(free_text, vocabulary.context):
            prompt = self._prompt
            free, free_text = self._free(encoded, prompt, limit, trie is not None)
        free_ids = free.sequences_ids[0]
        free_score = float(free.scores[0]) if free.scores else -10.0
        steps = np.asarray(free.logits[0]) if trie is not None else np.zeros((0, 0))
        known = {tuple(free_ids[:i]): log_softmax(steps[i]) for i in range(min(len(steps), len(free_ids) + 1))}
        found = partial(
            Evidence, free=free_text, free_score=free_score, free_log_prob=_path_log_prob(known, free_ids, self._end),
            no_speech=float(free.no_speech_prob), level_range=level_range(samples), seconds=seconds,
        )  # fmt: skip
        if trie is None:
            return found(free_text, "", phrase_score=0.0, margin=0.0)
        # The free decode's own path is scored already: the search asks the decoder only about other prefixes. (Its
        # steps carry the repetition penalty, which touches only a phrase that says a word twice, and only a little.)
        next_tokens = partial(self._next_tokens, np.asarray(encoded), prompt)
        scored = search(trie, next_tokens, self._endings, known, beam=BEAM, prune=PRUNE)
        if not scored:
            return found("", "", phrase_score=-10.0, margin=0.0)
        best = scored[0]
        # A phrase alone at the end left every other one at least PRUNE nats behind: the most margin that counts.
        margin = best.ranked - scored[1].ranked if len(scored) > 1 else MARGIN_CAP
        # Everyday phrasing ("about six hours I think") reaches the text matcher whole when the free decode
        # says the same answer and more; otherwise the phrase the question allows.
        text = free_text if contains(free_text, best.phrase) else best.phrase
        return found(text, best.phrase, phrase_score=best.ranked, margin=margin)

    def _free(self, encoded: Any, prompt: list[int], limit: int, logits: bool) -> tuple[Any, str]:
        """The greedy decode of CTranslate2's `encoded` audio after `prompt` (its WhisperGenerationResult), with its
        normalised text; `limit` tokens past the start tokens."""
        free = self._model.generate(
            encoded, [prompt], beam_size=1, max_length=limit + len(prompt) - len(self._prompt), return_scores=True,
            return_no_speech_prob=True, return_logits_vocab=logits, repetition_penalty=REPETITION_PENALTY,
        )[0]  # fmt: skip
        return free, normalise(self._tokenizer.decode(free.sequences_ids[0]))

    def _next_tokens(self, audio: np.ndarray, prompt: list[int], prefixes: list[tuple[int, ...]]) -> list[np.ndarray]:
        """The decoder's log-probabilities of the token after each prefix, in one batch over the same encoded audio."""
        batch = self._ct2.StorageView.from_array(np.ascontiguousarray(np.repeat(audio, len(prefixes), axis=0)))
        # max_length counts the prompt: one step past the longest prefix (a shorter one runs on, unread).
        results = self._model.generate(
            batch, [prompt + list(p) for p in prefixes], beam_size=1, return_logits_vocab=True,
            max_length=len(prompt) + max(len(p) for p in prefixes), suppress_tokens=[], suppress_blank=False,
        )  # fmt: skip
        return [log_softmax(np.asarray(r.logits[0])[0]) for r in results]

    def _trie(self, vocabulary: Vocabulary) -> PhraseTrie:
        """The question's phrases in every way Whisper writes them (whisper_text.written_forms), each after a space
        as Whisper starts a transcript (cached per vocabulary)."""
        trie = self._tries.get(vocabulary.phrases)
        if trie is None:
            spellings = []
            for phrase in sorted(frozenset(normalise(p) for p in vocabulary.phrases) - {""}):
                for form in written_forms(phrase):
                    spellings.append((phrase, self._tokenizer.encode(" " + form, add_special_tokens=False).ids))
            trie = self._tries[vocabulary.phrases] = PhraseTrie.build(spellings)
        return trie

    def _context(self, question: str) -> list[int]:
        """The decoder prompt after `question` was asked: the question as previous text, then the start tokens
        (cached per question). Without a question, the start tokens alone."""
        prompt = self._prompts.get(question)
        if prompt is None:
            said = self._tokenizer.encode(" " + question.strip(), add_special_tokens=False).ids[-CONTEXT_TOKENS:]
            prompt = [self._special("<|startofprev|>"), *said, *self._prompt] if question.strip() else self._prompt
            self._prompts[question] = prompt
        return prompt

    def _special(self, token: str) -> int:
        found = self._tokenizer.token_to_id(token)
        if found is None:
            raise RecognizerError(
                f"the tokenizer at {self.model_path} has no {token}, so it is not a Whisper model"
                + (f"; run: {self.fix}" if self.fix else "")
            )
        return int(found)

    def _start_tokens(self) -> list[int]:
        """The decoder prompt: transcribe English without timestamps."""
        tokens = [self._special("<|startoftranscript|>")]
        if self._model.is_multilingual:
            tokens += [self._special("<|en|>"), self._special("<|transcribe|>")]
        return tokens + [self._special("<|notimestamps|>")]
