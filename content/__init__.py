"""Content shipped as package data: causes, safety, vocabularies, dialogue trees, scoring."""
