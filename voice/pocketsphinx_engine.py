"""PocketSphinx: the embedded default recogniser, with grammar switching and out-of-vocabulary rejection."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from voice import grammar
from voice.recognizer import RATE, Recognizer, RecognizerError, Transcript, Vocabulary
from voice.wavfile import resample

_LOGGER = logging.getLogger(__name__)

_PHONE_SEARCH = "_phones"
_LM_SEARCH = "_open"
_SILENCES = {"<s>", "</s>", "<sil>", "SIL", "(NULL)", "[NOISE]", "[SPEECH]", "+NSN+", "+SPN+"}
FRAME = RATE // 100  # samples per decoder frame (10 ms)
_NBEST = 6  # hypotheses read for the margin; each one costs a lattice search, and the runner-up is near the top
_PHONE_CONTEXT = 15  # frames of audio either side of the answer given to the phone loop


@dataclass(frozen=True)
class Settings:
    """Decoder and rejection settings, calibrated on synthesised and real speech (see bench/)."""

    comfort_noise: float = 60.0  # RMS of white noise added to every chunk, in int16 units
    narrowband_noise: float = 150.0  # the same for recordings made below 16 kHz (recognize_samples)
    language_weight: float = 1.0  # -lw; low weights stop short answers turning into longer ones
    whole_utterance_pass: bool = True  # decode the buffered utterance again at finish() for the result
    cmn_prior: str = "40,3,-1"  # cepstral mean each utterance starts from, so results do not drift
    speech_db: float = 12.0  # a frame is speech this many dB above the utterance's quietest frames
    min_speech: float = 0.12  # seconds of speech below which the audio is rejected as noise
    coverage_low: float = 0.55  # answer words covering less of the speech span than this score 0
    coverage_high: float = 0.85  # ... and this much or more scores 1
    agreement_weight: float = 0.3  # share of the confidence that phone-loop agreement can take away
    min_evidence: float = 0.2  # phone agreement plus n-best margin below this scales confidence down
    reject_below: float = 0.4  # confidence under which a closed-vocabulary result is rejected
    trim_margin: int = 20  # 10 ms frames of quiet kept either side of the speech for the whole pass


@dataclass(frozen=True)
class Evidence:
    """Why a closed-vocabulary result was accepted or rejected; all shares are 0..1."""

    speech_seconds: float
    coverage: float  # share of the speech span covered by the answer's words
    phone_agreement: float  # how well a free phone loop's phones match the answer's pronunciation
    margin: float  # how clearly the best answer beat the runner-up in the n-best list
    confidence: float


def prepare(samples: np.ndarray, rate: int, pad: float = 0.3) -> bytes:
    """Mono audio of any rate as 16 kHz int16 bytes with `pad` seconds of silence each side."""
    audio = resample(np.asarray(samples, dtype=np.float64), rate, RATE)
    silence = np.zeros(int(pad * RATE))
    return np.clip(np.round(np.concatenate([silence, audio, silence])), -32768, 32767).astype(np.int16).tobytes()


def frame_db(audio: np.ndarray) -> np.ndarray:
    """Energy of each 10 ms frame in dB (int16 full scale is about 90 dB)."""
    n = audio.size // FRAME
    if n == 0:
        return np.zeros(0)
    frames = audio[: n * FRAME].reshape(n, FRAME).astype(np.float64)
    return 10 * np.log10(np.mean(frames**2, axis=1) + 1.0)


def speech_span(db: np.ndarray, margin_db: float) -> tuple[int, int, int]:
    """(first, last + 1, count) of frames louder than the quietest tenth by `margin_db`."""
    if db.size == 0:
        return 0, 0, 0
    floor = np.percentile(db, 10)
    # An absolute floor too, so that near-digital silence does not make faint hiss "speech".
    loud = np.nonzero(db > max(floor + margin_db, 40.0))[0]
    if loud.size == 0:
        return 0, 0, 0
    return int(loud[0]), int(loud[-1]) + 1, int(loud.size)


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

    def __init__(self, settings: Settings | None = None) -> None:
        """Load the acoustic model and dictionary (about 0.15 s); the language model waits until needed."""
        try:
            from pocketsphinx import Decoder, get_model_path
        except ImportError as error:  # pragma: no cover - pocketsphinx is a dependency
            raise RecognizerError("pocketsphinx is not installed: pip install pocketsphinx") from error
        self.settings = settings or Settings()
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
        if self.settings.whole_utterance_pass and audio.size:
            audio = self._trimmed(audio)
            # Streaming uses a running cepstral mean that starts from a guess; the whole utterance
            # gives the true mean, which made real 8 kHz digits markedly more accurate.
            self._whole_pass(audio)
        hyp = self._decoder.hyp()
        text = _clean_text(hyp.hypstr) if hyp else ""
        if self._vocabulary.is_open:
            confidence = float(hyp.prob) if hyp else 0.0
            return Transcript(text, confidence, self.name, rejected=not text)
        return self._judge(audio, text)

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
            if _LM_SEARCH not in self._searches.values():
                # The 93 MB trigram model is only worth loading when free speech is asked for.
                # The low grammar weight would leave a trigram search almost unpruned (5 s per
                # utterance); the language model gets the weight it was tuned with.
                self._decoder.config["lw"] = 6.5
                self._decoder.add_lm_file(_LM_SEARCH, self._model_path("en-us/en-us.lm.bin"))
                self._decoder.config["lw"] = self.settings.language_weight
                self._searches[()] = _LM_SEARCH
            self._phrases = ()
            return _LM_SEARCH
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

    def _with_comfort_noise(self, chunk: bytes) -> np.ndarray:
        """`chunk` with faint white noise: the model never heard digital silence and misreads it."""
        samples = np.frombuffer(chunk, dtype=np.int16).astype(np.float64)
        if self.settings.comfort_noise > 0:
            samples = samples + self._rng.normal(0.0, self.settings.comfort_noise, samples.size)
        return np.clip(np.round(samples), -32768, 32767).astype(np.int16)

    def _judge(self, audio: np.ndarray, text: str) -> Transcript:
        """Turn the grammar's forced choice into a Transcript with a confidence and a rejection flag."""
        s = self.settings
        first, last, count = speech_span(frame_db(audio), s.speech_db)
        speech_seconds = count / 100
        words = [seg for seg in (self._decoder.seg() or []) if seg.word not in _SILENCES]
        # A path that ran out of audio mid-phrase is not one of the phrases: nothing was heard.
        if text not in self._phrases or speech_seconds < s.min_speech or not words:
            self.last_evidence = Evidence(speech_seconds, 0.0, 0.0, 0.0, 0.0)
            return Transcript("", 0.0, self.name, rejected=True)
        start, end = words[0].start_frame, words[-1].end_frame + 1
        overlap = max(0, min(end, last) - max(start, first))
        coverage = overlap / max(1, last - first)
        agreement = self._phone_agreement(audio, text, start, end)
        # The n-best list costs as much as a decoding pass: read it only when the phones alone
        # do not settle whether this was a real answer.
        ranked = self._ranked() if agreement < s.min_evidence else []
        margin = ranked[1][1] if len(ranked) > 1 else 1.0
        # Coverage is the strongest evidence: a grammar forced onto other speech claims only a slice
        # of it. Phone agreement is weaker (the phone loop is noisy on short words), so it only scales.
        covered = np.clip((coverage - s.coverage_low) / (s.coverage_high - s.coverage_low), 0.0, 1.0)
        weight = s.agreement_weight
        confidence = covered * ((1 - weight) + weight * agreement)
        # A burst (cough, knock) forced into the grammar shares no phones with the answer and wins
        # by a hair over the other answers; a real answer has at least one of the two.
        confidence *= min(1.0, (agreement + margin) / s.min_evidence)
        confidence = float(confidence)
        self.last_evidence = Evidence(speech_seconds, coverage, agreement, margin, confidence)
        alternatives = tuple((alt, round(confidence * (1 - m), 3)) for alt, m in ranked[1:4] if alt != text)
        rejected = confidence < s.reject_below
        return Transcript("" if rejected else text, confidence, self.name, alternatives, rejected)

    def _trimmed(self, audio: np.ndarray) -> np.ndarray:
        """`audio` cut to its speech and a margin of quiet either side: decoding time follows length."""
        first, last, count = speech_span(frame_db(audio), self.settings.speech_db)
        if not count:
            return audio
        margin = self.settings.trim_margin
        return audio[max(0, first - margin) * FRAME : (last + margin) * FRAME]

    def _whole_pass(self, audio: np.ndarray) -> None:
        """Decode a whole utterance with the active search, from freshly reset feature state."""
        # A streamed utterance leaves running normalisation state that set_cmn() does not clear
        # and that wrecked every later decode (real digits fell from 81% to 26%): reset it.
        self._decoder.reinit_feat()
        self._decoder.set_cmn(self.settings.cmn_prior)
        self._decoder.start_utt()
        self._decoder.process_raw(audio.tobytes(), False, True)
        self._decoder.end_utt()

    def _ranked(self) -> list[tuple[str, float]]:
        """Distinct n-best texts, best first, each with its margin below the best (0 = as good)."""
        logmath = self._decoder.get_logmath()
        ranked: list[tuple[str, float]] = []
        best = None
        for hyp, _ in zip(self._decoder.nbest() or [], range(_NBEST), strict=False):
            if hyp is None:
                continue
            text = _clean_text(hyp.hypstr)
            if not text or any(text == seen for seen, _ in ranked):
                continue
            score = logmath.log(hyp.score) if hyp.score > 0 else -1e9
            best = score if best is None else best
            # A score gap of ~600 log-units (1.0001 base) is a clear win on this model.
            ranked.append((text, float(np.clip((best - score) / 600, 0.0, 1.0))))
        return ranked

    def _phone_agreement(self, audio: np.ndarray, text: str, start: int, end: int) -> float:
        """Similarity (0..1) of a free phone loop's phones over the answer's frames to its pronunciation."""
        decoder = self._decoder
        current = decoder.current_search()
        decoder.activate_search(_PHONE_SEARCH)
        # Only the answer and a little around it: the phone loop over the whole utterance cost as
        # much as the grammar pass itself.
        offset = max(0, start - _PHONE_CONTEXT)
        self._whole_pass(audio[offset * FRAME : (end + _PHONE_CONTEXT) * FRAME])
        heard = [
            seg.word
            for seg in (decoder.seg() or [])
            if seg.word not in _SILENCES and seg.end_frame + offset >= start - 3 and seg.start_frame + offset <= end + 3
        ]
        decoder.activate_search(current)
        best = 0.0
        for expected in self._expected_phones(text):
            distance = edit_distance(heard, expected)
            best = max(best, 1.0 - distance / max(len(heard), len(expected), 1))
        return best

    def _expected_phones(self, text: str) -> list[list[str]]:
        """Every phone sequence `text` may be pronounced as (alternates multiply, capped)."""
        sequences: list[list[str]] = [[]]
        for word in text.split():
            options = [p.split() for p in self.pronunciations(word)] or [[]]
            sequences = [seq + option for seq in sequences for option in options][:16]
        return sequences


def _clean_text(hypstr: str) -> str:
    """A hypothesis without alternate-pronunciation markers or filler words."""
    words = (word.split("(")[0] for word in hypstr.split())
    return " ".join(word for word in words if word not in _SILENCES)
