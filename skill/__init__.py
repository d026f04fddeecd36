"""Wiring and the command line: listen, understand, respond."""
