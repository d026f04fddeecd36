"""Vosk (Kaldi) behind the Recognizer interface, with runtime grammars for closed vocabularies."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twitch_coach.voice import grammar
from twitch_coach.voice.recognizer import RATE, Recognizer, RecognizerError, Transcript, Vocabulary

_LOGGER = logging.getLogger(__name__)

UNK = "[unk]"  # Vosk's word for "something outside the grammar"

# The v2 layout Vosk's Model() insists on: without conf/model.conf it refuses even a complete model.
REQUIRED_FILES = ("am/final.mdl", "conf/model.conf", "conf/mfcc.conf")
STATIC_GRAPH = "graph/HCLG.fst"  # big models: one precompiled graph, no runtime grammar
RUNTIME_GRAPH = ("graph/HCLr.fst", "graph/Gr.fst")  # small models: graph composed at runtime, grammars work


@dataclass(frozen=True)
class ModelCheck:
    """What a look at a model folder found, before Vosk is asked to load it."""

    path: Path
    """The folder that was checked."""
    problems: tuple[str, ...]
    """Human-readable reasons the folder cannot be a Vosk model; empty when it looks complete."""
    runtime_grammar: bool
    """True when the folder has graph/HCLr.fst and graph/Gr.fst, so closed vocabularies can be enforced."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def message(self, fix: str = "") -> str:
        """One paragraph saying what is wrong with the folder, and `fix`, the command that installs a model."""
        problems = "; ".join(self.problems)
        return f"no usable Vosk model at {self.path}: {problems}." + (f" To install one, run: {fix}" if fix else "")


def check_model_folder(path: str | Path) -> ModelCheck:
    """Look at `path` for the files a Vosk model needs, without loading anything."""
    path = Path(path).expanduser()
    if not path.exists():
        return ModelCheck(path, ("the path does not exist",), False)
    if not path.is_dir():
        return ModelCheck(path, ("it is a file, not a model folder",), False)
    problems: list[str] = []
    missing = [name for name in REQUIRED_FILES if not (path / name).is_file()]
    runtime = all((path / name).is_file() for name in RUNTIME_GRAPH)
    if not runtime and not (path / STATIC_GRAPH).is_file():
        missing.append(f"{STATIC_GRAPH} (or {' and '.join(RUNTIME_GRAPH)})")
    if missing:
        problems.append("missing " + ", ".join(missing))
        nested = [p for p in path.iterdir() if p.is_dir() and (p / REQUIRED_FILES[0]).is_file()]
        if len(nested) == 1:
            # A common slip: pointing at the folder the zip was unpacked into, not the model inside it.
            problems.append(f"the model seems to be one level down, in {nested[0]}")
    return ModelCheck(path, tuple(problems), runtime)


def grammar_json(phrases: Iterable[str]) -> str:
    """The JSON list Vosk's SetGrammar takes: each phrase once, lower case, plus "[unk]" for the rest."""
    seen = grammar.normalise(p for p in phrases if not _is_unk(p))  # the words a grammar takes, as everywhere
    if not seen:
        raise ValueError("a closed vocabulary needs at least one phrase")
    return json.dumps([*seen, UNK])


def _is_unk(phrase: str) -> bool:
    return phrase.strip().lower() == UNK


def unknown_words(phrases: Iterable[str], find_word: Callable[[str], int]) -> list[str]:
    """Words of `phrases` for which `find_word` (Vosk's lexicon lookup) says -1, sorted, without repeats."""
    return [w for w in grammar.phrase_words(p for p in phrases if not _is_unk(p)) if find_word(w) == -1]


def parse_partial(raw: str) -> str:
    """The hypothesis in a Vosk PartialResult() JSON, without "[unk]" words."""
    words = json.loads(raw).get("partial", "").split()
    return " ".join(w for w in words if w != UNK)


def transcript_from_results(results: Iterable[str], engine: str = "vosk") -> Transcript:
    """One Transcript from the Result()/FinalResult() JSON strings of one utterance, in order."""
    parsed = [json.loads(raw) for raw in results]
    if len(parsed) == 1 and "alternatives" in parsed[0]:
        return _from_alternatives(parsed[0]["alternatives"], engine)
    words: list[tuple[str, float]] = []
    for result in parsed:
        if "alternatives" in result:  # several segments with alternatives: keep each segment's best
            best = (result["alternatives"] or [{}])[0]
            words += [(w, 1.0) for w in best.get("text", "").split()]
        elif "result" in result:
            words += [(item["word"], float(item.get("conf", 1.0))) for item in result["result"]]
        else:  # SetWords was off: only the text, no per-word confidence
            words += [(w, 1.0) for w in result.get("text", "").split()]
    return _from_words(words, engine)


def _from_words(words: list[tuple[str, float]], engine: str) -> Transcript:
    """Transcript from (word, confidence) pairs, treating "[unk]" as a rejection of the audio."""
    known = [(w, c) for w, c in words if w != UNK]
    unknown = len(words) - len(known)
    if not known:
        # Only "[unk]": the grammar's garbage word won, so the audio was not one of the phrases.
        return Transcript("", 0.0, engine, rejected=unknown > 0)
    mean = sum(c for _, c in known) / len(known)
    # Stray "[unk]" words around an answer (a breath, a cough) lower the confidence, not the answer.
    confidence = mean * len(known) / (len(known) + unknown)
    return Transcript(" ".join(w for w, _ in known), _clip(confidence), engine)


def _from_alternatives(alternatives: list[dict[str, Any]], engine: str) -> Transcript:
    """Transcript from a SetMaxAlternatives result, turning Vosk's log-scale scores into shares."""
    scored = [
        (" ".join(w for w in a.get("text", "").split() if w != UNK), float(a.get("confidence", 0.0)))
        for a in alternatives
    ]
    if not scored:
        return Transcript("", 0.0, engine)
    top = max(score for _, score in scored)
    # The scores are unnormalised log likelihoods: a softmax over the n-best gives relative shares.
    weights = [(text, math.exp(score - top)) for text, score in scored]
    total = sum(w for _, w in weights)
    merged: dict[str, float] = {}
    for text, weight in weights:
        merged[text] = merged.get(text, 0.0) + weight / total
    ranked = sorted(merged.items(), key=lambda item: -item[1])
    best_text, best_share = ranked[0]
    rest = tuple((text, _clip(share)) for text, share in ranked[1:] if text)
    if not best_text:
        return Transcript("", 0.0, engine, alternatives=rest, rejected=True)
    return Transcript(best_text, _clip(best_share), engine, alternatives=rest)


def _clip(value: float) -> float:
    """`value` limited to the 0..1 range a Transcript confidence lives in."""
    return min(1.0, max(0.0, value))


def _import_vosk() -> Any:
    """The vosk module, imported only when a Vosk recogniser is really wanted."""
    try:
        import vosk
    except ImportError as exc:
        raise RecognizerError(f"the vosk package is not installed ({exc}); run: pip install vosk") from exc
    return vosk


class VoskRecognizer(Recognizer):
    """Vosk with a model folder loaded once; each utterance gets its own KaldiRecognizer."""

    name = "vosk"

    def __init__(self, model_path: str | Path, *, max_alternatives: int = 0, fix: str = "") -> None:
        """Check and load the model at `model_path`; `max_alternatives` > 0 asks Vosk for an n-best list;
        `fix` is the command the caller's users run to install a model, said when it is missing or broken."""
        self.fix = fix
        self.check = check_model_folder(model_path)
        if not self.check.ok:
            raise RecognizerError(self.check.message(fix))
        vosk = _import_vosk()
        vosk.SetLogLevel(-1)  # Kaldi logs every load to stderr; our errors say what matters
        try:
            self._model = vosk.Model(str(self.check.path))
        except Exception as exc:  # vosk raises a bare Exception for every kind of bad model
            raise RecognizerError(
                f"Vosk could not load the model at {self.check.path} ({exc}); the files are there but "
                "damaged or of another kind." + (f" To reinstall, remove the folder and run: {fix}" if fix else "")
            ) from exc
        self._vosk = vosk
        self._max_alternatives = max_alternatives
        self._recognizer: Any = None
        self._results: list[str] = []

    def _find_word(self, word: str) -> int:
        """Vosk's index of `word` in the model's lexicon, -1 when the model does not know it."""
        finder = getattr(self._model, "find_word", None) or self._model.vosk_model_find_word
        return int(finder(word))

    def unknown_words(self, phrases: tuple[str, ...]) -> list[str]:
        return unknown_words(phrases, self._find_word)

    def start(self, vocabulary: Vocabulary) -> None:
        if vocabulary.is_open:
            recognizer = self._vosk.KaldiRecognizer(self._model, RATE)
        else:
            if not self.check.runtime_grammar:
                raise RecognizerError(
                    f"the Vosk model at {self.check.path} has no runtime graph "
                    f"({' and '.join(RUNTIME_GRAPH)}), so it cannot be limited to the expected answers; "
                    "use a small model" + (f": {self.fix}" if self.fix else "")
                )
            missing = self.unknown_words(vocabulary.phrases)
            if missing:
                # Vosk would silently drop these from the grammar and never hear them.
                raise RecognizerError(
                    f"the Vosk model at {self.check.path} does not know the words {', '.join(missing)}; "
                    "reword those phrases or use a model with a larger vocabulary"
                )
            recognizer = self._vosk.KaldiRecognizer(self._model, RATE, grammar_json(vocabulary.phrases))
        recognizer.SetWords(True)
        if self._max_alternatives > 0:
            recognizer.SetMaxAlternatives(self._max_alternatives)
        self._recognizer = recognizer
        self._results = []

    def feed(self, chunk: bytes) -> str:
        recognizer = self._require_started()
        if recognizer.AcceptWaveform(chunk):
            # Vosk found a pause and closed a segment; keep it, or FinalResult() would lose it.
            self._results.append(recognizer.Result())
            return transcript_from_results(self._results, self.name).text
        partial = parse_partial(recognizer.PartialResult())
        done = transcript_from_results(self._results, self.name).text if self._results else ""
        return " ".join(part for part in (done, partial) if part)

    def finish(self) -> Transcript:
        recognizer = self._require_started()
        results = [*self._results, recognizer.FinalResult()]
        self._recognizer, self._results = None, []
        # Empty trailing segments ({"text": ""}) carry nothing and would dilute nothing either.
        kept = [r for r in results if _has_content(r)] or results[-1:]
        return transcript_from_results(kept, self.name)

    def _require_started(self) -> Any:
        """The current KaldiRecognizer, or an error saying start() was not called."""
        if self._recognizer is None:
            raise RecognizerError("call start(vocabulary) before feeding audio to the Vosk recogniser")
        return self._recognizer


def _has_content(raw: str) -> bool:
    """True when a Vosk result JSON holds any word, "[unk]" included."""
    result = json.loads(raw)
    if "alternatives" in result:
        return any(a.get("text") for a in result["alternatives"])
    return bool(result.get("text") or result.get("result"))
