"""Choosing the speech engine, without any engine or model present."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

from twitch_coach.voice.engines import (
    VOSK_MODEL_ENV,
    WHISPER_MODEL_ENV,
    EngineChoice,
    choose_engine,
    create_recognizer,
    detect_engine,
    resolve_vosk_model,
    resolve_whisper_model,
)
from twitch_coach.voice.hints import Hints
from twitch_coach.voice.recognizer import RecognizerError

MODEL = Path("/models/vosk-small-en-us")
HINTS = Hints(whisper="twitch-coach models download whisper-tiny-en", vosk="twitch-coach models download vosk-small-en-us")


def test_auto_takes_vosk_when_a_good_model_is_installed() -> None:
    choice = choose_engine("auto", MODEL, True)
    assert choice == EngineChoice("vosk", choice.reason, MODEL)
    assert "Vosk" in choice.reason and str(MODEL) in choice.reason


def test_auto_falls_back_to_pocketsphinx_without_a_model() -> None:
    choice = choose_engine("auto", None, False, hints=HINTS)
    assert choice.name == "pocketsphinx" and choice.model_path is None
    assert choice.reason == (
        "using PocketSphinx: no Whisper model installed (twitch-coach models download whisper-tiny-en to add one); "
        "no Vosk model installed (twitch-coach models download vosk-small-en-us to add one)"
    )
    # voice names no command of its own: without hints from its caller it says only what is missing
    assert choose_engine("auto", None, False).reason == (
        "using PocketSphinx: no Whisper model installed; no Vosk model installed"
    )


def test_the_app_gives_voice_its_own_commands() -> None:
    from twitch_coach.skill.app import hints

    assert (hints().whisper, hints().vosk) == (HINTS.whisper, HINTS.vosk)


def test_auto_falls_back_on_a_broken_model_and_says_why() -> None:
    choice = choose_engine("auto", MODEL, False, "missing am/final.mdl", hints=HINTS)
    assert choice.name == "pocketsphinx"
    assert str(MODEL) in choice.reason and "missing am/final.mdl" in choice.reason
    assert "twitch-coach models download vosk-small-en-us" in choice.reason


def test_auto_falls_back_when_the_vosk_package_is_missing() -> None:
    choice = choose_engine("auto", MODEL, True, vosk_installed=False)
    assert choice.name == "pocketsphinx" and "pip install vosk" in choice.reason


def test_vosk_by_name_with_a_model() -> None:
    assert choose_engine("vosk", MODEL, True).name == "vosk"


@pytest.mark.parametrize("model, ok", [(None, False), (MODEL, False)])
def test_vosk_by_name_without_a_usable_model_is_an_error_not_a_fallback(model: Path | None, ok: bool) -> None:
    with pytest.raises(RecognizerError, match="twitch-coach models download vosk-small-en-us"):
        choose_engine("vosk", model, ok, hints=HINTS)


def test_pocketsphinx_by_name_ignores_an_installed_vosk_model() -> None:
    choice = choose_engine("pocketsphinx", MODEL, True)
    assert choice.name == "pocketsphinx" and choice.model_path is None


def test_unknown_engine_name() -> None:
    with pytest.raises(RecognizerError, match="whisper, vosk, pocketsphinx"):
        choose_engine("sphinx3", None, False)


WHISPER = Path("/models/whisper-tiny-en")


def test_auto_prefers_whisper_over_vosk() -> None:
    choice = choose_engine("auto", MODEL, True, whisper_model=WHISPER)
    assert choice == EngineChoice("whisper", "using Whisper: a Whisper model is installed (model /models/whisper-tiny-en)", WHISPER)


def test_auto_takes_vosk_when_the_whisper_folder_is_broken() -> None:
    assert choose_engine("auto", MODEL, True, whisper_model=WHISPER, whisper_problem="missing model.bin").name == "vosk"


def test_auto_falls_back_to_pocketsphinx_saying_why_whisper_was_not_used() -> None:
    choice = choose_engine("auto", None, False, whisper_model=WHISPER, whisper_installed=False)
    assert choice.name == "pocketsphinx" and "pip install ctranslate2 tokenizers" in choice.reason
    choice = choose_engine("auto", None, False, whisper_model=WHISPER, whisper_problem="missing model.bin")
    assert "the Whisper model at /models/whisper-tiny-en is not usable: missing model.bin" in choice.reason


def test_whisper_by_name_without_a_usable_model_is_an_error_not_a_fallback() -> None:
    with pytest.raises(RecognizerError, match="cannot use Whisper: no Whisper model installed"):
        choose_engine("whisper", MODEL, True)
    with pytest.raises(RecognizerError, match="missing tokenizer.json"):
        choose_engine("whisper", None, False, whisper_model=WHISPER, whisper_problem="missing tokenizer.json")


def _whisper_folder(path: Path, *files: str) -> Path:
    path.mkdir(parents=True)
    for name in files:
        (path / name).write_text("x")
    return path


def test_resolve_whisper_prefers_cli_then_env_then_store(tmp_path: Path) -> None:
    store = tmp_path / "store"
    installed = _whisper_folder(store / "whisper-tiny-en", "model.bin")
    given = _whisper_folder(tmp_path / "given", "model.bin")
    env = {WHISPER_MODEL_ENV: "/from/env"}
    assert resolve_whisper_model(given, env, store) == given
    assert resolve_whisper_model(tmp_path / "vosk-folder", env, store) == Path("/from/env")  # not Whisper: for Vosk
    assert resolve_whisper_model(tmp_path / "typo", env, store, "whisper") == tmp_path / "typo"
    assert resolve_whisper_model(None, {}, store) == installed
    assert resolve_whisper_model(None, {}, tmp_path) is None


def test_detect_takes_a_whisper_folder_given_with_model(tmp_path: Path) -> None:
    folder = _whisper_folder(tmp_path / "w", "config.json", "model.bin", "tokenizer.json", "vocabulary.txt")
    choice = detect_engine("auto", folder, env={}, store_dir=tmp_path / "store")
    assert choice.name == "whisper" and choice.model_path == folder
    broken = _whisper_folder(tmp_path / "b", "model.bin")
    with pytest.raises(RecognizerError, match="missing config.json, tokenizer.json, vocabulary.txt"):
        detect_engine("whisper", broken, env={}, store_dir=tmp_path / "store")
    assert "vosk" not in detect_engine("auto", broken, env={}, store_dir=tmp_path / "store").reason.split(";")[0].lower()


def test_resolve_prefers_cli_then_env_then_store(tmp_path: Path) -> None:
    store = tmp_path / "store"
    (store / "vosk-small-en-us").mkdir(parents=True)
    env = {VOSK_MODEL_ENV: "/from/env"}
    assert resolve_vosk_model("/from/cli", env, store) == Path("/from/cli")
    assert resolve_vosk_model(None, env, store) == Path("/from/env")
    assert resolve_vosk_model(None, {}, store) == store / "vosk-small-en-us"
    assert resolve_vosk_model(None, {VOSK_MODEL_ENV: ""}, store) == store / "vosk-small-en-us"


def test_resolve_without_anything_is_none(tmp_path: Path) -> None:
    assert resolve_vosk_model(None, {}, tmp_path) is None


def test_resolve_keeps_a_mistyped_explicit_path_so_it_can_be_reported(tmp_path: Path) -> None:
    assert resolve_vosk_model(tmp_path / "typo", {}, tmp_path) == tmp_path / "typo"


def test_detect_reports_a_bad_explicit_model(tmp_path: Path) -> None:
    choice = detect_engine("auto", tmp_path / "typo", env={}, store_dir=tmp_path)
    assert choice.name == "pocketsphinx" and "does not exist" in choice.reason
    with pytest.raises(RecognizerError, match="does not exist"):
        detect_engine("vosk", tmp_path / "typo", env={}, store_dir=tmp_path)


def test_detect_uses_the_home_store(tmp_path: Path) -> None:
    from twitch_coach.models.store import store_dir

    model = tmp_path / "models" / "vosk-small-en-us"
    for name in ("am/final.mdl", "conf/model.conf", "conf/mfcc.conf", "graph/HCLr.fst", "graph/Gr.fst"):
        (model / name).parent.mkdir(parents=True, exist_ok=True)
        (model / name).write_text("x")
    choice = detect_engine("auto", None, store_dir({"TWITCH_COACH_HOME": str(tmp_path)}), env={})
    assert choice.name == "vosk" and choice.model_path == model


def test_create_recognizer_imports_the_engine_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = types.ModuleType("twitch_coach.voice.pocketsphinx_engine")

    class PocketSphinxRecognizer:
        name = "pocketsphinx"

    fake.PocketSphinxRecognizer = PocketSphinxRecognizer  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "twitch_coach.voice.pocketsphinx_engine", fake)
    recognizer = create_recognizer(EngineChoice("pocketsphinx", "test"))
    assert isinstance(recognizer, PocketSphinxRecognizer)


def test_create_recognizer_turns_a_missing_module_into_a_recognizer_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "twitch_coach.voice.pocketsphinx_engine", None)  # import now raises ImportError
    with pytest.raises(RecognizerError, match="twitch_coach.voice.pocketsphinx_engine"):
        create_recognizer(EngineChoice("pocketsphinx", "test"))


def test_create_vosk_passes_the_model_path_through(tmp_path: Path) -> None:
    with pytest.raises(RecognizerError, match=str(tmp_path / "absent")):
        create_recognizer(EngineChoice("vosk", "test", tmp_path / "absent"))
    with pytest.raises(RecognizerError, match="model folder"):
        create_recognizer(EngineChoice("vosk", "test", None))
