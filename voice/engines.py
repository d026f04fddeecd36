"""Which speech recogniser to use: a pure choice from what is installed, then a lazy import of it."""

from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from twitch_coach.voice.hints import NO_HINTS, Hints
from twitch_coach.voice.recognizer import Recognizer, RecognizerError

ENGINES = ("auto", "whisper", "vosk", "pocketsphinx")  # what --engine accepts
WHISPER_MODEL_ENV = "TWITCH_COACH_WHISPER_MODEL"  # environment variable naming a Whisper model folder
WHISPER_STORE_NAME = "whisper-tiny-en"  # the folder the store installs and auto mode looks for first
VOSK_MODEL_ENV = "TWITCH_COACH_VOSK_MODEL"  # environment variable naming a Vosk model folder
VOSK_STORE_NAME = "vosk-small-en-us"  # the model the store installs and auto mode looks for


@dataclass(frozen=True)
class EngineChoice:
    """The recogniser to create and why."""

    name: str
    """"whisper", "vosk" or "pocketsphinx"."""
    reason: str
    """One sentence for the user: which engine and why, with the fix when it is a fallback."""
    model_path: Path | None = None
    """The Whisper or Vosk model folder; None for PocketSphinx (it uses the model bundled with the package)."""


def choose_engine(
    requested: str,
    vosk_model: Path | None,
    vosk_model_ok: bool,
    vosk_problem: str = "",
    vosk_installed: bool = True,
    whisper_model: Path | None = None,
    whisper_problem: str = "",
    whisper_installed: bool = True,
    hints: Hints = NO_HINTS,
) -> EngineChoice:
    """Pick the engine for `requested` ("auto", "whisper", "vosk", "pocketsphinx") given what is installed.

    Auto prefers Whisper (it hears real voices best), then Vosk, then the PocketSphinx that ships in its
    wheel. `whisper_problem` says what is wrong with `whisper_model`; "" when it is a good folder.
    """
    if requested not in ENGINES:
        raise RecognizerError(f"unknown speech engine {requested!r}; choose one of {', '.join(ENGINES)}")
    if requested == "pocketsphinx":
        return EngineChoice("pocketsphinx", "using PocketSphinx: asked for with --engine pocketsphinx")
    whisper_missing = ""
    if requested in ("auto", "whisper"):
        if whisper_installed and whisper_model is not None and not whisper_problem:
            why = "asked for" if requested == "whisper" else "a Whisper model is installed"
            return EngineChoice("whisper", f"using Whisper: {why} (model {whisper_model})", whisper_model)
        if not whisper_installed:
            whisper_missing = "ctranslate2 and tokenizers are not installed (pip install ctranslate2 tokenizers)"
        elif whisper_model is None:
            whisper_missing = "no Whisper model installed" + (f" ({hints.whisper} to add one)" if hints.whisper else "")
        else:
            whisper_missing = f"the Whisper model at {whisper_model} is not usable: {whisper_problem}"
            whisper_missing += f" ({hints.whisper})" if hints.whisper else ""
        if requested == "whisper":
            raise RecognizerError(f"cannot use Whisper: {whisper_missing}")
    usable = vosk_installed and vosk_model is not None and vosk_model_ok
    if usable:
        why = "asked for" if requested == "vosk" else "a Vosk model is installed"
        return EngineChoice("vosk", f"using Vosk: {why} (model {vosk_model})", vosk_model)
    if not vosk_installed:
        problem = "the vosk package is not installed (pip install vosk)"
    elif vosk_model is None:
        problem = "no Vosk model installed" + (f" ({hints.vosk} to add one)" if hints.vosk else "")
    else:
        detail = f": {vosk_problem}" if vosk_problem else ""
        problem = f"the Vosk model at {vosk_model} is not usable{detail}"
        problem += f" ({hints.vosk} to install a good one)" if hints.vosk else ""
    if requested == "vosk":
        # Asked for by name: falling back quietly would hide the problem the user wants to know about.
        raise RecognizerError(f"cannot use Vosk: {problem}")
    return EngineChoice("pocketsphinx", f"using PocketSphinx: {whisper_missing}; {problem}")


def resolve_vosk_model(cli_path: str | Path | None, env: Mapping[str, str], store_dir: Path) -> Path | None:
    """The Vosk model folder to try: --model, else $TWITCH_COACH_VOSK_MODEL, else the store's, else None."""
    if cli_path:
        return Path(cli_path).expanduser()
    if env.get(VOSK_MODEL_ENV):
        return Path(env[VOSK_MODEL_ENV]).expanduser()
    installed = store_dir / VOSK_STORE_NAME
    # A store folder that does not exist means "not installed"; an explicit path is returned as given,
    # so that a mistyped --model is reported instead of silently ignored.
    return installed if installed.exists() else None


def is_whisper_folder(path: Path) -> bool:
    """True when `path` holds a CTranslate2 model (model.bin), so --model in auto mode means Whisper, not Vosk."""
    return (path / "model.bin").is_file()


def resolve_whisper_model(
    cli_path: str | Path | None, env: Mapping[str, str], store_dir: Path, requested: str = "auto"
) -> Path | None:
    """The Whisper folder to try: --model (with --engine whisper, or in auto mode when it holds a Whisper
    model), else $TWITCH_COACH_WHISPER_MODEL, else the store's whisper-tiny-en, else None."""
    if cli_path and (requested == "whisper" or is_whisper_folder(Path(cli_path).expanduser())):
        return Path(cli_path).expanduser()
    if env.get(WHISPER_MODEL_ENV):
        return Path(env[WHISPER_MODEL_ENV]).expanduser()
    installed = store_dir / WHISPER_STORE_NAME
    return installed if installed.exists() else None


def detect_engine(
    requested: str,
    cli_path: str | Path | None,
    store_dir: Path,
    env: Mapping[str, str] | None = None,
    hints: Hints = NO_HINTS,
) -> EngineChoice:
    """Look at this machine (model folders under `store_dir`, the engine packages) and choose with `choose_engine`.

    The caller says where downloaded models live and how to install one: voice knows nothing of the app."""
    from twitch_coach.voice.vosk_engine import check_model_folder
    from twitch_coach.voice.whisper_engine import check_model_folder as check_whisper_folder

    env = env if env is not None else os.environ
    whisper = resolve_whisper_model(cli_path, env, store_dir, requested)
    whisper_problems = check_whisper_folder(whisper) if whisper is not None else []
    # --model names one folder: a Whisper folder is not also tried (and reported broken) as a Vosk model.
    vosk_path = None if cli_path and whisper is not None and Path(cli_path).expanduser() == whisper else cli_path
    model = resolve_vosk_model(vosk_path, env, store_dir)
    check = check_model_folder(model) if model is not None else None
    return choose_engine(
        requested,
        model,
        check is not None and check.ok,
        "; ".join(check.problems) if check is not None else "",
        importlib.util.find_spec("vosk") is not None,
        whisper,
        "; ".join(whisper_problems),
        all(importlib.util.find_spec(name) is not None for name in ("ctranslate2", "tokenizers")),
        hints,
    )


def create_recognizer(choice: EngineChoice, hints: Hints = NO_HINTS) -> Recognizer:
    """The recogniser `choice` names, importing its engine module only now; its errors end with `hints`."""
    if choice.name == "whisper":
        if choice.model_path is None:
            raise RecognizerError("Whisper needs a model folder" + (f"; run: {hints.whisper}" if hints.whisper else ""))
        module = _engine_module("twitch_coach.voice.whisper_engine")
        return module.WhisperRecognizer(choice.model_path, fix=hints.whisper)
    if choice.name == "vosk":
        if choice.model_path is None:
            raise RecognizerError("Vosk needs a model folder" + (f"; run: {hints.vosk}" if hints.vosk else ""))
        module = _engine_module("twitch_coach.voice.vosk_engine")
        return module.VoskRecognizer(choice.model_path, fix=hints.vosk)
    if choice.name == "pocketsphinx":
        module = _engine_module("twitch_coach.voice.pocketsphinx_engine")
        return module.PocketSphinxRecognizer()
    raise RecognizerError(f"unknown speech engine {choice.name!r}; choose one of {', '.join(ENGINES[1:])}")


def _engine_module(name: str) -> ModuleType:
    """Import the engine module `name`, turning a missing dependency into a RecognizerError."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise RecognizerError(f"cannot load the speech engine module {name}: {exc}") from exc
