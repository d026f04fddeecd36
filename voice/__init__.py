"""Audio in and out: recognisers, text-to-speech, microphone, speaker, wake word."""
