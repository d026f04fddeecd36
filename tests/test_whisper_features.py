"""Whisper's front end: the BLAS-free mel projection is the filter bank's matrix product, and log_mel keeps its shape."""

from __future__ import annotations

import numpy as np

from twitch_coach.voice.whisper_features import N_MELS, _mel, log_mel, mel_filters


def test_the_sparse_mel_projection_is_the_filter_bank_product() -> None:
    power = np.random.default_rng(7).random((mel_filters().shape[1], 130)).astype(np.float32) * 50
    dense = mel_filters() @ power
    assert np.allclose(_mel(power), dense, rtol=1e-5, atol=1e-6)


def test_every_filter_has_weights_so_none_is_lost_by_the_sparse_sum() -> None:
    assert ((mel_filters() > 0).sum(axis=1) > 0).all()


def test_log_mel_of_a_short_answer_fills_its_window() -> None:
    t = np.arange(16000) / 16000
    features = log_mel(0.3 * np.sin(2 * np.pi * 440 * t), seconds=5)
    assert features.shape == (N_MELS, 500)
    assert features[:, 300:].std() < 1e-6 < features[:, :90].std()  # padding is flat, the tone is not
