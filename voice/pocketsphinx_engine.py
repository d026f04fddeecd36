"""PocketSphinx: the embedded default recogniser, with grammar switching and out-of-vocabulary rejection."""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from twitch_coach.voice import confidence, grammar
from twitch_coach.voice.activity import Activity, detect
from twitch_coach.voice.confidence import Calibration
from twitch_coach.voice.recognizer import RATE, Recognizer, RecognizerError, Transcript, Vocabulary
from twitch_coach.voice.wavfile import resample

_LOGGER = logging.getLogger(__name__)

_PHONE_SEARCH = "_phones"
_LM_SEARCH = "_open"
_ENDS = {"<s>", "</s>"}  # zero-length markers that repeat the last word's score
_SILENCES = {"<s>", "</s>", "<sil>", "SIL", "(NULL)", "[NOISE]", "[SPEECH]", "+NSN+", "+SPN+"}
FRAME = RATE // 100  # samples per decoder frame (10 ms)


@dataclass(frozen=True)
class Settings:
    """Decoder settings; the confidence and rejection are calibrated apart (voice/calibration/pocketsphinx.yaml)."""

    comfort_noise: float = 60.0  # RMS of white noise added to every chunk, in int16 units
    narrowband_noise: float = 150.0  # the same for recordings made below 16 kHz (recognize_samples)
    language_weight: float = 1.0  # -lw; low weights stop short answers turning into longer ones
    whole_utterance_pass: bool = True  # decode the buffered utterance again at finish() for the result
    cmn_prior: str = "40,3,-1"  # cepstral mean each utterance starts from, so results do not drift
    min_speech: float = 0.06  # seconds of speech (voice.activity) below which nothing was said
    keep: float = 0.3  # seconds kept either side of the detected speech for the whole pass
    pad: float = 0.25  # seconds of quiet added either side: a word cut at the clip's edge needs room to end
    free_decode: bool | None = None  # the language-model decode: None only when the quick evidence is unsure
    # (it is three quarters of the cost of an answer), True always (for fitting), False never


# The evidence the calibrations read (see Evidence): the quick ones, then with the free decode's.
QUICK_FEATURES = ("coverage", "agreement", "score_ratio", "word_ratio", "speech_seconds", "word_seconds")
FEATURES = (*QUICK_FEATURES, "free_agreement", "free_words")


@dataclass(frozen=True)
class Evidence:
    """What a closed-vocabulary result was judged on; shares are 0..1."""

    speech_seconds: float  # speech found by voice.activity in the utterance
    word_seconds: float = 0.0  # length of the answer's words in the decoder's alignment
    coverage: float = 0.0  # share of the speech span covered by the answer's words
    agreement: float = 0.0  # how well a free phone loop's phones match the answer's pronunciation
    score_ratio: float = 0.0  # (grammar path - free phone loop) acoustic score per frame, over the utterance
    word_ratio: float = 0.0  # the same over the answer's own frames
    free_agreement: float = 0.0  # how well a free (language model) decode of the audio sounds like the answer
    free_words: float = 0.0  # share of the answer's words that the free decode heard (by pronunciation)
    free_decoded: bool = False  # whether the free decode ran (else its two shares are 0 and unused)
    quick_confidence: float = 0.0  # the quick calibration's probability, from the evidence before the free decode
    confidence: float = 0.0  # the calibrated probability the result was judged by

    def features(self) -> dict[str, float]:
        """The evidence by name, as the calibration reads it."""
        return {name: float(getattr(self, name)) for name in FEATURES}


def prepare(samples: np.ndarray, rate: int, pad: float = 0.3) -> bytes:
    """Mono audio of any rate as 16 kHz int16 bytes with `pad` seconds of silence each side."""
    audio = resample(np.asarray(samples, dtype=np.float64), rate, RATE)
    silence = np.zeros(int(pad * RATE))
    return np.clip(np.round(np.concatenate([silence, audio, silence])), -32768, 32767).astype(np.int16).tobytes()


def edit_distance(a: list[str], b: list[str]) -> int:
    """Levenshtein distance between two phone sequences."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


class PocketSphinxRecognizer(Recognizer):
    """CMU PocketSphinx with the bundled US English model; one decoder, one grammar per vocabulary."""

    name = "pocketsphinx"

    def __init__(
        self, settings: Settings | None = None, calibration: Calibration | None = None, quick: Calibration | None = None
    ) -> None:
        """Load the acoustic model, dictionary and calibrations; the language model waits until needed."""
        try:
            from pocketsphinx import Decoder, get_model_path
        except ImportError as error:  # pragma: no cover - pocketsphinx is a dependency
            raise RecognizerError("pocketsphinx is not installed: pip install pocketsphinx") from error
        self.settings = settings or Settings()
        try:
            self.calibration = calibration or confidence.load(self.name)
            self.quick = quick or confidence.load(f"{self.name}-quick")
        except confidence.CalibrationError as error:
            raise RecognizerError(str(error)) from error
        self._model_path = get_model_path
        started = time.perf_counter()
        try:
            # FATAL: the grammar search logs an ERROR whenever speech ends mid-phrase, which we handle.
            self._decoder = Decoder(lm=None, loglevel="FATAL", lw=self.settings.language_weight, bestpath=False)
        except RuntimeError as error:
            raise RecognizerError(f"PocketSphinx could not load its model: {error}") from error
        self._decoder.add_allphone_file(_PHONE_SEARCH, get_model_path("en-us/en-us-phone.lm.bin"))
        self.load_seconds = time.perf_counter() - started
        _LOGGER.debug("PocketSphinx loaded in %.3f s", self.load_seconds)
        self._searches: dict[tuple[str, ...], str] = {}
        self._vocabulary = Vocabulary()
        self._phrases: tuple[str, ...] = ()
        self._chunks: list[np.ndarray] = []
        self._rng = np.random.default_rng(0)
        self._in_utterance = False
        self.last_evidence: Evidence | None = None

    # -- the Recognizer interface -------------------------------------------------------------

    def start(self, vocabulary: Vocabulary) -> None:
        """Switch to `vocabulary`'s grammar (built once, then cached) and begin an utterance."""
        if self._in_utterance:
            self._decoder.end_utt()
        self._vocabulary = vocabulary
        self._decoder.activate_search(self._search_for(vocabulary))
        # Normalisation state carries over between utterances; a fixed start keeps results repeatable.
        self._decoder.reinit_feat()
        self._decoder.set_cmn(self.settings.cmn_prior)
        self._chunks = []
        self._rng = np.random.default_rng(0)
        self._decoder.start_utt()
        self._in_utterance = True

    def feed(self, chunk: bytes) -> str:
        """Decode a chunk of 16 kHz mono int16 audio; return the partial hypothesis."""
        if not self._in_utterance:
            raise RecognizerError("feed() called before start()")
        samples = self._with_comfort_noise(chunk)
        self._chunks.append(samples)
        self._decoder.process_raw(samples.tobytes(), False, False)
        hyp = self._decoder.hyp()
        return _clean_text(hyp.hypstr) if hyp else ""

    def finish(self) -> Transcript:
        """End the utterance and judge the result against the evidence for rejection."""
        if not self._in_utterance:
            raise RecognizerError("finish() called before start()")
        self._decoder.end_utt()
        self._in_utterance = False
        audio = np.concatenate(self._chunks) if self._chunks else np.zeros(0, dtype=np.int16)
        activity = detect(audio)
        if self.settings.whole_utterance_pass and audio.size:
            audio, activity = self._trimmed(audio, activity)
            # Streaming uses a running cepstral mean that starts from a guess; the whole utterance
            # gives the true mean, which made real 8 kHz digits markedly more accurate.
            self._whole_pass(audio)
        hyp = self._decoder.hyp()
        text = _clean_text(hyp.hypstr) if hyp else ""
        if self._vocabulary.is_open:
            probability = float(hyp.prob) if hyp else 0.0
            return Transcript(text, probability, self.name, rejected=not text)
        return self._judge(audio, activity, text)

    def recognize(self, audio: bytes, vocabulary: Vocabulary) -> Transcript:
        """Recognise one whole utterance: decoded once from the start, with no streaming pass."""
        if not self.settings.whole_utterance_pass:
            return super().recognize(audio, vocabulary)
        self.start(vocabulary)
        # The streaming pass only gives partial results, and the whole pass in finish() decides:
        # with all the audio already here, skipping it saves a third of the time.
        self._chunks.append(self._with_comfort_noise(audio))
        return self.finish()

    def unknown_words(self, phrases: tuple[str, ...]) -> list[str]:
        """Words of `phrases` that the CMU dictionary lacks."""
        return [word for word in grammar.phrase_words(phrases) if self._decoder.lookup_word(word) is None]

    def add_words(self, pronunciations: Mapping[str, str]) -> list[str]:
        """Add the words the dictionary lacks; grammars built after this can use them."""
        for word, phones in pronunciations.items():
            if self._decoder.lookup_word(word) is None:
                self._decoder.add_word(word, phones, True)
        return []

    def pronunciations(self, word: str) -> list[str]:
        """Every dictionary pronunciation of `word`, the alternates "word(2)", "word(3)"... included."""
        found = []
        variant = word.lower()
        for index in range(2, 100):
            phones = self._decoder.lookup_word(variant)
            if phones is None:
                break
            found.append(phones)
            variant = f"{word.lower()}({index})"
        return found

    # -- helpers usable on whole recordings -------------------------------------------------------

    def recognize_samples(self, samples: np.ndarray, rate: int, vocabulary: Vocabulary) -> Transcript:
        """Recognise one recording of any sample rate (e.g. 8 kHz telephone audio), padded with silence."""
        if rate >= RATE:
            return self.recognize(prepare(samples, rate), vocabulary)
        # Audio with nothing above rate/2 needs a louder noise floor to stop the empty upper band
        # reading as silence inside words (real 8 kHz digits: 71% -> 74% raw accuracy).
        wide = self.settings
        self.settings = dataclasses.replace(wide, comfort_noise=wide.narrowband_noise)
        try:
            return self.recognize(prepare(samples, rate), vocabulary)
        finally:
            self.settings = wide

    def grammar_switch_seconds(self, vocabulary: Vocabulary) -> float:
        """Time to activate `vocabulary`'s (already built) grammar; for the benchmark."""
        search = self._search_for(vocabulary)
        started = time.perf_counter()
        self._decoder.activate_search(search)
        return time.perf_counter() - started

    # -- internals ----------------------------------------------------------------------------

    def _search_for(self, vocabulary: Vocabulary) -> str:
        """The name of the decoder search for `vocabulary`, created on first use."""
        if vocabulary.is_open:
            self._phrases = ()
            return self._open_search()
        phrases = grammar.normalise(vocabulary.phrases)
        self._phrases = phrases
        search = self._searches.get(phrases)
        if search is None:
            unknown = self.unknown_words(phrases)
            if unknown:
                raise RecognizerError(
                    "PocketSphinx's dictionary does not know: " + ", ".join(unknown) + "; rephrase or spell them out"
                )
            search = f"g{len(self._searches)}"
            try:
                self._decoder.add_jsgf_string(search, grammar.jsgf(phrases, name=search))
            except (RuntimeError, ValueError) as error:
                raise RecognizerError(f"PocketSphinx could not build a grammar for {phrases}: {error}") from error
            self._searches[phrases] = search
        return search

    def _open_search(self) -> str:
        """The free-speech (trigram language model) search, loaded on first use (0.6 s, 93 MB)."""
        if _LM_SEARCH not in self._searches.values():
            # The low grammar weight would leave a trigram search almost unpruned (5 s per
            # utterance); the language model gets the weight it was tuned with.
            self._decoder.config["lw"] = 6.5
            self._decoder.add_lm_file(_LM_SEARCH, self._model_path("en-us/en-us.lm.bin"))
            self._decoder.config["lw"] = self.settings.language_weight
            self._searches[()] = _LM_SEARCH
        return _LM_SEARCH

    def _free_agreement(self, audio: np.ndarray, text: str) -> tuple[float, float]:
        """How well a free decode of the same audio sounds like `text`, by phones and by words (0..1 each):
        a grammar forced onto other words picks the nearest phrase, the free decode hears the word itself."""
        current = self._decoder.current_search()
        self._decoder.activate_search(self._open_search())
        self._whole_pass(audio)
        hyp = self._decoder.hyp()
        self._decoder.activate_search(current)
        heard: list[str] = []
        sounds: set[str] = set()  # the free words as phones: "know" heard is "no" said
        for word in (hyp.hypstr if hyp else "").split():
            phones = self._decoder.lookup_word(word)
            if phones and word not in _SILENCES:
                heard += phones.split()
                sounds.add(phones)
        similarity = max(_similarity(heard, expected) for expected in self._expected_phones(text))
        words = text.split()
        found = sum(1 for word in words if sounds & set(self.pronunciations(word)))
        return similarity, found / len(words)

    def _with_comfort_noise(self, chunk: bytes) -> np.ndarray:
        """`chunk` with faint white noise: the model never heard digital silence and misreads it."""
        samples = np.frombuffer(chunk, dtype=np.int16).astype(np.float64)
        if self.settings.comfort_noise > 0:
            samples = samples + self._rng.normal(0.0, self.settings.comfort_noise, samples.size)
        return np.clip(np.round(samples), -32768, 32767).astype(np.int16)

    def _judge(self, audio: np.ndarray, activity: Activity, text: str) -> Transcript:
        """Turn the grammar's forced choice into a Transcript with a calibrated probability that it is right."""
        words = [seg for seg in (self._decoder.seg() or []) if seg.word not in _SILENCES]
        span = activity.span
        # A path that ran out of audio mid-phrase is not one of the phrases: nothing was heard.
        if text not in self._phrases or activity.seconds < self.settings.min_speech or not words or span is None:
            self.last_evidence = Evidence(activity.seconds)
            return Transcript("", 0.0, self.name, rejected=True)
        start, end = words[0].start_frame, words[-1].end_frame + 1  # 10 ms decoder frames
        first, last = (round(t * 100) for t in span)
        coverage = max(0, min(end, last) - max(start, first)) / max(1, last - first)
        frames = max(1, self._decoder.n_frames())
        inside = sum(_nats(seg.ascore) for seg in words)
        outside = sum(_nats(seg.ascore) for seg in self._decoder.seg() or [] if seg.word not in _ENDS)
        agreement, phones = self._phone_loop(audio, text, start, end)
        # Acoustic scores (nats per frame): a grammar forced onto other words or noise
        # fits far worse than a free phone loop over the same frames; a real answer fits about as well.
        phone_inside = sum(a for a, mid in phones if start <= mid < end)
        evidence = Evidence(
            speech_seconds=activity.seconds,
            word_seconds=(end - start) / 100,
            coverage=coverage,
            agreement=agreement,
            score_ratio=(outside - sum(a for a, _ in phones)) / frames,
            word_ratio=(inside - phone_inside) / max(1, end - start),
        )
        calibration = self.quick
        quick = probability = calibration.probability(evidence.features())
        low, high = calibration.unsure
        # A listener cuts speech short or wakes the device: it cannot wait ~0.4 s for the language model.
        unsure = low <= quick < high and not self._vocabulary.quick
        if self.settings.free_decode or (self.settings.free_decode is None and unsure):
            free_agreement, free_words = self._free_agreement(audio, text)
            evidence = dataclasses.replace(evidence, free_agreement=free_agreement, free_words=free_words,
                                           free_decoded=True)  # fmt: skip
            calibration = self.calibration
            probability = calibration.probability(evidence.features())
        self.last_evidence = dataclasses.replace(evidence, quick_confidence=quick, confidence=probability)
        rejected = probability < calibration.reject_below
        return Transcript("" if rejected else text, probability, self.name, rejected=rejected)

    def _trimmed(self, audio: np.ndarray, activity: Activity) -> tuple[np.ndarray, Activity]:
        """`audio` cut to its speech with `keep` seconds either side, then padded with quiet."""
        s = self.settings
        span = activity.span
        first = 0
        if span is not None:
            first = max(0, int((span[0] - s.keep) * RATE))
            audio = audio[first : int((span[1] + s.keep) * RATE)]
        pad = int(s.pad * RATE)
        quiet = np.clip(np.round(self._rng.normal(0.0, s.comfort_noise, 2 * pad)), -32768, 32767).astype(np.int16)
        padded = np.concatenate([quiet[:pad], audio, quiet[pad:]])
        # The same speech frames, moved by the cut and the pad: judged again, the pad's quiet would
        # lower the floor and make the room's own noise "speech".
        return padded, activity.shifted(pad - first, padded.size)

    def _whole_pass(self, audio: np.ndarray) -> None:
        """Decode a whole utterance with the active search, from freshly reset feature state."""
        # A streamed utterance leaves running normalisation state that set_cmn() does not clear
        # and that wrecked every later decode (real digits fell from 81% to 26%): reset it.
        self._decoder.reinit_feat()
        self._decoder.set_cmn(self.settings.cmn_prior)
        self._decoder.start_utt()
        self._decoder.process_raw(audio.tobytes(), False, True)
        self._decoder.end_utt()

    def _phone_loop(self, audio: np.ndarray, text: str, start: int, end: int) -> tuple[float, list[tuple[float, int]]]:
        """A free phone loop over the same audio: how well its phones over the answer's frames match the
        answer's pronunciation (0..1), and each segment's (acoustic score, middle frame)."""
        decoder = self._decoder
        current = decoder.current_search()
        decoder.activate_search(_PHONE_SEARCH)
        self._whole_pass(audio)
        segments = list(decoder.seg() or [])
        heard = [
            seg.word
            for seg in segments
            if seg.word not in _SILENCES and seg.end_frame >= start - 3 and seg.start_frame <= end + 3
        ]
        decoder.activate_search(current)
        best = max(_similarity(heard, expected) for expected in self._expected_phones(text))
        kept = (seg for seg in segments if seg.word not in _ENDS)
        scores = [(_nats(seg.ascore), (seg.start_frame + seg.end_frame) // 2) for seg in kept]
        return best, scores

    def _expected_phones(self, text: str) -> list[list[str]]:
        """Every phone sequence `text` may be pronounced as (alternates multiply, capped)."""
        sequences: list[list[str]] = [[]]
        for word in text.split():
            options = [p.split() for p in self.pronunciations(word)] or [[]]
            sequences = [seq + option for seq in sequences for option in options][:16]
        return sequences


def _similarity(heard: list[str], expected: list[str]) -> float:
    """1 - the edit distance between two phone sequences over the longer one's length (0..1)."""
    return 1.0 - edit_distance(heard, expected) / max(len(heard), len(expected), 1)


def _nats(score: float) -> float:
    """A segment's acoustic score (a probability, as the bindings give it) as a natural log."""
    return math.log(score) if score > 0 else -745.0  # the smallest a double holds


def _clean_text(hypstr: str) -> str:
    """A hypothesis without alternate-pronunciation markers or filler words."""
    words = (word.split("(")[0] for word in hypstr.split())
    return " ".join(word for word in words if word not in _SILENCES)
