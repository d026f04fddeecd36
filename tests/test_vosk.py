"""Vosk engine: model folder checks, grammar building and result parsing, all without a model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from twitch_coach.voice.recognizer import RecognizerError, Vocabulary
from twitch_coach.voice.vosk_engine import (
    ModelCheck,
    VoskRecognizer,
    check_model_folder,
    grammar_json,
    parse_partial,
    transcript_from_results,
    unknown_words,
)

FIX = "twitch-coach models download vosk-small-en-us"  # the command the app tells voice to say

SMALL_MODEL_FILES = (
    "am/final.mdl",
    "conf/model.conf",
    "conf/mfcc.conf",
    "graph/HCLr.fst",
    "graph/Gr.fst",
    "graph/phones/word_boundary.int",
    "ivector/final.ie",
)


def make_layout(root: Path, files: tuple[str, ...] = SMALL_MODEL_FILES) -> Path:
    """A folder with the small model's file names holding junk."""
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("junk\n")
    return root


def words_result(*words: tuple[str, float]) -> str:
    """A Vosk Result() JSON with SetWords(True)."""
    items = [{"conf": c, "end": i + 0.5, "start": float(i), "word": w} for i, (w, c) in enumerate(words)]
    return json.dumps({"result": items, "text": " ".join(w for w, _ in words)})


# Model folder checks -------------------------------------------------------------------------


def test_complete_small_layout_passes(tmp_path: Path) -> None:
    check = check_model_folder(make_layout(tmp_path))
    assert check.ok and check.runtime_grammar


def test_big_model_layout_passes_without_runtime_grammar(tmp_path: Path) -> None:
    files = ("am/final.mdl", "conf/model.conf", "conf/mfcc.conf", "graph/HCLG.fst")
    check = check_model_folder(make_layout(tmp_path, files))
    assert check.ok and not check.runtime_grammar


def test_missing_path(tmp_path: Path) -> None:
    check = check_model_folder(tmp_path / "nowhere")
    assert not check.ok
    assert "does not exist" in check.message() and str(tmp_path / "nowhere") in check.message()
    assert FIX in check.message(FIX) and "run:" not in check.message()  # voice says only the command it is given


def test_file_instead_of_folder(tmp_path: Path) -> None:
    (tmp_path / "model.zip").write_bytes(b"PK")
    assert "not a model folder" in check_model_folder(tmp_path / "model.zip").message()


def test_empty_folder_lists_everything_missing(tmp_path: Path) -> None:
    message = check_model_folder(tmp_path).message()
    for name in ("am/final.mdl", "conf/model.conf", "conf/mfcc.conf", "graph/HCLr.fst", "graph/Gr.fst"):
        assert name in message


def test_partial_layout_names_only_what_is_missing(tmp_path: Path) -> None:
    check = check_model_folder(make_layout(tmp_path, ("am/final.mdl", "conf/mfcc.conf", "graph/HCLG.fst")))
    assert check.problems == ("missing conf/model.conf",)


def test_model_one_level_down_is_pointed_out(tmp_path: Path) -> None:
    make_layout(tmp_path / "vosk-model-small-en-us-0.15")
    check = check_model_folder(tmp_path)
    assert any("one level down" in p and "vosk-model-small-en-us-0.15" in p for p in check.problems)


# The real constructor, which must refuse before vosk is ever called ----------------------------


@pytest.mark.parametrize(
    "setup, expected",
    [
        (lambda p: p / "missing", "does not exist"),
        (lambda p: p, "missing am/final.mdl"),
        (lambda p: make_layout(p, ("README", "notes.txt", "graph/words.txt")), "missing am/final.mdl"),
    ],
    ids=["missing-path", "empty-dir", "junk-files"],
)
def test_constructor_refuses_bad_folders_with_a_fix(tmp_path: Path, setup, expected: str) -> None:  # type: ignore[no-untyped-def]
    path = setup(tmp_path)
    with pytest.raises(RecognizerError) as info:
        VoskRecognizer(path, fix=FIX)
    message = str(info.value)
    assert str(path) in message and expected in message and message.endswith(f"To install one, run: {FIX}")


def test_complete_layout_of_junk_gives_a_recognizer_error_not_a_bare_exception(tmp_path: Path) -> None:
    pytest.importorskip("vosk")
    path = make_layout(tmp_path)
    with pytest.raises(RecognizerError, match="could not load the model") as info:
        VoskRecognizer(path, fix=FIX)
    assert str(path) in str(info.value) and FIX in str(info.value)


# Grammar and vocabulary -----------------------------------------------------------------------


def test_grammar_json_lists_phrases_once_plus_unk() -> None:
    assert json.loads(grammar_json(["Yes", "no", " yes ", "not  really"])) == [
        "yes",
        "no",
        "not really",
        "[unk]",
    ]


def test_grammar_json_refuses_an_empty_vocabulary() -> None:
    with pytest.raises(ValueError):
        grammar_json(["  ", "[unk]"])


def test_unknown_words_are_reported_sorted_without_repeats() -> None:
    lexicon = {"my": 1, "calf": 2, "twitches": 3}
    found = unknown_words(("my calf twitches", "my quadriceps fasciculate", "quadriceps"), lambda w: lexicon.get(w, -1))
    assert found == ["fasciculate", "quadriceps"]


# Results -------------------------------------------------------------------------------------


def test_words_result_becomes_a_transcript() -> None:
    transcript = transcript_from_results([words_result(("my", 0.9), ("calf", 0.7))])
    assert transcript.text == "my calf"
    assert transcript.confidence == pytest.approx(0.8)
    assert transcript.engine == "vosk" and not transcript.rejected


def test_unk_only_result_is_rejected() -> None:
    transcript = transcript_from_results([words_result(("[unk]", 0.8))])
    assert transcript.rejected and transcript.text == "" and transcript.confidence == 0.0


def test_unk_beside_an_answer_lowers_confidence_but_keeps_the_answer() -> None:
    transcript = transcript_from_results([words_result(("[unk]", 1.0), ("yes", 1.0))])
    assert transcript.text == "yes" and not transcript.rejected
    assert transcript.confidence == pytest.approx(0.5)


def test_empty_result_is_nothing_heard_not_a_rejection() -> None:
    transcript = transcript_from_results(['{"text": ""}'])
    assert transcript.text == "" and not transcript.rejected and transcript.confidence == 0.0


def test_segments_are_joined_in_order() -> None:
    results = [words_result(("my", 1.0), ("calf", 0.8)), words_result(("twitches", 0.6))]
    transcript = transcript_from_results(results)
    assert transcript.text == "my calf twitches"
    assert transcript.confidence == pytest.approx(0.8)


def test_text_only_result_without_word_confidences() -> None:
    assert transcript_from_results(['{"text": "no"}']).text == "no"


def test_alternatives_become_shares_best_first() -> None:
    raw = json.dumps(
        {
            "alternatives": [
                {"confidence": 200.0, "text": "yes"},
                {"confidence": 199.0, "text": "yes [unk]"},
                {"confidence": 197.0, "text": "no"},
                {"confidence": 150.0, "text": "[unk]"},
            ]
        }
    )
    transcript = transcript_from_results([raw])
    assert transcript.text == "yes"
    assert [text for text, _ in transcript.alternatives] == ["no"]  # "yes [unk]" merged into "yes"
    assert transcript.confidence + transcript.alternatives[0][1] == pytest.approx(1.0, abs=1e-6)
    assert transcript.confidence > 0.9


def test_alternatives_led_by_unk_are_rejected() -> None:
    raw = json.dumps({"alternatives": [{"confidence": 10.0, "text": "[unk]"}, {"confidence": 1.0, "text": "yes"}]})
    transcript = transcript_from_results([raw])
    assert transcript.rejected and transcript.text == ""


def test_partial_result_drops_unk() -> None:
    assert parse_partial('{"partial": "[unk] my calf"}') == "my calf"
    assert parse_partial('{"partial": ""}') == ""


def test_model_check_is_a_frozen_value(tmp_path: Path) -> None:
    check = ModelCheck(tmp_path, (), True)
    with pytest.raises(AttributeError):
        check.ok = False  # type: ignore[misc]


def test_recognizer_with_a_fake_vosk_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The glue between the pure helpers and vosk, with a fake standing in for the library."""
    import twitch_coach.voice.vosk_engine as engine

    made: list[FakeKaldi] = []

    class FakeModel:
        def __init__(self, path: str) -> None:
            self.path = path

        def vosk_model_find_word(self, word: str) -> int:
            return -1 if word == "fasciculation" else 7

    class FakeKaldi:
        def __init__(self, model: FakeModel, rate: int, grammar: str | None = None) -> None:
            self.rate, self.grammar, self.words, self.alternatives, self.fed = rate, grammar, False, 0, 0
            made.append(self)

        def SetWords(self, on: bool) -> None:  # noqa: N802 - vosk's spelling
            self.words = on

        def SetMaxAlternatives(self, n: int) -> None:  # noqa: N802
            self.alternatives = n

        def AcceptWaveform(self, chunk: bytes) -> bool:  # noqa: N802
            self.fed += 1
            return self.fed == 2  # Vosk closes a segment at the second chunk

        def Result(self) -> str:  # noqa: N802
            return words_result(("yes", 0.9))

        def PartialResult(self) -> str:  # noqa: N802
            return '{"partial": "ye"}'

        def FinalResult(self) -> str:  # noqa: N802
            return words_result(("[unk]", 0.5))

    class FakeVosk:
        Model = FakeModel
        KaldiRecognizer = FakeKaldi

        @staticmethod
        def SetLogLevel(level: int) -> None:  # noqa: N802
            pass

    monkeypatch.setattr(engine, "_import_vosk", lambda: FakeVosk)
    recognizer = VoskRecognizer(make_layout(tmp_path))
    assert recognizer.name == "vosk"
    assert recognizer.unknown_words(("a fasciculation",)) == ["fasciculation"]
    with pytest.raises(RecognizerError, match="fasciculation"):
        recognizer.start(Vocabulary(("yes", "a fasciculation")))
    with pytest.raises(RecognizerError, match="start"):
        recognizer.feed(b"\x00\x00")

    recognizer.start(Vocabulary(("yes", "no")))
    assert json.loads(made[-1].grammar or "") == ["yes", "no", "[unk]"]
    assert made[-1].rate == 16000 and made[-1].words
    assert recognizer.feed(b"\x00\x00" * 1600) == "ye"
    assert recognizer.feed(b"\x00\x00" * 1600) == "yes"
    transcript = recognizer.finish()
    # The "[unk]" after the closed segment lowers confidence but keeps the answer heard first.
    assert transcript.text == "yes" and transcript.confidence == pytest.approx(0.45)

    recognizer.start(Vocabulary())
    assert made[-1].grammar is None


def test_closed_vocabulary_needs_a_runtime_graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import twitch_coach.voice.vosk_engine as engine

    class FakeVosk:
        @staticmethod
        def SetLogLevel(level: int) -> None:  # noqa: N802
            pass

        @staticmethod
        def Model(path: str) -> object:  # noqa: N802
            return object()

    monkeypatch.setattr(engine, "_import_vosk", lambda: FakeVosk)
    files = ("am/final.mdl", "conf/model.conf", "conf/mfcc.conf", "graph/HCLG.fst")
    recognizer = VoskRecognizer(make_layout(tmp_path, files))
    with pytest.raises(RecognizerError, match="HCLr.fst"):
        recognizer.start(Vocabulary(("yes", "no")))
